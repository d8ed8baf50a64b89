// SPDX-License-Identifier: Apache-2.0
#include "tempest/test_support/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace tempest::test_support {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::size_t read_size = 64 * 1024;

[[noreturn]] void throw_errno(int err, const std::string& what) {
    throw std::system_error(err, std::generic_category(), "fault_proxy: " + what);
}

sockaddr_in ipv4(const std::string& host, std::uint16_t port, const char* option) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
        throw std::invalid_argument(std::string("fault_proxy: ") + option + " '" + host +
                                    "' is not a numeric IPv4 address");
    }
    return a;
}

void check(const link_faults& f) {
    if (f.latency.count() < 0 || f.stall_period.count() < 0 || f.stall_length.count() < 0) {
        throw std::invalid_argument(
            "fault_proxy: a negative latency, stall_period or stall_length");
    }
    if ((f.stall_period.count() == 0) != (f.stall_length.count() == 0)) {
        throw std::invalid_argument(
            "fault_proxy: stall_period and stall_length must both be set or both be 0");
    }
    if (f.stall_length > f.stall_period) {
        throw std::invalid_argument("fault_proxy: stall_length is longer than stall_period");
    }
    if (f.bytes_per_second > 0 && f.burst_bytes == 0) {
        throw std::invalid_argument("fault_proxy: bytes_per_second needs a burst_bytes above 0");
    }
}

// A socket made in `netns` (-1: this thread's namespace). A socket belongs to the namespace of
// the thread that made it, so a thread that may enter the namespace makes it and ends.
int socket_in(int netns, int type) {
    if (netns < 0) {
        return ::socket(AF_INET, type, 0);
    }
    int fd = -1;
    int err = 0;
    std::thread([&] {
        if (::setns(netns, CLONE_NEWNET) != 0) {
            err = errno;
            return;
        }
        fd = ::socket(AF_INET, type, 0);
        err = errno;
    }).join();
    errno = err;
    return fd;
}

void set_nodelay(int fd) {
    int one = 1;
    // (void): only a latency hint; the relay works without it.
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool would_block() {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

// Bytes read at one time, written on from `due`.
struct chunk {
    std::vector<char> bytes;
    std::size_t offset = 0;
    clock::time_point due;
};

// One direction of a relayed connection.
struct direction {
    std::deque<chunk> queue;
    std::size_t held = 0;  // bytes queued, not yet written
    double tokens = -1;    // the bandwidth cap's bucket; < 0: not filled yet
    clock::time_point refilled;
    bool eof = false;      // the sender closed its end
    bool shut = false;     // ... and that was passed on (shutdown(SHUT_WR) of the receiver)
    bool blocked = false;  // the last write would have blocked: wait for POLLOUT
    // With length_prefixed: where the bytes written so far end in the frame stream.
    std::array<unsigned char, 4> length{};  // the length prefix being written
    std::size_t length_have = 0;            // ... bytes of it written
    std::uint64_t body_left = 0;            // bytes of the current body not yet written

    bool mid_frame() const noexcept { return length_have > 0 || body_left > 0; }
    // Follows `n` written bytes through the frames; returns the frames they completed.
    std::uint64_t advance(const char* p, std::size_t n) {
        std::uint64_t frames = 0;
        while (n > 0) {
            if (body_left == 0) {
                const std::size_t take = std::min(n, length.size() - length_have);
                std::memcpy(length.data() + length_have, p, take);
                length_have += take;
                p += take;
                n -= take;
                if (length_have == length.size()) {
                    body_left = static_cast<std::uint64_t>(length[0]) |
                                static_cast<std::uint64_t>(length[1]) << 8 |
                                static_cast<std::uint64_t>(length[2]) << 16 |
                                static_cast<std::uint64_t>(length[3]) << 24;
                    length_have = 0;
                    frames += body_left == 0 ? 1 : 0;
                }
            } else {
                const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(n, body_left));
                body_left -= take;
                p += take;
                n -= take;
                frames += body_left == 0 ? 1 : 0;
            }
        }
        return frames;
    }
};

// One relayed connection: `client` was accepted, `target` connects on.
struct connection {
    int client = -1;
    int target = -1;
    bool connecting = true;
    direction up;                  // client -> target
    direction down;                // target -> client
    std::uint64_t up_written = 0;  // for cut_after_bytes
    bool counted = false;          // in the `open` counter
    enum class end { open, closed, cut, failed } state = end::open;
};

}  // namespace

struct fault_proxy::impl {
    explicit impl(fault_proxy_options o) : options(std::move(o)), faults(options.faults) {}

    // ---- any thread

    // Hands the loop what was set under `lock` and waits until it has taken it.
    // Requires: command_mu held; `lock` holds mu.
    void request(std::unique_lock<std::mutex>& lock) {
        const std::uint64_t id = ++requested;
        std::uint64_t one = 1;
        // An eventfd write fails only when its counter would overflow; the loop drains it.
        (void)!::write(wake_fd, &one, sizeof one);
        cv.wait(lock, [&] { return done >= id; });
    }

    // Stalls begun by the periodic schedule of `faults` since `epoch`. Requires: mu held.
    std::uint64_t periodic_stalls(clock::time_point now) const {
        if (faults.stall_period.count() == 0 || now < epoch) {
            return 0;
        }
        return static_cast<std::uint64_t>((now - epoch) / faults.stall_period) + 1;
    }

    // ---- the relay thread

    void run(std::promise<int> started);
    void relay_all(clock::time_point now);
    // Writes what `d` may write now to `to`; false when the connection must close.
    bool write(connection& c, direction& d, int to, bool up, clock::time_point now);
    void read(connection& c, direction& d, int from);
    // Handles what poll reported for `fd`: `to` is the direction written to it, `from` the one
    // read from it. False when the connection closed.
    bool pump_events(connection& c, short revents, direction& to, direction& from, int fd);
    void accept_all();
    void close(connection& c, connection::end why);
    bool stalled(clock::time_point now) const;
    // When a stall in force at `now` ends.
    clock::time_point stall_end(clock::time_point now) const;
    void refill(direction& d, clock::time_point now) const;
    // When `d` may next write (nullopt: it waits for POLLOUT or data).
    std::optional<clock::time_point> next_write(const direction& d, clock::time_point now) const;

    fault_proxy_options options;
    int listen_fd = -1;
    int wake_fd = -1;
    std::uint16_t port = 0;
    sockaddr_in target_addr{};

    std::mutex command_mu;       // one command at a time: set_faults, stall, cut_now, stop
    mutable std::mutex mu;       // guards the members below, up to the counters
    std::condition_variable cv;  // signalled when the loop has taken a request
    link_faults faults;
    clock::time_point epoch = clock::now();  // of the periodic stalls
    clock::time_point stall_until{};
    std::uint64_t stalls_before = 0;  // stall() calls and periodic stalls of earlier settings
    bool cut_pending = false;
    std::uint64_t cut_result = 0;
    bool stopping = false;
    std::uint64_t requested = 0;
    std::uint64_t done = 0;

    // Written by the relay thread only.
    std::atomic<std::uint64_t> bytes_up{0};
    std::atomic<std::uint64_t> bytes_down{0};
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> open{0};
    std::atomic<std::uint64_t> cuts{0};
    std::atomic<std::uint64_t> target_failures{0};
    std::atomic<std::uint64_t> frames_up{0};
    std::atomic<std::uint64_t> frames_down{0};
    std::atomic<std::uint64_t> cuts_mid_frame{0};

    // The relay thread's copy of the settings, taken on every pass.
    struct settings {
        link_faults faults;
        clock::time_point epoch;
        clock::time_point stall_until;
    } now_set;
    std::vector<std::unique_ptr<connection>> conns;            // relay thread only
    std::vector<char> scratch = std::vector<char>(read_size);  // relay thread only: recv() into

    std::thread thread;
};

fault_proxy::fault_proxy(fault_proxy_options options)
    : _impl(std::make_unique<impl>(std::move(options))) {
    impl& p = *_impl;
    check(p.options.faults);
    if (p.options.target_port == 0) {
        throw std::invalid_argument("fault_proxy: target_port is 0");
    }
    if (p.options.buffer_bytes == 0) {
        throw std::invalid_argument("fault_proxy: buffer_bytes is 0");
    }
    sockaddr_in listen_at = ipv4(p.options.listen_host, 0, "listen_host");
    p.target_addr = ipv4(p.options.target_host, p.options.target_port, "target_host");

    p.listen_fd = socket_in(p.options.listen_netns, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (p.listen_fd < 0) {
        throw_errno(errno, "cannot make a socket to listen on " + p.options.listen_host);
    }
    socklen_t len = sizeof listen_at;
    if (::bind(p.listen_fd, reinterpret_cast<sockaddr*>(&listen_at), sizeof listen_at) != 0 ||
        ::listen(p.listen_fd, 64) != 0 ||
        ::getsockname(p.listen_fd, reinterpret_cast<sockaddr*>(&listen_at), &len) != 0) {
        const int err = errno;
        ::close(p.listen_fd);
        throw_errno(err, "cannot listen on " + p.options.listen_host);
    }
    p.port = ntohs(listen_at.sin_port);
    p.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p.wake_fd < 0) {
        const int err = errno;
        ::close(p.listen_fd);
        throw_errno(err, "eventfd");
    }
    std::promise<int> started;
    auto result = started.get_future();
    p.thread = std::thread([&p, s = std::move(started)]() mutable { p.run(std::move(s)); });
    if (const int err = result.get(); err != 0) {
        p.thread.join();
        ::close(p.listen_fd);
        ::close(p.wake_fd);
        throw_errno(err, "cannot enter the target's network namespace");
    }
}

fault_proxy::~fault_proxy() {
    impl& p = *_impl;
    {
        std::scoped_lock command(p.command_mu);
        std::unique_lock lock(p.mu);
        p.stopping = true;
        p.request(lock);
    }
    p.thread.join();
    ::close(p.listen_fd);
    ::close(p.wake_fd);
}

std::uint16_t fault_proxy::port() const noexcept {
    return _impl->port;
}

void fault_proxy::set_faults(const link_faults& faults) {
    check(faults);
    impl& p = *_impl;
    std::scoped_lock command(p.command_mu);
    std::unique_lock lock(p.mu);
    const auto now = clock::now();
    p.stalls_before += p.periodic_stalls(now);
    p.faults = faults;
    p.epoch = now;
    p.request(lock);
}

link_faults fault_proxy::faults() const {
    std::scoped_lock lock(_impl->mu);
    return _impl->faults;
}

void fault_proxy::stall(std::chrono::milliseconds length) {
    impl& p = *_impl;
    std::scoped_lock command(p.command_mu);
    std::unique_lock lock(p.mu);
    p.stall_until = std::max(p.stall_until, clock::now() + length);
    ++p.stalls_before;
    p.request(lock);
}

std::uint64_t fault_proxy::cut_now() {
    impl& p = *_impl;
    std::scoped_lock command(p.command_mu);
    std::unique_lock lock(p.mu);
    p.cut_pending = true;
    p.request(lock);
    return p.cut_result;
}

fault_proxy_counters fault_proxy::counters() const {
    const impl& p = *_impl;
    fault_proxy_counters c;
    c.bytes_up = p.bytes_up.load();
    c.bytes_down = p.bytes_down.load();
    c.accepted = p.accepted.load();
    c.open = p.open.load();
    c.cuts = p.cuts.load();
    c.target_failures = p.target_failures.load();
    c.frames_up = p.frames_up.load();
    c.frames_down = p.frames_down.load();
    c.cuts_mid_frame = p.cuts_mid_frame.load();
    std::scoped_lock lock(p.mu);
    c.stalls = p.stalls_before + p.periodic_stalls(clock::now());
    return c;
}

// ------------------------------------------------------------------------- the relay thread

void fault_proxy::impl::run(std::promise<int> started) {
    // The connections to the target are made on this thread: in the target's namespace.
    if (options.target_netns >= 0 && ::setns(options.target_netns, CLONE_NEWNET) != 0) {
        started.set_value(errno);
        return;
    }
    started.set_value(0);

    std::vector<pollfd> fds;
    for (;;) {
        bool stop = false;
        bool cut = false;
        std::uint64_t taken = 0;
        {
            std::scoped_lock lock(mu);
            now_set = {faults, epoch, stall_until};
            stop = stopping;
            cut = cut_pending;
            cut_pending = false;
            taken = requested;
        }
        if (cut || stop) {
            const std::uint64_t n = conns.size();
            for (auto& c : conns) {
                close(*c, stop ? connection::end::closed : connection::end::cut);
            }
            conns.clear();
            std::scoped_lock lock(mu);
            cut_result = n;
        }
        {
            std::scoped_lock lock(mu);
            done = taken;
        }
        cv.notify_all();
        if (stop) {
            return;
        }

        auto now = clock::now();
        relay_all(now);
        std::erase_if(conns, [](const auto& c) { return c->state != connection::end::open; });

        // Poll for what can move, until the next chunk is due, a stall ends or tokens refill.
        fds.clear();
        fds.push_back({wake_fd, POLLIN, 0});
        fds.push_back({listen_fd, POLLIN, 0});
        std::optional<clock::time_point> wake_at;
        auto earliest = [&](std::optional<clock::time_point> t) {
            if (t && (!wake_at || *t < *wake_at)) {
                wake_at = t;
            }
        };
        for (const auto& c : conns) {
            short client_ev = 0;
            short target_ev = 0;
            if (!c->up.eof && c->up.held < options.buffer_bytes) {
                client_ev |= POLLIN;
            }
            if (c->down.blocked) {
                client_ev |= POLLOUT;
            }
            if (c->connecting || c->up.blocked) {
                target_ev |= POLLOUT;
            }
            if (!c->connecting && !c->down.eof && c->down.held < options.buffer_bytes) {
                target_ev |= POLLIN;
            }
            // A socket with nothing to wait for is left out (a negative fd): poll would report
            // its hang-up again and again, while what is queued for it may still be waiting
            // out its delay.
            fds.push_back({client_ev != 0 ? c->client : -1, client_ev, 0});
            fds.push_back({target_ev != 0 ? c->target : -1, target_ev, 0});
            if (!c->connecting) {
                earliest(next_write(c->up, now));
            }
            earliest(next_write(c->down, now));
        }
        timespec ts{};
        timespec* timeout = nullptr;
        if (wake_at) {
            const auto wait = std::max(clock::duration::zero(), *wake_at - now);
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
            ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
            ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
            timeout = &ts;
        }
        if (::ppoll(fds.data(), fds.size(), timeout, nullptr) < 0) {
            continue;  // EINTR
        }
        now = clock::now();
        if (fds[0].revents & POLLIN) {
            std::uint64_t n = 0;
            (void)!::read(wake_fd, &n, sizeof n);  // drained; the request is under mu
        }
        // The connections polled are the first ones of `conns`; accept_all() appends.
        const std::size_t polled = conns.size();
        for (std::size_t i = 0; i < polled; ++i) {
            connection& c = *conns[i];
            const short ce = fds[2 + 2 * i].revents;
            const short te = fds[2 + 2 * i + 1].revents;
            if (c.connecting && te != 0) {
                int err = 0;
                socklen_t len = sizeof err;
                if (::getsockopt(c.target, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
                    close(c, connection::end::failed);
                    continue;
                }
                c.connecting = false;
            } else if (!pump_events(c, te, c.up, c.down, c.target)) {
                continue;
            }
            (void)pump_events(c, ce, c.down, c.up, c.client);
        }
        if (fds[1].revents & POLLIN) {
            accept_all();
        }
    }
}

bool fault_proxy::impl::pump_events(connection& c, short revents, direction& to, direction& from,
                                    int fd) {
    if (revents & POLLERR) {
        close(c, connection::end::closed);  // reset or failed: nothing more comes either way
        return false;
    }
    if (revents & (POLLOUT | POLLHUP)) {
        to.blocked = false;  // the next write goes on, or fails and closes the connection
    }
    if (revents & (POLLIN | POLLHUP)) {
        read(c, from, fd);  // data, or the end of the stream
    }
    return c.state == connection::end::open;
}

void fault_proxy::impl::relay_all(clock::time_point now) {
    for (auto& cp : conns) {
        connection& c = *cp;
        if (c.state != connection::end::open) {
            continue;
        }
        if (!c.connecting && !write(c, c.up, c.target, true, now)) {
            continue;
        }
        if (!write(c, c.down, c.client, false, now)) {
            continue;
        }
        // Both ends closed theirs and everything was passed on: done.
        if (c.up.shut && c.down.shut) {
            close(c, connection::end::closed);
        }
    }
}

bool fault_proxy::impl::write(connection& c, direction& d, int to, bool up, clock::time_point now) {
    const link_faults& f = now_set.faults;
    const bool is_stalled = stalled(now);
    while (!d.queue.empty() && !d.blocked && !is_stalled) {
        chunk& ch = d.queue.front();
        if (ch.due > now) {
            break;
        }
        std::size_t n = ch.bytes.size() - ch.offset;
        if (f.bytes_per_second > 0) {
            refill(d, now);
            if (d.tokens < 1) {
                break;
            }
            n = std::min(n, static_cast<std::size_t>(d.tokens));
        }
        if (up && f.cut_after_bytes > 0) {
            if (c.up_written >= f.cut_after_bytes) {
                close(c, connection::end::cut);
                return false;
            }
            n = std::min<std::uint64_t>(n, f.cut_after_bytes - c.up_written);
        }
        const ssize_t w = ::send(to, ch.bytes.data() + ch.offset, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (would_block()) {
                d.blocked = true;
                break;
            }
            close(c, connection::end::closed);  // that end is gone
            return false;
        }
        const auto written = static_cast<std::size_t>(w);
        if (options.length_prefixed) {
            (up ? frames_up : frames_down)
                .fetch_add(d.advance(ch.bytes.data() + ch.offset, written));
        }
        ch.offset += written;
        d.held -= written;
        if (f.bytes_per_second > 0) {
            d.tokens -= static_cast<double>(written);
        }
        (up ? bytes_up : bytes_down).fetch_add(written);
        if (ch.offset == ch.bytes.size()) {
            d.queue.pop_front();
        }
        if (up) {
            c.up_written += written;
            if (f.cut_after_bytes > 0 && c.up_written >= f.cut_after_bytes) {
                close(c, connection::end::cut);
                return false;
            }
        }
    }
    if (d.eof && d.queue.empty() && !d.shut) {
        // (void): a peer already gone shows up as an error on its next read or write.
        (void)::shutdown(to, SHUT_WR);
        d.shut = true;
    }
    return true;
}

void fault_proxy::impl::read(connection& c, direction& d, int from) {
    const std::size_t room = options.buffer_bytes - std::min(options.buffer_bytes, d.held);
    if (room == 0 || d.eof) {
        return;
    }
    // Read into the scratch buffer and keep an exact copy: a chunk may wait a while, and many
    // small ones may be queued at once.
    const ssize_t n = ::recv(from, scratch.data(), std::min(room, scratch.size()), 0);
    if (n < 0) {
        if (!would_block()) {
            close(c, connection::end::closed);  // reset: nothing more comes either way
        }
        return;
    }
    if (n == 0) {
        d.eof = true;
        return;
    }
    chunk ch;
    ch.bytes.assign(scratch.data(), scratch.data() + n);
    ch.due = clock::now() + now_set.faults.latency;
    d.held += ch.bytes.size();
    d.queue.push_back(std::move(ch));
}

void fault_proxy::impl::accept_all() {
    for (;;) {
        const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) {
            return;  // EAGAIN: no more; anything else: the next poll retries
        }
        accepted.fetch_add(1);
        auto c = std::make_unique<connection>();
        c->client = client;
        set_nodelay(client);
        c->target = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->target < 0) {
            close(*c, connection::end::failed);
            continue;
        }
        set_nodelay(c->target);
        if (::connect(c->target, reinterpret_cast<const sockaddr*>(&target_addr),
                      sizeof target_addr) == 0) {
            c->connecting = false;
        } else if (errno != EINPROGRESS) {
            close(*c, connection::end::failed);
            continue;
        }
        c->counted = true;
        open.fetch_add(1);
        conns.push_back(std::move(c));
    }
}

void fault_proxy::impl::close(connection& c, connection::end why) {
    if (c.state != connection::end::open) {
        return;
    }
    c.state = why;
    // Counted before the sockets close: whoever sees the close sees the counters too.
    if (c.counted) {
        open.fetch_sub(1);
    }
    if (why == connection::end::failed) {
        target_failures.fetch_add(1);
    }
    if (why == connection::end::cut) {
        if (options.length_prefixed && (c.up.mid_frame() || c.down.mid_frame())) {
            cuts_mid_frame.fetch_add(1);
        }
        cuts.fetch_add(1);
    }
    ::close(c.client);
    if (c.target >= 0) {
        ::close(c.target);
    }
}

bool fault_proxy::impl::stalled(clock::time_point now) const {
    if (now < now_set.stall_until) {
        return true;
    }
    const link_faults& f = now_set.faults;
    return f.stall_period.count() > 0 && now >= now_set.epoch &&
           (now - now_set.epoch) % f.stall_period < f.stall_length;
}

clock::time_point fault_proxy::impl::stall_end(clock::time_point now) const {
    clock::time_point end = now;
    if (now < now_set.stall_until) {
        end = now_set.stall_until;
    }
    const link_faults& f = now_set.faults;
    if (f.stall_period.count() > 0 && now >= now_set.epoch) {
        const auto phase = (now - now_set.epoch) % f.stall_period;
        if (phase < f.stall_length) {
            end = std::max(end, now - phase + f.stall_length);
        }
    }
    return end;
}

void fault_proxy::impl::refill(direction& d, clock::time_point now) const {
    const link_faults& f = now_set.faults;
    const auto burst = static_cast<double>(f.burst_bytes);
    if (d.tokens < 0) {
        d.tokens = burst;
    } else {
        const double seconds = std::chrono::duration<double>(now - d.refilled).count();
        d.tokens = std::min(burst, d.tokens + seconds * static_cast<double>(f.bytes_per_second));
    }
    d.refilled = now;
}

std::optional<clock::time_point> fault_proxy::impl::next_write(const direction& d,
                                                               clock::time_point now) const {
    if (d.queue.empty() || d.blocked) {
        return std::nullopt;
    }
    clock::time_point t = std::max(now, d.queue.front().due);
    t = std::max(t, stall_end(t));
    const link_faults& f = now_set.faults;
    if (f.bytes_per_second > 0 && d.tokens >= 0) {
        // Wait for a useful amount (an eighth of the bucket, or the rest of the chunk), not for
        // every byte.
        const chunk& ch = d.queue.front();
        const double want = std::min(static_cast<double>(ch.bytes.size() - ch.offset),
                                     std::max(1.0, static_cast<double>(f.burst_bytes) / 8));
        const double seconds = std::chrono::duration<double>(now - d.refilled).count();
        const double have = std::min(static_cast<double>(f.burst_bytes),
                                     d.tokens + seconds * static_cast<double>(f.bytes_per_second));
        if (have < want) {
            const auto wait = std::chrono::duration<double>(
                (want - have) / static_cast<double>(f.bytes_per_second));
            t = std::max(t, now + std::chrono::duration_cast<clock::duration>(wait));
        }
    }
    return t;
}

}  // namespace tempest::test_support
