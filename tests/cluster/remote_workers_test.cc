// SPDX-License-Identifier: Apache-2.0
// Two topology_runtimes in one process, each running half of a topology's executors, joined by
// the TCP transport on loopback as two worker processes would be: tuples, acks and backpressure
// cross the worker boundary, and local_or_shuffle does not.
#include "tempest/test_support/wait_until.h"
#include "tempest/topology.h"
#include "tempest/worker/remote_options.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/topology_runtime.h"

// clang-format off
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
#include <boost/asio.hpp>
// clang-format on
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tempest::cluster_tests {
namespace {

using namespace std::chrono_literals;
using test_support::wait_until;

// What the topology saw. Written by executor threads, read by the test thread.
struct outcome {
    static inline std::atomic<std::int64_t> counted{0};
    static inline std::mutex mu;  // guards acks, sunk and placed
    static inline std::map<std::int64_t, int> acks;
    static inline std::map<std::int64_t, int> sunk;
    static inline std::atomic<std::int64_t> emitted{0};
    static inline std::atomic<bool> sink_blocked{false};
    // component -> (source task, executing task) -> tuples
    static inline std::map<std::string, std::map<std::pair<int, int>, std::int64_t>> placed;

    static void reset() {
        std::scoped_lock lock(mu);
        acks.clear();
        sunk.clear();
        placed.clear();
        emitted = 0;
        counted = 0;
        sink_blocked = false;
    }
    static std::size_t distinct_acked() {
        std::scoped_lock lock(mu);
        return acks.size();
    }
};

// Emits the numbers [first, first + count) of its task's share, with message ids when
// `reliable`, replaying failures; unbounded (never runs out) when count is 0.
class number_spout final : public spout {
  public:
    number_spout(std::int64_t count, bool reliable) : _count(count), _reliable(reliable) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context& ctx, spout_output_collector& c) override {
        _out = &c;
        int index = ctx.get_this_task_index();
        for (std::int64_t i = 0; i < _count; ++i) {
            _queue.push_back(index * _count + i);
        }
    }
    void next_tuple() override {
        if (_count == 0) {
            _out->emit(values{_next++});
            outcome::emitted.fetch_add(1);
            return;
        }
        if (_queue.empty()) {
            return;
        }
        std::int64_t n = _queue.front();
        _queue.pop_front();
        if (_reliable) {
            _out->emit(values{n}, message_id{static_cast<std::uint64_t>(n)});
        } else {
            _out->emit(values{n});
        }
        outcome::emitted.fetch_add(1);
    }
    void ack(message_id id) override {
        std::scoped_lock lock(outcome::mu);
        ++outcome::acks[static_cast<std::int64_t>(id.id)];
    }
    void fail(message_id id) override { _queue.push_back(static_cast<std::int64_t>(id.id)); }

  private:
    std::int64_t _count;
    bool _reliable;
    std::int64_t _next = 0;
    std::deque<std::int64_t> _queue;
    spout_output_collector* _out = nullptr;
};

class relay final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void execute(const tuple& in, basic_output_collector& out) override {
        out.emit(values{in.get_int(0)});
    }
};

class sink final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void execute(const tuple& in, basic_output_collector&) override {
        while (outcome::sink_blocked.load()) {
            std::this_thread::yield();
        }
        std::scoped_lock lock(outcome::mu);
        ++outcome::sunk[in.get_int(0)];
    }
};

// Records, per (source task, this task), how many tuples it executed.
class placement_recorder final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& ctx) override {
        _component = ctx.get_this_component_id();
        _task = ctx.get_this_task_id();
    }
    void execute(const tuple& in, basic_output_collector&) override {
        std::scoped_lock lock(outcome::mu);
        ++outcome::placed[_component][{in.get_source_task(), _task}];
    }

  private:
    std::string _component;
    int _task = 0;
};

// Counts what it executes, without keeping it.
class counter final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void execute(const tuple&, basic_output_collector&) override { outcome::counted.fetch_add(1); }
};

// Two workers of one topology: executors dealt alternately, as the even scheduler deals them
// over two slots.
class two_workers {
  public:
    two_workers(const component_registry& registry, const topology& t, const config& conf) {
        worker::topology_plan whole("remote-test-1", t, conf);
        std::vector<int> tasks[2];
        for (std::size_t e = 0; e < whole.executors().size(); ++e) {
            const auto& ex = whole.executors()[e];
            for (int task = ex.first_task; task <= ex.last_task; ++task) {
                tasks[e % 2].push_back(task);
            }
        }
        for (int w = 0; w < 2; ++w) {
            auto plan =
                std::make_shared<const worker::topology_plan>("remote-test-1", t, conf, tasks[w]);
            worker::remote_options o;
            o.bind_address = "127.0.0.1";
            _runtimes[w] = std::make_unique<worker::topology_runtime>(plan, registry, o);
        }
        for (auto& r : _runtimes) {
            r->start();
        }
        // Tell each worker where the other's tasks are.
        std::vector<worker::task_endpoint> where(static_cast<std::size_t>(whole.num_tasks()) + 1);
        for (int w = 0; w < 2; ++w) {
            for (int task : tasks[w]) {
                where[task] = {"127.0.0.1", _runtimes[w]->port()};
                _worker_of[task] = w;
            }
        }
        for (auto& r : _runtimes) {
            r->set_task_endpoints(where);
        }
    }
    ~two_workers() { stop(); }
    void stop() {
        for (auto& r : _runtimes) {
            r->stop();
        }
    }
    worker::topology_runtime& operator[](int w) { return *_runtimes[w]; }
    // The worker (0 or 1) running `task`.
    int worker_of(int task) const { return _worker_of.at(task); }

  private:
    std::unique_ptr<worker::topology_runtime> _runtimes[2];
    std::map<int, int> _worker_of;
};

class remote_workers_test : public ::testing::Test {
  protected:
    void SetUp() override { outcome::reset(); }
    component_registry _registry;
};

TEST_F(remote_workers_test, tuples_and_acks_cross_workers_and_every_message_is_acked_once) {
    constexpr std::int64_t per_task = 2000;
    topology_builder b(_registry);
    b.set_spout<number_spout>("numbers", 2, per_task, true);
    b.set_bolt<relay>("relay", 2).shuffle_grouping("numbers");
    b.set_bolt<sink>("sink", 3).fields_grouping("relay", {"n"});
    config conf;
    conf.set_num_ackers(2);
    conf.set_max_spout_pending(200);
    two_workers workers(_registry, b.create_topology(), conf);

    bool done = wait_until([&] { return outcome::distinct_acked() == 2 * per_task; }, 30s);
    auto a = workers[0].remote();
    auto b_stats = workers[1].remote();
    workers.stop();
    ASSERT_TRUE(done) << outcome::distinct_acked() << " of " << 2 * per_task << " acked";
    std::scoped_lock lock(outcome::mu);
    for (std::int64_t n = 0; n < 2 * per_task; ++n) {
        EXPECT_EQ(outcome::acks[n], 1) << "message " << n;
        EXPECT_GE(outcome::sunk[n], 1) << "number " << n << " never reached a sink";
    }
    EXPECT_GT(a.sent, 0u);
    EXPECT_GT(a.received, 0u);
    EXPECT_GT(b_stats.sent, 0u);
    EXPECT_GT(b_stats.received, 0u);
    EXPECT_EQ(a.dropped + b_stats.dropped, 0u);
    EXPECT_EQ(a.rejected_frames + b_stats.rejected_frames, 0u);
}

TEST_F(remote_workers_test, the_inbound_ring_from_other_workers_keeps_the_whole_buffer) {
    // Executors dealt alternately: numbers#1 in worker 0, numbers#2 in worker 1, the counter in
    // worker 0, fed by a local spout thread and by the other worker. The local ring gets a
    // producer's share of the buffer (the receiver counts as a producer); the inbound ring from
    // the receiver, whose I/O thread cannot wait, keeps the whole buffer.
    topology_builder b(_registry);
    b.set_spout<number_spout>("numbers", 2, 500, false);
    b.set_bolt<counter>("counter", 1).shuffle_grouping("numbers");
    config conf;
    conf.set_num_ackers(0);
    conf.set(config::topology_executor_receive_buffer_size, 1024);
    conf.set(config::topology_producer_batch_size, 64);
    two_workers workers(_registry, b.create_topology(), conf);
    ASSERT_TRUE(wait_until([&] { return outcome::counted.load() == 1000; }, 30s))
        << outcome::counted.load() << " of 1000 counted";
    const auto totals = workers[0].totals();
    workers.stop();
    int found = 0;
    for (const auto& t : totals) {
        if (t.component == "counter") {
            ++found;
            EXPECT_EQ(t.queue_capacity, 512u + 1024u) << "a local share and the whole buffer";
        }
    }
    EXPECT_EQ(found, 1);
}

TEST_F(remote_workers_test, a_blocked_consumer_in_another_worker_stops_the_spout) {
    // Spout and relay in worker 0, the (blocked) sink in worker 1; no ackers, so only
    // backpressure can stop the spout.
    outcome::sink_blocked = true;
    topology_builder b(_registry);
    b.set_spout<number_spout>("numbers", 1, 0, false);
    b.set_bolt<sink>("sink", 1).shuffle_grouping("numbers");
    config conf;
    conf.set_num_ackers(0);
    conf.set(config::topology_executor_receive_buffer_size, 1024);  // the bound below counts it
    two_workers workers(_registry, b.create_topology(), conf);

    // The spout fills the rings, the transfer queue and the sockets, then stops.
    std::int64_t last = -1;
    auto last_change = std::chrono::steady_clock::now();
    bool plateau = wait_until(
        [&] {
            std::int64_t now = outcome::emitted.load();
            auto t = std::chrono::steady_clock::now();
            if (now != last) {
                last = now;
                last_change = t;
                return false;
            }
            return now > 0 && t - last_change > 500ms;
        },
        30s);
    std::int64_t held = outcome::emitted.load();
    auto spout_side = workers[0].remote();
    auto sink_side = workers[1].remote();
    outcome::sink_blocked = false;
    bool drained = wait_until(
        [&] {
            std::scoped_lock lock(outcome::mu);
            return static_cast<std::int64_t>(outcome::sunk.size()) >= held;
        },
        30s);
    workers.stop();
    ASSERT_TRUE(plateau) << "the spout kept emitting: " << outcome::emitted.load();
    // Credits stop it: the receiver holds a window for the sink's task besides what its ring
    // (1024) took, and the sender's rings (1024 each) fill before backpressure stops the spout:
    // the window + 3073 in most runs, up to the window + ~6k when the threads interleave
    // differently. Before credits (leases) it was hundreds of thousands.
    const auto window = static_cast<std::int64_t>(worker::remote_options{}.credit_window);
    EXPECT_LT(held, window + 8 * 1024)
        << "more tuples in flight than the credit window and the bounded rings allow (sent "
        << spout_side.sent << ", received " << sink_side.received << ", credits granted "
        << sink_side.credits_granted << ", received by the sender " << spout_side.credits_received
        << ")";
    EXPECT_GT(spout_side.credit_waits, 0u) << "the sending side never ran out of credit";
    EXPECT_GT(sink_side.credits_granted, 0u) << "the receiving side never granted credit";
    EXPECT_TRUE(drained) << "tuples held back were not delivered after the sink resumed";
}

TEST_F(remote_workers_test, workers_sending_to_each_other_at_full_speed_keep_flowing) {
    // Word count's shape: each worker runs a spout, a relay and a counter; shuffle and fields
    // groupings send about half of the tuples across, both ways, faster than the relays can
    // take them. A reader that waited for room at one full executor would hold up the tuples
    // bound for the others; with each worker's relay blocked sending to the other worker,
    // nothing would move again.
    topology_builder b(_registry);
    b.set_spout<number_spout>("numbers", 2, 0, false);
    b.set_bolt<relay>("relay", 2).shuffle_grouping("numbers");
    b.set_bolt<counter>("counter", 2).fields_grouping("relay", {"n"});
    config conf;
    conf.set_num_ackers(0);
    two_workers workers(_registry, b.create_topology(), conf);

    // Progress in every window of the run, not just at the start.
    bool flowing = true;
    for (int window = 0; window < 5 && flowing; ++window) {
        std::int64_t before = outcome::counted.load();
        flowing = wait_until([&] { return outcome::counted.load() >= before + 100'000; }, 20s);
    }
    workers.stop();
    EXPECT_TRUE(flowing) << "the counter stopped at " << outcome::counted.load() << " tuples";
}

TEST_F(remote_workers_test, local_or_shuffle_stays_in_the_producers_worker) {
    // Each worker runs one spout task and two tasks of each bolt: "local" (local_or_shuffle)
    // must get only the tuples of its own worker's spout task, spread over both of its tasks
    // there; "anywhere" (shuffle, the control) gets tuples across the workers too.
    constexpr std::int64_t per_task = 2000;
    topology_builder b(_registry);
    b.set_spout<number_spout>("numbers", 2, per_task, false);
    b.set_bolt<placement_recorder>("local", 4).local_or_shuffle_grouping("numbers");
    b.set_bolt<placement_recorder>("anywhere", 4).shuffle_grouping("numbers");
    config conf;
    conf.set_num_ackers(0);
    two_workers workers(_registry, b.create_topology(), conf);

    auto delivered = [](const std::string& component) {
        std::scoped_lock lock(outcome::mu);
        std::int64_t n = 0;
        for (const auto& [where, count] : outcome::placed[component]) {
            n += count;
        }
        return n;
    };
    bool done = wait_until(
        [&] { return delivered("local") == 2 * per_task && delivered("anywhere") == 2 * per_task; },
        20s);
    workers.stop();
    ASSERT_TRUE(done) << delivered("local") << " and " << delivered("anywhere") << " of "
                      << 2 * per_task << " delivered";
    std::scoped_lock lock(outcome::mu);
    std::map<int, std::set<int>> local_targets;  // source task -> "local" tasks it reached
    std::int64_t local_tuples = 0;
    for (const auto& [where, count] : outcome::placed["local"]) {
        auto [source, target] = where;
        EXPECT_EQ(workers.worker_of(source), workers.worker_of(target))
            << count << " tuples of task " << source << " (worker " << workers.worker_of(source)
            << ") went to task " << target << " in the other worker";
        local_targets[source].insert(target);
        local_tuples += count;
    }
    EXPECT_EQ(local_tuples, 2 * per_task);
    ASSERT_EQ(local_targets.size(), 2u) << "both spout tasks should have sent";
    for (const auto& [source, targets] : local_targets) {
        EXPECT_EQ(targets.size(), 2u) << "task " << source << " did not spread over the two "
                                      << "\"local\" tasks of its worker";
    }
    std::int64_t crossed = 0;
    for (const auto& [where, count] : outcome::placed["anywhere"]) {
        crossed += workers.worker_of(where.first) != workers.worker_of(where.second) ? count : 0;
    }
    EXPECT_GT(crossed, 0) << "shuffle never crossed workers: the layout does not test anything";
}

TEST_F(remote_workers_test, a_malformed_frame_closes_that_connection_and_the_worker_keeps_running) {
    constexpr std::int64_t per_task = 1000;
    topology_builder b(_registry);
    b.set_spout<number_spout>("numbers", 2, per_task, true);
    b.set_bolt<relay>("relay", 2).shuffle_grouping("numbers");
    b.set_bolt<sink>("sink", 3).fields_grouping("relay", {"n"});
    config conf;
    conf.set_num_ackers(2);
    conf.set_max_spout_pending(200);
    outcome::sink_blocked = true;  // hold the tuples until the garbage has been seen
    two_workers workers(_registry, b.create_topology(), conf);

    // A stranger connects to worker 1's port and sends a frame that cannot be decoded.
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket raw(io);
    raw.connect({asio::ip::make_address("127.0.0.1"), workers[1].port()});
    std::vector<std::byte> junk(4 + 40, std::byte{0x5a});
    const std::uint32_t length = 40;
    std::memcpy(junk.data(), &length, 4);
    asio::write(raw, asio::buffer(junk));
    std::array<char, 16> buf{};
    boost::system::error_code ec;
    raw.read_some(asio::buffer(buf), ec);  // the worker closes that connection
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
    EXPECT_EQ(workers[1].remote().rejected_frames, 1u);

    // Everything else still crosses both ways and is acked.
    outcome::sink_blocked = false;
    bool done = wait_until([&] { return outcome::distinct_acked() == 2 * per_task; }, 30s);
    auto a = workers[0].remote();
    auto b_stats = workers[1].remote();
    workers.stop();
    ASSERT_TRUE(done) << outcome::distinct_acked() << " of " << 2 * per_task << " acked";
    EXPECT_GT(a.received, 0u);
    EXPECT_GT(b_stats.received, 0u);
    EXPECT_EQ(a.rejected_frames, 0u);
    EXPECT_EQ(b_stats.rejected_frames, 1u);
    EXPECT_EQ(a.dropped + b_stats.dropped, 0u);
}

// Voluntary context switches (sleeps) of each thread of this process named `name`, by thread id.
std::map<std::string, std::uint64_t> sleeps_of(const std::string& name) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& t : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(t.path() / "comm");
        std::string n;
        if (!std::getline(comm, n) || n != name) {
            continue;
        }
        std::ifstream status(t.path() / "status");
        for (std::string line; std::getline(status, line);) {
            if (line.starts_with("voluntary_ctxt_switches:")) {
                out[t.path().filename().string()] = std::stoull(line.substr(24));
            }
        }
    }
    return out;
}

TEST_F(remote_workers_test,
       an_idle_workers_io_thread_stays_parked_and_there_is_no_transfer_thread) {
    // Tuples and acks cross both ways until every message is acked; then nothing is sent, and
    // each worker's I/O thread sleeps: no flush, grant or retry timer keeps it waking. The
    // executors send to other workers themselves: no transfer thread.
    constexpr std::int64_t per_task = 500;
    topology_builder b(_registry);
    b.set_spout<number_spout>("numbers", 2, per_task, true);
    b.set_bolt<relay>("relay", 2).shuffle_grouping("numbers");
    b.set_bolt<sink>("sink", 3).fields_grouping("relay", {"n"});
    config conf;
    conf.set_num_ackers(2);
    two_workers workers(_registry, b.create_topology(), conf);
    ASSERT_TRUE(wait_until([&] { return outcome::distinct_acked() == 2 * per_task; }, 30s));
    const std::uint64_t sent = workers[0].remote().sent + workers[1].remote().sent;
    ASSERT_GT(sent, 0u);
    EXPECT_TRUE(sleeps_of("transfer").empty()) << "a transfer thread";

    // Let the last flushes and grants settle (the remainder of the credits is granted 20 ms
    // after the last frame): no wake-up for 100 ms. Then watch the I/O threads for a second.
    auto before = sleeps_of("net-io:0");
    auto changed_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(wait_until(
        [&] {
            auto now = sleeps_of("net-io:0");
            if (now != before) {
                before = std::move(now);
                changed_at = std::chrono::steady_clock::now();
            }
            return std::chrono::steady_clock::now() - changed_at >= 100ms;
        },
        10s))
        << "the I/O threads kept waking";
    ASSERT_EQ(before.size(), 2u) << "one I/O thread per worker";
    const auto t0 = std::chrono::steady_clock::now();
    (void)wait_until([] { return false; }, 1s);  // the observation window, not a wait for an event
    const auto after = sleeps_of("net-io:0");
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const auto& [tid, n] : before) {
        ASSERT_TRUE(after.contains(tid));
        EXPECT_LE(after.at(tid) - n, 1u) << "I/O thread " << tid << " woke " << after.at(tid) - n
                                         << " times in " << secs << " s idle";
    }
    EXPECT_EQ(workers[0].remote().sent + workers[1].remote().sent, sent) << "not idle";
}

// The threads of this process (its /proc/self/task entries).
std::size_t thread_count() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
        ++n;
    }
    return n;
}

TEST_F(remote_workers_test, a_workers_thread_count_does_not_grow_with_its_peers) {
    // Worker 0 runs the spout; workers 1..8 run one counter task each (worker w task w). Worker 0
    // first sends every counter task to worker 1 (one peer; worker 1 drops what is not its own),
    // then each to its own worker (eight peers). Every runtime is started before the first count,
    // so only the connections differ between the two counts.
    constexpr int peers = 8;
    topology_builder b(_registry);
    b.set_spout<number_spout>("numbers", 1, 0, false);
    b.set_bolt<counter>("count", peers).shuffle_grouping("numbers");
    config conf;
    conf.set_num_ackers(0);
    const topology t = b.create_topology();
    worker::topology_plan whole("remote-test-1", t, conf);
    // Components in id order: count = tasks 1..8, numbers = task 9.
    ASSERT_EQ(whole.num_tasks(), peers + 1);
    constexpr int spout_task = peers + 1;
    std::vector<std::unique_ptr<worker::topology_runtime>> workers;
    for (int w = 0; w <= peers; ++w) {
        auto plan = std::make_shared<const worker::topology_plan>(
            "remote-test-1", t, conf, std::vector<int>{w == 0 ? spout_task : w});
        worker::remote_options o;
        o.bind_address = "127.0.0.1";
        o.io_threads = 1;
        workers.push_back(std::make_unique<worker::topology_runtime>(plan, _registry, o));
        workers.back()->start();
    }
    auto point_counters_at = [&](auto worker_of_task) {
        std::vector<worker::task_endpoint> where(static_cast<std::size_t>(whole.num_tasks()) + 1);
        for (int task = 1; task <= whole.num_tasks(); ++task) {
            where[task] = {"127.0.0.1", workers[worker_of_task(task)]->port()};
        }
        workers[0]->set_task_endpoints(where);
    };
    // Worker 0's outbound connections that have carried tuples, and the peers that accepted one.
    auto live_peers = [&] {
        std::size_t n = 0;
        for (const auto& c : workers[0]->connections()) {
            n += c.outbound && c.tuples > 0 ? 1 : 0;
        }
        return n;
    };
    auto accepting_peers = [&] {
        std::size_t n = 0;
        for (int w = 1; w <= peers; ++w) {
            n += workers[w]->remote().connections_in > 0 ? 1 : 0;
        }
        return n;
    };

    point_counters_at([](int task) { return task == spout_task ? 0 : 1; });
    ASSERT_TRUE(wait_until([&] { return live_peers() == 1 && accepting_peers() == 1; }, 20s))
        << live_peers() << " peers got tuples, " << accepting_peers() << " accepted; sent "
        << workers[0]->remote().sent << ", emitted " << outcome::emitted.load();
    const std::size_t with_one = thread_count();

    point_counters_at([](int task) { return task == spout_task ? 0 : task; });
    ASSERT_TRUE(
        wait_until([&] { return live_peers() == peers && accepting_peers() == peers; }, 20s))
        << live_peers() << " peers got tuples, " << accepting_peers() << " accepted";
    const std::size_t with_eight = thread_count();
    // A peer that accepted a frame may not have executed a tuple of it yet (slow under TSan):
    // await the count rather than read it once.
    const bool counted = wait_until([] { return outcome::counted.load() > 0; }, 20s);
    for (auto& w : workers) {
        w->stop();
    }
    EXPECT_TRUE(counted) << "no counter task executed a tuple";
    EXPECT_EQ(with_eight, with_one)
        << "threads with 1 peer: " << with_one << ", with 8: " << with_eight;
    std::cout << "process threads (9 runtimes): " << with_one << " with 1 peer, " << with_eight
              << " with 8 peers\n";
}

}  // namespace
}  // namespace tempest::cluster_tests
