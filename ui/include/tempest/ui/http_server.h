// SPDX-License-Identifier: Apache-2.0
// http_server: the UI's HTTP/1.1 server (Boost.Beast over Boost.Asio, kept out of this header).
//
//   accept ──▶ connection (strand) ──read request──▶ handler pool ──response──▶ connection
//      │                         ▲                                               │
//      └ over max_connections:   └────────────── keep-alive: next request ◀──────┘
//        503 and close
//
// - A few I/O threads run every connection; each connection is one strand, reads one request at
//   a time (no pipelining) and owns at most one request and one response: memory is bounded by
//   max_connections × (max_header_bytes + max_body_bytes + the response).
// - Handlers run on a separate pool (handler_threads), so a handler that waits (a Nimbus call)
//   never delays the I/O of other connections.
// - Each read has a deadline (read_timeout): a connection that sends nothing, or sends a request
//   too slowly, or stays idle between keep-alive requests, is closed when it passes. Writes have
//   write_timeout.
// - Too large a header gets 431, too large a body 413, a malformed request 400; each then closes.
// - A response with a `stream` (http_types.h) keeps its connection for a streaming body: the
//   producer pushes data through an http_stream_sink from any thread; the connection's strand
//   writes it. Unsent data per stream is bounded (max_stream_unsent_bytes: over it the client is
//   dropped), each write has write_timeout, and a client closing its end ends the stream. stop()
//   ends every stream with the other connections.
//
// Lifecycle: construct, start() binds and serves (throws std::system_error when it cannot bind),
// stop() (or the destructor) closes the listener and every connection and joins all threads,
// waiting for running handlers. The handler may be called from several pool threads at once.
#pragma once

#include "tempest/ui/http_types.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace tempest::ui {

struct http_options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port; port() reports the bound one
    int io_threads = 2;
    int handler_threads = 4;
    std::size_t max_connections = 256;
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_body_bytes = 64 * 1024;
    std::chrono::milliseconds read_timeout{std::chrono::seconds(15)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(15)};
    // Streaming responses (http_stream_sink): the bytes one stream may have queued but not yet
    // sent; a client that reads too slowly to stay under it is dropped.
    std::size_t max_stream_unsent_bytes = 1024 * 1024;
};

class http_server {
  public:
    using handler = std::function<http_response(const http_request&)>;

    // `h` must not throw; the server answers 500 if it does.
    http_server(http_options options, handler h);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    void start();
    void stop();

    // The bound port. Requires: started.
    int port() const;
    // Connections open now (for tests and logs).
    std::size_t open_connections() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::ui
