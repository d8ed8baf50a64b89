// SPDX-License-Identifier: Apache-2.0
// tcp_client: connecting, reading grants, the writes a sender leaves to the strand, the flush
// timer, and the public calls that are not the sender's (tcp_client_send.cc).
#include "tcp_client_impl.h"
#include "tuple_access.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <utility>

namespace tempest::worker::transport {

void tcp_client::impl::connect() {
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

void tcp_client::impl::on_connect(const error_code& ec) {
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

void tcp_client::impl::retry_later(const error_code& ec) {
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

void tcp_client::impl::read_grants(std::uint64_t gen) {
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

bool tcp_client::impl::apply_grants(std::uint64_t gen, std::span<const std::byte> body,
                                    std::uint64_t& granted) {
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

void tcp_client::impl::on_protocol_error(std::uint64_t gen, const std::string& why) {
    log().error("transport: bad frame from {}:{}: {}; reconnecting", options.host, options.port,
                why);
    on_error(gen, asio::error::make_error_code(asio::error::invalid_argument));
}

void tcp_client::impl::on_error(std::uint64_t gen, const error_code& ec) {
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
    log().warn("transport: connection to {}:{} lost: {}; reconnecting", options.host, options.port,
               ec.message());
    retry_later(ec);
}

void tcp_client::impl::start_write() {
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

void tcp_client::impl::drop_written(std::size_t n, bool refund) {
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

void tcp_client::impl::arm_flush(std::chrono::steady_clock::duration delay) {
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
