// SPDX-License-Identifier: Apache-2.0
#include "tempest/test_support/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

namespace tempest::test_support {
namespace {

enum command_id : int { cmd_none = 0, cmd_cut, cmd_restore, cmd_stop };

constexpr std::size_t buffer_cap = 1 << 20;  // bytes queued per direction before reading pauses

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), std::string("tcp_proxy: ") + what);
}

// One relayed connection: `client` was accepted, `server` connects upstream.
struct link {
    int client = -1;
    int server = -1;
    std::string to_server;  // read from client, not yet written to server
    std::string to_client;
    bool dead = false;

    void close_both() {
        ::close(client);
        ::close(server);
    }
};

// Reads what `from` has into `out`; false when the connection ended or failed.
bool pump_in(int from, std::string& out) {
    char buf[64 * 1024];
    ssize_t n = ::recv(from, buf, sizeof buf, 0);
    if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
}

// Writes as much of `in` to `to` as it takes; false when the connection failed.
bool pump_out(int to, std::string& in) {
    ssize_t n = ::send(to, in.data(), in.size(), MSG_NOSIGNAL);
    if (n >= 0) {
        in.erase(0, static_cast<std::size_t>(n));
        return true;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

short interest(const std::string& inbound, const std::string& outbound) {
    short ev = 0;
    if (inbound.size() < buffer_cap) {
        ev |= POLLIN;
    }
    if (!outbound.empty()) {
        ev |= POLLOUT;
    }
    return ev;
}

}  // namespace

tcp_proxy::tcp_proxy(int upstream_port) : _upstream_port(upstream_port) {
    _listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (_listen_fd < 0) {
        throw_errno("socket");
    }
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (::bind(_listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(_listen_fd, 64) != 0 ||
        ::getsockname(_listen_fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        int e = errno;
        ::close(_listen_fd);
        errno = e;
        throw_errno("listen on 127.0.0.1");
    }
    _port = ntohs(a.sin_port);
    _wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (_wake_fd < 0) {
        int e = errno;
        ::close(_listen_fd);
        errno = e;
        throw_errno("eventfd");
    }
    _thread = std::thread([this] { run(); });
}

tcp_proxy::~tcp_proxy() {
    command(cmd_stop);
    _thread.join();
    ::close(_listen_fd);
    ::close(_wake_fd);
}

void tcp_proxy::cut() {
    command(cmd_cut);
}

void tcp_proxy::restore() {
    command(cmd_restore);
}

int tcp_proxy::connections() {
    std::scoped_lock lock(_mu);
    return _connections;
}

void tcp_proxy::command(int cmd) {
    std::unique_lock lock(_mu);
    _cv.wait(lock, [&] { return _pending == cmd_none; });
    _pending = cmd;
    std::uint64_t id = ++_requested;
    std::uint64_t one = 1;
    // An eventfd write only fails when its counter would overflow; the loop drains it.
    (void)!::write(_wake_fd, &one, sizeof one);
    _cv.wait(lock, [&] { return _done >= id; });
}

void tcp_proxy::run() {
    std::vector<link> links;
    bool cut = false;
    auto close_all = [&] {
        for (auto& l : links) {
            l.close_both();
        }
        links.clear();
    };
    auto publish = [&] {
        std::scoped_lock lock(_mu);
        _connections = static_cast<int>(links.size());
    };

    for (;;) {
        std::vector<pollfd> fds;
        fds.push_back({_wake_fd, POLLIN, 0});
        fds.push_back({_listen_fd, POLLIN, 0});
        for (const auto& l : links) {
            fds.push_back({l.client, interest(l.to_server, l.to_client), 0});
            fds.push_back({l.server, interest(l.to_client, l.to_server), 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            continue;  // EINTR
        }

        if (fds[0].revents & POLLIN) {
            std::uint64_t n = 0;
            (void)!::read(_wake_fd, &n, sizeof n);  // drained; the command is in _pending
            int cmd = cmd_none;
            {
                std::scoped_lock lock(_mu);
                cmd = _pending;
            }
            if (cmd == cmd_cut || cmd == cmd_stop) {
                close_all();
                cut = true;
            } else if (cmd == cmd_restore) {
                cut = false;
            }
            {
                std::scoped_lock lock(_mu);
                _connections = static_cast<int>(links.size());
                _pending = cmd_none;
                _done = _requested;
            }
            _cv.notify_all();
            if (cmd == cmd_stop) {
                return;
            }
            continue;  // the poll set is stale
        }

        if (fds[1].revents & POLLIN) {
            int c = ::accept4(_listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (c >= 0 && cut) {
                ::close(c);
            } else if (c >= 0) {
                int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                sockaddr_in up = loopback(_upstream_port);
                // A loopback connect completes (or is refused) at once.
                if (s >= 0 && ::connect(s, reinterpret_cast<sockaddr*>(&up), sizeof up) == 0) {
                    int one = 1;
                    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    ::fcntl(s, F_SETFL, O_NONBLOCK);
                    links.push_back(link{c, s});
                    publish();
                } else {
                    if (s >= 0) {
                        ::close(s);
                    }
                    ::close(c);
                }
            }
        }

        for (std::size_t i = 0; i < links.size() && 2 + 2 * i + 1 < fds.size(); ++i) {
            link& l = links[i];
            short ce = fds[2 + 2 * i].revents;
            short se = fds[2 + 2 * i + 1].revents;
            if ((ce & (POLLIN | POLLHUP | POLLERR)) && !pump_in(l.client, l.to_server)) {
                l.dead = true;
            }
            if ((se & (POLLIN | POLLHUP | POLLERR)) && !pump_in(l.server, l.to_client)) {
                l.dead = true;
            }
            if (!l.dead && !l.to_server.empty() && !pump_out(l.server, l.to_server)) {
                l.dead = true;
            }
            if (!l.dead && !l.to_client.empty() && !pump_out(l.client, l.to_client)) {
                l.dead = true;
            }
        }
        std::size_t before = links.size();
        std::erase_if(links, [](link& l) {
            if (l.dead) {
                l.close_both();
            }
            return l.dead;
        });
        if (links.size() != before) {
            publish();
        }
    }
}

}  // namespace tempest::test_support
