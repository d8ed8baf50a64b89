// SPDX-License-Identifier: Apache-2.0
// A Nimbus that does not answer (overloaded, hung): the client gives up after its timeout with an
// error that says so, names the call and the key that sets the timeout, and leaves the connection
// closed (a late reply must not answer the next call).
#include "tempest/common/nimbus_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace tempest::common {
namespace {

using namespace std::chrono_literals;

// A listening socket on a free loopback port that never accepts: the kernel completes the
// connections (the backlog) and nothing ever answers them.
class silent_server {
  public:
    silent_server() {
        _fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        socklen_t len = sizeof a;
        if (_fd < 0 || ::bind(_fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
            ::listen(_fd, 8) != 0 ||
            ::getsockname(_fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            ADD_FAILURE() << "cannot listen on 127.0.0.1";
            return;
        }
        _port = ntohs(a.sin_port);
    }
    ~silent_server() {
        if (_fd >= 0) {
            ::close(_fd);
        }
    }
    silent_server(const silent_server&) = delete;
    silent_server& operator=(const silent_server&) = delete;
    int port() const { return _port; }

  private:
    int _fd = -1;
    int _port = 0;
};

TEST(nimbus_client_timeout_test, a_call_nimbus_does_not_answer_times_out_with_a_clear_error) {
    silent_server nimbus;
    ASSERT_GT(nimbus.port(), 0);
    auto client = nimbus_client::connect("127.0.0.1", nimbus.port(), 200ms);
    try {
        (void)client.list();
        FAIL() << "list() returned although Nimbus never answered";
    } catch (const nimbus_error& e) {
        EXPECT_TRUE(e.timed_out());
        EXPECT_FALSE(e.from_nimbus());
        const std::string m = e.message();
        EXPECT_NE(m.find("did not answer getTopologySummaries within 200 ms"), std::string::npos)
            << m;
        EXPECT_NE(m.find("storm.thrift.socket.timeout.ms"), std::string::npos) << m;
        EXPECT_NE(m.find("127.0.0.1:" + std::to_string(nimbus.port())), std::string::npos) << m;
    }
    // The timed-out connection was closed: the next call fails at once as not connected, rather
    // than reading a reply meant for the first.
    try {
        client.activate("t");
        FAIL() << "activate() on a closed connection returned";
    } catch (const nimbus_error& e) {
        EXPECT_FALSE(e.timed_out()) << e.message();
        EXPECT_FALSE(e.from_nimbus());
    }
}

TEST(nimbus_client_timeout_test, a_refused_connection_is_not_a_timeout) {
    int port = 0;
    {
        silent_server gone;  // a port that was free a moment ago
        port = gone.port();
    }
    try {
        (void)nimbus_client::connect("127.0.0.1", port, 2s);
        FAIL() << "connected to a closed port";
    } catch (const nimbus_error& e) {
        EXPECT_FALSE(e.timed_out());
        EXPECT_NE(e.message().find("cannot reach Nimbus at 127.0.0.1:" + std::to_string(port)),
                  std::string::npos)
            << e.message();
    }
}

}  // namespace
}  // namespace tempest::common
