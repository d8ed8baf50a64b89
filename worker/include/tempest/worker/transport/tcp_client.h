// SPDX-License-Identifier: Apache-2.0
// tcp_client: the sending end of the worker-to-worker transport (tcp_transport.h).
#pragma once

#include "tempest/worker/transport/frame.h"
#include "tempest/worker/transport/io_pool.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tempest::worker::transport {

struct client_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    // A frame is queued once it holds this many bytes, or when flush_interval has passed since
    // its first tuple. flush_interval 0: no timer; the sender queues frames itself (flush(),
    // flush_older_than()), as remote_io's executors do.
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
    // Called when a write completed (queue room; on the I/O strand, or on the thread of a
    // sender that wrote a frame itself) or the peer granted credits (on the strand): a sender
    // that was refused may try again. Must be cheap and must not call back into the client.
    std::function<void()> on_room;
};

// One persistent connection to one peer worker. try_send()/flush() may be called from any thread
// (a mutex guards the frame being filled and the queue); connecting, reading grants, the flush
// timer and writes the socket cannot take at once run on the client's strand of an io_pool: the
// worker's shared one, or (made without a pool) a pool of one thread of its own. A frame sealed by
// a sender while the socket is free (no write in flight, nothing older queued) is written by that
// sender itself, without waiting, on a duplicate of the socket's descriptor, after it released
// the lock (unlock(), or the end of try_send()/flush()): no post and no wake-up of the I/O
// thread per frame; what the socket does not take goes on through the strand. Frames queued
// while disconnected are written after the reconnect; frames being written when a connection
// fails are written again on the next one (at-least-once; acking deals with the rest).
class tcp_client {
  public:
    // On a pool of its own (one thread).
    explicit tcp_client(client_options options);
    // On `pool`, which must outlive the client and run while it does.
    tcp_client(client_options options, io_pool& pool);
    ~tcp_client();  // stop()
    tcp_client(const tcp_client&) = delete;
    tcp_client& operator=(const tcp_client&) = delete;

    // Starts the first connection attempt (and its own pool's thread). Does nothing when
    // running.
    void start();
    // Closes the connection and waits until none of its handlers can run any more; unsent
    // frames are dropped. Idempotent.
    void stop();

    // Adds `t` (dest task, source task, stream, anchors, values; or a system message) to the
    // frame being filled. Returns false, leaving `t` unsent, when the queue is full or `t`'s
    // task has no credit left: the caller keeps it and retries later (backpressure).
    [[nodiscard]] bool try_send(const tuple& t);
    // The same for a run of tuples under one lock: lock(); try_send_locked(t)...; unlock() (or
    // std::unique_lock<tcp_client>). Requires: the caller holds the lock; it must not call
    // flush() or try_send() meanwhile.
    void lock();
    void unlock();
    [[nodiscard]] bool try_send_locked(const tuple& t);
    // The same for the first messages of a run encoded ahead (frame.h's run_head and repeat
    // form): adds as many as have credit and queue room, in order, sealing frames by size as
    // it goes. Returns how many went and their bytes (fewer than `count`: the caller keeps the
    // rest and retries later). Requires: the lock held, as above.
    [[nodiscard]] run_prefix try_send_run_locked(const run_head& h,
                                                 std::span<const std::byte> bytes,
                                                 std::uint32_t count);
    // Queues the frame being filled now instead of waiting for the flush interval. Returns false
    // when the queue is full (the frame stays open; the timer, or the caller, retries).
    bool flush();
    // flush() if the frame being filled got its first tuple at or before `cutoff`. Returns false
    // when that frame could not be queued (a full queue).
    bool flush_older_than(std::chrono::steady_clock::time_point cutoff);

    bool connected() const noexcept;
    // Frames queued and not yet fully written (the open frame not counted).
    std::size_t queued_frames() const noexcept;
    // Connections established since start (1 after the first connect, 2 after a reconnect, ...).
    std::uint64_t connects() const noexcept;
    // Times try_send() refused a message for lack of credit, and credits granted by the peer.
    std::uint64_t credit_waits() const noexcept;
    std::uint64_t credits_granted() const noexcept;
    // Messages in frames queued for writing (counted per frame, when it is sealed) and bytes
    // written to the socket, since construction. A frame written again after a reconnect counts
    // its bytes again. Any thread.
    std::uint64_t messages_sent() const noexcept;
    std::uint64_t bytes_written() const noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::worker::transport
