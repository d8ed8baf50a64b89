// SPDX-License-Identifier: Apache-2.0
// tcp_server: the receiving end of the worker-to-worker transport (tcp_transport.h).
#pragma once

#include "tempest/worker/transport/credit_grant.h"
#include "tempest/worker/transport/frame.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace tempest::worker::transport {

struct server_options {
    std::string bind_address = "0.0.0.0";
    std::uint16_t port = 0;  // 0 = any free port; see tcp_server::port()
    std::uint32_t max_frame_bytes = default_max_frame_bytes;
};

// Accepts connections from peer workers and decodes their frames. A malformed frame closes that
// connection with an error logged on logger("worker"); the server keeps accepting. Created and
// stopped by the worker's main thread; the callback runs on the server's I/O thread.
class tcp_server {
  public:
    // Called once per decoded frame, on the I/O thread, with the id of the connection it came
    // by (unique while the server runs, below 2^24). The tuples are reused after it returns.
    // It must not throw (an exception is logged and closes that connection).
    using batch_handler = std::function<void(std::uint32_t connection, std::span<tuple> tuples)>;

    // `schemas` must outlive the server. Call start() to listen.
    tcp_server(server_options options, const schema_table& schemas, batch_handler on_batch);
    ~tcp_server();  // stop()
    tcp_server(const tcp_server&) = delete;
    tcp_server& operator=(const tcp_server&) = delete;

    // Binds, listens and starts the I/O thread. Returns false (and logs why) when the address
    // cannot be bound. Requires: not running.
    [[nodiscard]] bool start();
    // Closes the listener and every connection and joins the I/O thread. Idempotent; after it the
    // server may be start()ed again (same port when options.port was fixed).
    void stop();
    // The bound port (the chosen one when options.port was 0); 0 before start().
    std::uint16_t port() const noexcept;
    // Sends credit grants (task, count) to the client at the other end of `connection`, in one
    // frame, after any grants sent before. Any thread. Grants for a connection that has closed
    // are dropped: its client starts a fresh window when it reconnects.
    void grant(std::uint32_t connection, std::span<const credit_grant> grants);
    // Connections open now, and frames rejected as malformed since construction.
    std::size_t connection_count() const noexcept;
    std::uint64_t rejected_frames() const noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::worker::transport
