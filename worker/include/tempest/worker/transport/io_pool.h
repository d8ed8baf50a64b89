// SPDX-License-Identifier: Apache-2.0
// io_pool: the fixed set of I/O threads that every connection of a worker shares.
//
//   io_pool (one per worker: N threads running one event loop)
//     ├── tcp_server: the listener and every accepted connection, all on one strand
//     └── tcp_client per peer worker, each on its own strand
//
// A worker used to run one thread per outgoing connection (and Asio's resolver thread with
// each); with a pool its thread count does not depend on how many peers it has. Handlers of one
// server or one client never run concurrently (each has its own strand), so N threads only let
// different connections' work overlap. Owned by remote_io (or by a test); clients and servers
// that use it take it by reference and must be stopped before it is.
#pragma once

#include <cstddef>
#include <memory>

namespace tempest::worker::transport {

class io_pool {
  public:
    // `threads` >= 1 (0 is taken as 1).
    explicit io_pool(std::size_t threads = 1);
    ~io_pool();  // stop()
    io_pool(const io_pool&) = delete;
    io_pool& operator=(const io_pool&) = delete;

    // Starts the threads (named "net-io-<i>"). Idempotent while running.
    void start();
    // Joins the threads once every handler has run. Requires: every client and server using the
    // pool has been stopped (their sockets closed, timers cancelled), or this waits for them.
    void stop();
    std::size_t threads() const noexcept;

    // The Asio side, for tcp_client.cc and tcp_server.cc (worker/src/transport/io_pool_impl.h).
    struct impl;
    impl& internals() noexcept { return *_impl; }

  private:
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::worker::transport
