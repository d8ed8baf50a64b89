// SPDX-License-Identifier: Apache-2.0
// Hostile input at Nimbus' Thrift port, without ZooKeeper: frame_server with the Nimbus
// processor (common/thrift's process_request over nimbus_handler on the in-memory cluster
// state), as nimbus_server wires them. Lengths from the wire that the bytes cannot back are
// refused before anything is allocated (RSS stays bounded), oversized and broken frames close
// their connection, and a flood of idle, half-sent and dribbling connections neither takes
// threads nor delays a well-behaved client; the flood is closed after the request timeout.
#include "frame_server.h"
#include "nimbus_handler.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/memory_cluster_state.h"
#include "tempest/common/process_usage.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/thrift_request.h"
#include "thrift_wire.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace tempest::nimbus {
namespace {

namespace fs = std::filesystem;
namespace th = tempest::thrift;
namespace at = apache::thrift;
using namespace std::chrono_literals;
using test_support::wait_until;
using namespace wire;

// getNimbusConf over Thrift's own client (TSocket, framed, binary), as Storm's clients call.
std::string thrift_get_conf(int port) {
    auto socket = std::make_shared<at::transport::TSocket>("127.0.0.1", port);
    socket->setRecvTimeout(10000);
    socket->setSendTimeout(10000);
    auto transport = std::make_shared<at::transport::TFramedTransport>(socket);
    th::NimbusClient client(std::make_shared<at::protocol::TBinaryProtocol>(transport));
    transport->open();
    std::string conf;
    client.getNimbusConf(conf);
    transport->close();
    return conf;
}

std::size_t thread_count() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/task")) {
        ++n;
    }
    return n;
}

// ---- the fixture -------------------------------------------------------------------------------

class thrift_server_limits_test : public ::testing::Test {
  protected:
    thrift_server_limits_test() {
        std::random_device rd;
        _dir = fs::temp_directory_path() / ("tempest-thrift-limits-" + std::to_string(rd()));
        fs::create_directories(_dir);
        _conf = common::default_config();
        _handler = std::make_shared<nimbus_handler>(_state, _conf, _dir);
    }
    ~thrift_server_limits_test() override {
        _server.reset();
        _handler.reset();
        std::error_code ec;
        fs::remove_all(_dir, ec);
    }

    void serve(frame_server_options options) {
        auto processor = std::make_shared<th::NimbusProcessor>(_handler);
        _server = std::make_unique<frame_server>(
            options, [processor](std::string_view request, const std::string&) {
                auto out = th::process_request(*processor, request);
                return frame_reply{std::move(out.reply), out.close};
            });
        _server->start();
    }
    int port() const { return _server->port(); }

    fs::path _dir;
    common::memory_cluster_state _state;
    config _conf;
    std::shared_ptr<nimbus_handler> _handler;
    std::unique_ptr<frame_server> _server;
};

frame_server_options limits(std::chrono::milliseconds timeout = 30s) {
    frame_server_options o;
    o.max_frame_bytes = 1 << 20;
    o.threads = 4;
    o.max_connections = 1000;
    o.request_timeout = timeout;
    return o;
}

TEST_F(thrift_server_limits_test, huge_declared_lengths_are_refused_without_allocating) {
    serve(limits());
    ASSERT_EQ(huge_string_frame().size(), 38U);
    const auto before = usage();
    // Three of each at once, as in the issue.
    std::vector<std::thread> attackers;
    std::vector<std::string> errors(9);
    for (int i = 0; i < 9; ++i) {
        attackers.emplace_back([&, i] {
            const std::string frame = i % 3 == 0   ? huge_string_frame()
                                      : i % 3 == 1 ? huge_map_frame()
                                                   : huge_list_frame();
            raw_connection c(port());
            if (!c.send(frame)) {
                errors[i] = "send failed";
                return;
            }
            auto reply = c.read_frame(10s);
            if (!reply) {
                errors[i] = "no reply";
                return;
            }
            auto e = read_exception(*reply);
            if (e.getType() != at::TApplicationException::PROTOCOL_ERROR ||
                std::string(e.what()).find("exceeds the bytes left") == std::string::npos) {
                errors[i] = std::string("unexpected reply: ") + e.what();
                return;
            }
            // The connection still serves the next well-formed call.
            if (!c.send(framed(get_conf_call()))) {
                errors[i] = "second send failed";
                return;
            }
            auto next = c.read_frame(10s);
            if (!next || read_conf_reply(*next).find("nimbus.thrift.port") == std::string::npos) {
                errors[i] = "no answer to the next call";
            }
        });
    }
    for (auto& t : attackers) {
        t.join();
    }
    for (int i = 0; i < 9; ++i) {
        EXPECT_EQ(errors[i], "") << "attacker " << i;
    }
    const auto after = usage();
    EXPECT_LT(after.peak_rss_bytes - before.peak_rss_bytes, 64 * mib);
    EXPECT_LT(after.rss_bytes, before.rss_bytes + 64 * mib);
    EXPECT_NE(thrift_get_conf(port()).find("nimbus.thrift.port"), std::string::npos);
}

TEST_F(thrift_server_limits_test, oversized_and_broken_frames_close_only_their_connection) {
    serve(limits());
    const auto before = usage();
    const std::vector<std::string> bad = {
        be32(0x7FFFFFF0U) + "abcd",                              // frame length beyond the limit
        be32((1U << 20) + 1) + "abcd",                           // one byte beyond the limit
        be32(0) + "abcd",                                        // empty frame
        be32(0xFFFFFFF0U) + "abcd",                              // negative length
        framed(be32(0x80010001U) + be32(0x7FFFFFF0U) + "abcd"),  // huge method name
        framed(be32(0x80020001U) + be32(3) + "abc" + be32(1)),   // unknown protocol version
        framed(be32(0x80010009U) + be32(3) + "abc" + be32(1)),   // unknown message type
        framed("\x01\x02"),                                      // truncated header
    };
    for (const auto& bytes : bad) {
        raw_connection c(port());
        ASSERT_TRUE(c.send(bytes));
        EXPECT_TRUE(c.closed_within(10s)) << "frame starting " << testing::PrintToString(bytes);
    }
    EXPECT_EQ(_server->stats().oversized, 4U);
    EXPECT_LT(usage().peak_rss_bytes - before.peak_rss_bytes, 64 * mib);

    // A call the IDL lacks and a call with a field of the wrong type get an answer and keep
    // the connection.
    raw_connection c(port());
    ASSERT_TRUE(c.send(framed(call_header("noSuchCall") + std::string(1, '\0'))));
    auto reply = c.read_frame(10s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(read_exception(*reply).getType(), at::TApplicationException::UNKNOWN_METHOD);
    ASSERT_TRUE(c.send(framed(call_header("uploadChunk") + "\x0b" + be16(1) + be32(2) + "a")));
    reply = c.read_frame(10s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(read_exception(*reply).getType(), at::TApplicationException::PROTOCOL_ERROR);
    ASSERT_TRUE(c.send(framed(get_conf_call())));
    reply = c.read_frame(10s);
    ASSERT_TRUE(reply);
    EXPECT_NE(read_conf_reply(*reply).find("nimbus.thrift.port"), std::string::npos);
}

TEST_F(thrift_server_limits_test, upload_chunks_of_half_a_mib_fit_the_default_frame_limit) {
    serve(limits());
    auto socket = std::make_shared<at::transport::TSocket>("127.0.0.1", port());
    socket->setRecvTimeout(10000);
    auto transport = std::make_shared<at::transport::TFramedTransport>(socket);
    th::NimbusClient client(std::make_shared<at::protocol::TBinaryProtocol>(transport));
    transport->open();
    std::string location;
    client.beginFileUpload(location);
    client.uploadChunk(location, std::string(512 * 1024, 'x'));
    client.uploadChunk(location, std::string(512 * 1024, 'y'));
    client.finishFileUpload(location);
    EXPECT_EQ(fs::file_size(location), 1024U * 1024U);
    // A whole MiB in one call exceeds nimbus.thrift.max_buffer_size: the connection is closed.
    client.beginFileUpload(location);
    EXPECT_THROW(client.uploadChunk(location, std::string(1 << 20, 'z')), at::TException);
    EXPECT_EQ(_server->stats().oversized, 1U);
}

TEST_F(thrift_server_limits_test, idle_and_half_sent_connections_neither_take_threads_nor_delay) {
    serve(limits(1500ms));
    const auto threads_before = thread_count();
    std::vector<std::unique_ptr<raw_connection>> idle, slow;
    for (int i = 0; i < 220; ++i) {
        idle.push_back(std::make_unique<raw_connection>(port()));
    }
    for (int i = 0; i < 60; ++i) {
        slow.push_back(std::make_unique<raw_connection>(port()));
        // Half a frame length, or a length and half its frame.
        ASSERT_TRUE(slow.back()->send(i % 2 == 0 ? std::string("\x00\x00", 2)
                                                 : be32(100) + std::string(50, 'x')));
    }
    ASSERT_TRUE(wait_until([&] { return _server->stats().open == 280; }, 10s))
        << _server->stats().open;
    EXPECT_EQ(thread_count(), threads_before);

    // A well-behaved client is answered at once, flood or not.
    const auto start = std::chrono::steady_clock::now();
    EXPECT_NE(thrift_get_conf(port()).find("nimbus.thrift.port"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);

    // The flood is closed once the request timeout has passed.
    for (auto& c : idle) {
        EXPECT_TRUE(c->closed_within(10s));
    }
    for (auto& c : slow) {
        EXPECT_TRUE(c->closed_within(10s));
    }
    EXPECT_TRUE(wait_until([&] { return _server->stats().open == 0; }, 10s));
    EXPECT_GE(_server->stats().timed_out, 280U);
}

TEST_F(thrift_server_limits_test, a_dribbling_request_is_cut_at_the_deadline_despite_progress) {
    serve(limits(1s));
    raw_connection c(port());
    ASSERT_TRUE(c.send(be32(200)));
    const auto start = std::chrono::steady_clock::now();
    bool cut = false;
    for (int i = 0; i < 200 && !cut; ++i) {
        // One byte every 50 ms would take 10 s for the frame: progress must not extend the
        // deadline.
        cut = !c.send("x") || c.closed_within(50ms);
    }
    EXPECT_TRUE(cut);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(_server->stats().timed_out, 1U);
}

TEST_F(thrift_server_limits_test, at_the_connection_limit_the_longest_waiting_makes_room) {
    auto options = limits(60s);
    options.max_connections = 20;
    serve(options);
    std::vector<std::unique_ptr<raw_connection>> idle;
    for (int i = 0; i < 40; ++i) {
        idle.push_back(std::make_unique<raw_connection>(port()));
        ASSERT_TRUE(
            wait_until([&] { return _server->stats().accepted == std::uint64_t(i) + 1; }, 10s));
    }
    EXPECT_EQ(_server->stats().open, 20U);
    EXPECT_EQ(_server->stats().evicted, 20U);
    // The oldest twenty made room, long before their timeout.
    for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(idle[static_cast<std::size_t>(i)]->closed_within(5s)) << i;
    }
    const auto start = std::chrono::steady_clock::now();
    EXPECT_NE(thrift_get_conf(port()).find("nimbus.thrift.port"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(thrift_server_limits_test, get_nimbus_conf_reports_the_frame_limit) {
    _conf.erase("nimbus.thrift.max_buffer_size");
    _handler = std::make_shared<nimbus_handler>(_state, _conf, _dir);
    serve(limits());
    EXPECT_NE(thrift_get_conf(port()).find(R"("nimbus.thrift.max_buffer_size":1048576)"),
              std::string::npos);
}

}  // namespace
}  // namespace tempest::nimbus
