// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/transport/tcp_transport.h"

#include "tempest/common/log.h"
#include "tempest/common/thread_name.h"
#include "tuple_access.h"

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
        connection(impl& s, tcp::socket sock, std::uint32_t conn_id)
            : server(s), socket(std::move(sock)), id(conn_id) {
            peer = endpoint_string(socket);
        }

        // Credit frames back to the client, in order, one write at a time.
        void write(std::vector<std::byte> frame) {
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
                server.on_batch(id, batch.tuples());
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
        std::deque<std::vector<std::byte>> out;  // credit frames; the front one is being written
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
            next_id = (next_id + 1) & 0xffffff;             // fits tuple_access::set_origin
            auto c = std::make_shared<connection>(*this, std::move(sock), next_id);
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
    std::uint32_t next_id = 0;                          // I/O thread only
    std::mutex grant_mu;                                // guards grant_encoder
    frame_encoder grant_encoder;
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
    s.thread = std::thread([&s] {
        common::set_thread_name("net-in");
        s.io.run();
    });
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

void tcp_server::grant(std::uint32_t connection, std::span<const credit_grant> grants) {
    impl& s = *_impl;
    if (grants.empty() || !s.thread.joinable()) {
        return;
    }
    std::vector<std::byte> frame;
    {
        std::scoped_lock lock(s.grant_mu);
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
    asio::post(s.io, [&s, connection, frame = std::move(frame)]() mutable {
        for (const auto& c : s.connections) {
            if (c->id == connection) {
                c->write(std::move(frame));
                return;
            }
        }
    });
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
          backoff(options.initial_backoff),
          grant_schemas(options.task_limit),
          credits(options.credit_window > 0 ? options.task_limit : 0,
                  static_cast<std::int64_t>(options.credit_window)) {}

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
        queue_tasks.push_back(std::move(open_tasks));
        open_tasks.clear();
        if (!spare_tasks.empty()) {
            open_tasks.swap(spare_tasks.back());  // reuse a written frame's vector
            spare_tasks.pop_back();
        }
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
        {
            // A new connection starts with a full window, less what will be written on it: the
            // queued frames and the open one. What the old connection wrote is lost or was
            // taken, and the peer owes nothing for it on this one. Set before connected() says
            // so, so that a caller who waits for the connection sees its window.
            std::lock_guard lock(mu);
            std::fill(credits.begin(), credits.end(),
                      static_cast<std::int64_t>(options.credit_window));
            auto debit = [&](const std::vector<credit_grant>& counts) {
                for (const credit_grant& g : counts) {
                    credits[g.task] -= g.count;
                }
            };
            for (const auto& counts : queue_tasks) {
                debit(counts);
            }
            debit(open_tasks);
        }
        is_connected.store(true, std::memory_order_release);
        const auto n = connect_count.fetch_add(1, std::memory_order_relaxed) + 1;
        log().info("transport: connected to {}:{}{}", options.host, options.port,
                   n > 1 ? " (reconnected)" : "");
        read_header(generation);
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

    // The peer sends only credit grants (frames of flow messages); anything else is a protocol
    // error that closes the connection.
    void read_header(std::uint64_t gen) {
        asio::async_read(
            socket, asio::buffer(grant_length), [this, gen](const error_code& ec, std::size_t) {
                if (gen != generation) {
                    return;
                }
                if (ec) {
                    on_error(gen, ec);
                    return;
                }
                std::uint32_t length = 0;
                std::memcpy(&length, grant_length.data(), 4);
                if (const frame_error e = check_frame_length(length, max_grant_frame_bytes);
                    e != frame_error::none) {
                    on_protocol_error(gen, std::string(to_string(e)));
                    return;
                }
                grant_body.resize(length);
                asio::async_read(socket, asio::buffer(grant_body),
                                 [this, gen](const error_code& ec2, std::size_t) {
                                     if (gen != generation) {
                                         return;
                                     }
                                     if (ec2) {
                                         on_error(gen, ec2);
                                         return;
                                     }
                                     on_grants(gen);
                                 });
            });
    }

    void on_grants(std::uint64_t gen) {
        if (const frame_error e = decode_frame_body(grant_body, grant_schemas, grant_batch);
            e != frame_error::none) {
            on_protocol_error(gen, std::string(to_string(e)));
            return;
        }
        std::uint64_t granted = 0;
        {
            std::lock_guard lock(mu);
            for (const tuple& t : grant_batch.tuples()) {
                if (detail::tuple_access::kind(t) != detail::message_kind::flow) {
                    on_protocol_error(gen, "a message other than a credit grant");
                    return;
                }
                const auto task = static_cast<std::size_t>(detail::tuple_access::dest_task(t));
                const std::uint64_t n = detail::tuple_access::sys_val(t);
                granted += n;
                if (task < credits.size()) {
                    // Never above a full window: a confused peer cannot unbound the receiver.
                    credits[task] = std::min<std::int64_t>(
                        credits[task] + static_cast<std::int64_t>(
                                            std::min<std::uint64_t>(n, options.credit_window)),
                        options.credit_window);
                }
            }
        }
        granted_total.fetch_add(granted, std::memory_order_relaxed);
        read_header(gen);
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
            n = std::min<std::size_t>(queue.size(), 64);
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
        });
    }

    // The first n queued frames have been written: their buffers go back for reuse; with
    // `refund`, their messages go back to the credit of the connection now open.
    void drop_written(std::size_t n, bool refund) {
        std::lock_guard lock(mu);
        for (std::size_t i = 0; i < n && !queue.empty(); ++i) {
            if (spare.size() < options.max_queued_frames) {
                spare.push_back(std::move(queue.front()));
            }
            queue.pop_front();
            if (refund) {
                for (const credit_grant& g : queue_tasks.front()) {
                    credits[g.task] += g.count;
                }
            }
            if (spare_tasks.size() < options.max_queued_frames) {
                queue_tasks.front().clear();
                spare_tasks.push_back(std::move(queue_tasks.front()));
            }
            queue_tasks.pop_front();
        }
        queued.store(queue.size(), std::memory_order_relaxed);
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
    static constexpr std::uint32_t max_grant_frame_bytes = 1u << 20;
    std::array<std::byte, 4> grant_length{};
    std::vector<std::byte> grant_body;
    schema_table grant_schemas;  // no schemas: only the task range, for grant frames
    decoded_batch grant_batch;

    // Guarded by mu.
    std::mutex mu;
    frame_encoder encoder;
    std::deque<std::vector<std::byte>> queue;   // sealed frames; the front ones may be in flight
    std::vector<std::vector<std::byte>> spare;  // written frames' buffers, reused
    std::vector<std::int64_t> credits;          // by task; empty = no flow control
    // Messages by task in each queued frame and in the open one (with flow control only).
    std::deque<std::vector<credit_grant>> queue_tasks;
    std::vector<credit_grant> open_tasks;
    std::vector<std::vector<credit_grant>> spare_tasks;  // written frames' vectors, reused
    bool kick_posted = false;
    bool flush_armed = false;

    std::atomic<bool> is_connected{false};
    std::atomic<std::size_t> queued{0};
    std::atomic<std::uint64_t> connect_count{0};
    std::atomic<std::uint64_t> waits{0};
    std::atomic<std::uint64_t> granted_total{0};
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
    c.thread = std::thread([&c] {
        common::set_thread_name(common::thread_name("net-out", c.options.port));
        c.io.run();
    });
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
    c.queue_tasks.clear();
    c.open_tasks.clear();
    c.queued.store(0, std::memory_order_relaxed);
    c.encoder.begin();
    c.kick_posted = false;
    c.flush_armed = false;
}

bool tcp_client::try_send(const tuple& t) {
    impl& c = *_impl;
    std::lock_guard lock(c.mu);
    std::int64_t* credit = nullptr;
    if (!c.credits.empty()) {
        const auto task = static_cast<std::size_t>(detail::tuple_access::dest_task(t));
        if (task >= c.credits.size() || c.credits[task] <= 0) {
            c.waits.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        credit = &c.credits[task];
    }
    if (c.encoder.message_count() > 0 && c.encoder.size() >= c.options.batch_bytes &&
        !c.seal_locked()) {
        return false;
    }
    if (credit != nullptr) {
        --*credit;
        const auto task = static_cast<std::uint32_t>(detail::tuple_access::dest_task(t));
        if (c.open_tasks.empty() || c.open_tasks.back().task != task) {
            auto it = std::find_if(c.open_tasks.begin(), c.open_tasks.end(),
                                   [&](const credit_grant& g) { return g.task == task; });
            if (it == c.open_tasks.end()) {
                c.open_tasks.push_back({task, 0});
            } else {
                std::iter_swap(it, c.open_tasks.end() - 1);  // the last one is looked at first
            }
        }
        ++c.open_tasks.back().count;
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

std::uint64_t tcp_client::credit_waits() const noexcept {
    return _impl->waits.load(std::memory_order_relaxed);
}

std::uint64_t tcp_client::credits_granted() const noexcept {
    return _impl->granted_total.load(std::memory_order_relaxed);
}

}  // namespace tempest::worker::transport
