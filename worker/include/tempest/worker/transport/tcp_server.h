// SPDX-License-Identifier: Apache-2.0
// tcp_server: the receiving end of the worker-to-worker transport (tcp_transport.h).
#pragma once

#include "tempest/worker/transport/credit_grant.h"
#include "tempest/worker/transport/frame.h"
#include "tempest/worker/transport/io_pool.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tempest::worker::transport {

struct server_options {
    std::string bind_address = "0.0.0.0";
    std::uint16_t port = 0;  // 0 = any free port; see tcp_server::port()
    std::uint32_t max_frame_bytes = default_max_frame_bytes;
};

// Accepts connections from peer workers and decodes their frames. A malformed frame closes that
// connection with an error logged on logger("worker"); the server keeps accepting. Created and
// stopped by the worker's main thread; every handler (the listener's and every connection's)
// runs on one strand of an io_pool, one at a time, whichever of the pool's threads runs it: the
// "I/O thread" below. The methods marked "on the I/O thread" may be called from a handler.
class tcp_server {
  public:
    // Called once per decoded frame with the id of the connection it came by (unique while the
    // server runs). The tuples are reused after it returns: take them by swapping. It must not
    // throw (an exception is logged and closes that connection).
    using batch_handler = std::function<void(std::uint32_t connection, std::span<tuple> tuples)>;
    // Instead of a batch handler (set_frame_handler): called once per frame with its body (the
    // bytes after the length prefix), which it decodes itself (frame_reader), e.g. straight into
    // its executors' rings. Returns what was wrong with the body (frame_error::none when nothing):
    // an error closes the connection as for a malformed frame. Same rules as batch_handler.
    using frame_handler =
        std::function<frame_error(std::uint32_t connection, std::span<const std::byte> body)>;
    // Called once when a connection that was accepted closes (error, bad frame or stop()).
    using close_handler = std::function<void(std::uint32_t connection)>;
    // Called when the timer armed with arm_timer() expires.
    using timer_handler = std::function<void()>;

    // `schemas` must outlive the server. Call start() to listen. Without a pool the server runs
    // on a pool of one thread of its own; `pool` must outlive the server and run while it does.
    tcp_server(server_options options, const schema_table& schemas, batch_handler on_batch);
    tcp_server(server_options options, const schema_table& schemas, batch_handler on_batch,
               io_pool& pool);
    ~tcp_server();  // stop()
    tcp_server(const tcp_server&) = delete;
    tcp_server& operator=(const tcp_server&) = delete;

    // Optional handlers. Requires: not running (before start()).
    void set_close_handler(close_handler h);
    void set_timer_handler(timer_handler h);
    // Frames go to `h` undecoded instead of to the batch handler (which may then be empty).
    void set_frame_handler(frame_handler h);

    // Binds and listens (and starts its own pool's thread). Returns false (and logs why) when
    // the address cannot be bound or the server runs already.
    [[nodiscard]] bool start();
    // Closes the listener and every connection and waits until none of the server's handlers can
    // run any more (frames read meanwhile are dropped). Idempotent; after it the server may be
    // start()ed again (same port when options.port was fixed).
    void stop();
    // The bound port (the chosen one when options.port was 0); 0 before start().
    std::uint16_t port() const noexcept;
    // Sends credit grants (task, count) to the client at the other end of `connection`, in one
    // frame, after any grants sent before. Any thread. Grants for a connection that has closed
    // are dropped: its client starts a fresh window when it reconnects.
    void grant(std::uint32_t connection, std::span<const credit_grant> grants);
    // Runs the timer handler once, `delay` from now, or earlier if it is armed for earlier.
    // Requires: on the I/O thread (in a handler).
    void arm_timer(std::chrono::microseconds delay);
    // Stops reading frames (on every connection, once each has handed over the frame it is
    // decoding) until resume_reading(); grants are still written. The receiver's last resort
    // against a peer that ignores credits. Requires: on the I/O thread.
    void pause_reading();
    void resume_reading();
    // Connections open now, and frames rejected as malformed since construction.
    std::size_t connection_count() const noexcept;
    std::uint64_t rejected_frames() const noexcept;

    // What came by one open connection: frame bytes (length prefix included) and messages of
    // the frames decoded so far.
    struct connection_figures {
        std::string peer;  // the client's address, "ip:port"
        std::uint64_t bytes = 0;
        std::uint64_t messages = 0;
    };
    // The connections open now, by connection id. Any thread (a lock held for the copy).
    std::vector<connection_figures> connections() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::worker::transport
