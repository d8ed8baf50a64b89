// SPDX-License-Identifier: Apache-2.0
// tcp_transport: persistent worker-to-worker TCP connections carrying frames (frame.h).
//
// tcp_server listens on a port and hands each decoded frame to a callback; tcp_client keeps one
// connection to one peer worker, batches tuples into frames (by size and by a flush interval),
// holds a bounded queue of encoded frames (try_send() returns false when it is full: the caller
// applies backpressure) and reconnects with capped exponential backoff after errors. Both own one
// Asio I/O thread each; Asio stays out of this header.
//
// Flow control is by credits, per destination task: a client may have at most credit_window
// messages for a task sent and not yet granted back. The server's owner grants credits back on
// the same connection (tcp_server::grant) once it has taken the messages off the connection's
// hands; try_send() refuses a message whose task has no credit left, exactly as for a full
// queue. A receiver therefore never holds more than credit_window messages per task per
// sending connection, however far behind its executors fall. Each new connection starts with a
// full window.
#pragma once

#include "tempest/worker/transport/frame.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace tempest::worker::transport {

// `count` more messages may be sent for task `task`.
struct credit_grant {
    std::uint32_t task = 0;
    std::uint32_t count = 0;
};

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

struct client_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    // A frame is queued once it holds this many bytes, or when flush_interval has passed since
    // its first tuple.
    std::size_t batch_bytes = 64 * 1024;
    std::chrono::microseconds flush_interval{1000};
    // Encoded frames waiting to be written (the frame being filled not counted).
    std::size_t max_queued_frames = 64;
    std::chrono::milliseconds initial_backoff{20};
    std::chrono::milliseconds max_backoff{2000};
    // Messages per destination task that may be sent ahead of the peer's grants; 0 = no flow
    // control (every message may be sent).
    std::uint32_t credit_window = 0;
    // Task ids the peer may grant credits for are below this (checked on every grant frame).
    std::uint32_t task_limit = 0;
};

// One persistent connection to one peer worker. try_send()/flush() may be called from any thread
// (a mutex guards the frame being filled and the queue); writing, connecting and the flush timer
// run on the client's I/O thread. Frames queued while disconnected are written after the
// reconnect; frames being written when a connection fails are written again on the next one
// (at-least-once; acking deals with the rest).
class tcp_client {
  public:
    explicit tcp_client(client_options options);
    ~tcp_client();  // stop()
    tcp_client(const tcp_client&) = delete;
    tcp_client& operator=(const tcp_client&) = delete;

    // Starts the I/O thread and the first connection attempt. Requires: not running.
    void start();
    // Closes the connection and joins the I/O thread; unsent frames are dropped.
    void stop();

    // Adds `t` (dest task, source task, stream, anchors, values; or a system message) to the
    // frame being filled. Returns false, leaving `t` unsent, when the queue is full or `t`'s
    // task has no credit left: the caller keeps it and retries later (backpressure).
    [[nodiscard]] bool try_send(const tuple& t);
    // Queues the frame being filled now instead of waiting for the flush interval. Returns false
    // when the queue is full (the frame stays open and the timer retries).
    bool flush();

    bool connected() const noexcept;
    // Frames queued and not yet fully written (the open frame not counted).
    std::size_t queued_frames() const noexcept;
    // Connections established since start (1 after the first connect, 2 after a reconnect, ...).
    std::uint64_t connects() const noexcept;
    // Times try_send() refused a message for lack of credit, and credits granted by the peer.
    std::uint64_t credit_waits() const noexcept;
    std::uint64_t credits_granted() const noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::worker::transport
