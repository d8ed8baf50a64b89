// SPDX-License-Identifier: Apache-2.0
// http_request / http_response: what the UI's HTTP server hands to its handler and gets back,
// in plain types so that handlers (the router, the REST API) never see Boost.Beast.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tempest::ui {

struct http_request {
    std::string method;                        // "GET", "POST", ... as sent
    std::string target;                        // the request target as sent: path and query
    std::string path;                          // the target's path, percent-decoded
    std::map<std::string, std::string> query;  // decoded query parameters (the last one wins)
    std::string body;
    std::string content_type;
};

// FILE-DOWNLOAD: a response body read from a file instead of `http_response::body` (the
// logviewer's downloads and large pages). The server opens `path` when it writes the response
// and sends exactly `length` bytes from `offset` (the Content-Length), in chunks, never holding
// more than one chunk of it in memory. A file shorter than offset + length by then ends the
// connection after what could be sent. 404 if it cannot be opened.
struct http_file_body {
    std::string path;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra header fields
    // FILE-DOWNLOAD: when set, the body comes from this file and `body` is ignored.
    std::optional<http_file_body> file;
};

// Splits `target` ("/a/b%20c?x=1&y=%2F") into a decoded path and query. Returns false when the
// target is not an origin-form path or has a malformed percent escape.
bool parse_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query);

// Percent-decodes `in` ('+' stays '+' unless `plus_is_space`). False on a malformed escape.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);

// The standard reason phrase of `status` ("Not Found"), "Unknown" for others.
const char* reason_phrase(int status);

}  // namespace tempest::ui
