// SPDX-License-Identifier: Apache-2.0
// The UI's HTTP server over loopback sockets: keep-alive, deadlines on silent clients, size
// limits, the connection cap, and a slow handler that does not hold up other clients. Labelled
// `cluster` (it binds sockets), as the worker's transport test.
#include "tempest/ui/http_server.h"

#include "tempest/test_support/http_client.h"
#include "tempest/test_support/wait_until.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace tempest::ui {
namespace {

using namespace std::chrono_literals;
using test_support::http_client;
using test_support::wait_until;

// A server whose handler echoes the method, path and body; "/block" waits until released.
class http_server_test : public ::testing::Test {
  protected:
    void start(http_options o = {}) {
        o.port = 0;
        server = std::make_unique<http_server>(o, [this](const http_request& req) {
            if (req.path == "/block") {
                std::unique_lock lock(mu);
                ++blocked;
                cv.notify_all();
                cv.wait(lock, [this] { return released; });
            }
            http_response res;
            res.content_type = "text/plain";
            res.body = req.method + " " + req.path + " " + req.body;
            return res;
        });
        server->start();
        ASSERT_GT(server->port(), 0);
    }
    void release() {
        std::scoped_lock lock(mu);
        released = true;
        cv.notify_all();
    }
    void TearDown() override {
        release();
        if (server) {
            server->stop();
        }
    }

    std::unique_ptr<http_server> server;
    std::mutex mu;  // guards blocked, released
    std::condition_variable cv;
    int blocked = 0;
    bool released = false;
};

TEST_F(http_server_test, serves_several_requests_on_one_kept_alive_connection) {
    start();
    http_client c(server->port());
    for (int i = 0; i < 3; ++i) {
        auto r = c.request("GET", "/a/" + std::to_string(i));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "GET /a/" + std::to_string(i) + " ");
    }
    auto post = c.request("POST", "/p", "hello");
    EXPECT_EQ(post.body, "POST /p hello");
    auto last = c.request("GET", "/bye", "", {{"Connection", "close"}});
    EXPECT_EQ(last.status, 200);
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(http_server_test, drops_a_silent_client_after_the_read_timeout_while_serving_others) {
    http_options o;
    o.read_timeout = 300ms;
    start(o);
    http_client silent(server->port(), 10s);
    http_client half(server->port(), 10s);
    ASSERT_TRUE(half.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n"));  // never finishes
    ASSERT_TRUE(wait_until([&] { return server->open_connections() == 2; }, 5s));
    // Others are served meanwhile, on fresh connections.
    for (int i = 0; i < 5; ++i) {
        http_client other(server->port());
        EXPECT_EQ(other.request("GET", "/ok").status, 200);
    }
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(silent.closed_by_peer());
    EXPECT_TRUE(half.closed_by_peer());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    EXPECT_TRUE(wait_until([&] { return server->open_connections() == 0; }, 5s));
}

TEST_F(http_server_test, a_slow_handler_does_not_hold_up_other_clients) {
    http_options o;
    o.io_threads = 1;
    o.handler_threads = 2;
    start(o);
    http_client slow(server->port());
    ASSERT_TRUE(slow.send_raw("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, 5s, [this] { return blocked == 1; }));
    }
    http_client other(server->port());
    EXPECT_EQ(other.request("GET", "/fast").status, 200);
    release();
    auto r = slow.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "GET /block ");
}

TEST_F(http_server_test, refuses_too_large_bodies_and_headers) {
    http_options o;
    o.max_body_bytes = 1024;
    o.max_header_bytes = 2048;
    start(o);
    {
        http_client c(server->port());
        auto r = c.request("POST", "/p", std::string(4096, 'x'));
        EXPECT_EQ(r.status, 413);
        EXPECT_NE(r.body.find("\"error\""), std::string::npos);
        EXPECT_TRUE(c.closed_by_peer());
    }
    {
        http_client c(server->port());
        auto r = c.request("GET", "/h", "", {{"X-Big", std::string(4096, 'y')}});
        EXPECT_EQ(r.status, 431);
        EXPECT_TRUE(c.closed_by_peer());
    }
    {
        http_client c(server->port());
        EXPECT_EQ(c.request("POST", "/p", std::string(1000, 'x')).status, 200);
    }
}

TEST_F(http_server_test, answers_400_to_a_malformed_request) {
    start();
    http_client c(server->port());
    ASSERT_TRUE(c.send_raw("NONSENSE\r\n\r\n"));
    EXPECT_EQ(c.read_reply().status, 400);
    http_client d(server->port());
    EXPECT_EQ(d.request("GET", "/bad%zz").status, 400);
}

TEST_F(http_server_test, refuses_connections_over_the_cap_with_503) {
    http_options o;
    o.max_connections = 2;
    start(o);
    http_client a(server->port());
    http_client b(server->port());
    ASSERT_TRUE(wait_until([&] { return server->open_connections() == 2; }, 5s));
    http_client c(server->port());
    EXPECT_EQ(c.read_reply().status, 503);
    EXPECT_EQ(a.request("GET", "/still").status, 200);
}

TEST_F(http_server_test, stop_closes_open_connections) {
    start();
    http_client idle(server->port());
    ASSERT_EQ(idle.request("GET", "/x").status, 200);
    server->stop();
    EXPECT_TRUE(idle.closed_by_peer());
}

}  // namespace
}  // namespace tempest::ui
