// SPDX-License-Identifier: Apache-2.0
// fault_proxy over loopback: it relays bytes unchanged both ways, and each fault does what it
// says: the delay, one-off and periodic stalls, cuts after a byte count and at once, the
// bandwidth cap, a refused target; bad options are refused by name.
#include "tempest/test_support/fault_proxy.h"

#include "tempest/test_support/wait_until.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tempest::test_support {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

int listen_loopback(std::uint16_t& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd, 16) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port = ntohs(a.sin_port);
    return fd;
}

// The proxy's target: accepts connections and, per connection, echoes what it reads (echo) or
// only counts it; records each connection's byte count and whether it ended.
class target_server {
  public:
    explicit target_server(bool echo) : _echo(echo) {
        _listen = listen_loopback(_port);
        _acceptor = std::thread([this] { accept_loop(); });
    }
    ~target_server() {
        ::shutdown(_listen, SHUT_RDWR);  // wakes accept()
        _acceptor.join();
        {
            std::scoped_lock lock(_mu);
            for (int fd : _fds) {
                ::shutdown(fd, SHUT_RDWR);  // wakes recv()
            }
        }
        for (auto& t : _threads) {
            t.join();
        }
        for (int fd : _fds) {
            ::close(fd);
        }
        ::close(_listen);
    }
    std::uint16_t port() const { return _port; }
    // Bytes received on connection i (in accept order), and whether it has ended.
    std::uint64_t received(std::size_t i) {
        std::scoped_lock lock(_mu);
        return i < _received.size() ? _received[i] : 0;
    }
    bool ended(std::size_t i) {
        std::scoped_lock lock(_mu);
        return i < _ended.size() && _ended[i];
    }

  private:
    void accept_loop() {
        for (;;) {
            int fd = ::accept4(_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) {
                return;
            }
            std::scoped_lock lock(_mu);
            const std::size_t i = _fds.size();
            _fds.push_back(fd);
            _received.push_back(0);
            _ended.push_back(false);
            _threads.emplace_back([this, fd, i] { serve(fd, i); });
        }
    }
    void serve(int fd, std::size_t i) {
        std::vector<char> buf(64 * 1024);
        for (;;) {
            const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
            if (n <= 0) {
                break;
            }
            {
                std::scoped_lock lock(_mu);
                _received[i] += static_cast<std::uint64_t>(n);
            }
            if (_echo && ::send(fd, buf.data(), static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) {
                break;
            }
        }
        ::shutdown(fd, SHUT_WR);  // passes the end on (the destructor closes the socket)
        std::scoped_lock lock(_mu);
        _ended[i] = true;
    }

    bool _echo;
    int _listen = -1;
    std::uint16_t _port = 0;
    std::mutex _mu;  // guards the vectors below
    std::vector<int> _fds;
    std::vector<std::uint64_t> _received;
    std::vector<bool> _ended;
    std::vector<std::thread> _threads;
    std::thread _acceptor;  // last: started once the rest is set up
};

// A blocking client of the proxy; every read has a 5 s deadline.
class client {
  public:
    explicit client(std::uint16_t port) {
        _fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        timeval tv{5, 0};
        ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        int one = 1;
        ::setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            throw std::runtime_error("cannot connect to the proxy");
        }
    }
    ~client() { ::close(_fd); }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // False once the proxy has closed the connection.
    bool send_all(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const ssize_t n = ::send(_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }
    void shutdown_write() { ::shutdown(_fd, SHUT_WR); }
    // Exactly n bytes; fewer when the connection ends or the deadline passes.
    std::string read_exactly(std::size_t n) {
        std::string out;
        std::vector<char> buf(64 * 1024);
        while (out.size() < n) {
            const ssize_t r = ::recv(_fd, buf.data(), std::min(buf.size(), n - out.size()), 0);
            if (r <= 0) {
                break;
            }
            out.append(buf.data(), static_cast<std::size_t>(r));
        }
        return out;
    }
    // True when the connection ends (end of file or reset) before the deadline.
    bool closed_by_peer() {
        char c = 0;
        for (;;) {
            const ssize_t r = ::recv(_fd, &c, 1, 0);
            if (r == 0 || (r < 0 && errno == ECONNRESET)) {
                return true;
            }
            if (r < 0) {
                return false;  // the deadline
            }
        }
    }

  private:
    int _fd = -1;
};

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    }
    return s;
}

double ms_since(clock::time_point t) {
    return std::chrono::duration<double, std::milli>(clock::now() - t).count();
}

TEST(fault_proxy_test, relays_bytes_unchanged_both_ways_and_counts_them) {
    target_server echo(true);
    fault_proxy proxy({.target_port = echo.port()});
    client c(proxy.port());
    const std::string data = pattern(1 << 20);
    std::thread writer([&] { EXPECT_TRUE(c.send_all(data)); });
    const std::string back = c.read_exactly(data.size());
    writer.join();
    EXPECT_TRUE(back == data) << "got " << back.size() << " bytes back, or other bytes";
    // Counted just after each write: the client may have the last bytes a moment before.
    EXPECT_TRUE(wait_until([&] { return proxy.counters().bytes_down == data.size(); }, 5s));
    auto n = proxy.counters();
    EXPECT_EQ(n.bytes_up, data.size());
    EXPECT_EQ(n.bytes_down, data.size());
    EXPECT_EQ(n.accepted, 1u);
    EXPECT_EQ(n.open, 1u);
    EXPECT_EQ(n.cuts, 0u);
    EXPECT_EQ(n.target_failures, 0u);
}

TEST(fault_proxy_test, latency_delays_every_chunk_in_both_directions) {
    target_server echo(true);
    fault_proxy proxy({.target_port = echo.port(), .faults = {.latency = 100ms}});
    client c(proxy.port());
    for (int i = 0; i < 3; ++i) {
        const auto t0 = clock::now();
        ASSERT_TRUE(c.send_all("ping"));
        EXPECT_EQ(c.read_exactly(4), "ping");
        const double rtt = ms_since(t0);
        EXPECT_GE(rtt, 200.0) << "a round trip through 100 ms each way";
        EXPECT_LT(rtt, 2000.0);
    }
    // Lowered while running: what is read from now on waits 0 ms.
    proxy.set_faults({});
    const auto t0 = clock::now();
    ASSERT_TRUE(c.send_all("pong"));
    EXPECT_EQ(c.read_exactly(4), "pong");
    EXPECT_LT(ms_since(t0), 200.0) << "still delayed as before";
}

TEST(fault_proxy_test, a_close_is_passed_on_after_the_bytes_still_delayed) {
    // The client sends and closes its end; the target echoes and closes: the echo, still
    // delayed in the proxy when the target's close arrives, reaches the client before the end.
    target_server echo(true);
    fault_proxy proxy({.target_port = echo.port(), .faults = {.latency = 100ms}});
    client c(proxy.port());
    ASSERT_TRUE(c.send_all("last words"));
    c.shutdown_write();
    EXPECT_EQ(c.read_exactly(10), "last words");
    EXPECT_TRUE(c.closed_by_peer());
    EXPECT_TRUE(wait_until([&] { return proxy.counters().open == 0; }, 5s));
    EXPECT_EQ(proxy.counters().cuts, 0u);
}

TEST(fault_proxy_test, a_connection_is_cut_after_exactly_the_bytes_set_each_time) {
    target_server counter(false);
    fault_proxy proxy({.target_port = counter.port(), .faults = {.cut_after_bytes = 12'345}});
    for (std::size_t i = 0; i < 2; ++i) {
        client c(proxy.port());
        (void)c.send_all(pattern(100'000));  // fails once the proxy has closed its end
        EXPECT_TRUE(c.closed_by_peer());
        ASSERT_TRUE(wait_until([&] { return counter.ended(i); }, 5s));
        EXPECT_EQ(counter.received(i), 12'345u) << "connection " << i;
        EXPECT_EQ(proxy.counters().cuts, i + 1);
    }
    EXPECT_EQ(proxy.counters().bytes_up, 2u * 12'345u);
    EXPECT_TRUE(wait_until([&] { return proxy.counters().open == 0; }, 5s));
}

// A frame as Tempest's transport writes it: a 4-byte little-endian body length, then the body.
std::string frame(std::size_t body) {
    std::string f(4 + body, 'f');
    for (int i = 0; i < 4; ++i) {
        f[static_cast<std::size_t>(i)] = static_cast<char>((body >> (8 * i)) & 0xff);
    }
    return f;
}

TEST(fault_proxy_test, with_length_prefixed_frames_it_counts_frames_and_cuts_inside_one) {
    target_server counter(false);
    const std::string three = frame(10) + frame(0) + frame(300);  // 14 + 4 + 304 bytes
    // Cut 2 bytes into the length of the fourth frame, then exactly after the third.
    for (const std::uint64_t cut_after : {three.size() + 2, three.size()}) {
        fault_proxy proxy({.target_port = counter.port(),
                           .length_prefixed = true,
                           .faults = {.cut_after_bytes = cut_after}});
        client c(proxy.port());
        (void)c.send_all(three + frame(1000));
        EXPECT_TRUE(c.closed_by_peer());
        const auto n = proxy.counters();
        EXPECT_EQ(n.frames_up, 3u);
        EXPECT_EQ(n.cuts, 1u);
        EXPECT_EQ(n.cuts_mid_frame, cut_after == three.size() ? 0u : 1u)
            << "cut after " << cut_after;
    }
    // Unframed, nothing is counted.
    fault_proxy plain({.target_port = counter.port(), .faults = {.cut_after_bytes = 20}});
    client c(plain.port());
    (void)c.send_all(three);
    EXPECT_TRUE(c.closed_by_peer());
    EXPECT_EQ(plain.counters().cuts, 1u);
    EXPECT_EQ(plain.counters().frames_up + plain.counters().cuts_mid_frame, 0u);
}

TEST(fault_proxy_test, a_stall_holds_the_bytes_and_keeps_the_connection) {
    target_server echo(true);
    fault_proxy proxy({.target_port = echo.port()});
    client c(proxy.port());
    ASSERT_TRUE(c.send_all("x"));
    ASSERT_EQ(c.read_exactly(1), "x");

    const auto t0 = clock::now();
    proxy.stall(300ms);
    ASSERT_TRUE(c.send_all("held"));
    EXPECT_EQ(c.read_exactly(4), "held");
    EXPECT_GE(ms_since(t0), 295.0);
    EXPECT_EQ(proxy.counters().stalls, 1u);

    const auto t1 = clock::now();
    ASSERT_TRUE(c.send_all("free"));
    EXPECT_EQ(c.read_exactly(4), "free");
    EXPECT_LT(ms_since(t1), 300.0) << "still stalled after the stall";
    EXPECT_EQ(proxy.counters().accepted, 1u) << "the stall must not cost the connection";
}

TEST(fault_proxy_test, periodic_stalls_pause_the_stream_and_are_counted) {
    target_server echo(true);
    fault_proxy proxy({.target_port = echo.port()});
    client c(proxy.port());
    proxy.set_faults({.stall_period = 200ms, .stall_length = 100ms});
    const auto start = clock::now();
    double longest = 0;
    int round_trips = 0;
    while (ms_since(start) < 1000) {
        const auto t0 = clock::now();
        ASSERT_TRUE(c.send_all("tick"));
        ASSERT_EQ(c.read_exactly(4), "tick");
        longest = std::max(longest, ms_since(t0));
        ++round_trips;
    }
    EXPECT_GE(longest, 50.0) << "no round trip met a stall";
    EXPECT_GE(round_trips, 6) << "the stream should move between stalls";
    EXPECT_GE(proxy.counters().stalls, 5u);
    EXPECT_EQ(proxy.counters().accepted, 1u);
}

TEST(fault_proxy_test, the_bandwidth_cap_limits_throughput) {
    target_server counter(false);
    constexpr std::uint64_t rate = 256 * 1024;
    constexpr std::uint64_t burst = 16 * 1024;
    fault_proxy proxy({.target_port = counter.port(),
                       .faults = {.bytes_per_second = rate, .burst_bytes = burst}});
    client c(proxy.port());
    const std::string data = pattern(256 * 1024);
    const auto t0 = clock::now();
    std::thread writer([&] { EXPECT_TRUE(c.send_all(data)); });
    const bool all = wait_until([&] { return counter.received(0) == data.size(); }, 10s);
    const double seconds = ms_since(t0) / 1000;
    writer.join();
    ASSERT_TRUE(all) << counter.received(0) << " of " << data.size() << " bytes arrived";
    const double floor = static_cast<double>(data.size() - burst) / rate;
    EXPECT_GE(seconds, floor * 0.95) << "faster than the cap";
    EXPECT_LT(seconds, floor * 3 + 1) << "far slower than the cap";
}

TEST(fault_proxy_test, cut_now_closes_every_open_connection_and_new_ones_pass) {
    target_server echo(true);
    fault_proxy proxy({.target_port = echo.port()});
    client a(proxy.port());
    client b(proxy.port());
    for (client* c : {&a, &b}) {
        ASSERT_TRUE(c->send_all("hi"));
        ASSERT_EQ(c->read_exactly(2), "hi");
    }
    EXPECT_EQ(proxy.cut_now(), 2u);
    EXPECT_TRUE(a.closed_by_peer());
    EXPECT_TRUE(b.closed_by_peer());
    EXPECT_EQ(proxy.counters().cuts, 2u);
    EXPECT_EQ(proxy.counters().open, 0u);
    client c(proxy.port());
    ASSERT_TRUE(c.send_all("again"));
    EXPECT_EQ(c.read_exactly(5), "again");
    EXPECT_EQ(proxy.counters().accepted, 3u);
}

TEST(fault_proxy_test, a_refused_target_closes_the_client_and_is_counted) {
    std::uint16_t port = 0;
    ::close(listen_loopback(port));  // a port nobody listens on now
    fault_proxy proxy({.target_port = port});
    client c(proxy.port());
    EXPECT_TRUE(c.closed_by_peer());
    EXPECT_TRUE(wait_until([&] { return proxy.counters().target_failures == 1; }, 5s));
    EXPECT_EQ(proxy.counters().open, 0u);
}

TEST(fault_proxy_test, bad_options_are_refused_by_name) {
    auto message = [](const fault_proxy_options& o) {
        try {
            fault_proxy p(o);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message({.listen_host = "localhost", .target_port = 1}).find("listen_host"),
              std::string::npos);
    EXPECT_NE(message({.target_host = "10.0.0", .target_port = 1}).find("target_host"),
              std::string::npos);
    EXPECT_NE(message({.target_port = 0}).find("target_port"), std::string::npos);
    EXPECT_NE(message({.target_port = 1, .faults = {.stall_period = 10ms, .stall_length = 20ms}})
                  .find("stall_length"),
              std::string::npos);
    target_server echo(true);
    fault_proxy proxy({.target_port = echo.port()});
    EXPECT_THROW(proxy.set_faults({.stall_length = 5ms}), std::invalid_argument);
    EXPECT_EQ(proxy.faults().stall_length, 0ms) << "a refused setting must not be applied";
}

}  // namespace
}  // namespace tempest::test_support
