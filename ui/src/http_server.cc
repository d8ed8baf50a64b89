// SPDX-License-Identifier: Apache-2.0
// http_server over Boost.Beast: an acceptor and its connections on `io_threads` threads (each
// connection on its own strand), handlers on a separate pool. See http_server.h for the model.
#include "tempest/ui/http_server.h"

#include "api_error.h"
#include "logger.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace tempest::ui {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

class connection;

// What connections share: options, the handler pool, the registry of open connections.
struct server_core {
    http_options options;
    http_server::handler handler;
    asio::thread_pool* handlers = nullptr;

    std::mutex mu;                   // guards `open` and `next_id`
    std::condition_variable closed;  // notified when a connection goes
    std::map<std::uint64_t, std::weak_ptr<connection>> open;
    std::uint64_t next_id = 0;
    std::atomic<std::size_t> count{0};
};

http_response run_handler(server_core& core, const http_request& req) {
    try {
        return core.handler(req);
    } catch (const std::exception& e) {
        log().error("{} {}: handler failed: {}", req.method, req.target, e.what());
        return error_response(500, e.what());
    }
}

// The sink of one streaming response (http_stream_sink). Producers queue data from any thread
// under `_mu`; the connection's strand takes it and writes it (`wake` posts that onto the
// strand). Held by the connection and by the producer; the connection marks it ended when it
// goes, so a producer holding it on sees is_open() false.
class stream_sink final : public http_stream_sink {
  public:
    enum class state { open, closing, dropped, ended };

    stream_sink(std::size_t max_unsent, bool chunked)
        : _max_unsent(max_unsent), _chunked(chunked) {}

    // Requires: called once, before the sink is handed to the producer.
    void attach(std::function<void()> wake) { _wake = std::move(wake); }

    bool send(std::string data) override {
        bool wake = false;
        bool ok = true;
        {
            std::scoped_lock lock(_mu);
            if (_state != state::open) {
                return false;
            }
            if (data.empty()) {
                return true;
            }
            const std::string size_line = _chunked ? fmt_hex(data.size()) + "\r\n" : "";
            const std::size_t framed = size_line.size() + data.size() + (_chunked ? 2 : 0);
            if (_unsent + framed > _max_unsent) {
                _state = state::dropped;
                _pending.clear();
                ok = false;
            } else {
                _pending += size_line;
                _pending += data;
                if (_chunked) {
                    _pending += "\r\n";
                }
                _unsent += framed;
            }
            if (!_wake_pending) {
                _wake_pending = true;
                wake = true;
            }
        }
        if (wake) {
            _wake();
        }
        return ok;
    }

    void close() override {
        bool wake = false;
        {
            std::scoped_lock lock(_mu);
            if (_state != state::open) {
                return;
            }
            _state = state::closing;
            if (!_wake_pending) {
                _wake_pending = true;
                wake = true;
            }
        }
        if (wake) {
            _wake();
        }
    }

    bool is_open() const override {
        std::scoped_lock lock(_mu);
        return _state == state::open;
    }

    // For the connection, on its strand: moves what is queued into `out` (framed) and says what
    // should happen after it is written.
    state take(std::string& out) {
        std::scoped_lock lock(_mu);
        _wake_pending = false;
        out.clear();
        out.swap(_pending);
        return _state;
    }
    state current() const {
        std::scoped_lock lock(_mu);
        return _state;
    }
    // For the connection, on its strand: `n` queued bytes have been written.
    void written(std::size_t n) {
        std::scoped_lock lock(_mu);
        _unsent = n > _unsent ? 0 : _unsent - n;
    }
    void end() {
        std::scoped_lock lock(_mu);
        _state = state::ended;
        _pending.clear();
    }
    bool chunked() const { return _chunked; }

  private:
    static std::string fmt_hex(std::size_t n) {
        static const char digits[] = "0123456789abcdef";
        std::string out;
        do {
            out.insert(out.begin(), digits[n % 16]);
            n /= 16;
        } while (n != 0);
        return out;
    }

    const std::size_t _max_unsent;
    const bool _chunked;
    std::function<void()> _wake;
    mutable std::mutex _mu;  // guards everything below
    state _state = state::open;
    std::string _pending;
    std::size_t _unsent = 0;  // queued or being written, counted as sent
    bool _wake_pending = false;
};

// One client connection. Lives as long as an operation of it is pending (shared_from_this).
// Runs on its strand, except the handler call, which runs on the handler pool and posts the
// response back to the strand.
class connection : public std::enable_shared_from_this<connection> {
  public:
    connection(tcp::socket socket, server_core& core)
        : _stream(std::move(socket)),
          _core(core),
          _buffer(core.options.max_header_bytes + core.options.max_body_bytes + 1024) {
        _core.count.fetch_add(1);
    }
    ~connection() {
        if (_sink) {
            _sink->end();
        }
        std::scoped_lock lock(_core.mu);
        _core.open.erase(_id);
        _core.count.fetch_sub(1);
        _core.closed.notify_all();
    }

    void start(std::uint64_t id) {
        _id = id;
        asio::dispatch(_stream.get_executor(), [self = shared_from_this()] { self->read(); });
    }

    // Closes the socket; pending operations end with an error. Any thread.
    void close() {
        asio::post(_stream.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
            self->_stream.close();
        });
    }

  private:
    void read() {
        _parser.emplace();
        _parser->header_limit(static_cast<std::uint32_t>(_core.options.max_header_bytes));
        _parser->body_limit(_core.options.max_body_bytes);
        _stream.expires_after(_core.options.read_timeout);
        http::async_read(
            _stream, _buffer, *_parser,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof) {
            if (ec == beast::error::timeout) {
                log().debug("dropping a connection: no complete request within {} ms",
                            _core.options.read_timeout.count());
            }
            close_now();
            return;
        }
        if (ec) {
            int status = 400;
            if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
                status = 431;
            } else if (ec == http::error::body_limit) {
                status = 413;
            }
            reply_and_close(error_response(status, "cannot read the request: " + ec.message()));
            return;
        }
        auto& msg = _parser->get();
        http_request req;
        req.method = std::string(msg.method_string());
        req.target = std::string(msg.target());
        req.body = std::move(msg.body());
        if (auto ct = msg.find(http::field::content_type); ct != msg.end()) {
            req.content_type = std::string(ct->value());
        }
        _keep_alive = msg.keep_alive();
        _version = msg.version();
        if (!parse_target(req.target, req.path, req.query)) {
            reply_and_close(error_response(400, "bad request target '" + req.target + "'"));
            return;
        }
        // No timer while the handler runs: its own deadlines (Nimbus calls) bound it.
        _stream.expires_never();
        asio::post(*_core.handlers, [self = shared_from_this(), req = std::move(req)] {
            auto res = run_handler(self->_core, req);
            asio::post(self->_stream.get_executor(),
                       [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
        });
    }

    void write(http_response res) {
        if (res.stream) {
            start_stream(std::move(res));
            return;
        }
        if (res.file) {
            write_file(std::move(res));
            return;
        }
        _response.emplace();
        auto& m = *_response;
        m.version(_version);
        m.result(static_cast<http::status>(res.status));
        m.set(http::field::server, "tempest-ui");
        m.set(http::field::content_type, res.content_type);
        m.set(http::field::cache_control, "no-cache");
        for (auto& [k, v] : res.headers) {
            m.set(k, v);
        }
        m.body() = std::move(res.body);
        m.keep_alive(_keep_alive);
        m.prepare_payload();
        _stream.expires_after(_core.options.write_timeout);
        http::async_write(
            _stream, m,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    }

    // ---- FILE-DOWNLOAD: a body read from a file (http_file_body), chunk by chunk ----

    // Opens the file, writes the header with Content-Length = length, then the chunks.
    void write_file(http_response res) {
        const http_file_body f = std::move(*res.file);
        int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            log().warn("cannot open {} to send it: {}", f.path, std::strerror(errno));
            write(
                error_response(404, "cannot open the file: " + std::string(std::strerror(errno))));
            return;
        }
        _file.emplace(fd, f.offset, f.length);
        _file_header.emplace();
        auto& m = *_file_header;
        m.version(_version);
        m.result(static_cast<http::status>(res.status));
        m.set(http::field::server, "tempest-ui");
        m.set(http::field::content_type, res.content_type);
        m.set(http::field::cache_control, "no-cache");
        for (auto& [k, v] : res.headers) {
            m.set(k, v);
        }
        m.content_length(f.length);
        m.keep_alive(_keep_alive);
        _file_serializer.emplace(m);
        _stream.expires_after(_core.options.write_timeout);
        http::async_write_header(_stream, *_file_serializer,
                                 [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     self->on_file_written(ec, 0);
                                 });
    }

    // After the header or a chunk: the next chunk, or the end of the response.
    void on_file_written(beast::error_code ec, std::size_t sent) {
        auto& f = *_file;
        f.offset += sent;
        f.remaining -= sent;
        if (ec || f.remaining == 0) {
            end_file(ec);
            return;
        }
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(f.remaining, f.chunk.size()));
        ssize_t n = ::pread(f.fd, f.chunk.data(), want, static_cast<off_t>(f.offset));
        if (n <= 0) {
            // Truncated (or unreadable) since the header promised its length: the client can
            // only learn of it from a short body, so the connection ends here.
            log().warn("a file being sent ended {} bytes early; closing the connection",
                       f.remaining);
            end_file(beast::error_code(asio::error::eof));
            return;
        }
        _stream.expires_after(_core.options.write_timeout);
        asio::async_write(_stream, asio::buffer(f.chunk.data(), static_cast<std::size_t>(n)),
                          [self = shared_from_this()](beast::error_code wec, std::size_t w) {
                              self->on_file_written(wec, w);
                          });
    }

    void end_file(beast::error_code ec) {
        _file_serializer.reset();
        _file_header.reset();
        _file.reset();
        on_write(ec);
    }

    // The file being sent: its descriptor (closed with it), position, bytes still owed and the
    // one chunk buffer.
    struct file_state {
        file_state(int fd_, std::uint64_t offset_, std::uint64_t length)
            : fd(fd_), offset(offset_), remaining(length), chunk(64 * 1024) {}
        ~file_state() { ::close(fd); }
        file_state(const file_state&) = delete;
        file_state& operator=(const file_state&) = delete;
        int fd;
        std::uint64_t offset;
        std::uint64_t remaining;
        std::vector<char> chunk;
    };

    // ---- end of FILE-DOWNLOAD ----

    void on_write(beast::error_code ec) {
        _response.reset();
        if (!ec && _closing) {
            linger_close();
            return;
        }
        if (ec || !_keep_alive) {
            close_now();
            return;
        }
        read();
    }

    // --- Streaming responses: header, then whatever the sink is given, until it ends. ---

    // Requires: on the strand.
    void start_stream(http_response res) {
        const bool chunked = _version >= 11;
        _sink = std::make_shared<stream_sink>(_core.options.max_stream_unsent_bytes, chunked);
        _sink->attach([weak = weak_from_this()] {
            if (auto self = weak.lock()) {
                asio::post(self->_stream.get_executor(), [self] { self->stream_flush(); });
            }
        });
        std::string head = (chunked ? "HTTP/1.1 " : "HTTP/1.0 ") + std::to_string(res.status) +
                           " " + reason_phrase(res.status) + "\r\nServer: tempest-ui\r\n" +
                           "Content-Type: " + res.content_type + "\r\n";
        bool cache_control = false;
        for (const auto& [k, v] : res.headers) {
            cache_control = cache_control || beast::iequals(k, "cache-control");
            head += k + ": " + v + "\r\n";
        }
        if (!cache_control) {
            head += "Cache-Control: no-cache\r\n";
        }
        head += chunked ? "Transfer-Encoding: chunked\r\n" : "";
        head += "Connection: close\r\n\r\n";
        stream_write(std::move(head), 0);
        res.stream(_sink);
        stream_watch();
    }

    // Reads (and drops) what the client sends while streaming: its end or an error ends the
    // stream. On the raw socket, so the write deadline does not apply to it.
    void stream_watch() {
        if (!_scratch) {
            _scratch = std::make_unique<std::array<char, 4096>>();
        }
        _stream.socket().async_read_some(
            asio::buffer(*_scratch),
            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) {
                    self->stream_end();
                    return;
                }
                self->stream_watch();
            });
    }

    // Requires: on the strand.
    void stream_flush() {
        if (_stream_done) {
            return;
        }
        // A dropped client goes at once, even while a write to it is stuck.
        auto now = _sink->current();
        if (now == stream_sink::state::dropped) {
            log().warn("dropping a streaming client: over {} bytes unsent",
                       _core.options.max_stream_unsent_bytes);
            stream_end();
            return;
        }
        if (now == stream_sink::state::ended) {
            stream_end();
            return;
        }
        if (_stream_writing) {
            return;
        }
        std::string out;
        auto st = _sink->take(out);
        if (st == stream_sink::state::closing) {
            if (_sink->chunked()) {
                out += "0\r\n\r\n";
            }
            _stream_finishing = true;
        }
        if (out.empty()) {
            return;
        }
        std::size_t n = out.size();
        stream_write(std::move(out), n);
    }

    void stream_write(std::string data, std::size_t counted) {
        _stream_writing = true;
        _stream_out = std::move(data);
        _stream.expires_after(_core.options.write_timeout);
        asio::async_write(_stream, asio::buffer(_stream_out),
                          [self = shared_from_this(), counted](beast::error_code ec, std::size_t) {
                              self->_stream_writing = false;
                              self->_sink->written(counted);
                              if (ec) {
                                  if (ec == beast::error::timeout) {
                                      log().warn(
                                          "dropping a streaming client: a write took over "
                                          "{} ms",
                                          self->_core.options.write_timeout.count());
                                  }
                                  self->stream_end();
                                  return;
                              }
                              if (self->_stream_finishing) {
                                  self->stream_end();
                                  return;
                              }
                              self->stream_flush();
                          });
    }

    // Ends the stream and the connection. Requires: on the strand.
    void stream_end() {
        if (_stream_done) {
            return;
        }
        _stream_done = true;
        _sink->end();
        close_now();
    }

    // After an error reply to a request not read to its end: stop sending, then read and drop
    // what the client still sends (up to 64 KiB, for at most a second) before closing. Closing
    // with unread bytes would make the kernel reset the connection, and the client could lose
    // the reply it has not read yet.
    void linger_close() {
        beast::error_code ec;
        _stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        _stream.expires_after(std::chrono::seconds(1));
        _scratch = std::make_unique<std::array<char, 4096>>();
        drain();
    }

    void drain() {
        _stream.async_read_some(asio::buffer(*_scratch),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->_drained += n;
                                    if (ec || self->_drained > 64 * 1024) {
                                        self->_stream.close();
                                        return;
                                    }
                                    self->drain();
                                });
    }

    void reply_and_close(http_response res) {
        _keep_alive = false;
        _closing = true;
        write(std::move(res));
    }

    void close_now() {
        beast::error_code ec;
        _stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        _stream.close();
    }

    beast::tcp_stream _stream;
    server_core& _core;
    beast::flat_buffer _buffer;
    std::optional<http::request_parser<http::string_body>> _parser;
    std::optional<http::response<http::string_body>> _response;
    std::unique_ptr<std::array<char, 4096>> _scratch;  // linger_close()'s or stream_watch()'s
    // A streaming response's state (start_stream()), on the strand.
    std::shared_ptr<stream_sink> _sink;
    std::string _stream_out;
    bool _stream_writing = false;
    bool _stream_finishing = false;
    bool _stream_done = false;
    // FILE-DOWNLOAD: the response being sent from a file, only then.
    std::optional<file_state> _file;
    std::optional<http::response<http::empty_body>> _file_header;
    std::optional<http::response_serializer<http::empty_body>> _file_serializer;
    std::size_t _drained = 0;
    std::uint64_t _id = 0;
    bool _keep_alive = false;
    bool _closing = false;
    unsigned _version = 11;
};

}  // namespace

struct http_server::impl {
    // Declared before the io_context: connections (owned by its pending handlers) unregister
    // themselves from `core` when the io_context destroys them.
    server_core core;
    std::optional<asio::thread_pool> handler_pool;
    asio::io_context ioc;
    // Keeps the I/O threads in run() until stop(): without it they return as soon as nothing
    // is pending (acceptor closed, last client gone) and a close posted by stop() never runs,
    // leaving stop() to wait out its grace period.
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    // The acceptor runs on its own strand, so that stop() can close it between two accepts.
    asio::strand<asio::io_context::executor_type> accept_strand{asio::make_strand(ioc)};
    std::optional<tcp::acceptor> acceptor;
    asio::steady_timer accept_retry{accept_strand};
    std::vector<std::thread> threads;
    int port = 0;
    bool started = false;
    bool stopped = false;

    void accept() {
        acceptor->async_accept(
            asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
                if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
                    return;
                }
                if (ec) {
                    // E.g. out of file descriptors: retry shortly instead of spinning.
                    log().warn("accept failed: {}; retrying in 100 ms", ec.message());
                    accept_retry.expires_after(std::chrono::milliseconds(100));
                    accept_retry.async_wait([this](beast::error_code wait_ec) {
                        if (!wait_ec && acceptor->is_open()) {
                            accept();
                        }
                    });
                    return;
                }
                on_accept(std::move(socket));
                accept();
            });
    }

    void on_accept(tcp::socket socket) {
        if (core.count.load() >= core.options.max_connections) {
            // Best effort, never blocking: a short 503 if the socket takes it at once.
            static const std::string busy = [] {
                auto body = error_response(503, "too many connections; try again later").body;
                return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                       "Connection: close\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body;
            }();
            beast::error_code ec;
            socket.non_blocking(true, ec);
            socket.write_some(asio::buffer(busy), ec);
            socket.shutdown(tcp::socket::shutdown_both, ec);
            socket.close(ec);
            log().warn("refused a connection: {} open, the limit", core.options.max_connections);
            return;
        }
        auto c = std::make_shared<connection>(std::move(socket), core);
        std::uint64_t id = 0;
        {
            std::scoped_lock lock(core.mu);
            id = ++core.next_id;
            core.open[id] = c;
        }
        c->start(id);
    }
};

http_server::http_server(http_options options, handler h) : _impl(std::make_unique<impl>()) {
    _impl->core.options = std::move(options);
    _impl->core.handler = std::move(h);
}

http_server::~http_server() {
    stop();
}

void http_server::start() {
    auto& i = *_impl;
    if (i.started) {
        return;
    }
    const auto& o = i.core.options;
    beast::error_code ec;
    auto address = asio::ip::make_address(o.host, ec);
    tcp::endpoint endpoint;
    if (ec) {
        // A host name: bind its first address.
        tcp::resolver resolver(i.ioc);
        auto results = resolver.resolve(o.host, std::to_string(o.port), ec);
        if (ec || results.empty()) {
            throw std::system_error(ec, "cannot resolve ui.host '" + o.host + "'");
        }
        endpoint = results.begin()->endpoint();
    } else {
        endpoint = tcp::endpoint(address, static_cast<unsigned short>(o.port));
    }
    i.acceptor.emplace(i.accept_strand);
    i.acceptor->open(endpoint.protocol());
    i.acceptor->set_option(asio::socket_base::reuse_address(true));
    i.acceptor->bind(endpoint, ec);
    if (ec) {
        throw std::system_error(ec, "cannot bind " + o.host + ":" + std::to_string(o.port));
    }
    i.acceptor->listen(asio::socket_base::max_listen_connections);
    i.port = i.acceptor->local_endpoint().port();
    i.handler_pool.emplace(static_cast<std::size_t>(std::max(1, o.handler_threads)));
    i.core.handlers = &*i.handler_pool;
    i.accept();
    i.work.emplace(i.ioc.get_executor());
    for (int t = 0; t < std::max(1, o.io_threads); ++t) {
        i.threads.emplace_back([&i] { i.ioc.run(); });
    }
    i.started = true;
}

void http_server::stop() {
    auto& i = *_impl;
    if (!i.started || i.stopped) {
        return;
    }
    i.stopped = true;
    // Close the listener on its strand and wait: after that no connection is added.
    std::promise<void> closed;
    asio::post(i.accept_strand, [&i, &closed] {
        beast::error_code ec;
        i.acceptor->close(ec);
        i.accept_retry.cancel();
        closed.set_value();
    });
    closed.get_future().wait();
    std::vector<std::shared_ptr<connection>> live;
    {
        std::scoped_lock lock(i.core.mu);
        for (auto& [id, w] : i.core.open) {
            if (auto c = w.lock()) {
                live.push_back(std::move(c));
            }
        }
    }
    for (auto& c : live) {
        c->close();
    }
    live.clear();
    // Running handlers finish (their responses then fail to write on closed sockets), then the
    // connections go; what is still queued after a grace period is dropped with the io_context.
    i.handler_pool->join();
    {
        std::unique_lock lock(i.core.mu);
        i.core.closed.wait_for(lock, std::chrono::seconds(2),
                               [&i] { return i.core.count.load() == 0; });
    }
    i.work.reset();
    i.ioc.stop();
    for (auto& t : i.threads) {
        t.join();
    }
    i.threads.clear();
}

int http_server::port() const {
    return _impl->port;
}

std::size_t http_server::open_connections() const {
    return _impl->core.count.load();
}

}  // namespace tempest::ui
