// SPDX-License-Identifier: Apache-2.0
// tcp_client, the sender's side: encoding tuples into the open frame, sealing frames, and
// writing a sealed frame on the socket itself when no write is in flight (tcp_client.h).
#include "tcp_client_impl.h"
#include "tuple_access.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace tempest::worker::transport {

bool tcp_client::impl::seal_locked(bool by_sender) {
    if (queue.size() >= options.max_queued_frames) {
        return false;
    }
    // Counted when sealed, once per frame (not per message): the frame is on its way.
    sealed_messages.store(sealed_messages.load(std::memory_order_relaxed) + encoder.message_count(),
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

void tcp_client::impl::post_kick_locked() {
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

std::optional<tcp_client::impl::direct_job> tcp_client::impl::take_direct_locked() {
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

void tcp_client::impl::direct_write(direct_job job) {
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

void tcp_client::impl::retire_direct_fd_locked() {
    if (direct_fd >= 0 && !direct_busy) {
        ::close(direct_fd);
    }
    direct_fd = -1;
    front_written = 0;  // a part written on the old connection: the frame goes whole again
}

void tcp_client::impl::frame_started_locked() {
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

void tcp_client::impl::notify_room() const {
    if (options.on_room) {
        options.on_room();
    }
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

run_prefix tcp_client::try_send_run_locked(const run_head& h, std::span<const std::byte> bytes,
                                           std::uint32_t count) {
    impl& c = *_impl;
    run_prefix sent;
    while (sent.count < count) {
        std::uint32_t max_count = count - sent.count;
        if (c.credits.enabled()) {
            const std::int64_t have = c.credits.available(h.dest);
            if (have <= 0) {
                c.waits.fetch_add(1, std::memory_order_relaxed);
                break;
            }
            max_count = static_cast<std::uint32_t>(std::min<std::int64_t>(max_count, have));
        }
        if (c.encoder.message_count() > 0 && c.encoder.size() >= c.options.batch_bytes &&
            !c.seal_locked(true)) {
            break;
        }
        // What fits the frame's batch size (at least one message, as try_send_locked adds one
        // to a frame below the size and then seals it).
        const std::size_t room =
            c.options.batch_bytes > c.encoder.size() ? c.options.batch_bytes - c.encoder.size() : 0;
        const auto rest = bytes.subspan(sent.bytes);
        const run_prefix p = fit_run(h, rest, count - sent.count, max_count, room, true);
        const bool was_empty = c.encoder.message_count() == 0;
        c.encoder.add_run(h, rest.first(p.bytes), p.count);
        if (c.credits.enabled()) {
            c.credits.take(h.dest, p.count);
        }
        sent.count += p.count;
        sent.bytes += p.bytes;
        if (c.encoder.size() >= c.options.batch_bytes) {
            (void)c.seal_locked(true);  // a full queue leaves the frame open; the next call says so
        } else if (was_empty) {
            c.frame_started_locked();
        }
    }
    return sent;
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

}  // namespace tempest::worker::transport
