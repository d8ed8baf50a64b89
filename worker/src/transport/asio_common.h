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

#include <string>

namespace tempest::worker::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

inline spdlog::logger& log() {
    return common::logger("worker");
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
