// SPDX-License-Identifier: Apache-2.0
// Bytes of Thrift's framed transport with the binary protocol, written by hand for the tests of
// hostile input at Nimbus' port (thrift_server_limits_test, nimbus_server_test), and a raw TCP
// connection to send them on and watch what the server does.
#pragma once

#include "tempest/common/process_usage.h"
#include "tempest/thrift/Nimbus.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace tempest::nimbus::wire {

namespace th = tempest::thrift;
namespace at = apache::thrift;

inline constexpr std::uint64_t mib = 1024 * 1024;

// ---- bytes on the wire -------------------------------------------------------------------------

inline std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
}
inline std::string be16(std::uint16_t v) {
    return {static_cast<char>(v >> 8), static_cast<char>(v)};
}
inline std::string framed(const std::string& body) {
    return be32(static_cast<std::uint32_t>(body.size())) + body;
}
// A strict (versioned) call header of `name`, seqid 7.
inline std::string call_header(const std::string& name) {
    return be32(0x80010001U) + be32(static_cast<std::uint32_t>(name.size())) + name + be32(7);
}

// A well-formed getNimbusConf call, as Thrift's own client writes it (without the frame length).
inline std::string get_conf_call() {
    auto buffer = std::make_shared<at::transport::TMemoryBuffer>();
    th::NimbusClient client(std::make_shared<at::protocol::TBinaryProtocol>(buffer));
    client.send_getNimbusConf();
    return buffer->getBufferAsString();
}

// The conf JSON of a getNimbusConf reply frame's bytes; throws what the reply carries.
inline std::string read_conf_reply(const std::string& reply) {
    auto buffer = std::make_shared<at::transport::TMemoryBuffer>();
    buffer->write(reinterpret_cast<const uint8_t*>(reply.data()),
                  static_cast<uint32_t>(reply.size()));
    th::NimbusClient client(std::make_shared<at::protocol::TBinaryProtocol>(buffer));
    std::string conf;
    client.recv_getNimbusConf(conf);
    return conf;
}

// The TApplicationException a reply frame's bytes carry (fails the test if it is none).
inline at::TApplicationException read_exception(const std::string& reply) {
    auto buffer = std::make_shared<at::transport::TMemoryBuffer>();
    buffer->write(reinterpret_cast<const uint8_t*>(reply.data()),
                  static_cast<uint32_t>(reply.size()));
    at::protocol::TBinaryProtocol protocol(buffer);
    std::string name;
    at::protocol::TMessageType type{};
    int32_t seqid = 0;
    protocol.readMessageBegin(name, type, seqid);
    EXPECT_EQ(type, at::protocol::T_EXCEPTION);
    at::TApplicationException e;
    e.read(&protocol);
    return e;
}

// ---- a raw TCP client --------------------------------------------------------------------------

class raw_connection {
  public:
    explicit raw_connection(int port) : _fd(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (_fd < 0 || ::connect(_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            throw std::runtime_error("cannot connect to port " + std::to_string(port));
        }
    }
    ~raw_connection() { ::close(_fd); }
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;

    // False when the peer has closed the connection.
    bool send(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            auto n = ::send(_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    // One reply frame's bytes; nullopt when the connection closes or nothing comes in time.
    std::optional<std::string> read_frame(std::chrono::milliseconds timeout) {
        auto header = read_exactly(4, timeout);
        if (!header) {
            return std::nullopt;
        }
        const auto* b = reinterpret_cast<const unsigned char*>(header->data());
        std::size_t size = (std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) |
                           (std::size_t{b[2]} << 8) | std::size_t{b[3]};
        return read_exactly(size, timeout);
    }

    // True when the server closes the connection within `timeout` (bytes it sends are dropped).
    bool closed_within(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        char buf[4096];
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return false;
            }
            pollfd p{_fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                continue;
            }
            auto n = ::recv(_fd, buf, sizeof(buf), 0);
            if (n <= 0) {
                return true;
            }
        }
    }

  private:
    std::optional<std::string> read_exactly(std::size_t size, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::string out(size, '\0');
        std::size_t got = 0;
        while (got < size) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{_fd, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                return std::nullopt;
            }
            auto n = ::recv(_fd, out.data() + got, size - got, 0);
            if (n <= 0) {
                return std::nullopt;
            }
            got += static_cast<std::size_t>(n);
        }
        return out;
    }

    int _fd;
};

inline common::process_usage usage() {
    auto u = common::read_process_usage();
    if (!u) {
        throw std::runtime_error("cannot read the process' usage: " + u.error().message());
    }
    return *u;
}

// The 38-byte frame of the issue: uploadChunk whose first argument declares 0x7FFFFFF0 bytes.
inline std::string huge_string_frame() {
    return framed(call_header("uploadChunk") + "\x0b" + be16(1) + be32(0x7FFFFFF0U) + "abcd");
}
// submitTopology whose topology's spouts map declares 0x7FFFFFF0 entries.
inline std::string huge_map_frame() {
    return framed(call_header("submitTopology") + "\x0c" + be16(4) + "\x0d" + be16(1) + "\x0b\x0c" +
                  be32(0x7FFFFFF0U) + "abcd");
}
// getNimbusConf with an unknown field 9: a list of 0x7FFFFFF0 i64s (the reader skips it).
inline std::string huge_list_frame() {
    return framed(call_header("getNimbusConf") + "\x0f" + be16(9) + "\x0a" + be32(0x7FFFFFF0U) +
                  "abcd");
}

}  // namespace tempest::nimbus::wire
