// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/transport/tcp_transport.h"

#include "tempest/common/log.h"

// clang-format off
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
#include <boost/asio.hpp>
// clang-format on

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace tempest::worker::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

spdlog::logger& log() {
    return common::logger("worker");
}

std::string endpoint_string(const tcp::socket& s) {
    error_code ec;
    const auto ep = s.remote_endpoint(ec);
    if (ec) {
        return "unknown peer";
    }
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// tcp_server

struct tcp_server::impl {
    // One accepted connection; owned by the server's set and by its pending handlers. I/O thread.
    struct connection : std::enable_shared_from_this<connection> {
        connection(impl& s, tcp::socket sock) : server(s), socket(std::move(sock)) {
            peer = endpoint_string(socket);
        }

        void read_header() {
            asio::async_read(socket, asio::buffer(length_bytes),
                             [self = shared_from_this()](const error_code& ec, std::size_t) {
                                 self->on_header(ec);
                             });
        }

        void on_header(const error_code& ec) {
            if (ec) {
                close_quietly(ec);
                return;
            }
            std::uint32_t length = 0;
            std::memcpy(&length, length_bytes.data(), 4);
            if (const frame_error e = check_frame_length(length, server.options.max_frame_bytes);
                e != frame_error::none) {
                reject(e, length);
                return;
            }
            body.resize(length);
            asio::async_read(socket, asio::buffer(body),
                             [self = shared_from_this()](const error_code& ec2, std::size_t) {
                                 self->on_body(ec2);
                             });
        }

        void on_body(const error_code& ec) {
            if (ec) {
                close_quietly(ec);
                return;
            }
            const frame_error e = decode_frame_body(body, server.schemas, batch);
            if (e != frame_error::none) {
                reject(e, static_cast<std::uint32_t>(body.size()));
                return;
            }
            try {
                server.on_batch(batch.tuples());
            } catch (const std::exception& ex) {
                log().error(
                    "transport: batch handler threw for a frame from {}: {}; closing "
                    "the connection",
                    peer, ex.what());
                close();
                return;
            }
            read_header();
        }

        void reject(frame_error e, std::uint32_t length) {
            server.rejected.fetch_add(1, std::memory_order_relaxed);
            log().error("transport: malformed frame ({} bytes) from {}: {}; closing the connection",
                        length, peer, to_string(e));
            close();
        }

        void close_quietly(const error_code& ec) {
            if (ec != asio::error::eof && ec != asio::error::operation_aborted) {
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
        std::string peer;
        std::array<std::byte, 4> length_bytes{};
        std::vector<std::byte> body;
        decoded_batch batch;
    };

    impl(server_options o, const schema_table& s, batch_handler h)
        : options(std::move(o)), schemas(s), on_batch(std::move(h)) {}

    void accept() {
        acceptor->async_accept([this](const error_code& ec, tcp::socket sock) {
            if (ec) {
                if (ec != asio::error::operation_aborted) {
                    // E.g. out of file descriptors: pause instead of spinning on the error.
                    log().warn("transport: accept failed: {}; retrying in 100 ms", ec.message());
                    accept_retry->expires_after(std::chrono::milliseconds(100));
                    accept_retry->async_wait([this](const error_code& e) {
                        if (!e && acceptor->is_open()) {
                            accept();
                        }
                    });
                }
                return;
            }
            error_code ignored;
            sock.set_option(tcp::no_delay(true), ignored);  // (void): only a latency hint
            auto c = std::make_shared<connection>(*this, std::move(sock));
            connections.insert(c);
            open_connections.store(connections.size(), std::memory_order_relaxed);
            c->read_header();
            accept();
        });
    }

    void forget(connection* c) {
        auto it = std::find_if(connections.begin(), connections.end(),
                               [c](const auto& p) { return p.get() == c; });
        if (it != connections.end()) {
            connections.erase(it);
        }
        open_connections.store(connections.size(), std::memory_order_relaxed);
    }

    server_options options;
    const schema_table& schemas;
    batch_handler on_batch;
    asio::io_context io;
    std::optional<tcp::acceptor> acceptor;
    std::optional<asio::steady_timer> accept_retry;
    std::set<std::shared_ptr<connection>> connections;  // I/O thread only
    std::thread thread;
    std::atomic<std::uint16_t> bound_port{0};
    std::atomic<std::size_t> open_connections{0};
    std::atomic<std::uint64_t> rejected{0};
};

tcp_server::tcp_server(server_options options, const schema_table& schemas, batch_handler on_batch)
    : _impl(std::make_unique<impl>(std::move(options), schemas, std::move(on_batch))) {}

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
    const tcp::endpoint ep(address, s.options.port);
    s.io.restart();
    s.acceptor.emplace(s.io);
    s.accept_retry.emplace(s.io);
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
    s.accept();
    s.thread = std::thread([&s] { s.io.run(); });
    log().info("transport: listening on {}:{}", s.options.bind_address, port());
    return true;
}

void tcp_server::stop() {
    impl& s = *_impl;
    if (!s.thread.joinable()) {
        return;
    }
    asio::post(s.io, [&s] {
        error_code ignored;
        s.acceptor->close(ignored);  // (void): shutting down; nothing to report
        s.accept_retry->cancel();
        for (const auto& c : s.connections) {
            c->socket.close(ignored);
        }
        s.connections.clear();
        s.open_connections.store(0, std::memory_order_relaxed);
    });
    s.thread.join();  // run() returns once the aborted handlers have run
    s.accept_retry.reset();
    s.acceptor.reset();
    s.bound_port.store(0, std::memory_order_relaxed);
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

// ---------------------------------------------------------------------------------------------
// tcp_client

struct tcp_client::impl {
    explicit impl(client_options o)
        : options(std::move(o)),
          socket(io),
          resolver(io),
          backoff_timer(io),
          flush_timer(io),
          backoff(options.initial_backoff) {}

    // --- any thread, under mu

    // Moves the open frame to the queue; false when the queue is full.
    bool seal_locked() {
        if (queue.size() >= options.max_queued_frames) {
            return false;
        }
        encoder.finish();
        std::vector<std::byte> fresh;
        if (!spare.empty()) {
            fresh = std::move(spare.back());
            spare.pop_back();
        }
        queue.push_back(encoder.take(std::move(fresh)));
        queued.store(queue.size(), std::memory_order_relaxed);
        if (!kick_posted) {
            kick_posted = true;
            asio::post(io, [this] {
                {
                    std::lock_guard lock(mu);
                    kick_posted = false;
                }
                start_write();
            });
        }
        return true;
    }

    // --- I/O thread only

    void connect() {
        if (stopping) {
            return;
        }
        resolver.async_resolve(
            options.host, std::to_string(options.port),
            [this](const error_code& ec, const tcp::resolver::results_type& results) {
                if (stopping) {
                    return;
                }
                if (ec) {
                    retry_later(ec);
                    return;
                }
                asio::async_connect(
                    socket, results,
                    [this](const error_code& ec2, const tcp::endpoint&) { on_connect(ec2); });
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
        ++generation;
        backoff = options.initial_backoff;
        is_connected.store(true, std::memory_order_release);
        const auto n = connect_count.fetch_add(1, std::memory_order_relaxed) + 1;
        log().info("transport: connected to {}:{}{}", options.host, options.port,
                   n > 1 ? " (reconnected)" : "");
        watch(generation);
        start_write();
    }

    void retry_later(const error_code& ec) {
        log().debug("transport: connecting to {}:{} failed: {}; retrying in {} ms", options.host,
                    options.port, ec.message(), backoff.count());
        backoff_timer.expires_after(backoff);
        backoff = std::min(backoff * 2, options.max_backoff);
        backoff_timer.async_wait([this](const error_code& e) {
            if (!e && !stopping) {
                connect();
            }
        });
    }

    // The peer never sends; a read completing means it closed the connection (or misbehaved).
    void watch(std::uint64_t gen) {
        socket.async_read_some(asio::buffer(read_sink),
                               [this, gen](const error_code& ec, std::size_t) {
                                   if (gen != generation) {
                                       return;
                                   }
                                   if (ec) {
                                       on_error(gen, ec);
                                       return;
                                   }
                                   watch(gen);
                               });
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
        urgent_in_flight.clear();
        {
            std::lock_guard lock(mu);
            // Urgent frames go ahead of the queued ones (at a frame boundary).
            while (!urgent.empty()) {
                urgent_in_flight.push_back(std::move(urgent.front()));
                urgent.pop_front();
            }
            n = std::min<std::size_t>(queue.size(), 64);
        }
        for (const auto& f : urgent_in_flight) {
            write_buffers.emplace_back(f.data(), f.size());
        }
        {
            std::lock_guard lock(mu);
            // Deque elements do not move on push_back, so these pointers stay valid.
            for (std::size_t i = 0; i < n; ++i) {
                write_buffers.emplace_back(queue[i].data(), queue[i].size());
            }
        }
        if (write_buffers.empty()) {
            return;
        }
        writing = true;
        const std::uint64_t gen = generation;
        asio::async_write(socket, write_buffers, [this, gen, n](const error_code& ec, std::size_t) {
            if (gen != generation) {
                return;
            }
            writing = false;
            if (ec) {
                on_error(gen, ec);
                return;
            }
            {
                std::lock_guard lock(mu);
                for (std::size_t i = 0; i < n; ++i) {
                    if (spare.size() < options.max_queued_frames) {
                        spare.push_back(std::move(queue.front()));
                    }
                    queue.pop_front();
                }
                queued.store(queue.size(), std::memory_order_relaxed);
            }
            start_write();
        });
    }

    void arm_flush() {
        if (stopping) {
            return;
        }
        flush_timer.expires_after(options.flush_interval);
        flush_timer.async_wait([this](const error_code& ec) {
            if (ec || stopping) {
                return;
            }
            std::lock_guard lock(mu);
            flush_armed = false;
            if (encoder.message_count() > 0 && !seal_locked()) {
                flush_armed = true;  // queue full: try again after another interval
                asio::post(io, [this] { arm_flush(); });
            }
        });
    }

    client_options options;
    asio::io_context io;  // first member: destroyed last, dropping any handler left in it
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
    std::thread thread;

    // I/O thread only.
    tcp::socket socket;
    tcp::resolver resolver;
    asio::steady_timer backoff_timer;
    asio::steady_timer flush_timer;
    std::chrono::milliseconds backoff;
    std::uint64_t generation = 0;
    bool writing = false;
    bool stopping = false;
    std::vector<asio::const_buffer> write_buffers;
    std::vector<std::vector<std::byte>> urgent_in_flight;
    std::array<std::byte, 64> read_sink{};

    // Guarded by mu.
    std::mutex mu;
    frame_encoder encoder;
    std::deque<std::vector<std::byte>> queue;   // sealed frames; the front ones may be in flight
    std::deque<std::vector<std::byte>> urgent;  // send_urgent() frames not yet being written
    frame_encoder urgent_encoder;
    std::vector<std::vector<std::byte>> spare;  // written frames' buffers, reused
    bool kick_posted = false;
    bool flush_armed = false;

    std::atomic<bool> is_connected{false};
    std::atomic<std::size_t> queued{0};
    std::atomic<std::uint64_t> connect_count{0};
};

tcp_client::tcp_client(client_options options)
    : _impl(std::make_unique<impl>(std::move(options))) {}

tcp_client::~tcp_client() {
    stop();
}

void tcp_client::start() {
    impl& c = *_impl;
    c.io.restart();
    c.stopping = false;
    c.guard.emplace(c.io.get_executor());
    asio::post(c.io, [&c] { c.connect(); });
    c.thread = std::thread([&c] { c.io.run(); });
}

void tcp_client::stop() {
    impl& c = *_impl;
    if (!c.thread.joinable()) {
        return;
    }
    asio::post(c.io, [&c] {
        c.stopping = true;
        ++c.generation;
        error_code ignored;
        c.resolver.cancel();
        c.backoff_timer.cancel();
        c.flush_timer.cancel();
        c.socket.close(ignored);  // (void): shutting down; nothing to report
        c.is_connected.store(false, std::memory_order_release);
        c.writing = false;
    });
    c.guard.reset();
    c.thread.join();
    std::lock_guard lock(c.mu);
    c.queue.clear();
    c.queued.store(0, std::memory_order_relaxed);
    c.encoder.begin();
    c.kick_posted = false;
    c.flush_armed = false;
}

bool tcp_client::try_send(const tuple& t) {
    impl& c = *_impl;
    std::lock_guard lock(c.mu);
    if (c.encoder.message_count() > 0 && c.encoder.size() >= c.options.batch_bytes &&
        !c.seal_locked()) {
        return false;
    }
    const bool was_empty = c.encoder.message_count() == 0;
    c.encoder.add(t);
    if (c.encoder.size() >= c.options.batch_bytes) {
        (void)c.seal_locked();  // a full queue leaves the frame open; the next call reports it
    } else if (was_empty && !c.flush_armed) {
        c.flush_armed = true;
        asio::post(c.io, [&c] { c.arm_flush(); });
    }
    return true;
}

bool tcp_client::send_urgent(const tuple& t) {
    impl& c = *_impl;
    std::lock_guard lock(c.mu);
    if (c.urgent.size() >= 256) {
        return false;
    }
    c.urgent_encoder.begin();
    c.urgent_encoder.add(t);
    auto frame = c.urgent_encoder.finish();
    c.urgent.emplace_back(frame.begin(), frame.end());
    if (!c.kick_posted) {
        c.kick_posted = true;
        asio::post(c.io, [&c] {
            {
                std::lock_guard lock(c.mu);
                c.kick_posted = false;
            }
            c.start_write();
        });
    }
    return true;
}

bool tcp_client::flush() {
    impl& c = *_impl;
    std::lock_guard lock(c.mu);
    if (c.encoder.message_count() == 0) {
        return true;
    }
    return c.seal_locked();
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

}  // namespace tempest::worker::transport
