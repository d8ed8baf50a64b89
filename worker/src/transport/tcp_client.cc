// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/transport/tcp_client.h"

#include "asio_common.h"
#include "io_pool_impl.h"
#include "send_credits.h"
#include "tuple_access.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
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
    bool seal_locked(bool by_sender = false) {
        if (queue.size() >= options.max_queued_frames) {
            return false;
        }
        // Counted when sealed, once per frame (not per message): the frame is on its way.
        sealed_messages.store(
            sealed_messages.load(std::memory_order_relaxed) + encoder.message_count(),
            std::memory_order_relaxed);
        encoder.finish();
        frame_bytes fresh;
        if (!spare.empty()) {
            fresh = std::move(spare.back());
            spare.pop_back();
        }
        queue.push_back(encoder.take(std::move(fresh)));
        credits.seal();
        queued.store(queue.size(), std::memory_order_relaxed);
        if (direct_pending || direct_busy) {
            return true;  // the sender writing takes it after the frames before it
        }
        if (by_sender && direct_fd >= 0 && queue.size() == 1 && !write_in_flight && !kick_posted) {
            direct_pending = true;  // written by the sender when it unlocks (direct_write)
            return true;
        }
        // A write in flight takes this frame when it completes: no wake-up of the I/O thread.
        if (!kick_posted && !write_in_flight && !closed) {
            post_kick_locked();
        }
        return true;
    }

    void post_kick_locked() {
        {
            kick_posted = true;
            asio::post(strand, [this, t = handlers.token()] {
                bool arm = false;
                {
                    std::lock_guard lock(mu);
                    kick_posted = false;
                    arm = std::exchange(arm_on_kick, false);
                }
                start_write();
                if (arm) {
                    arm_flush(options.flush_interval);
                }
            });
        }
    }

    // --- the sender's direct write (any thread but the strand's handlers)

    struct direct_job {
        int fd = -1;
        const std::byte* data = nullptr;
        std::size_t size = 0;
    };

    // Under mu: the frame a sender is to write itself now, if seal_locked() chose that.
    std::optional<direct_job> take_direct_locked() {
        if (!direct_pending) {
            return std::nullopt;
        }
        direct_pending = false;
        if (direct_fd < 0 || write_in_flight || queue.empty()) {
            // The connection ended since (or the strand took over): the strand writes it.
            if (!queue.empty() && !kick_posted && !write_in_flight && !closed) {
                post_kick_locked();
            }
            return std::nullopt;
        }
        direct_busy = true;
        const frame_bytes& f = queue.front();
        return direct_job{direct_fd, f.data() + front_written, f.size() - front_written};
    }

    // Writes `job` on the connection without waiting (outside mu), then, under mu, drops the
    // frame if it went whole and goes on with frames sealed meanwhile, or hands what is left to
    // the strand (the socket was full, or failed: the strand's write sees the failure and
    // reconnects).
    void direct_write(direct_job job) {
        bool room = false;
        for (int round = 0;; ++round) {
            std::size_t done = 0;
            bool failed = false;
            while (done < job.size) {
                const ssize_t n =
                    ::send(job.fd, job.data + done, job.size - done, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n > 0) {
                    done += static_cast<std::size_t>(n);
                } else if (n < 0 && errno == EINTR) {
                    continue;
                } else {
                    failed = n < 0 && errno != EAGAIN && errno != EWOULDBLOCK;
                    break;
                }
            }
            std::lock_guard lock(mu);
            direct_busy = false;
            written_bytes.fetch_add(done, std::memory_order_relaxed);
            const bool ended = direct_fd != job.fd;  // retired meanwhile: the writer closes it
            if (ended) {
                ::close(job.fd);
            }
            if (done == job.size) {
                front_written = 0;
                if (spare.size() < options.max_queued_frames) {
                    spare.push_back(std::move(queue.front()));
                }
                queue.pop_front();
                // Written whole before its connection ended: not written again. A connection
                // open since counted it against its window: given back, as drop_written does.
                credits.written(ended && is_connected.load(std::memory_order_relaxed));
                queued.store(queue.size(), std::memory_order_relaxed);
                room = true;
            } else {
                // A part of a frame on a connection that ended is worth nothing: written whole
                // on the next one.
                front_written = ended || failed ? 0 : front_written + done;
            }
            const bool more = !queue.empty();
            if (more && done == job.size && !ended && !failed && round < 4 && !write_in_flight &&
                !kick_posted && !closed && direct_fd >= 0) {
                direct_busy = true;
                const frame_bytes& f = queue.front();
                job = direct_job{direct_fd, f.data(), f.size()};
                continue;
            }
            if (more && !write_in_flight && !kick_posted && !closed) {
                post_kick_locked();
            }
            break;
        }
        if (room) {
            notify_room();
        }
    }

    // Under mu: the connection's duplicate for direct writes is closed now, or by the sender
    // writing on it when it is done.
    void retire_direct_fd_locked() {
        if (direct_fd >= 0 && !direct_busy) {
            ::close(direct_fd);
        }
        direct_fd = -1;
        front_written = 0;  // a part written on the old connection: the frame goes whole again
    }

    // A frame got its first tuple: the flush timer must run. A kick already on its way to the
    // strand arms it there; otherwise a post does (a wake-up of the I/O thread when it sleeps).
    void frame_started_locked() {
        frame_started = std::chrono::steady_clock::now();
        if (flush_armed || closed || options.flush_interval.count() == 0) {
            return;  // the timer looks at the frame's age when it fires
        }
        flush_armed = true;
        if (kick_posted) {
            arm_on_kick = true;
            return;
        }
        asio::post(strand, [this, tok = handlers.token()] { arm_flush(options.flush_interval); });
    }

    // The transfer side may retry: a write freed queue room or a grant brought credit.
    void notify_room() const {
        if (options.on_room) {
            options.on_room();
        }
    }

    // --- on the strand only

    void connect() {
        if (stopping) {
            return;
        }
        // A numeric address needs no resolver (Asio runs each io_context's resolves on a thread
        // of its own: one more thread per worker).
        error_code bad;
        const auto address = asio::ip::make_address(options.host, bad);
        if (!bad) {
            socket.async_connect(
                tcp::endpoint(address, options.port),
                [this, t = handlers.token()](const error_code& ec) { on_connect(ec); });
            return;
        }
        resolver.async_resolve(
            options.host, std::to_string(options.port),
            [this, t = handlers.token()](const error_code& ec,
                                         const tcp::resolver::results_type& results) {
                if (stopping) {
                    return;
                }
                if (ec) {
                    retry_later(ec);
                    return;
                }
                asio::async_connect(
                    socket, results,
                    [this, t](const error_code& ec2, const tcp::endpoint&) { on_connect(ec2); });
            });
    }

    void on_connect(const error_code& ec) {
        if (stopping) {
            return;
        }
        if (ec) {
            error_code ignored;
            socket.close(ignored);  // (void): the attempt already failed
            retry_later(ec);
            return;
        }
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // (void): only a latency hint
        set_liveness_options(socket);
        ++generation;
        backoff = options.initial_backoff;
        {
            // A new connection starts with a full window, less what will be written on it: the
            // queued frames and the open one. What the old connection wrote is lost or was
            // taken, and the peer owes nothing for it on this one. Set before connected() says
            // so, so that a caller who waits for the connection sees its window.
            std::lock_guard lock(mu);
            credits.reset_for_new_connection();
            // Senders write sealed frames on a duplicate of the socket when it is free
            // (direct_write); without one (dup failed) every frame goes through the strand.
            retire_direct_fd_locked();
            direct_fd = ::dup(socket.native_handle());
        }
        is_connected.store(true, std::memory_order_release);
        const auto n = connect_count.fetch_add(1, std::memory_order_relaxed) + 1;
        log().info("transport: connected to {}:{}{}", options.host, options.port,
                   n > 1 ? " (reconnected)" : "");
        grant_pos = grant_end = 0;  // nothing of the last connection's stream is kept
        read_grants(generation);
        start_write();
        notify_room();  // a fresh window: tuples refused for credit may go now
    }

    void retry_later(const error_code& ec) {
        log().debug("transport: connecting to {}:{} failed: {}; retrying in {} ms", options.host,
                    options.port, ec.message(), backoff.count());
        backoff_timer.expires_after(backoff);
        backoff = std::min(backoff * 2, options.max_backoff);
        backoff_timer.async_wait([this, t = handlers.token()](const error_code& e) {
            if (!e && !stopping) {
                connect();
            }
        });
    }

    // The peer sends only credit grants (frames of flow messages); anything else is a protocol
    // error that closes the connection. Reads whatever the socket holds into one buffer and
    // applies every whole frame in it: one system call per wake-up, where a read of the length
    // and then of the body took three (the third failing with EAGAIN) per grant frame.
    void read_grants(std::uint64_t gen) {
        if (grant_pos > 0) {
            std::memmove(grant_buf.data(), grant_buf.data() + grant_pos, grant_end - grant_pos);
            grant_end -= grant_pos;
            grant_pos = 0;
        }
        if (grant_buf.size() - grant_end < grant_read_bytes) {
            grant_buf.resize(grant_end + grant_read_bytes);
        }
        socket.async_read_some(
            asio::buffer(grant_buf.data() + grant_end, grant_buf.size() - grant_end),
            [this, gen, t = handlers.token()](const error_code& ec, std::size_t n) {
                if (gen != generation) {
                    return;
                }
                if (ec) {
                    on_error(gen, ec);
                    return;
                }
                grant_end += n;
                std::uint64_t granted = 0;
                while (grant_end - grant_pos >= 4) {
                    std::uint32_t length = 0;
                    std::memcpy(&length, grant_buf.data() + grant_pos, 4);
                    if (const frame_error e = check_frame_length(length, max_grant_frame_bytes);
                        e != frame_error::none) {
                        on_protocol_error(gen, std::string(to_string(e)));
                        return;
                    }
                    if (grant_end - grant_pos - 4 < length) {
                        break;  // the rest of this frame is still on its way
                    }
                    const std::span<const std::byte> body(grant_buf.data() + grant_pos + 4, length);
                    grant_pos += 4 + std::size_t{length};
                    if (!apply_grants(gen, body, granted)) {
                        return;  // closed
                    }
                }
                if (grant_pos == grant_end) {
                    grant_pos = grant_end = 0;
                }
                if (granted > 0) {
                    granted_total.fetch_add(granted, std::memory_order_relaxed);
                    notify_room();
                }
                read_grants(gen);
            });
    }

    // One grant frame's credits; false (the connection closed) on anything but grants.
    bool apply_grants(std::uint64_t gen, std::span<const std::byte> body, std::uint64_t& granted) {
        if (const frame_error e = decode_frame_body(body, grant_schemas, grant_batch);
            e != frame_error::none) {
            on_protocol_error(gen, std::string(to_string(e)));
            return false;
        }
        for (const tuple& t : grant_batch.tuples()) {
            if (detail::tuple_access::kind(t) != detail::message_kind::flow) {
                // Before any credit is applied, and outside mu (on_error takes it).
                on_protocol_error(gen, "a message other than a credit grant");
                return false;
            }
        }
        std::lock_guard lock(mu);
        for (const tuple& t : grant_batch.tuples()) {
            const std::uint64_t n = detail::tuple_access::sys_val(t);
            granted += n;
            credits.grant(static_cast<std::uint32_t>(detail::tuple_access::dest_task(t)), n);
        }
        return true;
    }

    void on_protocol_error(std::uint64_t gen, const std::string& why) {
        log().error("transport: bad frame from {}:{}: {}; reconnecting", options.host, options.port,
                    why);
        on_error(gen, asio::error::make_error_code(asio::error::invalid_argument));
    }

    void on_error(std::uint64_t gen, const error_code& ec) {
        if (gen != generation || stopping) {
            return;
        }
        ++generation;  // late handlers of this connection are ignored
        error_code ignored;
        socket.close(ignored);  // (void): the connection is already broken
        is_connected.store(false, std::memory_order_release);
        writing = false;
        {
            std::lock_guard lock(mu);
            write_in_flight = false;  // frames sealed from now on kick; on_connect writes them
            retire_direct_fd_locked();
        }
        log().warn("transport: connection to {}:{} lost: {}; reconnecting", options.host,
                   options.port, ec.message());
        retry_later(ec);
    }

    void start_write() {
        if (writing || stopping || !is_connected.load(std::memory_order_relaxed)) {
            return;
        }
        std::size_t n = 0;
        write_buffers.clear();
        {
            std::lock_guard lock(mu);
            if (direct_busy || direct_pending) {
                return;  // a sender writes; it hands what is left back with a kick
            }
            n = std::min<std::size_t>(queue.size(), 64);
            // Deque elements do not move on push_back, so these pointers stay valid.
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t skip = i == 0 ? front_written : 0;  // a sender wrote that much
                write_buffers.emplace_back(queue[i].data() + skip, queue[i].size() - skip);
            }
            // While a write is in flight its completion comes back here: frames sealed
            // meanwhile need no kick.
            write_in_flight = n > 0;
        }
        if (write_buffers.empty()) {
            return;
        }
        writing = true;
        const std::uint64_t gen = generation;
        asio::async_write(
            socket, write_buffers,
            [this, gen, n, t = handlers.token()](const error_code& ec, std::size_t bytes) {
                // What reached the socket, also of a failed write.
                written_bytes.fetch_add(bytes, std::memory_order_relaxed);
                if (gen != generation) {
                    // The connection failed (its read saw EOF first) after this write completed. A
                    // frame written in full is not written again, unless a write on the next
                    // connection has already taken it. If the next connection is up, it counted
                    // these frames against its window: give that back.
                    if (!ec && !writing && !stopping) {
                        drop_written(n, is_connected.load(std::memory_order_relaxed));
                    }
                    return;
                }
                writing = false;
                if (ec) {
                    on_error(gen, ec);
                    return;
                }
                drop_written(n, false);
                start_write();
                notify_room();
            });
    }

    // The first n queued frames have been written: their buffers go back for reuse; with
    // `refund`, their messages go back to the credit of the connection now open.
    void drop_written(std::size_t n, bool refund) {
        std::lock_guard lock(mu);
        if (direct_busy || direct_pending) {
            // Only after a failed connection (a strand write in flight excludes a sender's): a
            // sender writes the front frame on the next one. The frames go again, counted
            // against that connection's window as they were (at least once).
            return;
        }
        front_written = 0;
        for (std::size_t i = 0; i < n && !queue.empty(); ++i) {
            if (spare.size() < options.max_queued_frames) {
                spare.push_back(std::move(queue.front()));
            }
            queue.pop_front();
            credits.written(refund);
        }
        queued.store(queue.size(), std::memory_order_relaxed);
    }

    // The open frame is sealed once its first tuple is flush_interval old. One timer per
    // client, re-armed for the frame open when it fires; frames sealed by size (or by the
    // sender's flush()) before then just move the age check to the next frame.
    void arm_flush(std::chrono::steady_clock::duration delay) {
        if (stopping) {
            return;
        }
        flush_timer.expires_after(delay);
        flush_timer.async_wait([this, t = handlers.token()](const error_code& ec) {
            if (ec || stopping) {
                return;
            }
            std::chrono::steady_clock::duration next{};
            {
                std::lock_guard lock(mu);
                if (encoder.message_count() == 0) {
                    flush_armed = false;  // the next frame's first tuple arms it again
                    return;
                }
                const auto age = std::chrono::steady_clock::now() - frame_started;
                if (age < options.flush_interval) {
                    next = options.flush_interval - age;
                } else if (!seal_locked()) {
                    next = options.flush_interval;  // queue full: try again after an interval
                } else {
                    flush_armed = false;
                    return;
                }
            }
            arm_flush(next);
        });
    }

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

tcp_client::tcp_client(client_options options)
    : _impl(std::make_unique<impl>(std::move(options), nullptr)) {}

tcp_client::tcp_client(client_options options, io_pool& pool)
    : _impl(std::make_unique<impl>(std::move(options), &pool)) {}

tcp_client::~tcp_client() {
    stop();
}

void tcp_client::start() {
    impl& c = *_impl;
    if (c.running) {
        return;
    }
    c.running = true;
    if (c.own_pool) {
        c.own_pool->start();
    }
    c.stopping = false;
    c.handlers.arm();
    {
        std::lock_guard lock(c.mu);
        c.closed = false;
    }
    asio::post(c.strand, [&c, t = c.handlers.token()] { c.connect(); });
}

void tcp_client::stop() {
    impl& c = *_impl;
    if (!c.running) {
        return;
    }
    c.running = false;
    {
        std::lock_guard lock(c.mu);
        c.closed = true;  // no more posts from try_send()/flush()
    }
    asio::post(c.strand, [&c, t = c.handlers.token()] {
        c.stopping = true;
        ++c.generation;
        error_code ignored;
        c.resolver.cancel();
        c.backoff_timer.cancel();
        c.flush_timer.cancel();
        {
            std::lock_guard lock(c.mu);
            c.retire_direct_fd_locked();
        }
        // Down for the duplicate too, should a sender still be writing on it.
        c.socket.shutdown(tcp::socket::shutdown_both, ignored);  // (void): may not be connected
        c.socket.close(ignored);  // (void): shutting down; nothing to report
        c.is_connected.store(false, std::memory_order_release);
        c.writing = false;
        // On the strand, after which no handler of this client takes a token.
        c.handlers.release();
    });
    c.handlers.wait();  // every handler of this client has run (the aborted ones included)
    if (c.own_pool) {
        c.own_pool->stop();
    }
    std::unique_lock lock(c.mu);
    while (c.direct_busy) {
        // A sender on another thread is in its direct write (a non-blocking send): it ends
        // soon, and closes the duplicate it wrote on.
        lock.unlock();
        std::this_thread::yield();
        lock.lock();
    }
    c.queue.clear();
    c.credits.drop_frames();
    c.queued.store(0, std::memory_order_relaxed);
    c.encoder.begin();
    c.kick_posted = false;
    c.write_in_flight = false;
    c.direct_pending = false;
    c.front_written = 0;
    c.flush_armed = false;
    c.arm_on_kick = false;
}

void tcp_client::lock() {
    _impl->mu.lock();
}

void tcp_client::unlock() {
    impl& c = *_impl;
    auto job = c.take_direct_locked();
    c.mu.unlock();
    if (job) {
        c.direct_write(*job);
    }
}

bool tcp_client::try_send(const tuple& t) {
    lock();
    const bool sent = try_send_locked(t);
    unlock();
    return sent;
}

bool tcp_client::try_send_locked(const tuple& t) {
    impl& c = *_impl;
    const auto task = static_cast<std::uint32_t>(detail::tuple_access::dest_task(t));
    if (c.credits.enabled() && !c.credits.has_credit(task)) {
        c.waits.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    if (c.encoder.message_count() > 0 && c.encoder.size() >= c.options.batch_bytes &&
        !c.seal_locked(true)) {
        return false;
    }
    if (c.credits.enabled()) {
        c.credits.take(task);
    }
    const bool was_empty = c.encoder.message_count() == 0;
    c.encoder.add(t);
    if (c.encoder.size() >= c.options.batch_bytes) {
        (void)c.seal_locked(true);  // a full queue leaves the frame open; the next call says so
    } else if (was_empty) {
        c.frame_started_locked();
    }
    return true;
}

bool tcp_client::flush() {
    impl& c = *_impl;
    lock();
    const bool queued = c.encoder.message_count() == 0 || c.seal_locked(true);
    unlock();
    return queued;
}

bool tcp_client::flush_older_than(std::chrono::steady_clock::time_point cutoff) {
    impl& c = *_impl;
    lock();
    const bool queued =
        c.encoder.message_count() == 0 || c.frame_started > cutoff || c.seal_locked(true);
    unlock();
    return queued;
}

bool tcp_client::connected() const noexcept {
    return _impl->is_connected.load(std::memory_order_acquire);
}

std::size_t tcp_client::queued_frames() const noexcept {
    return _impl->queued.load(std::memory_order_relaxed);
}

std::uint64_t tcp_client::connects() const noexcept {
    return _impl->connect_count.load(std::memory_order_relaxed);
}

std::uint64_t tcp_client::credit_waits() const noexcept {
    return _impl->waits.load(std::memory_order_relaxed);
}

std::uint64_t tcp_client::credits_granted() const noexcept {
    return _impl->granted_total.load(std::memory_order_relaxed);
}

std::uint64_t tcp_client::messages_sent() const noexcept {
    return _impl->sealed_messages.load(std::memory_order_relaxed);
}

std::uint64_t tcp_client::bytes_written() const noexcept {
    return _impl->written_bytes.load(std::memory_order_relaxed);
}

}  // namespace tempest::worker::transport
