// SPDX-License-Identifier: Apache-2.0
// `tempest dev-zookeeper` as a process: it serves ZooKeeper on the port it prints, stops on
// SIGTERM removing its temporary directory, and refuses a port in use with one error line.
#include "tempest/test_support/wait_until.h"
#include "tempest_process.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

namespace tempest {
namespace {

using namespace std::chrono_literals;
using system_test::tempest_process;
using test_support::wait_until;

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// The answer to a ZooKeeper four-letter command, "" when none.
std::string four_letter(int port, const char* command) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{1, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a = loopback(port);
    std::string reply;
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::send(s, command, 4, MSG_NOSIGNAL) == 4) {
        char buf[64];
        ssize_t n = 0;
        while ((n = ::recv(s, buf, sizeof buf, 0)) > 0) {
            reply.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(s);
    return reply;
}

TEST(dev_zookeeper_test, serves_until_sigterm_and_cleans_up) {
    tempest_process p({"dev-zookeeper", "--port", "0"});
    static const std::regex serving(
        "ZooKeeper serving on 127\\.0\\.0\\.1:([0-9]+) \\(data (\\S+)/data, log");
    std::smatch m;
    std::string out;
    ASSERT_TRUE(wait_until(
        [&] {
            out = p.out();
            return std::regex_search(out, m, serving) || p.exited();
        },
        60s));
    ASSERT_FALSE(m.empty()) << out << p.err();
    int port = std::stoi(m[1].str());
    std::filesystem::path dir = m[2].str();
    EXPECT_TRUE(std::filesystem::exists(dir / "data"));
    EXPECT_EQ(four_letter(port, "ruok"), "imok");
    EXPECT_EQ(four_letter(port, "isro"), "rw");

    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(30s), 0) << p.err();
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
    EXPECT_EQ(four_letter(port, "ruok"), "");
}

TEST(dev_zookeeper_test, refuses_a_port_in_use) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(s, 1), 0);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    std::string port = std::to_string(ntohs(a.sin_port));

    auto r = system_test::run({"dev-zookeeper", "--port", port});
    ::close(s);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "tempest: error: cannot listen on 127.0.0.1:" + port +
                         ": Address already in use (port in use; pick another with --port, or "
                         "--port 0 for a free one)\n");
}

TEST(dev_zookeeper_test, reports_a_server_that_does_not_start_with_its_log) {
    // Java runs but cannot find ZooKeeper's classes: the server exits at once.
    ASSERT_EQ(::setenv("TEMPEST_ZK_CLASSPATH", "/etc/zookeeper/conf", 1), 0);
    auto r = system_test::run({"dev-zookeeper", "--port", "0"});
    ::unsetenv("TEMPEST_ZK_CLASSPATH");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err.rfind("tempest: error: the ZooKeeper server on 127.0.0.1:", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("did not start: it exited with status 1; log tail: "), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("QuorumPeerMain"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(dev_zookeeper_test, reports_a_missing_java) {
    ASSERT_EQ(::setenv("TEMPEST_JAVA", "/nonexistent/java", 1), 0);
    auto r = system_test::run({"dev-zookeeper", "--port", "0"});
    ::unsetenv("TEMPEST_JAVA");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err,
              "tempest: error: no Java runtime at /nonexistent/java (install "
              "default-jre-headless, or set TEMPEST_JAVA or JAVA_HOME)\n");
}

}  // namespace
}  // namespace tempest
