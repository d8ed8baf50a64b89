// SPDX-License-Identifier: Apache-2.0
// http_client: a minimal blocking HTTP/1.1 client over a loopback socket, for tests of the UI's
// HTTP server. One connection; request() sends one request and reads one response (with a
// Content-Length body), so several calls exercise keep-alive. Every read has a deadline
// (SO_RCVTIMEO), so a test never hangs on a silent server. Not thread-safe.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace tempest::test_support {

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
};

class http_client {
  public:
    explicit http_client(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        _fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (_fd < 0) {
            throw std::runtime_error("socket() failed");
        }
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
        tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
        ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(_fd);
            throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
        }
    }
    ~http_client() { ::close(_fd); }
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    // Sends raw bytes. False when the peer has closed.
    bool send_raw(const std::string& bytes) {
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

    // Sends a request and reads the response; throws std::runtime_error when the connection
    // closes or the deadline passes first.
    http_reply request(const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {}) {
        std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (const auto& [k, v] : headers) {
            req += k + ": " + v + "\r\n";
        }
        if (!body.empty() || method == "POST") {
            req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        }
        req += "\r\n" + body;
        if (!send_raw(req)) {
            throw std::runtime_error("the server closed the connection");
        }
        return read_reply();
    }

    http_reply read_reply() {
        auto end = _in.find("\r\n\r\n");
        while (end == std::string::npos) {
            if (!fill()) {
                throw std::runtime_error("no complete response header");
            }
            end = _in.find("\r\n\r\n");
        }
        http_reply r;
        std::string head = _in.substr(0, end);
        _in.erase(0, end + 4);
        auto line_end = head.find("\r\n");
        std::string status_line = head.substr(0, line_end);
        r.status = std::stoi(status_line.substr(status_line.find(' ') + 1, 3));
        std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
            auto e = head.find("\r\n", pos);
            if (e == std::string::npos) {
                e = head.size();
            }
            std::string line = head.substr(pos, e - pos);
            auto colon = line.find(':');
            if (colon != std::string::npos) {
                std::string name = line.substr(0, colon);
                for (auto& c : name) {
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                }
                std::string value = line.substr(colon + 1);
                value.erase(0, value.find_first_not_of(' '));
                r.headers[name] = value;
            }
            pos = e + 2;
        }
        std::size_t length = 0;
        if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
            length = std::stoul(it->second);
        }
        while (_in.size() < length) {
            if (!fill()) {
                throw std::runtime_error("the response body ended early");
            }
        }
        r.body = _in.substr(0, length);
        _in.erase(0, length);
        return r;
    }

    // True when the server has closed the connection (a read returns end of file) before the
    // socket's deadline; false when data arrives or the deadline passes.
    bool closed_by_peer() {
        char c = 0;
        auto n = ::recv(_fd, &c, 1, 0);
        if (n > 0) {
            _in.push_back(c);
        }
        return n == 0 || (n < 0 && errno == ECONNRESET);
    }

  private:
    bool fill() {
        char buf[4096];
        auto n = ::recv(_fd, buf, sizeof buf, 0);
        if (n <= 0) {
            return false;
        }
        _in.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    int _fd = -1;
    std::string _in;
};

}  // namespace tempest::test_support
