// SPDX-License-Identifier: Apache-2.0
// logviewer_routes: the logviewer's HTTP endpoints (Storm logviewer's names) over a log_folder:
//
//   GET /                     HTML: every log file, linked
//   GET /log                  HTML page of a file (from the end by default), pager, search box;
//                             with search-string, the matches as HTML
//   GET /api/v1/log           the same page as JSON: file, start, length, size, content
//   GET /download, /api/v1/download        the whole file as an attachment, streamed
//   GET /search, /api/v1/search            Storm's search JSON
//   GET /api/v1/listLogs      Storm's listLogs: ["topology/port/file", ...]
//
// Errors: JSON {"error", "errorMessage"} with the status of log_access_error (400 bad parameter,
// 403 a path leading out of the folder, 404 no such file), an HTML page for /log. Handlers run on
// the HTTP server's handler threads; they share nothing but the folder.
#pragma once

#include "logviewer_files.h"
#include "router.h"
#include "tempest/common/html_escape.h"

#include <functional>
#include <string>

namespace tempest::ui {

// `base_url` gives "http://HOST:PORT" of this logviewer, for the absolute links of search
// results (Storm's logviewerURL); called on handler threads. `folder` must outlive the router.
void add_logviewer_routes(router& r, const log_folder& folder,
                          std::function<std::string()> base_url);

// Percent-encodes a query parameter value, leaving '/' (a log file's path) readable.
inline std::string url_encode(std::string_view s) {
    return percent_encode(s, "/");
}

// Escapes & < > " ' for HTML text and attribute values (common's, shared with the bench plots).
using common::html_escape;

}  // namespace tempest::ui
