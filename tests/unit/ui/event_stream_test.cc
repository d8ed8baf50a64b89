// SPDX-License-Identifier: Apache-2.0
// Live updates over loopback: event_stream_hub behind a real http_server, with an evaluator the
// test controls. Events arrive, only on change, one evaluation shared by a topic's streams,
// failures and keep-alives, the stream cap, a client that does not read or goes away is
// dropped without holding up the others, and stopping ends every stream. Labelled `cluster`
// (it binds sockets), as the HTTP server's test.
#include "event_stream.h"

#include "router.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/ui/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::ui {
namespace {

using namespace std::chrono_literals;
using test_support::wait_until;
using json = nlohmann::json;

struct sse_event {
    std::string name;
    std::string id;
    std::string data;
};

// A blocking SSE client on one loopback connection: sends the GET, then decodes the chunked
// body into events and comments as they come. Every read waits at most until a deadline.
class sse_client {
  public:
    sse_client(int port, const std::string& target, int rcvbuf = 0) {
        _fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (rcvbuf > 0) {
            ::setsockopt(_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        }
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            throw std::runtime_error("cannot connect");
        }
        std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        (void)::send(_fd, req.data(), req.size(), MSG_NOSIGNAL);  // a failure shows as no reply
    }
    ~sse_client() { close(); }
    sse_client(const sse_client&) = delete;
    sse_client& operator=(const sse_client&) = delete;

    void close() {
        if (_fd >= 0) {
            ::close(_fd);
            _fd = -1;
        }
    }

    // The status line and header, once read.
    bool read_header(std::chrono::milliseconds timeout = 10s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (_raw.find("\r\n\r\n") == std::string::npos) {
            if (!fill(deadline)) {
                return false;
            }
        }
        auto end = _raw.find("\r\n\r\n");
        header = _raw.substr(0, end);
        _raw.erase(0, end + 4);
        return true;
    }

    // The next event (comments are collected in `comments`); nullopt at the deadline or EOF.
    std::optional<sse_event> next(std::chrono::milliseconds timeout = 10s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            decode_chunks();
            auto end = _body.find("\n\n");
            if (end != std::string::npos) {
                std::string block = _body.substr(0, end);
                _body.erase(0, end + 2);
                sse_event e;
                bool any = false;
                std::size_t start = 0;
                while (start <= block.size()) {
                    auto nl = block.find('\n', start);
                    std::string line =
                        block.substr(start, nl == std::string::npos ? nl : nl - start);
                    if (line.rfind(':', 0) == 0) {
                        comments.push_back(line);
                    } else if (line.rfind("event: ", 0) == 0) {
                        e.name = line.substr(7);
                        any = true;
                    } else if (line.rfind("id: ", 0) == 0) {
                        e.id = line.substr(4);
                    } else if (line.rfind("data: ", 0) == 0) {
                        e.data += line.substr(6);
                    }
                    if (nl == std::string::npos) {
                        break;
                    }
                    start = nl + 1;
                }
                if (any) {
                    return e;
                }
                continue;
            }
            if (!fill(deadline)) {
                return std::nullopt;
            }
        }
    }

    // The next event named `name`, skipping others.
    std::optional<sse_event> next_named(const std::string& name,
                                        std::chrono::milliseconds timeout = 10s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto e = next(left);
            if (!e) {
                return std::nullopt;
            }
            if (e->name == name) {
                return e;
            }
        }
        return std::nullopt;
    }

    // True once the server has closed the connection (reading and dropping what is left).
    bool wait_eof(std::chrono::milliseconds timeout = 10s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!_eof) {
            if (!fill(deadline) && !_eof) {
                return false;
            }
        }
        return true;
    }
    bool saw_last_chunk() const { return _last_chunk; }

    std::string header;
    std::vector<std::string> comments;

  private:
    bool fill(std::chrono::steady_clock::time_point deadline) {
        if (_eof) {
            return false;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd p{_fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            return false;
        }
        char buf[16384];
        auto n = ::recv(_fd, buf, sizeof buf, 0);
        if (n <= 0) {
            _eof = true;
            return false;
        }
        _raw.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    void decode_chunks() {
        while (true) {
            auto line_end = _raw.find("\r\n");
            if (line_end == std::string::npos) {
                return;
            }
            std::size_t size = std::stoul(_raw.substr(0, line_end), nullptr, 16);
            if (size == 0) {
                _last_chunk = true;
                _raw.clear();
                return;
            }
            if (_raw.size() < line_end + 2 + size + 2) {
                return;
            }
            _body += _raw.substr(line_end + 2, size);
            _raw.erase(0, line_end + 2 + size + 2);
        }
    }

    int _fd = -1;
    std::string _raw;   // received, not yet decoded
    std::string _body;  // decoded, not yet parsed into events
    bool _eof = false;
    bool _last_chunk = false;
};

// An http_server routing /api/v1/stream to a hub whose evaluator answers "/api/v1/value" with
// {"v": <version>} (plus `padding` bytes), "/api/v1/missing" with 404, and counts its calls.
class event_stream_test : public ::testing::Test {
  protected:
    void start(event_stream_options eo, http_options ho = {}) {
        hub = std::make_unique<event_stream_hub>(eo, [this](const std::string& target) {
            calls.fetch_add(1);
            http_response res;
            if (target == "/api/v1/missing") {
                res.status = 404;
                res.body = R"({"error":"Not Found","errorMessage":"no such thing"})";
                return res;
            }
            if (change_each_call) {
                version.fetch_add(1);
            }
            std::string pad(padding.load(), 'x');
            res.body = "{\"v\":" + std::to_string(version.load()) + ",\"pad\":\"" + pad + "\"}";
            return res;
        });
        routes.add(
            "GET", event_stream_hub::route,
            [this](const http_request& req, const path_params&) { return hub->subscribe(req); });
        ho.port = 0;
        server = std::make_unique<http_server>(
            ho, [this](const http_request& req) { return routes.dispatch(req); });
        server->start();
        hub->start();
    }
    void TearDown() override {
        if (hub) {
            hub->stop();
        }
        if (server) {
            server->stop();
        }
    }
    std::string stream_of(const std::string& path) {
        return std::string(event_stream_hub::route) + "?path=" + path;
    }

    router routes;
    std::unique_ptr<event_stream_hub> hub;
    std::unique_ptr<http_server> server;
    std::atomic<int> version{0};
    std::atomic<std::size_t> padding{0};
    std::atomic<int> calls{0};
    std::atomic<bool> change_each_call{false};
};

event_stream_options fast() {
    event_stream_options o;
    o.poll_interval = 20ms;
    o.keepalive_interval = 60s;
    return o;
}

TEST_F(event_stream_test, sends_the_current_answer_then_only_changes) {
    start(fast());
    sse_client a(server->port(), stream_of("/api/v1/value"));
    ASSERT_TRUE(a.read_header());
    EXPECT_NE(a.header.find("200 OK"), std::string::npos) << a.header;
    EXPECT_NE(a.header.find("Content-Type: text/event-stream"), std::string::npos) << a.header;
    EXPECT_NE(a.header.find("Transfer-Encoding: chunked"), std::string::npos) << a.header;
    auto first = a.next_named("update");
    ASSERT_TRUE(first);
    EXPECT_EQ(json::parse(first->data),
              json::parse(R"({"path":"/api/v1/value","data":{"v":0,"pad":""}})"));

    // Many evaluations of an unchanged answer send nothing.
    int before = calls.load();
    ASSERT_TRUE(wait_until([&] { return calls.load() >= before + 10; }, 10s));
    EXPECT_FALSE(a.next(100ms)) << "an event without a change";

    // A second stream on the same topic gets the last event at once, with the same id.
    sse_client b(server->port(), stream_of("/api/v1/value"));
    ASSERT_TRUE(b.read_header());
    auto b_first = b.next_named("update");
    ASSERT_TRUE(b_first);
    EXPECT_EQ(b_first->id, first->id);
    EXPECT_EQ(hub->topics(), 1U);

    // A change reaches both, as one evaluation: the same event id.
    version = 1;
    auto a2 = a.next_named("update");
    auto b2 = b.next_named("update");
    ASSERT_TRUE(a2 && b2);
    EXPECT_EQ(json::parse(a2->data)["data"]["v"], 1);
    EXPECT_EQ(a2->id, b2->id);
    EXPECT_NE(a2->id, first->id);
}

TEST_F(event_stream_test, reports_a_failing_route_as_a_failure_event) {
    start(fast());
    sse_client a(server->port(), stream_of("/api/v1/missing"));
    ASSERT_TRUE(a.read_header());
    auto e = a.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->name, "failure");
    auto d = json::parse(e->data);
    EXPECT_EQ(d["path"], "/api/v1/missing");
    EXPECT_EQ(d["status"], 404);
    EXPECT_EQ(d["error"]["errorMessage"], "no such thing");
}

TEST_F(event_stream_test, follows_several_paths_on_one_stream) {
    start(fast());
    // The second path percent-encoded with its query, as a page sends it.
    sse_client a(server->port(), stream_of("/api/v1/missing") + "&path=%2Fapi%2Fv1%2Fvalue");
    ASSERT_TRUE(a.read_header());
    std::set<std::string> seen;
    for (int i = 0; i < 2; ++i) {
        auto e = a.next();
        ASSERT_TRUE(e);
        seen.insert(e->name + " " + json::parse(e->data)["path"].get<std::string>());
    }
    EXPECT_EQ(seen, (std::set<std::string>{"failure /api/v1/missing", "update /api/v1/value"}));
    EXPECT_EQ(hub->topics(), 2U);
    EXPECT_EQ(hub->streams(), 1U);
}

TEST_F(event_stream_test, sends_keepalive_comments_and_pings) {
    auto o = fast();
    o.keepalive_interval = 100ms;
    start(o);
    sse_client a(server->port(), stream_of("/api/v1/value"));
    ASSERT_TRUE(a.read_header());
    auto ping = a.next_named("ping");
    ASSERT_TRUE(ping);
    auto checked = json::parse(ping->data)["checked"]["/api/v1/value"];
    ASSERT_TRUE(checked.is_number()) << ping->data;
    EXPECT_GT(checked.get<long long>(), 0) << "the time of the last evaluation";
    ASSERT_FALSE(a.comments.empty());
    EXPECT_EQ(a.comments.front(), ": keep-alive");
}

TEST_F(event_stream_test, refuses_bad_paths_and_streams_over_the_cap) {
    auto o = fast();
    o.max_streams = 2;
    start(o);
    for (const std::string bad :
         {"", "/etc/passwd", "/api/v1/stream", "/api/v1/value?callback=f", "/api/v1/a%zz"}) {
        sse_client c(server->port(), bad.empty() ? event_stream_hub::route : stream_of(bad));
        ASSERT_TRUE(c.read_header()) << bad;
        EXPECT_NE(c.header.find(" 400 "), std::string::npos) << bad << ": " << c.header;
    }
    sse_client a(server->port(), stream_of("/api/v1/value"));
    sse_client b(server->port(), stream_of("/api/v1/value"));
    ASSERT_TRUE(a.read_header() && b.read_header());
    sse_client c(server->port(), stream_of("/api/v1/value"));
    ASSERT_TRUE(c.read_header());
    EXPECT_NE(c.header.find(" 503 "), std::string::npos) << c.header;
    // A place comes free when a stream goes.
    a.close();
    ASSERT_TRUE(wait_until([&] { return hub->streams() == 1; }, 10s)) << hub->streams();
    sse_client d(server->port(), stream_of("/api/v1/value"));
    ASSERT_TRUE(d.read_header());
    EXPECT_NE(d.header.find("200 OK"), std::string::npos) << d.header;
}

TEST_F(event_stream_test, drops_a_client_that_does_not_read_and_keeps_serving_others) {
    http_options ho;
    ho.max_stream_unsent_bytes = 256 * 1024;
    start(fast(), ho);
    padding = 64 * 1024;
    sse_client slow(server->port(), stream_of("/api/v1/value"), 4096);
    sse_client fast_reader(server->port(), stream_of("/api/v1/value"));
    ASSERT_TRUE(fast_reader.read_header());
    ASSERT_TRUE(wait_until([&] { return hub->streams() == 2; }, 10s));
    // Every evaluation changes the answer: 64 KiB per event to each stream, which `slow` never
    // reads; its queue passes the bound once the socket buffers are full.
    change_each_call = true;
    bool dropped = wait_until(
        [&] {
            (void)fast_reader.next(10ms);  // keeps reading
            return hub->streams() == 1;
        },
        30s);
    // The reader still gets fresh events after the drop.
    int seen = version.load();
    bool fresh = false;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!fresh && std::chrono::steady_clock::now() < deadline) {
        if (auto e = fast_reader.next_named("update", 1s)) {
            fresh = json::parse(e->data)["data"]["v"].get<int>() > seen;
        }
    }
    EXPECT_TRUE(dropped) << hub->streams() << " streams";
    EXPECT_TRUE(fresh);
    EXPECT_TRUE(slow.wait_eof(10s)) << "the dropped client's connection stays open";
}

TEST_F(event_stream_test, forgets_a_client_that_goes_away) {
    start(fast());
    {
        sse_client a(server->port(), stream_of("/api/v1/value"));
        ASSERT_TRUE(a.read_header());
        ASSERT_TRUE(a.next_named("update"));
        EXPECT_EQ(hub->streams(), 1U);
    }
    EXPECT_TRUE(wait_until([&] { return hub->streams() == 0 && hub->topics() == 0; }, 10s));
    EXPECT_TRUE(wait_until([&] { return server->open_connections() == 0; }, 10s));
}

TEST_F(event_stream_test, stopping_ends_every_stream) {
    start(fast());
    sse_client a(server->port(), stream_of("/api/v1/value"));
    sse_client b(server->port(), stream_of("/api/v1/missing"));
    ASSERT_TRUE(a.read_header() && b.read_header());
    ASSERT_TRUE(a.next() && b.next());
    hub->stop();
    server->stop();
    EXPECT_TRUE(a.wait_eof());
    EXPECT_TRUE(b.wait_eof());
    EXPECT_EQ(hub->streams(), 0U);
    // After stop, no new streams.
    http_request req;
    req.method = "GET";
    req.target = stream_of("/api/v1/value");
    EXPECT_EQ(hub->subscribe(req).status, 503);
}

}  // namespace
}  // namespace tempest::ui
