// SPDX-License-Identifier: Apache-2.0
// tcp_client's state and its two sides, private to the transport: the sender's (sealing frames,
// writing a free socket itself: tcp_client_send.cc) and the strand's (connecting, reading
// grants, writing what a sender did not, the flush timer: tcp_client.cc).
#pragma once

#include "asio_common.h"
#include "io_pool_impl.h"
#include "send_credits.h"
#include "tempest/worker/transport/tcp_client.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace tempest::worker::transport {

struct tcp_client::impl {
    impl(client_options o, io_pool* shared)
        : own_pool(shared == nullptr ? std::make_unique<io_pool>(1) : nullptr),
          pool(shared == nullptr ? *own_pool : *shared),
          options(std::move(o)),
          strand(asio::make_strand(pool.internals().io)),
          socket(strand),
          resolver(strand),
          backoff_timer(strand),
          flush_timer(strand),
          backoff(options.initial_backoff),
          grant_schemas(options.task_limit),
          credits(options.credit_window, options.task_limit, options.max_queued_frames) {}

    // --- any thread, under mu

    // Moves the open frame to the queue; false when the queue is full. `by_sender`: called by a
    // sender (not the strand), which writes the frame itself when it unlocks if the socket is
    // free (no write in flight, nothing older queued): no post, no wake-up of the I/O thread.
    bool seal_locked(bool by_sender = false);

    // Wakes the strand to write the queued frames (start_write).
    void post_kick_locked();

    // --- the sender's direct write (any thread but the strand's handlers)

    struct direct_job {
        int fd = -1;
        const std::byte* data = nullptr;
        std::size_t size = 0;
    };

    // Under mu: the frame a sender is to write itself now, if seal_locked() chose that.
    std::optional<direct_job> take_direct_locked();

    // Writes `job` on the connection without waiting (outside mu), then, under mu, drops the
    // frame if it went whole and goes on with frames sealed meanwhile, or hands what is left to
    // the strand (the socket was full, or failed: the strand's write sees the failure and
    // reconnects).
    void direct_write(direct_job job);

    // Under mu: the connection's duplicate for direct writes is closed now, or by the sender
    // writing on it when it is done.
    void retire_direct_fd_locked();

    // A frame got its first tuple: the flush timer must run. A kick already on its way to the
    // strand arms it there; otherwise a post does (a wake-up of the I/O thread when it sleeps).
    void frame_started_locked();

    // The transfer side may retry: a write freed queue room or a grant brought credit.
    void notify_room() const;

    // --- on the strand only

    void connect();

    void on_connect(const error_code& ec);

    void retry_later(const error_code& ec);

    // The peer sends only credit grants (frames of flow messages); anything else is a protocol
    // error that closes the connection. Reads whatever the socket holds into one buffer and
    // applies every whole frame in it: one system call per wake-up, where a read of the length
    // and then of the body took three (the third failing with EAGAIN) per grant frame.
    void read_grants(std::uint64_t gen);

    // One grant frame's credits; false (the connection closed) on anything but grants.
    bool apply_grants(std::uint64_t gen, std::span<const std::byte> body, std::uint64_t& granted);

    void on_protocol_error(std::uint64_t gen, const std::string& why);

    void on_error(std::uint64_t gen, const error_code& ec);

    void start_write();

    // The first n queued frames have been written: their buffers go back for reuse; with
    // `refund`, their messages go back to the credit of the connection now open.
    void drop_written(std::size_t n, bool refund);

    // The open frame is sealed once its first tuple is flush_interval old. One timer per
    // client, re-armed for the frame open when it fires; frames sealed by size (or by the
    // sender's flush()) before then just move the age check to the next frame.
    void arm_flush(std::chrono::steady_clock::duration delay);

    // First members: destroyed last, after the sockets and timers that use its io_context.
    std::unique_ptr<io_pool> own_pool;  // a client made without a pool runs on its own thread
    io_pool& pool;
    client_options options;
    asio::strand<asio::io_context::executor_type> strand;
    handler_tracker handlers;  // token(): on the strand, or under mu while !closed
    bool running = false;      // owner thread (start/stop)

    // On the strand only.
    tcp::socket socket;
    tcp::resolver resolver;
    asio::steady_timer backoff_timer;
    asio::steady_timer flush_timer;
    std::chrono::milliseconds backoff;
    std::uint64_t generation = 0;
    bool writing = false;
    bool stopping = false;
    std::vector<asio::const_buffer> write_buffers;
    static constexpr std::uint32_t max_grant_frame_bytes = 1u << 20;
    static constexpr std::size_t grant_read_bytes = 4096;
    std::vector<std::byte> grant_buf;  // [grant_pos, grant_end): received, not yet applied
    std::size_t grant_pos = 0;
    std::size_t grant_end = 0;
    schema_table grant_schemas;  // no schemas: only the task range, for grant frames
    decoded_batch grant_batch;

    // Guarded by mu.
    std::mutex mu;
    frame_encoder encoder;
    std::deque<frame_bytes> queue;   // sealed frames; the front ones may be in flight
    std::vector<frame_bytes> spare;  // written frames' buffers, reused
    send_credits credits;            // by task, and what each unwritten frame holds
    bool kick_posted = false;
    bool write_in_flight = false;   // the strand calls start_write() again when a write completes
    int direct_fd = -1;             // a duplicate of the connected socket, for direct_write()
    bool direct_pending = false;    // a sender writes the front frame when it unlocks
    bool direct_busy = false;       // a sender writes on direct_fd, outside mu
    std::size_t front_written = 0;  // bytes of the front frame a direct write got out
    bool flush_armed = false;       // the flush timer runs, or a post or kick will arm it
    bool arm_on_kick = false;       // the kick arms the flush timer
    std::chrono::steady_clock::time_point frame_started{};  // the open frame's first tuple
    bool closed = true;  // not started, or stopping: nothing is posted any more

    std::atomic<bool> is_connected{false};
    std::atomic<std::size_t> queued{0};
    std::atomic<std::uint64_t> connect_count{0};
    std::atomic<std::uint64_t> waits{0};
    std::atomic<std::uint64_t> granted_total{0};
    std::atomic<std::uint64_t> sealed_messages{0};  // written under mu
    std::atomic<std::uint64_t> written_bytes{0};    // by the strand and direct writes
};

}  // namespace tempest::worker::transport
