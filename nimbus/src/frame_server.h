// SPDX-License-Identifier: Apache-2.0
// frame_server: the TCP front of Nimbus' Thrift service. It reads whole frames of Thrift's framed
// transport (a 4-byte big-endian length, then that many bytes) on one I/O thread with Boost.Asio
// and hands each complete frame to a fixed pool of worker threads, which compute the reply frame
// (nimbus_server runs the Thrift processor there); the I/O thread writes it back. So:
//
//   clients ──TCP──▶ I/O thread: accept, read frame (limit, deadline) ──▶ worker pool (threads)
//                        ▲                                                      │
//                        └──────────── write reply (deadline) ◀─────────────────┘
//
// - Threads are bounded: one I/O thread plus `threads` workers, whatever the number of clients.
// - A frame longer than `max_frame_bytes` (or of length <= 0) closes its connection before any
//   of its bytes is read; a frame's buffer grows with the bytes that actually arrive, never with
//   what the length claims.
// - Connections are bounded by `max_connections`: at the limit, a new connection takes the place
//   of the one that has waited longest for (or on) its request; if every connection is being
//   served, the new one is closed at once. Idle and slow clients so never lock out new ones.
// - Each request must arrive completely within `request_timeout` of the connection opening or of
//   its previous reply, and each reply must be taken by the client within it; otherwise the
//   connection is closed (idle clients and half-sent requests alike). A request being processed
//   has no deadline.
// - A connection has one request in flight at a time (Thrift's clients wait for each reply).
//
// Owned by nimbus_server; start() binds and starts the threads, stop() (or the destructor)
// closes every connection and joins them. stop() waits for the handler calls in progress.
// Thread-safe. Logs refusals and timeouts on the "nimbus" logger, at most one line a second per
// kind (with the count of the others).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tempest::nimbus {

struct frame_server_options {
    int port = 0;                           // 0: any free port (port() tells which)
    std::size_t max_frame_bytes = 1 << 20;  // nimbus.thrift.max_buffer_size
    int threads = 64;                       // nimbus.thrift.threads
    int max_connections = 512;              // nimbus.thrift.max.connections
    std::chrono::milliseconds request_timeout{std::chrono::seconds(120)};
};

// What a worker makes of one frame: the reply frame's bytes (empty: no reply, as for a oneway
// call) and whether to close the connection afterwards (after sending the reply, if any).
struct frame_reply {
    std::string bytes;
    bool close = false;
};

// Called on a worker thread with one request frame's bytes and the peer's address (for logs).
// Exceptions it throws are logged and close the connection.
using frame_handler = std::function<frame_reply(std::string_view request, const std::string& peer)>;

class frame_server {
  public:
    frame_server(frame_server_options options, frame_handler handler);
    ~frame_server();
    frame_server(const frame_server&) = delete;
    frame_server& operator=(const frame_server&) = delete;

    // Binds (IPv6 any with IPv4 mapped, else IPv4 any) and starts the threads. Throws
    // std::runtime_error naming the port when it cannot bind. Requires: not started.
    void start();
    // Closes the listener and every connection, waits for handler calls in progress, joins.
    void stop();
    // The bound port. Requires: started.
    int port() const;

    struct counters {
        std::uint64_t open = 0;       // connections open now
        std::uint64_t accepted = 0;   // connections accepted so far
        std::uint64_t timed_out = 0;  // closed for the request or reply deadline
        std::uint64_t evicted = 0;    // closed to make room at max_connections
        std::uint64_t refused = 0;    // closed at once at max_connections (all busy)
        std::uint64_t oversized = 0;  // closed for a frame length out of bounds
        std::uint64_t frames = 0;     // complete frames handed to the workers
    };
    counters stats() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::nimbus
