// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/transport/tcp_server.h"

#include "asio_common.h"
#include "io_pool_impl.h"
#include "tuple_access.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace tempest::worker::transport {

struct tcp_server::impl {
    // What came by one connection: written on the strand (once per frame), read by any thread
    // through tcp_server::connections().
    struct counters {
        std::string peer;
        std::atomic<std::uint64_t> bytes{0};
        std::atomic<std::uint64_t> messages{0};
    };

    // One accepted connection; owned by the server's set and by its pending handlers. On the
    // server's strand. It holds a token of the server's handler_tracker: the server's stop()
    // waits for the last connection to go.
    struct connection : std::enable_shared_from_this<connection> {
        connection(impl& s, tcp::socket sock, std::uint32_t conn_id)
            : server(s),
              socket(std::move(sock)),
              id(conn_id),
              figures(std::make_shared<counters>()),
              token(s.handlers.token()) {
            peer = endpoint_string(socket);
            figures->peer = peer;
        }

        // Credit frames back to the client, in order, one write at a time.
        void write(frame_bytes frame) {
            out.push_back(std::move(frame));
            if (out.size() == 1) {
                write_front();
            }
        }

        void write_front() {
            asio::async_write(socket, asio::buffer(out.front()),
                              [self = shared_from_this()](const error_code& ec, std::size_t) {
                                  if (ec) {
                                      self->out.clear();
                                      return;  // the read side sees the failure and closes
                                  }
                                  self->out.pop_front();
                                  if (!self->out.empty()) {
                                      self->write_front();
                                  }
                              });
        }

        // Reads as much as the socket has (many frames per system call when they queue up),
        // into the free end of the read buffer.
        void read_more() {
            if (rpos > 0) {
                // Keep the part of a frame that has not arrived whole at the front.
                std::memmove(rbuf.data(), rbuf.data() + rpos, rend - rpos);
                rend -= rpos;
                rpos = 0;
            }
            if (rbuf.size() < read_buffer_bytes) {
                rbuf.resize(read_buffer_bytes);
            }
            socket.async_read_some(
                asio::buffer(rbuf.data() + rend, rbuf.size() - rend),
                [self = shared_from_this()](const error_code& ec, std::size_t n) {
                    self->on_read(ec, n);
                });
        }

        void on_read(const error_code& ec, std::size_t n) {
            if (ec) {
                close_quietly(ec);
                return;
            }
            rend += n;
            process();
        }

        // Hands over every whole frame in the read buffer, then reads more (unless reading is
        // paused, the server stops or the connection closed).
        void process() {
            while (rend - rpos >= 4) {
                if (server.stopping) {
                    return;  // read in full just before stop(): dropped, as stop() says
                }
                std::uint32_t length = 0;
                std::memcpy(&length, rbuf.data() + rpos, 4);
                if (const frame_error e =
                        check_frame_length(length, server.options.max_frame_bytes);
                    e != frame_error::none) {
                    reject(e, length);
                    return;
                }
                if (rend - rpos - 4 < length) {
                    if (std::size_t{4} + length > rbuf.size() - rpos) {
                        // A frame larger than the buffer's free part: make room for it whole.
                        std::memmove(rbuf.data(), rbuf.data() + rpos, rend - rpos);
                        rend -= rpos;
                        rpos = 0;
                        if (std::size_t{4} + length > rbuf.size()) {
                            rbuf.resize(std::size_t{4} + length);
                        }
                    }
                    break;
                }
                const std::span<const std::byte> body(rbuf.data() + rpos + 4, length);
                rpos += 4 + std::size_t{length};
                if (!hand_over(body)) {
                    return;  // closed
                }
                if (server.paused) {
                    server.paused_connections.push_back(shared_from_this());
                    return;
                }
            }
            if (rpos == rend) {
                rpos = rend = 0;
            }
            read_more();
        }

        // One frame body to the frame or batch handler. False when the connection was closed.
        bool hand_over(std::span<const std::byte> body) {
            frame_error e = frame_error::none;
            std::uint32_t messages = 0;
            try {
                if (server.on_frame) {
                    e = server.on_frame(id, body);
                    if (e == frame_error::none) {
                        std::memcpy(&messages, body.data() + 2, 4);  // after the version
                    }
                } else {
                    e = decode_frame_body(body, server.schemas, batch);
                    if (e == frame_error::none) {
                        messages = static_cast<std::uint32_t>(batch.size());
                        server.on_batch(id, batch.tuples());
                    }
                }
            } catch (const std::exception& ex) {
                log().error(
                    "transport: batch handler threw for a frame from {}: {}; closing "
                    "the connection",
                    peer, ex.what());
                close();
                return false;
            }
            if (e != frame_error::none) {
                reject(e, static_cast<std::uint32_t>(body.size()));
                return false;
            }
            figures->bytes.store(figures->bytes.load(std::memory_order_relaxed) + 4 + body.size(),
                                 std::memory_order_relaxed);
            figures->messages.store(figures->messages.load(std::memory_order_relaxed) + messages,
                                    std::memory_order_relaxed);
            return true;
        }

        void reject(frame_error e, std::uint32_t length) {
            server.rejected.fetch_add(1, std::memory_order_relaxed);
            log().error("transport: malformed frame ({} bytes) from {}: {}; closing the connection",
                        length, peer, to_string(e));
            close();
        }

        void close_quietly(const error_code& ec) {
            if (ec != asio::error::eof && ec != asio::error::operation_aborted &&
                ec != asio::error::bad_descriptor) {
                log().warn("transport: connection from {} failed: {}", peer, ec.message());
            }
            close();
        }

        void close() {
            error_code ignored;
            socket.close(ignored);  // (void): closing a dead socket has nothing to report
            server.forget(this);
        }

        impl& server;
        tcp::socket socket;
        std::uint32_t id;
        std::string peer;
        std::deque<frame_bytes> out;  // credit frames; the front one is being written
        // Bytes read; [rpos, rend) not handed over yet (the start of a frame not read whole).
        static constexpr std::size_t read_buffer_bytes = 128 * 1024;
        std::vector<std::byte> rbuf;
        std::size_t rpos = 0;
        std::size_t rend = 0;
        decoded_batch batch;
        std::shared_ptr<counters> figures;
        std::shared_ptr<void> token;
    };

    impl(server_options o, const schema_table& s, batch_handler h, io_pool* shared)
        : own_pool(shared == nullptr ? std::make_unique<io_pool>(1) : nullptr),
          pool(shared == nullptr ? *own_pool : *shared),
          strand(asio::make_strand(pool.internals().io)),
          options(std::move(o)),
          schemas(s),
          on_batch(std::move(h)) {}

    // On the strand.
    void accept() {
        if (stopping) {
            return;
        }
        // Accepted sockets run on the strand too: every handler of the server, one at a time.
        acceptor->async_accept(strand, [this, t = handlers.token()](const error_code& ec,
                                                                    tcp::socket sock) {
            if (ec) {
                if (ec != asio::error::operation_aborted) {
                    // E.g. out of file descriptors: pause instead of spinning on the error.
                    log().warn("transport: accept failed: {}; retrying in 100 ms", ec.message());
                    accept_retry->expires_after(std::chrono::milliseconds(100));
                    accept_retry->async_wait([this, t](const error_code& e) {
                        if (!e && !stopping && acceptor->is_open()) {
                            accept();
                        }
                    });
                }
                return;
            }
            if (stopping) {
                return;  // accepted just before stop(): the socket closes as it goes
            }
            error_code ignored;
            sock.set_option(tcp::no_delay(true), ignored);  // (void): only a latency hint
            set_liveness_options(sock);
            ++next_id;
            auto c = std::make_shared<connection>(*this, std::move(sock), next_id);
            connections.insert(c);
            open_connections.store(connections.size(), std::memory_order_relaxed);
            {
                std::scoped_lock lock(figures_mu);
                figures.emplace(c->id, c->figures);
            }
            c->read_more();
            accept();
        });
    }

    void forget(connection* c) {
        auto it = std::find_if(connections.begin(), connections.end(),
                               [c](const auto& p) { return p.get() == c; });
        if (it == connections.end()) {
            return;  // already forgotten (closed twice, or by stop())
        }
        const std::uint32_t id = c->id;
        {
            std::scoped_lock lock(figures_mu);
            figures.erase(id);
        }
        connections.erase(it);
        open_connections.store(connections.size(), std::memory_order_relaxed);
        if (on_close) {
            on_close(id);
        }
    }

    // First members: destroyed last, after the sockets and timers that use its io_context.
    std::unique_ptr<io_pool> own_pool;  // a server made without a pool runs on its own thread
    io_pool& pool;
    asio::strand<asio::io_context::executor_type> strand;
    handler_tracker handlers;  // token(): on the strand, or under grant_mu while !closed
    bool running = false;      // owner thread (start/stop)
    server_options options;
    const schema_table& schemas;
    batch_handler on_batch;
    frame_handler on_frame;  // when set, instead of on_batch
    std::optional<tcp::acceptor> acceptor;
    std::optional<asio::steady_timer> accept_retry;
    std::set<std::shared_ptr<connection>> connections;  // strand only
    std::uint32_t next_id = 0;                          // strand only
    close_handler on_close;                             // set before start()
    timer_handler on_timer;                             // set before start()
    std::optional<asio::steady_timer> user_timer;       // arm_timer(); strand only
    bool timer_armed = false;
    asio::steady_timer::time_point timer_due;
    bool paused = false;    // pause_reading(); strand only
    bool stopping = false;  // stop() has begun: arm_timer() does nothing; strand only
    // Connections whose next read waits for resume_reading().
    std::vector<std::shared_ptr<connection>> paused_connections;
    std::mutex grant_mu;  // guards grant_encoder and closed
    frame_encoder grant_encoder;
    bool closed = true;  // not started, or stopping: grant() posts nothing
    std::atomic<std::uint16_t> bound_port{0};
    std::atomic<std::size_t> open_connections{0};
    std::atomic<std::uint64_t> rejected{0};
    mutable std::mutex figures_mu;                               // guards figures
    std::map<std::uint32_t, std::shared_ptr<counters>> figures;  // of the open connections
};

tcp_server::tcp_server(server_options options, const schema_table& schemas, batch_handler on_batch)
    : _impl(std::make_unique<impl>(std::move(options), schemas, std::move(on_batch), nullptr)) {}

tcp_server::tcp_server(server_options options, const schema_table& schemas, batch_handler on_batch,
                       io_pool& pool)
    : _impl(std::make_unique<impl>(std::move(options), schemas, std::move(on_batch), &pool)) {}

tcp_server::~tcp_server() {
    stop();
}

bool tcp_server::start() {
    impl& s = *_impl;
    error_code ec;
    const auto address = asio::ip::make_address(s.options.bind_address, ec);
    if (ec) {
        log().error("transport: bad bind address '{}': {}", s.options.bind_address, ec.message());
        return false;
    }
    if (s.running) {
        log().error("transport: the server on port {} is running already", port());
        return false;
    }
    const tcp::endpoint ep(address, s.options.port);
    s.acceptor.emplace(s.strand);
    s.accept_retry.emplace(s.strand);
    s.user_timer.emplace(s.strand);
    s.timer_armed = false;
    s.paused = false;
    s.stopping = false;
    s.acceptor->open(ep.protocol(), ec);
    if (!ec) {
        s.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
        s.acceptor->bind(ep, ec);
    }
    if (!ec) {
        s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        log().error("transport: cannot listen on {}:{}: {}", s.options.bind_address, s.options.port,
                    ec.message());
        s.acceptor.reset();
        return false;
    }
    s.bound_port.store(s.acceptor->local_endpoint().port(), std::memory_order_relaxed);
    s.running = true;
    if (s.own_pool) {
        s.own_pool->start();
    }
    s.handlers.arm();
    {
        std::scoped_lock lock(s.grant_mu);
        s.closed = false;
    }
    asio::post(s.strand, [&s, t = s.handlers.token()] { s.accept(); });
    log().info("transport: listening on {}:{}", s.options.bind_address, port());
    return true;
}

void tcp_server::stop() {
    impl& s = *_impl;
    if (!s.running) {
        return;
    }
    s.running = false;
    {
        std::scoped_lock lock(s.grant_mu);
        s.closed = true;  // grant() posts nothing more
    }
    asio::post(s.strand, [&s, t = s.handlers.token()] {
        error_code ignored;
        s.acceptor->close(ignored);  // (void): shutting down; nothing to report
        s.accept_retry->cancel();
        // A timer handler already due still runs: it must not arm the timer again, or run()
        // would never return.
        s.stopping = true;
        s.user_timer->cancel();
        s.timer_armed = false;
        s.paused_connections.clear();
        for (const auto& c : s.connections) {
            c->socket.close(ignored);
        }
        auto closing = std::move(s.connections);
        s.connections.clear();
        {
            std::scoped_lock lock(s.figures_mu);
            s.figures.clear();
        }
        s.open_connections.store(0, std::memory_order_relaxed);
        if (s.on_close) {
            for (const auto& c : closing) {
                s.on_close(c->id);
            }
        }
        s.handlers.release();  // on the strand: no handler of this server takes a token after it
    });
    s.handlers.wait();  // the aborted handlers have run and every connection is gone
    if (s.own_pool) {
        s.own_pool->stop();
    }
    s.accept_retry.reset();
    s.user_timer.reset();
    s.acceptor.reset();
    s.bound_port.store(0, std::memory_order_relaxed);
}

void tcp_server::set_close_handler(close_handler h) {
    _impl->on_close = std::move(h);
}

void tcp_server::set_frame_handler(frame_handler h) {
    _impl->on_frame = std::move(h);
}

void tcp_server::set_timer_handler(timer_handler h) {
    _impl->on_timer = std::move(h);
}

void tcp_server::arm_timer(std::chrono::microseconds delay) {
    impl& s = *_impl;
    const auto due = asio::steady_timer::clock_type::now() + delay;
    if (s.stopping || (s.timer_armed && s.timer_due <= due)) {
        return;
    }
    s.timer_armed = true;
    s.timer_due = due;
    s.user_timer->expires_at(due);  // cancels a later wait: its handler sees operation_aborted
    s.user_timer->async_wait([&s, t = s.handlers.token()](const error_code& ec) {
        if (ec || s.stopping) {
            return;
        }
        s.timer_armed = false;
        if (s.on_timer) {
            s.on_timer();
        }
    });
}

void tcp_server::pause_reading() {
    _impl->paused = true;
}

void tcp_server::resume_reading() {
    impl& s = *_impl;
    s.paused = false;
    auto waiting = std::move(s.paused_connections);
    s.paused_connections.clear();
    for (const auto& c : waiting) {
        // Later on the strand, not from inside the handler that resumed (which may be another
        // connection's frame): the frames it read before the pause first, then more.
        asio::post(s.strand, [c] {
            if (c->socket.is_open()) {
                c->process();
            }
        });
    }
}

void tcp_server::grant(std::uint32_t connection, std::span<const credit_grant> grants) {
    impl& s = *_impl;
    if (grants.empty()) {
        return;
    }
    frame_bytes frame;
    std::shared_ptr<void> token;
    {
        std::scoped_lock lock(s.grant_mu);
        if (s.closed) {
            return;
        }
        token = s.handlers.token();
        s.grant_encoder.begin();
        tuple msg;
        for (const credit_grant& g : grants) {
            detail::tuple_access::set_header(msg, nullptr, 0, static_cast<int>(g.task),
                                             detail::message_kind::flow);
            detail::tuple_access::set_system(msg, 0, g.count);
            s.grant_encoder.add(msg);
        }
        s.grant_encoder.finish();
        frame = s.grant_encoder.take({});
    }
    auto write = [&s, connection, frame = std::move(frame), t = std::move(token)]() mutable {
        for (const auto& c : s.connections) {
            if (c->id == connection) {
                c->write(std::move(frame));
                return;
            }
        }
    };
    if (s.strand.running_in_this_thread()) {
        write();  // the receiver grants from its batch handler: no hand-off needed
    } else {
        asio::post(s.strand, std::move(write));
    }
}

std::uint16_t tcp_server::port() const noexcept {
    return _impl->bound_port.load(std::memory_order_relaxed);
}

std::size_t tcp_server::connection_count() const noexcept {
    return _impl->open_connections.load(std::memory_order_relaxed);
}

std::uint64_t tcp_server::rejected_frames() const noexcept {
    return _impl->rejected.load(std::memory_order_relaxed);
}

std::vector<tcp_server::connection_figures> tcp_server::connections() const {
    std::vector<connection_figures> out;
    std::scoped_lock lock(_impl->figures_mu);
    out.reserve(_impl->figures.size());
    for (const auto& [id, c] : _impl->figures) {
        out.push_back({c->peer, c->bytes.load(std::memory_order_relaxed),
                       c->messages.load(std::memory_order_relaxed)});
    }
    return out;
}

}  // namespace tempest::worker::transport
