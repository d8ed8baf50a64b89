// SPDX-License-Identifier: Apache-2.0
// asio_common: what the transport's Asio files share (tcp_server.cc, tcp_client.cc): the Asio
// include, the names they use and the transport's logger. Private to worker/src/transport.
#pragma once

#include "tempest/common/log.h"

// clang-format off
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
#include <boost/asio.hpp>
// clang-format on

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <string>

namespace tempest::worker::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

inline spdlog::logger& log() {
    return common::logger("worker");
}

// Keeps a connection to a peer that vanished without a word (its host lost power or its link)
// from lingering with its buffers until the kernel gives up (~15 minutes of retransmits, or
// never for an idle connection): TCP keepalive probes an idle connection after 10 s, every 5 s,
// 3 times, and TCP_USER_TIMEOUT drops one whose sent bytes stay unacknowledged for 30 s. A
// peer that is stopped but whose kernel still answers (SIGSTOP, a full receive window) keeps
// its connection. Nimbus moves a lost host's executors after nimbus.task.timeout.secs (30 s);
// the client side then reconnects with back-off to wherever its tasks now run.
inline void set_liveness_options(tcp::socket& s) {
    error_code ignored;  // (void): each option is a hint; the connection works without it
    s.set_option(asio::socket_base::keep_alive(true), ignored);
    const int fd = s.native_handle();
    for (auto [option, value] : {std::pair{TCP_KEEPIDLE, 10}, std::pair{TCP_KEEPINTVL, 5},
                                 std::pair{TCP_KEEPCNT, 3}, std::pair{TCP_USER_TIMEOUT, 30'000}}) {
        (void)::setsockopt(fd, IPPROTO_TCP, option, &value, sizeof value);
    }
}

// "address:port" of the socket's peer, or "unknown peer".
inline std::string endpoint_string(const tcp::socket& s) {
    error_code ec;
    const auto ep = s.remote_endpoint(ec);
    if (ec) {
        return "unknown peer";
    }
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace tempest::worker::transport
