// SPDX-License-Identifier: Apache-2.0
// http_request / http_response: what the UI's HTTP server hands to its handler and gets back,
// in plain types so that handlers (the router, the REST API) never see Boost.Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

// --- Streaming responses (Server-Sent Events) ---------------------------------------------
// Where a streaming response's body goes: the server hands one to the response's `stream`
// callback once the status line and header are on their way. The body is sent chunked
// (HTTP/1.1; close-delimited for 1.0) and the connection closes when the stream ends.
class http_stream_sink {
  public:
    virtual ~http_stream_sink() = default;
    // Queues `data` to be sent; never blocks. Returns false, and ends the stream (closing the
    // connection), when the stream is already closed or when the bytes queued but not yet sent
    // would exceed http_options::max_stream_unsent_bytes (a client that does not read). Any
    // thread.
    virtual bool send(std::string data) = 0;
    // Ends the body once what is queued has been sent, then closes the connection. Any thread.
    virtual void close() = 0;
    // False once the stream has ended: closed, dropped, the client gone, or the server stopping.
    virtual bool is_open() const = 0;
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

    // Optional: a streaming body instead of `body`. When set, the server sends the status and
    // header (no Content-Length), then calls `stream` once with the sink the body is written
    // to. It is called on an I/O thread: it must be quick and must not block (keep the sink,
    // hand it to whoever produces the data).
    std::function<void(std::shared_ptr<http_stream_sink>)> stream;

    // FILE-DOWNLOAD: when set, the body comes from this file and `body` is ignored.
    std::optional<http_file_body> file;
};

// Splits `target` ("/a/b%20c?x=1&y=%2F") into a decoded path and query. Returns false when the
// target is not an origin-form path or has a malformed percent escape.
bool parse_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query);

// Percent-decodes `in` ('+' stays '+' unless `plus_is_space`). False on a malformed escape.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);
// Percent-encodes every byte of `in` but RFC 3986's unreserved characters (letters, digits,
// - _ . ~) and those in `keep`.
std::string percent_encode(std::string_view in, std::string_view keep = {});

// The standard reason phrase of `status` ("Not Found"), "Unknown" for others.
const char* reason_phrase(int status);

}  // namespace tempest::ui
