// SPDX-License-Identifier: Apache-2.0
// api_util: what the route files of the REST API share (api_v1.cc, api_topology.cc): the JSON
// answer (with JSONP), the wrapper that turns a route's exceptions into the API's JSON errors,
// parameter parsing, and the pieces of Storm's shapes used on several pages.
#pragma once

#include "api_error.h"
#include "api_v1.h"
#include "logger.h"
#include "nimbus_access.h"
#include "router.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace tempest::ui {

// The HTTP status for a Nimbus failure (see nimbus_access.h).
int status_of(nimbus_failure f);

// `body` as the answer, wrapped as JSONP when the request has a `callback` (api_error 400 when
// that is not a JavaScript name).
http_response json_response(const nlohmann::json& body, const http_request& req);

// Logs a Nimbus failure behind a request at warn, at most once per 10 s: while Nimbus is down
// every request fails the same way, and a busy UI would write thousands of lines a second. The
// line after a quiet spell says how many failures it left out.
void warn_nimbus_failure(const http_request& req, const char* what);

// Wraps a route's work: its exceptions become the API's JSON errors.
template <typename Fn>
router::route_handler guarded(Fn fn) {
    return [fn = std::move(fn)](const http_request& req, const path_params& params) {
        try {
            return json_response(fn(req, params), req);
        } catch (const api_error& e) {
            return error_response(e.status(), e.what());
        } catch (const nimbus_call_error& e) {
            if (e.kind() == nimbus_failure::unreachable || e.kind() == nimbus_failure::failed) {
                warn_nimbus_failure(req, e.what());
            }
            return error_response(status_of(e.kind()), e.what());
        } catch (const std::exception& e) {
            log().error("{} {} failed: {}", req.method, req.path, e.what());
            return error_response(500, e.what());
        }
    };
}

// A whole number of seconds >= 0 (a path parameter such as wait-time); api_error 400 otherwise.
int parse_secs(const std::string& name, const std::string& text);
// The `sys` query parameter: absent, 0 or false → false; 1 or true → true; api_error 400 else.
bool parse_sys(const http_request& req);
// The `window` query parameter: absent or empty → ":all-time"; else one of "600", "10800",
// "86400", ":all-time" (api_error 400 otherwise).
std::string parse_window(const http_request& req);
// Storm's pretty name of a window: "10m 0s", "3h 0m 0s", "1d 0h 0m 0s", "All time".
std::string window_pretty(const std::string& window);

// Percent-encodes everything but RFC 3986's unreserved characters (Storm's encodedId fields).
inline std::string url_encode(std::string_view s) {
    return percent_encode(s);
}

// Storm's link to a worker's log on the logviewer of its host:
// http://HOST:PORT/log?file=TOPOLOGY_ID%2FWORKER_PORT%2Fworker.log (the file parameter
// percent-encoded, as Storm writes it). Empty when host or topology is unknown.
std::string worker_log_link(const api_options& o, const std::string& host,
                            const std::string& topology_id, int port);

// A worker of Storm's supervisor and topology pages, with its workerLogLink and Tempest's
// heartbeatAgeSecs and late.
nlohmann::json worker_json(const worker_info& w, const api_options& o);

}  // namespace tempest::ui
