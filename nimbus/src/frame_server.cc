// SPDX-License-Identifier: Apache-2.0
// frame_server (see frame_server.h). Every connection's state lives on the single I/O thread;
// workers touch only the frame they were handed and post the reply back to that thread.
#include "frame_server.h"

#include "logger.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tempest::nimbus {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

// The largest piece of a frame read at once: a frame's buffer grows by this much at a time as its
// bytes arrive, so a length alone never makes the server allocate.
constexpr std::size_t read_piece = 64 * 1024;

// At most one log line a second per kind of event; the others are counted into the next line.
class throttle {
  public:
    // True when a line may be logged now; `skipped` is then how many were held back since.
    bool allow(std::uint64_t& skipped) {
        auto now = steady::now();
        if (now - _last < std::chrono::seconds(1)) {
            ++_skipped;
            return false;
        }
        _last = now;
        skipped = std::exchange(_skipped, 0);
        return true;
    }

  private:
    steady::time_point _last{};
    std::uint64_t _skipped = 0;
};

std::string suffix(std::uint64_t skipped) {
    return skipped == 0 ? std::string() : " (and " + std::to_string(skipped) + " more since)";
}

}  // namespace

struct frame_server::impl {
    struct connection;
    using connection_ptr = std::shared_ptr<connection>;

    enum class phase { waiting, receiving, processing, replying, closed };

    struct connection {
        connection(asio::io_context& io, tcp::socket s, std::uint64_t id_)
            : socket(std::move(s)), deadline(io), id(id_) {}
        tcp::socket socket;
        asio::steady_timer deadline;
        std::uint64_t id;
        std::string peer;
        phase state = phase::waiting;
        steady::time_point since;  // when the current request (or reply) began
        std::array<unsigned char, 4> header{};
        std::size_t header_got = 0;
        std::string body;  // the request frame, then (with its length) the reply
        std::size_t expected = 0;
        std::size_t received = 0;
        bool close_after_reply = false;
    };

    impl(frame_server_options o, frame_handler h)
        : options(std::move(o)), handler(std::move(h)), acceptor(io), retry_accept(io) {}

    frame_server_options options;
    frame_handler handler;
    asio::io_context io;
    tcp::acceptor acceptor;
    asio::steady_timer retry_accept;
    std::thread io_thread;
    int port = 0;
    bool started = false;

    // I/O thread only.
    std::unordered_map<std::uint64_t, connection_ptr> connections;
    std::uint64_t next_id = 0;
    throttle oversize_log, evict_log, refuse_log, timeout_log, accept_log, broken_log;

    // The worker pool.
    std::mutex jobs_mu;  // guards jobs and stopping
    std::condition_variable jobs_cv;
    std::deque<connection_ptr> jobs;
    bool stopping = false;
    std::vector<std::thread> workers;

    std::atomic<std::uint64_t> open{0}, accepted{0}, timed_out{0}, evicted{0}, refused{0},
        oversized{0}, frames{0};

    void bind();
    void accept();
    void admit(tcp::socket socket);
    bool evict_one();
    void wait_request(const connection_ptr& c);
    void read_header(const connection_ptr& c);
    void read_body(const connection_ptr& c);
    void arm_deadline(const connection_ptr& c);
    void on_deadline(const connection_ptr& c);
    void dispatch(const connection_ptr& c);
    void reply(const connection_ptr& c, frame_reply r);
    void close(const connection_ptr& c);
    void work();
};

void frame_server::impl::bind() {
    boost::system::error_code ec;
    for (auto proto : {tcp::v6(), tcp::v4()}) {
        acceptor.open(proto, ec);
        if (ec) {
            continue;
        }
        if (proto == tcp::v6()) {
            acceptor.set_option(asio::ip::v6_only(false), ec);
        }
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        auto any = proto == tcp::v6() ? asio::ip::address(asio::ip::address_v6::any())
                                      : asio::ip::address(asio::ip::address_v4::any());
        acceptor.bind(tcp::endpoint(any, static_cast<unsigned short>(options.port)), ec);
        if (!ec) {
            acceptor.listen(asio::socket_base::max_listen_connections, ec);
        }
        if (!ec) {
            port = acceptor.local_endpoint().port();
            return;
        }
        boost::system::error_code ignored;
        acceptor.close(ignored);
    }
    throw std::runtime_error("cannot listen on port " + std::to_string(options.port) + ": " +
                             ec.message());
}

void frame_server::impl::accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
            return;
        }
        if (ec) {
            // Out of file descriptors and the like: retry shortly rather than spin.
            std::uint64_t skipped = 0;
            if (accept_log.allow(skipped)) {
                log().warn("Thrift server: accepting a connection failed: {}{}", ec.message(),
                           suffix(skipped));
            }
            retry_accept.expires_after(std::chrono::milliseconds(100));
            retry_accept.async_wait([this](boost::system::error_code e) {
                if (!e) {
                    accept();
                }
            });
            return;
        }
        admit(std::move(socket));
        accept();
    });
}

void frame_server::impl::admit(tcp::socket socket) {
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    std::string peer = ec ? std::string("(unknown peer)")
                          : remote.address().to_string() + ":" + std::to_string(remote.port());
    if (connections.size() >= static_cast<std::size_t>(options.max_connections) && !evict_one()) {
        ++refused;
        std::uint64_t skipped = 0;
        if (refuse_log.allow(skipped)) {
            log().warn(
                "Thrift server: refusing the connection from {}: all {} connections "
                "(nimbus.thrift.max.connections) have a request in progress{}",
                peer, options.max_connections, suffix(skipped));
        }
        socket.close(ec);
        return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto c = std::make_shared<connection>(io, std::move(socket), next_id++);
    c->peer = std::move(peer);
    connections.emplace(c->id, c);
    ++accepted;
    ++open;
    wait_request(c);
}

bool frame_server::impl::evict_one() {
    connection_ptr oldest;
    for (const auto& [id, c] : connections) {
        if ((c->state == phase::waiting || c->state == phase::receiving) &&
            (!oldest || c->since < oldest->since)) {
            oldest = c;
        }
    }
    if (!oldest) {
        return false;
    }
    ++evicted;
    std::uint64_t skipped = 0;
    if (evict_log.allow(skipped)) {
        log().warn(
            "Thrift server: at nimbus.thrift.max.connections ({}): closing the connection from {}, "
            "which has waited {} ms for its request, to admit a new one{}",
            options.max_connections, oldest->peer,
            std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - oldest->since)
                .count(),
            suffix(skipped));
    }
    close(oldest);
    return true;
}

void frame_server::impl::wait_request(const connection_ptr& c) {
    c->state = phase::waiting;
    c->since = steady::now();
    c->header_got = 0;
    c->expected = 0;
    c->received = 0;
    std::string().swap(c->body);  // an idle connection holds no buffer
    arm_deadline(c);
    read_header(c);
}

void frame_server::impl::arm_deadline(const connection_ptr& c) {
    c->deadline.expires_after(options.request_timeout);
    c->deadline.async_wait([this, c](boost::system::error_code ec) {
        // A wait that completed just as the deadline was moved must not count.
        if (!ec && c->state != phase::closed && c->deadline.expiry() <= steady::now()) {
            on_deadline(c);
        }
    });
}

void frame_server::impl::on_deadline(const connection_ptr& c) {
    if (c->state == phase::processing) {
        return;
    }
    ++timed_out;
    const auto secs =
        std::chrono::duration_cast<std::chrono::milliseconds>(options.request_timeout).count() /
        1000.0;
    if (c->state == phase::waiting && c->header_got == 0) {
        log().debug("Thrift server: closing the idle connection from {} after {} s", c->peer, secs);
    } else {
        std::uint64_t skipped = 0;
        if (timeout_log.allow(skipped)) {
            if (c->state == phase::replying) {
                log().info(
                    "Thrift server: closing the connection from {}: it did not take its reply "
                    "within {} s (nimbus.thrift.client.idle.timeout.secs){}",
                    c->peer, secs, suffix(skipped));
            } else {
                log().info(
                    "Thrift server: closing the connection from {}: its request was half-sent "
                    "({} of {} frame bytes, {} of 4 length bytes) after {} s "
                    "(nimbus.thrift.client.idle.timeout.secs){}",
                    c->peer, c->received, c->expected, c->header_got, secs, suffix(skipped));
            }
        }
    }
    close(c);
}

void frame_server::impl::read_header(const connection_ptr& c) {
    c->socket.async_read_some(
        asio::buffer(c->header.data() + c->header_got, c->header.size() - c->header_got),
        [this, c](boost::system::error_code ec, std::size_t n) {
            if (c->state == phase::closed) {
                return;
            }
            if (ec) {
                if (c->header_got > 0) {
                    std::uint64_t skipped = 0;
                    if (broken_log.allow(skipped)) {
                        log().info(
                            "Thrift server: {} closed its connection inside a frame "
                            "length ({}){}",
                            c->peer, ec.message(), suffix(skipped));
                    }
                }
                close(c);
                return;
            }
            c->header_got += n;
            if (c->header_got > 0) {
                c->state = phase::receiving;
            }
            if (c->header_got < c->header.size()) {
                read_header(c);
                return;
            }
            const auto length =
                static_cast<std::int32_t>((static_cast<std::uint32_t>(c->header[0]) << 24) |
                                          (static_cast<std::uint32_t>(c->header[1]) << 16) |
                                          (static_cast<std::uint32_t>(c->header[2]) << 8) |
                                          static_cast<std::uint32_t>(c->header[3]));
            if (length <= 0 || static_cast<std::size_t>(length) > options.max_frame_bytes) {
                ++oversized;
                std::uint64_t skipped = 0;
                if (oversize_log.allow(skipped)) {
                    log().warn(
                        "Thrift server: closing the connection from {}: its frame declares {} "
                        "bytes; a frame must have 1 to {} bytes (nimbus.thrift.max_buffer_size) "
                        "and the framed transport with the binary protocol{}",
                        c->peer, length, options.max_frame_bytes, suffix(skipped));
                }
                close(c);
                return;
            }
            c->expected = static_cast<std::size_t>(length);
            read_body(c);
        });
}

void frame_server::impl::read_body(const connection_ptr& c) {
    const std::size_t piece = std::min(read_piece, c->expected - c->received);
    c->body.resize(c->received + piece);
    c->socket.async_read_some(
        asio::buffer(c->body.data() + c->received, piece),
        [this, c](boost::system::error_code ec, std::size_t n) {
            if (c->state == phase::closed) {
                return;
            }
            if (ec) {
                std::uint64_t skipped = 0;
                if (broken_log.allow(skipped)) {
                    log().info(
                        "Thrift server: {} closed its connection {} bytes into a {}-byte frame "
                        "({}){}",
                        c->peer, c->received, c->expected, ec.message(), suffix(skipped));
                }
                close(c);
                return;
            }
            c->received += n;
            if (c->received < c->expected) {
                c->body.resize(c->received);
                read_body(c);
                return;
            }
            dispatch(c);
        });
}

void frame_server::impl::dispatch(const connection_ptr& c) {
    c->state = phase::processing;
    c->deadline.cancel();
    ++frames;
    {
        std::scoped_lock lock(jobs_mu);
        jobs.push_back(c);
    }
    jobs_cv.notify_one();
}

void frame_server::impl::work() {
    for (;;) {
        connection_ptr c;
        {
            std::unique_lock lock(jobs_mu);
            jobs_cv.wait(lock, [this] { return stopping || !jobs.empty(); });
            if (stopping) {
                return;
            }
            c = std::move(jobs.front());
            jobs.pop_front();
        }
        frame_reply r;
        try {
            r = handler(c->body, c->peer);
        } catch (const std::exception& e) {
            log().error("Thrift server: handling a request from {} failed: {}", c->peer, e.what());
            r = frame_reply{{}, true};
        }
        asio::post(io, [this, c, r = std::move(r)]() mutable { reply(c, std::move(r)); });
    }
}

void frame_server::impl::reply(const connection_ptr& c, frame_reply r) {
    if (c->state == phase::closed) {
        return;
    }
    if (r.bytes.empty()) {
        if (r.close) {
            close(c);
        } else {
            wait_request(c);
        }
        return;
    }
    const auto n = static_cast<std::uint32_t>(r.bytes.size());
    c->body.clear();
    c->body.reserve(4 + r.bytes.size());
    c->body.push_back(static_cast<char>((n >> 24) & 0xff));
    c->body.push_back(static_cast<char>((n >> 16) & 0xff));
    c->body.push_back(static_cast<char>((n >> 8) & 0xff));
    c->body.push_back(static_cast<char>(n & 0xff));
    c->body += r.bytes;
    c->close_after_reply = r.close;
    c->state = phase::replying;
    c->since = steady::now();
    arm_deadline(c);
    asio::async_write(c->socket, asio::buffer(c->body),
                      [this, c](boost::system::error_code ec, std::size_t) {
                          if (c->state == phase::closed) {
                              return;
                          }
                          if (ec || c->close_after_reply) {
                              close(c);
                              return;
                          }
                          wait_request(c);
                      });
}

void frame_server::impl::close(const connection_ptr& c) {
    if (c->state == phase::closed) {
        return;
    }
    c->state = phase::closed;
    boost::system::error_code ignored;
    c->socket.shutdown(tcp::socket::shutdown_both, ignored);
    c->socket.close(ignored);
    c->deadline.cancel();
    std::string().swap(c->body);
    connections.erase(c->id);
    --open;
}

frame_server::frame_server(frame_server_options options, frame_handler handler)
    : _impl(std::make_unique<impl>(std::move(options), std::move(handler))) {
    if (_impl->options.threads < 1 || _impl->options.max_connections < 1 ||
        _impl->options.max_frame_bytes < 1 || _impl->options.request_timeout.count() < 1) {
        throw std::invalid_argument(
            "frame_server: threads, max_connections, max_frame_bytes and request_timeout must be "
            "positive");
    }
}

frame_server::~frame_server() {
    stop();
}

void frame_server::start() {
    impl& im = *_impl;
    if (im.started) {
        throw std::logic_error("frame_server: started twice");
    }
    im.bind();
    im.stopping = false;
    im.accept();
    for (int i = 0; i < im.options.threads; ++i) {
        im.workers.emplace_back([&im] { im.work(); });
    }
    im.io_thread = std::thread([&im] { im.io.run(); });
    im.started = true;
}

void frame_server::stop() {
    impl& im = *_impl;
    if (!im.started) {
        return;
    }
    {
        std::scoped_lock lock(im.jobs_mu);
        im.stopping = true;
        im.jobs.clear();
    }
    im.jobs_cv.notify_all();
    for (auto& w : im.workers) {
        w.join();
    }
    im.workers.clear();
    im.io.stop();
    im.io_thread.join();
    // The I/O thread is gone: close everything here, then let the aborted operations finish so
    // that nothing holds a connection when the io_context goes.
    boost::system::error_code ignored;
    im.acceptor.close(ignored);
    im.retry_accept.cancel();
    while (!im.connections.empty()) {
        im.close(im.connections.begin()->second);
    }
    im.io.restart();
    im.io.run();
    im.started = false;
}

int frame_server::port() const {
    return _impl->port;
}

frame_server::counters frame_server::stats() const {
    const impl& im = *_impl;
    return {im.open.load(),    im.accepted.load(),  im.timed_out.load(), im.evicted.load(),
            im.refused.load(), im.oversized.load(), im.frames.load()};
}

}  // namespace tempest::nimbus
