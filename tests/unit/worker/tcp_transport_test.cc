// SPDX-License-Identifier: Apache-2.0
// Loopback tests of the worker-to-worker TCP transport (label: cluster).
#include "tempest/worker/transport/tcp_transport.h"

#include "remote_stage.h"
#include "tuple_access.h"

// clang-format off
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
#include <boost/asio.hpp>
// clang-format on
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tempest::worker::transport {
namespace {

using namespace std::chrono_literals;
using detail::message_kind;
using detail::tuple_access;

constexpr auto deadline = 20s;

// Polls `pred` until it holds or `limit` passes; true when it held.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = deadline) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) {
            return false;
        }
        std::this_thread::sleep_for(1ms);  // polling interval, not synchronisation
    }
    return true;
}

// Task 0 emits stream 0 with one int field to task 1.
struct topology_fixture {
    topology_fixture() : table(2) {
        schema.component = "spout";
        schema.stream = "default";
        schema.fields = fields{"n"};
        table.set(0, 0, &schema);
    }
    tuple make(std::int64_t n) const {
        tuple t;
        tuple_access::set_header(t, &schema, 0, 1, message_kind::data);
        tuple_access::vals(t) = values{n};
        return t;
    }
    detail::stream_schema schema;
    schema_table table;
};

// What a server received, in order; filled on the server's I/O thread.
struct receiver {
    void on_batch(std::uint32_t conn, std::span<tuple> ts) {
        std::lock_guard lock(mu);
        ++frames;
        connection = conn;
        for (const tuple& t : ts) {
            ok = ok && tuple_access::dest_task(t) == 1 && t.get_source_task() == 0 &&
                 t.get_source_component() == "spout";
            got.push_back(t.get_int(0));
        }
    }
    std::size_t count() {
        std::lock_guard lock(mu);
        return got.size();
    }
    tcp_server::batch_handler handler() {
        return [this](std::uint32_t conn, std::span<tuple> ts) { on_batch(conn, ts); };
    }
    std::uint32_t last_connection() {
        std::lock_guard lock(mu);
        return connection;
    }
    std::mutex mu;
    std::uint32_t connection = 0;
    std::vector<std::int64_t> got;
    std::size_t frames = 0;
    bool ok = true;
};

// A port that was free a moment ago and is not bound now (0 if none could be found).
std::uint16_t unbound_port() {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    return probe.local_endpoint().port();
}

client_options client_to(std::uint16_t port) {
    client_options o;
    o.port = port;
    o.initial_backoff = 5ms;
    o.max_backoff = 50ms;
    return o;
}

// A client with flow control: `window` credits for each of the fixture's tasks.
client_options credit_client_to(std::uint16_t port, std::uint32_t window) {
    client_options o = client_to(port);
    o.credit_window = window;
    o.task_limit = 2;
    return o;
}

// Sends `t`, waiting (with a deadline) while the client applies backpressure.
void send(tcp_client& c, const tuple& t) {
    ASSERT_TRUE(wait_until([&] { return c.try_send(t); })) << "send queue never drained";
}

void expect_sequence(receiver& r, std::int64_t from, std::int64_t to) {
    std::lock_guard lock(r.mu);
    ASSERT_EQ(r.got.size(), static_cast<std::size_t>(to - from));
    for (std::int64_t i = from; i < to; ++i) {
        ASSERT_EQ(r.got[static_cast<std::size_t>(i - from)], i);
    }
    EXPECT_TRUE(r.ok);
}

// The sockets of this machine's established IPv4 connections with an end on `port`, as
// /proc/net/tcp lists them: the timer each has armed (2: keepalive) and the clock ticks (1/100
// s) until it fires.
struct socket_timer {
    int kind = 0;
    long ticks = 0;
};
std::vector<socket_timer> established_on(std::uint16_t port) {
    std::vector<socket_timer> out;
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line);  // the header
    char hex_port[8];
    std::snprintf(hex_port, sizeof hex_port, ":%04X", port);
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer;
        fields >> slot >> local >> remote >> state >> queues >> timer;
        if (state != "01" || (!local.ends_with(hex_port) && !remote.ends_with(hex_port))) {
            continue;
        }
        const auto colon = timer.find(':');
        out.push_back({std::stoi(timer.substr(0, colon), nullptr, 16),
                       std::stol(timer.substr(colon + 1), nullptr, 16)});
    }
    return out;
}

TEST(tcp_transport_test, idle_connections_are_probed_by_keepalive_within_seconds) {
    // A peer whose host vanishes without a word must not leave the connection (and its
    // buffers) open for the kernel's default of two hours of silence: both ends arm keepalive
    // with a 10 s idle time.
    if (!std::ifstream("/proc/net/tcp")) {
        GTEST_SKIP() << "no /proc/net/tcp to read the sockets' timers from";
    }
    topology_fixture f;
    receiver r;
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    tcp_client client(client_to(server.port()));
    client.start();
    send(client, f.make(1));
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 1; }));
    std::vector<socket_timer> ends;
    const bool armed = wait_until([&] {
        ends = established_on(server.port());
        return ends.size() == 2 && std::all_of(ends.begin(), ends.end(), [](socket_timer t) {
                   return t.kind == 2 && t.ticks <= 10 * 100;
               });
    });
    ASSERT_TRUE(armed) << ends.size() << " ends found; first timer "
                       << (ends.empty() ? -1 : ends[0].kind) << " in "
                       << (ends.empty() ? -1 : ends[0].ticks) << " ticks";
}

TEST(tcp_transport_test, delivers_batches_in_order) {
    topology_fixture f;
    receiver r;
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    ASSERT_NE(server.port(), 0);
    auto opts = client_to(server.port());
    opts.batch_bytes = 4096;
    tcp_client client(opts);
    client.start();
    constexpr std::int64_t n = 20000;
    for (std::int64_t i = 0; i < n; ++i) {
        send(client, f.make(i));
    }
    ASSERT_TRUE(wait_until([&] { return r.count() == n; })) << "received " << r.count();
    expect_sequence(r, 0, n);
    std::lock_guard lock(r.mu);
    EXPECT_GT(r.frames, 10u);    // batched by size...
    EXPECT_LT(r.frames, 2000u);  // ...not one frame per tuple
    EXPECT_EQ(client.connects(), 1u);
}

TEST(tcp_transport_test, both_ends_count_bytes_and_messages_per_connection) {
    topology_fixture f;
    receiver r;
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    auto opts = client_to(server.port());
    opts.batch_bytes = 1024;
    tcp_client client(opts);
    client.start();
    constexpr std::int64_t n = 500;
    for (std::int64_t i = 0; i < n; ++i) {
        send(client, f.make(i));
    }
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == n; })) << "received " << r.count();
    // Frames are decoded before they are counted as written on the other side; wait for both.
    std::vector<tcp_server::connection_figures> in;
    ASSERT_TRUE(wait_until([&] {
        in = server.connections();
        return in.size() == 1 && in[0].messages == static_cast<std::uint64_t>(n) &&
               client.bytes_written() == in[0].bytes;
    })) << "client wrote "
        << client.bytes_written() << " bytes";
    EXPECT_EQ(client.messages_sent(), static_cast<std::uint64_t>(n));
    EXPECT_GT(in[0].bytes, static_cast<std::uint64_t>(n) * 8);  // at least each value's bytes
    EXPECT_NE(in[0].peer.find("127.0.0.1:"), std::string::npos) << in[0].peer;
    client.stop();
    ASSERT_TRUE(wait_until([&] { return server.connections().empty(); }));
}

// A frame handler (as a worker's receiver uses it) decodes each body itself: frames smaller and
// larger than the server's read buffer arrive whole and in order, and an error it returns
// closes the connection as a malformed frame does.
TEST(tcp_transport_test, a_frame_handler_gets_every_body_whole_and_in_order) {
    topology_fixture f;
    std::mutex mu;
    std::vector<std::int64_t> got;  // an int, or minus a string's length
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, nullptr);
    server.set_frame_handler([&](std::uint32_t, std::span<const std::byte> body) {
        frame_reader rd;
        tuple t;
        message_head h;
        frame_error e = rd.open(body);
        std::lock_guard lock(mu);
        while (e == frame_error::none && rd.left() > 0) {
            e = rd.head(f.table, h);
            if (e == frame_error::none) {
                e = rd.body(f.table, h, t);
            }
            if (e == frame_error::none) {
                const bool text = t.type_at(0) == value_type::string;
                got.push_back(text ? -static_cast<std::int64_t>(t.get_string(0).size())
                                   : t.get_int(0));
                if (!text && t.get_int(0) == -13) {
                    return frame_error::bad_values;  // the handler refuses this one
                }
            }
        }
        return e == frame_error::none ? rd.finish() : e;
    });
    ASSERT_TRUE(server.start());
    auto opts = client_to(server.port());
    opts.batch_bytes = 1 << 20;
    tcp_client client(opts);
    client.start();
    std::vector<std::int64_t> want;
    for (std::int64_t i = 0; i < 5000; ++i) {
        send(client, f.make(i));
        want.push_back(i);
    }
    ASSERT_TRUE(wait_until([&] { return client.flush(); }));
    for (int i = 0; i < 3; ++i) {  // one frame of ~900 KiB: larger than a read
        tuple big = f.make(0);
        tuple_access::vals(big) = values{std::string(300 * 1024, 'x')};
        send(client, big);
        want.push_back(-300 * 1024);
    }
    ASSERT_TRUE(wait_until([&] { return client.flush(); }));
    for (std::int64_t i = 5000; i < 10000; ++i) {
        send(client, f.make(i));
        want.push_back(i);
    }
    ASSERT_TRUE(wait_until([&] {
        std::lock_guard lock(mu);
        return got.size() >= want.size();
    }));
    {
        std::lock_guard lock(mu);
        EXPECT_EQ(got, want);
    }
    // The server counts a frame's messages once its handler has returned, so the count of the
    // last frame may trail the handler's last push by a moment.
    std::vector<tcp_server::connection_figures> in;
    EXPECT_TRUE(wait_until([&] {
        in = server.connections();
        return in.size() == 1 && in[0].messages == want.size();
    })) << "server counted "
        << (in.empty() ? 0 : in[0].messages) << " of " << want.size();
    EXPECT_EQ(server.rejected_frames(), 0u);

    send(client, f.make(-13));
    ASSERT_TRUE(wait_until([&] { return client.flush(); }));
    ASSERT_TRUE(wait_until([&] { return server.rejected_frames() == 1; }));
    EXPECT_TRUE(wait_until([&] { return client.connects() == 2; }));
}

TEST(tcp_transport_test, flush_interval_sends_a_trickle) {
    topology_fixture f;
    receiver r;
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    tcp_client client(client_to(server.port()));  // 64 KiB batches: one tuple never fills one
    client.start();
    send(client, f.make(0));
    ASSERT_TRUE(wait_until([&] { return r.count() == 1; }));
    send(client, f.make(1));
    ASSERT_TRUE(wait_until([&] { return r.count() == 2; }));
    expect_sequence(r, 0, 2);
}

TEST(tcp_transport_test, without_a_flush_interval_the_sender_queues_frames_by_age) {
    // flush_interval 0 (remote_io's clients): no timer; a frame goes when the sender asks, and
    // flush_older_than() leaves a frame younger than the cutoff open.
    topology_fixture f;
    receiver r;
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    client_options o = client_to(server.port());
    o.flush_interval = {};
    tcp_client client(o);
    client.start();
    ASSERT_TRUE(wait_until([&] { return client.connected(); }));
    const auto before_first = std::chrono::steady_clock::now();
    send(client, f.make(0));
    // A window in which a timer (1 ms by default) would have sent it: nothing arrives.
    (void)wait_until([&] { return r.count() > 0; }, std::chrono::milliseconds(50));
    EXPECT_EQ(r.count(), 0u) << "a frame went without being asked to";
    EXPECT_TRUE(client.flush_older_than(before_first - std::chrono::milliseconds(1)));
    (void)wait_until([&] { return r.count() > 0; }, std::chrono::milliseconds(50));
    EXPECT_EQ(r.count(), 0u) << "a frame younger than the cutoff went";
    EXPECT_TRUE(client.flush_older_than(std::chrono::steady_clock::now()));
    ASSERT_TRUE(wait_until([&] { return r.count() == 1; }));
    send(client, f.make(1));
    EXPECT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 2; }));
    expect_sequence(r, 0, 2);
}

TEST(tcp_transport_test, garbage_closes_only_that_connection) {
    namespace asio = boost::asio;
    topology_fixture f;
    receiver r;
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    tcp_client client(client_to(server.port()));
    client.start();
    send(client, f.make(0));
    ASSERT_TRUE(wait_until([&] { return r.count() == 1; }));

    asio::io_context io;
    const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server.port());
    // A plausible length followed by garbage, then a length over the limit.
    for (const std::uint32_t length : {40u, 0xfffffff0u}) {
        asio::ip::tcp::socket raw(io);
        raw.connect(ep);
        std::vector<std::byte> junk(4 + 40, std::byte{0x5a});
        std::memcpy(junk.data(), &length, 4);
        asio::write(raw, asio::buffer(junk));
        // The server closes the connection: the read ends with EOF or a reset.
        std::array<char, 16> buf{};
        boost::system::error_code ec;
        raw.read_some(asio::buffer(buf), ec);
        EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
    }
    EXPECT_EQ(server.rejected_frames(), 2u);

    // The good client's connection is untouched.
    for (std::int64_t i = 1; i < 100; ++i) {
        send(client, f.make(i));
    }
    ASSERT_TRUE(wait_until([&] { return r.count() == 100; }));
    expect_sequence(r, 0, 100);
    EXPECT_EQ(client.connects(), 1u);
    EXPECT_TRUE(wait_until([&] { return server.connection_count() == 1; }));
}

TEST(tcp_transport_test, reconnects_after_the_peer_restarts) {
    topology_fixture f;
    receiver r;
    auto server =
        std::make_unique<tcp_server>(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server->start());
    const std::uint16_t port = server->port();
    tcp_client client(client_to(port));
    client.start();
    send(client, f.make(0));
    ASSERT_TRUE(wait_until([&] { return r.count() == 1; }));

    server->stop();
    ASSERT_TRUE(wait_until([&] { return !client.connected(); }));
    // Sent while the peer is down: held in the queue.
    for (std::int64_t i = 1; i < 50; ++i) {
        send(client, f.make(i));
    }

    server = std::make_unique<tcp_server>(server_options{"127.0.0.1", port}, f.table, r.handler());
    ASSERT_TRUE(server->start());
    ASSERT_EQ(server->port(), port);
    for (std::int64_t i = 50; i < 100; ++i) {
        send(client, f.make(i));
    }
    ASSERT_TRUE(wait_until([&] { return r.count() == 100; })) << "received " << r.count();
    expect_sequence(r, 0, 100);
    EXPECT_EQ(client.connects(), 2u);
}

TEST(tcp_transport_test, full_queue_refuses_until_drained) {
    topology_fixture f;
    receiver r;
    // A free port, left unbound so that the client cannot connect yet.
    const std::uint16_t port = unbound_port();
    ASSERT_NE(port, 0);
    auto opts = client_to(port);
    opts.batch_bytes = 1;  // every tuple fills a frame
    opts.max_queued_frames = 2;
    opts.flush_interval = 1h;
    tcp_client client(opts);
    client.start();
    std::int64_t accepted = 0;
    while (accepted < 100 && client.try_send(f.make(accepted))) {
        ++accepted;
    }
    // Two queued frames plus the open one, then backpressure.
    EXPECT_EQ(accepted, 3);
    EXPECT_EQ(client.queued_frames(), 2u);
    EXPECT_FALSE(client.try_send(f.make(accepted)));
    EXPECT_FALSE(client.connected());

    tcp_server server(server_options{"127.0.0.1", port}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    // Once connected the queue drains and sending resumes.
    for (std::int64_t i = accepted; i < 20; ++i) {
        send(client, f.make(i));
    }
    ASSERT_TRUE(client.flush() || wait_until([&] { return client.flush(); }));
    ASSERT_TRUE(wait_until([&] { return r.count() == 20; })) << "received " << r.count();
    expect_sequence(r, 0, 20);
}

// Sends until try_send refuses; returns how many it took, numbering them from `from`.
std::int64_t send_until_refused(tcp_client& c, const topology_fixture& f, std::int64_t from) {
    std::int64_t n = from;
    while (n < from + 100000 && c.try_send(f.make(n))) {
        ++n;
    }
    return n - from;
}

TEST(tcp_transport_test, credits_bound_what_a_client_sends_until_granted) {
    topology_fixture f;
    receiver r;
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    auto opts = credit_client_to(server.port(), 100);
    tcp_client client(opts);
    client.start();
    ASSERT_TRUE(wait_until([&] { return client.connected(); }));

    // A full window, then nothing more for task 1 however long the client tries.
    EXPECT_EQ(send_until_refused(client, f, 0), 100);
    EXPECT_GT(client.credit_waits(), 0u);
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 100; })) << "received " << r.count();
    EXPECT_FALSE(client.try_send(f.make(100)));

    // The receiver grants 30 on the connection the tuples came by: exactly 30 more go.
    const credit_grant grant{1, 30};
    server.grant(r.last_connection(), std::span(&grant, 1));
    ASSERT_TRUE(wait_until([&] { return client.credits_granted() == 30; }));
    EXPECT_EQ(send_until_refused(client, f, 100), 30);
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 130; })) << "received " << r.count();
    expect_sequence(r, 0, 130);

    // Grants never raise the credit above a full window.
    const credit_grant more{1, 1000};
    server.grant(r.last_connection(), std::span(&more, 1));
    ASSERT_TRUE(wait_until([&] { return client.credits_granted() == 1030; }));
    EXPECT_EQ(send_until_refused(client, f, 130), 100);
    EXPECT_EQ(client.connects(), 1u);
}

// Sends what `stage` holds, in runs, as remote_io does; returns how many went.
std::uint32_t send_staged(tcp_client& c, remote_stage& stage) {
    std::uint32_t sent = 0;
    c.lock();
    while (!stage.empty()) {
        const std::uint32_t count = stage.front().count;
        const run_prefix p = c.try_send_run_locked(stage.front().head, stage.front_bytes(), count);
        stage.pop_front(p.count, p.bytes);
        sent += p.count;
        if (p.count < count) {
            break;
        }
    }
    c.unlock();
    return sent;
}

TEST(tcp_transport_test, a_staged_run_goes_as_far_as_credits_reach_in_frames_of_the_batch_size) {
    topology_fixture f;
    receiver r;
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    auto opts = credit_client_to(server.port(), 100);
    opts.batch_bytes = 300;  // ~20 messages of one int a frame
    tcp_client client(opts);
    client.start();
    ASSERT_TRUE(wait_until([&] { return client.connected(); }));
    remote_stage stage(1000);
    for (std::int64_t n = 0; n < 250; ++n) {
        stage.add(f.make(n));
    }
    // A full window of the run, in several frames; the rest waits for credit.
    EXPECT_EQ(send_staged(client, stage), 100u);
    EXPECT_EQ(stage.size(), 150u);
    EXPECT_EQ(client.credit_waits(), 1u);
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 100; })) << "received " << r.count();
    {
        std::lock_guard lock(r.mu);
        EXPECT_GE(r.frames, 5u);  // cut by the batch size, not sent as one frame
    }
    EXPECT_EQ(send_staged(client, stage), 0u);
    const credit_grant grant{1, 70};
    server.grant(r.last_connection(), std::span(&grant, 1));
    ASSERT_TRUE(wait_until([&] { return client.credits_granted() == 70; }));
    EXPECT_EQ(send_staged(client, stage), 70u);
    const credit_grant rest{1, 100};
    server.grant(r.last_connection(), std::span(&rest, 1));
    ASSERT_TRUE(wait_until([&] { return client.credits_granted() == 170; }));
    EXPECT_EQ(send_staged(client, stage), 80u);
    EXPECT_TRUE(stage.empty());
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 250; })) << "received " << r.count();
    expect_sequence(r, 0, 250);
}

TEST(tcp_transport_test, a_new_connection_starts_with_a_full_window) {
    topology_fixture f;
    receiver r;
    auto server =
        std::make_unique<tcp_server>(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(server->start());
    const std::uint16_t port = server->port();
    auto opts = credit_client_to(port, 10);
    tcp_client client(opts);
    client.start();
    ASSERT_TRUE(wait_until([&] { return client.connected(); }));
    EXPECT_EQ(send_until_refused(client, f, 0), 10);
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 10; }));

    // The receiver restarts without granting anything: the old connection's debts are void.
    server->stop();
    ASSERT_TRUE(wait_until([&] { return !client.connected(); }));
    server = std::make_unique<tcp_server>(server_options{"127.0.0.1", port}, f.table, r.handler());
    ASSERT_TRUE(server->start());
    ASSERT_TRUE(wait_until([&] { return client.connected(); }));
    EXPECT_EQ(send_until_refused(client, f, 10), 10);
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 20; })) << "received " << r.count();
    expect_sequence(r, 0, 20);
}

TEST(tcp_transport_test, messages_queued_before_a_connection_count_against_its_window) {
    topology_fixture f;
    receiver r;
    // A free port, left unbound so that the client cannot connect yet.
    const std::uint16_t port = unbound_port();
    ASSERT_NE(port, 0);
    auto opts = credit_client_to(port, 10);
    tcp_client client(opts);
    client.start();
    EXPECT_EQ(send_until_refused(client, f, 0), 10);
    ASSERT_TRUE(client.flush());

    tcp_server server(server_options{"127.0.0.1", port}, f.table, r.handler());
    ASSERT_TRUE(server.start());
    ASSERT_TRUE(wait_until([&] { return r.count() == 10; })) << "received " << r.count();
    // The ten queued ones went out on this connection and used its window.
    EXPECT_EQ(send_until_refused(client, f, 10), 0);
    const credit_grant grant{1, 4};
    server.grant(r.last_connection(), std::span(&grant, 1));
    ASSERT_TRUE(wait_until([&] { return client.credits_granted() == 4; }));
    EXPECT_EQ(send_until_refused(client, f, 10), 4);
}

TEST(tcp_transport_test, a_peer_sending_other_than_grants_is_dropped_and_reconnected) {
    namespace asio = boost::asio;
    topology_fixture f;
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    tcp_client client(credit_client_to(acceptor.local_endpoint().port(), 10));
    client.start();

    // First connection: a data tuple where only grants may come. Second: an ack, a system
    // message that decodes without a schema but is not a grant. Third: a bad frame length.
    frame_encoder enc;
    enc.add(f.make(1));
    const auto data_frame = enc.finish();
    frame_encoder ack_enc;
    tuple ack;
    tuple_access::set_header(ack, nullptr, 1, 1, detail::message_kind::ack);
    tuple_access::set_system(ack, 42, 7);
    ack_enc.add(ack);
    const auto ack_frame = ack_enc.finish();
    std::vector<std::byte> bad_length(8, std::byte{0});
    const std::uint32_t huge = 0xfffffff0u;
    std::memcpy(bad_length.data(), &huge, 4);
    for (std::span<const std::byte> junk :
         {std::span<const std::byte>(data_frame), std::span<const std::byte>(ack_frame),
          std::span<const std::byte>(bad_length)}) {
        asio::ip::tcp::socket peer(io);
        acceptor.accept(peer);
        asio::write(peer, asio::buffer(junk.data(), junk.size()));
        // The client closes its end: our read ends with EOF or a reset.
        std::array<char, 4096> buf{};
        boost::system::error_code ec;
        while (!ec) {
            peer.read_some(asio::buffer(buf), ec);
        }
        EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
    }
    // And it comes back for a fourth connection, with no credit granted by the impostor.
    asio::ip::tcp::socket fourth(io);
    acceptor.accept(fourth);
    EXPECT_TRUE(wait_until([&] { return client.connects() == 4; }));
    EXPECT_EQ(client.credits_granted(), 0u);
}

TEST(tcp_transport_test, a_paused_server_reads_nothing_until_resumed) {
    topology_fixture f;
    receiver r;
    tcp_server* srv = nullptr;
    std::atomic<bool> resume_now{false};
    std::atomic<std::int64_t> seen_at_resume{-1};
    bool paused = false;  // I/O thread only
    std::function<void()> on_timer = [&] {
        if (!resume_now.load()) {
            srv->arm_timer(1ms);  // the test thread is not done yet: look again
            return;
        }
        seen_at_resume = static_cast<std::int64_t>(r.count());
        srv->resume_reading();
    };
    tcp_server server(server_options{"127.0.0.1", 0}, f.table,
                      [&](std::uint32_t conn, std::span<tuple> ts) {
                          r.on_batch(conn, ts);
                          if (!paused) {
                              paused = true;
                              srv->pause_reading();
                              srv->arm_timer(1ms);
                          }
                      });
    srv = &server;
    server.set_timer_handler([&] { on_timer(); });
    ASSERT_TRUE(server.start());
    tcp_client client(client_to(server.port()));
    client.start();
    send(client, f.make(0));
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 1; }));
    // Written to the socket while the server does not read.
    for (std::int64_t i = 1; i < 100; ++i) {
        send(client, f.make(i));
    }
    ASSERT_TRUE(client.flush());
    ASSERT_TRUE(wait_until([&] { return client.queued_frames() == 0; }));
    EXPECT_EQ(r.count(), 1u);
    resume_now = true;
    ASSERT_TRUE(wait_until([&] { return r.count() == 100; })) << "received " << r.count();
    EXPECT_EQ(seen_at_resume.load(), 1);
    expect_sequence(r, 0, 100);
}

TEST(tcp_transport_test, a_sender_writes_a_free_socket_itself_and_the_strand_finishes_the_rest) {
    // While nothing is in flight, flush() writes the frame on the caller's thread: its bytes are
    // on the socket when it returns. A reader that stops makes a sender's write end partway
    // (the socket takes no more); the strand writes the rest when the reader resumes, and every
    // tuple arrives whole and in order.
    topology_fixture f;
    receiver r;
    tcp_server* srv = nullptr;
    std::atomic<bool> pause_now{false};
    std::atomic<bool> resume_now{false};
    bool paused = false;  // I/O thread only
    std::function<void()> on_timer = [&] {
        if (!resume_now.load()) {
            srv->arm_timer(1ms);
            return;
        }
        srv->resume_reading();
    };
    tcp_server server(server_options{"127.0.0.1", 0}, f.table,
                      [&](std::uint32_t conn, std::span<tuple> ts) {
                          r.on_batch(conn, ts);
                          if (pause_now.load() && !paused) {
                              paused = true;
                              srv->pause_reading();
                              srv->arm_timer(1ms);
                          }
                      });
    srv = &server;
    server.set_timer_handler([&] { on_timer(); });
    ASSERT_TRUE(server.start());
    auto opts = client_to(server.port());
    opts.max_queued_frames = 4;
    opts.flush_interval = 1h;  // frames go by size or flush() only
    tcp_client client(opts);
    client.start();
    ASSERT_TRUE(wait_until([&] { return client.connected(); }));
    send(client, f.make(0));
    ASSERT_TRUE(client.flush());
    EXPECT_GT(client.bytes_written(), 0u) << "flush() left the write to the I/O thread";
    ASSERT_TRUE(wait_until([&] { return r.count() == 1; }));

    // The next frame pauses the reader; send until the socket and then the queue are full.
    pause_now = true;
    std::int64_t n = 1;
    while (n < 4'000'000 && client.try_send(f.make(n))) {
        ++n;
    }
    ASSERT_LT(n, 4'000'000) << "the client never refused: the socket kept taking frames";
    resume_now = true;
    ASSERT_TRUE(client.flush() || wait_until([&] { return client.flush(); }));
    ASSERT_TRUE(wait_until([&] { return r.count() == static_cast<std::size_t>(n); }))
        << "received " << r.count() << " of " << n;
    expect_sequence(r, 0, n);
}

TEST(tcp_transport_test, the_close_handler_hears_of_each_connection_once) {
    topology_fixture f;
    receiver r;
    std::mutex mu;
    std::vector<std::uint32_t> closed;
    tcp_server server(server_options{"127.0.0.1", 0}, f.table, r.handler());
    server.set_close_handler([&](std::uint32_t conn) {
        std::lock_guard lock(mu);
        closed.push_back(conn);
    });
    ASSERT_TRUE(server.start());
    auto client = std::make_unique<tcp_client>(client_to(server.port()));
    client->start();
    send(*client, f.make(0));
    ASSERT_TRUE(wait_until([&] { return r.count() == 1; }));
    const std::uint32_t first = r.last_connection();
    client->stop();
    ASSERT_TRUE(wait_until([&] {
        std::lock_guard lock(mu);
        return !closed.empty();
    }));
    client->start();  // a new connection, with a new id
    send(*client, f.make(1));
    ASSERT_TRUE(client->flush());
    ASSERT_TRUE(wait_until([&] { return r.count() == 2; }));
    EXPECT_NE(r.last_connection(), first);
    server.stop();  // closes the second one
    std::lock_guard lock(mu);
    ASSERT_EQ(closed.size(), 2u);
    EXPECT_EQ(closed[0], first);
    EXPECT_EQ(closed[1], r.last_connection());
}

TEST(tcp_transport_test, start_fails_cleanly_on_a_taken_port) {
    topology_fixture f;
    receiver r;
    tcp_server first(server_options{"127.0.0.1", 0}, f.table, r.handler());
    ASSERT_TRUE(first.start());
    tcp_server second(server_options{"127.0.0.1", first.port()}, f.table, r.handler());
    EXPECT_FALSE(second.start());
    tcp_server bad(server_options{"not-an-address", 0}, f.table, r.handler());
    EXPECT_FALSE(bad.start());
}

// The threads of this process (its /proc/self/task entries).
std::size_t thread_count() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
        ++n;
    }
    return n;
}

TEST(tcp_transport_test, connections_on_a_shared_pool_add_no_threads) {
    constexpr int peers = 8;
    topology_fixture f;
    io_pool pool(2);
    pool.start();
    std::vector<std::unique_ptr<receiver>> receivers;
    std::vector<std::unique_ptr<tcp_server>> servers;
    for (int i = 0; i < peers; ++i) {
        receivers.push_back(std::make_unique<receiver>());
        servers.push_back(std::make_unique<tcp_server>(server_options{"127.0.0.1", 0}, f.table,
                                                       receivers.back()->handler(), pool));
        ASSERT_TRUE(servers.back()->start());
    }
    const std::size_t listening = thread_count();
    std::vector<std::unique_ptr<tcp_client>> clients;
    std::size_t with_one = 0;
    for (int i = 0; i < peers; ++i) {
        clients.push_back(std::make_unique<tcp_client>(client_to(servers[i]->port()), pool));
        clients.back()->start();
        for (std::int64_t n = 0; n < 100; ++n) {
            send(*clients.back(), f.make(n));
        }
        ASSERT_TRUE(clients.back()->flush());
        ASSERT_TRUE(wait_until([&] { return receivers[i]->count() == 100; }));
        if (i == 0) {
            with_one = thread_count();
        }
    }
    const std::size_t with_all = thread_count();
    EXPECT_EQ(with_one, listening);
    EXPECT_EQ(with_all, listening) << "threads: " << listening << " listening, " << with_one
                                   << " with one connection, " << with_all << " with " << peers;
    for (int i = 0; i < peers; ++i) {
        expect_sequence(*receivers[i], 0, 100);
        EXPECT_EQ(servers[i]->connection_count(), 1u);
    }
    for (auto& c : clients) {
        c->stop();
    }
    for (auto& s : servers) {
        s->stop();
    }
    pool.stop();
}

}  // namespace
}  // namespace tempest::worker::transport
