// SPDX-License-Identifier: Apache-2.0
// A slow or flaky link between two workers: two topology_runtimes in one process (as in
// remote_workers_test) whose TCP link runs through fault_proxy, one proxy per direction, so the
// test, not the assignment, decides where each worker finds the other:
//
//   worker 0 ──▶ proxy to 1 ──▶ worker 1's port        (tuples, acks; credit grants back)
//   worker 0's port ◀── proxy to 0 ◀── worker 1
//
// A reliable topology (acking on; a spout of numbered message ids that replays what fails; a
// sink recording each id) runs over it with an added delay, periodic stalls, connections cut
// mid-frame again and again, and a bandwidth cap: the transport keeps flowing and reconnects,
// every id is acked (exactly once) and reached the sink, and duplicates are counted. Each test
// prints its throughput, reconnects, replays and duplicates (docs/RELIABILITY.md, "Flaky
// links"). The last test runs the link over a veth pair between two private network namespaces
// with a tc tbf qdisc as the bandwidth cap; it skips, saying why, where that is not permitted.
#include "tempest/test_support/fault_proxy.h"
#include "tempest/test_support/net_namespace.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/topology.h"
#include "tempest/worker/remote_options.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/topology_runtime.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <system_error>
#include <vector>

namespace tempest::cluster_tests {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
using test_support::fault_proxy;
using test_support::link_faults;
using test_support::wait_until;

// What the topology saw. Written by executor threads, read by the test thread.
struct ledger {
    static inline std::mutex mu;                        // guards acks and sunk
    static inline std::vector<int> acks;                // by id: times the spout heard it acked
    static inline std::vector<int> sunk;                // by id: times the sink executed it
    static inline std::atomic<std::int64_t> acked{0};   // distinct ids acked
    static inline std::atomic<std::int64_t> failed{0};  // fail() calls: replays
    static inline std::atomic<std::int64_t> emitted{0};
    // The longest time the spout heard no ack, from its first one (guarded by mu).
    static inline clock::time_point last_ack{};
    static inline clock::duration longest_gap{};

    static void reset(std::size_t ids) {
        std::scoped_lock lock(mu);
        acks.assign(ids, 0);
        sunk.assign(ids, 0);
        last_ack = {};
        longest_gap = {};
        acked = 0;
        failed = 0;
        emitted = 0;
    }
};

// Emits the ids [0, count) with message ids and emits again each one that fails; with
// `per_second`, no faster than that (replays included).
class id_spout final : public spout {
  public:
    id_spout(std::int64_t count, std::int64_t per_second)
        : _count(count), _per_second(per_second) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"id"}); }
    void open(const config&, const topology_context&, spout_output_collector& c) override {
        _out = &c;
        for (std::int64_t i = 0; i < _count; ++i) {
            _queue.push_back(i);
        }
    }
    void next_tuple() override {
        if (_queue.empty()) {
            return;
        }
        if (_per_second > 0) {
            const auto now = clock::now();
            if (_emits == 0) {
                _start = now;
            }
            const double allowed = std::chrono::duration<double>(now - _start).count() *
                                   static_cast<double>(_per_second);
            if (static_cast<double>(_emits) >= allowed + 1) {
                return;
            }
        }
        const std::int64_t id = _queue.front();
        _queue.pop_front();
        _out->emit(values{id}, message_id{static_cast<std::uint64_t>(id)});
        ++_emits;
        ledger::emitted.fetch_add(1);
    }
    void ack(message_id id) override {
        const auto now = clock::now();
        std::scoped_lock lock(ledger::mu);
        if (ledger::last_ack != clock::time_point{}) {
            ledger::longest_gap = std::max(ledger::longest_gap, now - ledger::last_ack);
        }
        ledger::last_ack = now;
        if (++ledger::acks[id.id] == 1) {
            ledger::acked.fetch_add(1);
        }
    }
    void fail(message_id id) override {
        ledger::failed.fetch_add(1);
        _queue.push_back(static_cast<std::int64_t>(id.id));
    }

  private:
    std::int64_t _count;
    std::int64_t _per_second;
    std::int64_t _emits = 0;
    clock::time_point _start;
    std::deque<std::int64_t> _queue;
    spout_output_collector* _out = nullptr;
};

class relay final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"id"}); }
    void execute(const tuple& in, basic_output_collector& out) override {
        out.emit(values{in.get_int(0)});
    }
};

class sink final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void execute(const tuple& in, basic_output_collector&) override {
        std::scoped_lock lock(ledger::mu);
        ++ledger::sunk[static_cast<std::size_t>(in.get_int(0))];
    }
};

// Two workers of one topology, executors dealt alternately as the even scheduler deals them
// over two slots; started, listening, but not told where the other is until connect().
class two_workers {
  public:
    two_workers(const component_registry& registry, const topology& t, const config& conf) {
        worker::topology_plan whole("flaky-link-1", t, conf);
        std::vector<int> tasks[2];
        for (std::size_t e = 0; e < whole.executors().size(); ++e) {
            const auto& ex = whole.executors()[e];
            for (int task = ex.first_task; task <= ex.last_task; ++task) {
                tasks[e % 2].push_back(task);
            }
        }
        _num_tasks = whole.num_tasks();
        for (int w = 0; w < 2; ++w) {
            _tasks[w] = tasks[w];
            auto plan =
                std::make_shared<const worker::topology_plan>("flaky-link-1", t, conf, tasks[w]);
            worker::remote_options o;
            o.bind_address = "127.0.0.1";
            _runtimes[w] = std::make_unique<worker::topology_runtime>(plan, registry, o);
        }
        for (auto& r : _runtimes) {
            r->start();
        }
    }
    ~two_workers() { stop(); }
    void stop() {
        for (auto& r : _runtimes) {
            r->stop();
        }
    }
    std::uint16_t port(int w) const { return _runtimes[w]->port(); }
    // Worker 0 reaches worker 1's tasks at 127.0.0.1:to_1, worker 1 reaches worker 0's at
    // 127.0.0.1:to_0.
    void connect(std::uint16_t to_0, std::uint16_t to_1) {
        for (int w = 0; w < 2; ++w) {
            std::vector<worker::task_endpoint> where(static_cast<std::size_t>(_num_tasks) + 1);
            for (int task : _tasks[1 - w]) {
                where[task] = {"127.0.0.1", w == 0 ? to_1 : to_0};
            }
            _runtimes[w]->set_task_endpoints(where);
        }
    }
    worker::topology_runtime& operator[](int w) { return *_runtimes[w]; }

  private:
    int _num_tasks = 0;
    std::vector<int> _tasks[2];
    std::unique_ptr<worker::topology_runtime> _runtimes[2];
};

// What one run over the link gave.
struct run_result {
    bool all_acked = false;
    bool relinked = false;  // every proxy relays a connection again at the end
    double seconds = 0;
    std::int64_t ids = 0;
    std::int64_t missing = 0;      // ids never acked
    std::int64_t acked_twice = 0;  // ids the spout heard acked more than once
    std::int64_t never_sunk = 0;   // acked ids the sink never executed (must be 0)
    std::int64_t duplicates = 0;   // sink executions beyond the first, over all ids
    std::int64_t replays = 0;      // spout fail() calls
    std::uint64_t reconnects = 0;  // connections through the proxies beyond the first each
    std::uint64_t cuts = 0;
    std::uint64_t cuts_mid_frame = 0;  // cuts that left a frame part written
    std::uint64_t frames = 0;          // whole frames relayed, both ways
    std::uint64_t stalls = 0;
    std::uint64_t link_bytes = 0;                             // relayed both ways
    double longest_gap_ms = 0;                                // the longest time without an ack
    std::vector<test_support::fault_proxy_counters> proxies;  // in the order given to finish()
    worker::remote_stats w0, w1;

    double ids_per_second() const { return seconds > 0 ? static_cast<double>(ids) / seconds : 0; }
};

class flaky_link_test : public ::testing::Test {
  protected:
    // The shortest there is, so that what a cut loses is replayed soon (the executor sweeps for
    // timeouts every quarter of it).
    static constexpr int message_timeout_secs = 1;

    // `per_second`: the spout's pace; 0 = as fast as the link takes them.
    topology build(std::int64_t ids, std::int64_t per_second = 0) {
        ledger::reset(static_cast<std::size_t>(ids));
        topology_builder b(_registry);
        b.set_spout<id_spout>("numbers", 1, ids, per_second);
        b.set_bolt<relay>("relay", 2).shuffle_grouping("numbers");
        b.set_bolt<sink>("sink", 2).fields_grouping("relay", {"id"});
        return b.create_topology();
    }
    config conf() const {
        config c;
        c.set_num_ackers(1);
        c.set_max_spout_pending(500);
        c.set_message_timeout_secs(message_timeout_secs);
        return c;
    }

    // Something the test does to every proxy while the topology runs: `first` after the link
    // came up, then every `every` (0: once).
    struct action {
        clock::duration first{};
        clock::duration every{};
        std::function<void(fault_proxy&)> apply;
    };

    // Runs `ids` ids over two workers joined through a fault_proxy per direction, each with
    // `faults`; waits up to `deadline` for every id to be acked.
    run_result run(std::int64_t ids, const link_faults& faults, clock::duration deadline,
                   std::int64_t per_second = 0, const action* during = nullptr) {
        two_workers workers(_registry, build(ids, per_second), conf());
        fault_proxy to_1(
            {.target_port = workers.port(1), .length_prefixed = true, .faults = faults});
        fault_proxy to_0(
            {.target_port = workers.port(0), .length_prefixed = true, .faults = faults});
        const auto t0 = clock::now();
        workers.connect(to_0.port(), to_1.port());
        return finish(workers, {&to_0, &to_1}, ids, t0, deadline, during);
    }

    // Waits for every id to be acked (doing `during` meanwhile), stops the workers and checks
    // the ledger.
    run_result finish(two_workers& workers, std::vector<fault_proxy*> proxies, std::int64_t ids,
                      clock::time_point t0, clock::duration deadline,
                      const action* during = nullptr) {
        run_result r;
        r.ids = ids;
        std::optional<clock::time_point> next;
        if (during != nullptr) {
            next = t0 + during->first;
        }
        r.all_acked = wait_until(
            [&] {
                if (next && clock::now() >= *next) {
                    for (fault_proxy* p : proxies) {
                        during->apply(*p);
                    }
                    next = during->every.count() > 0
                               ? std::optional<clock::time_point>(*next + during->every)
                               : std::nullopt;
                }
                return ledger::acked.load() == ids;
            },
            deadline);
        r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
        // Every link is up again after the last fault (a worker reconnects ~20 ms after a cut).
        r.relinked = wait_until(
            [&] {
                for (const fault_proxy* p : proxies) {
                    if (p->counters().open == 0) {
                        return false;
                    }
                }
                return true;
            },
            10s);
        r.w0 = workers[0].remote();
        r.w1 = workers[1].remote();
        for (const fault_proxy* p : proxies) {
            const auto c = p->counters();
            r.reconnects += c.accepted > 0 ? c.accepted - 1 : 0;
            r.cuts += c.cuts;
            r.cuts_mid_frame += c.cuts_mid_frame;
            r.frames += c.frames_up + c.frames_down;
            r.stalls += c.stalls;
            r.link_bytes += c.bytes_up + c.bytes_down;
            r.proxies.push_back(c);
        }
        workers.stop();
        std::scoped_lock lock(ledger::mu);
        for (std::int64_t id = 0; id < ids; ++id) {
            const int acks = ledger::acks[static_cast<std::size_t>(id)];
            const int sunk = ledger::sunk[static_cast<std::size_t>(id)];
            r.missing += acks == 0 ? 1 : 0;
            r.acked_twice += acks > 1 ? 1 : 0;
            r.never_sunk += acks > 0 && sunk == 0 ? 1 : 0;
            r.duplicates += sunk > 1 ? sunk - 1 : 0;
        }
        r.replays = ledger::failed.load();
        r.longest_gap_ms = std::chrono::duration<double, std::milli>(ledger::longest_gap).count();
        return r;
    }

    // The figures every test reports (docs/RELIABILITY.md) and the checks every run must pass.
    void report_and_check(const char* fault, const run_result& r) {
        std::printf(
            "[flaky link] %-28s %6lld ids in %5.2f s = %7.0f ids/s; link %5.2f MB; reconnects "
            "%llu, cuts %llu (mid-frame %llu), stalls %llu, replays %lld, duplicates %lld, lost "
            "%lld; longest "
            "without an ack %.0f ms\n",
            fault, static_cast<long long>(r.ids), r.seconds, r.ids_per_second(),
            static_cast<double>(r.link_bytes) / 1e6, static_cast<unsigned long long>(r.reconnects),
            static_cast<unsigned long long>(r.cuts),
            static_cast<unsigned long long>(r.cuts_mid_frame),
            static_cast<unsigned long long>(r.stalls), static_cast<long long>(r.replays),
            static_cast<long long>(r.duplicates), static_cast<long long>(r.missing),
            r.longest_gap_ms);
        RecordProperty("ids_per_second",
                       std::to_string(static_cast<long long>(r.ids_per_second())));
        RecordProperty("reconnects", std::to_string(r.reconnects));
        RecordProperty("replays", std::to_string(r.replays));
        RecordProperty("duplicates", std::to_string(r.duplicates));
        EXPECT_TRUE(r.all_acked) << r.missing << " of " << r.ids << " ids never acked ("
                                 << ledger::emitted.load() << " emitted, " << r.replays
                                 << " replays)";
        EXPECT_EQ(r.missing, 0);
        EXPECT_TRUE(r.relinked) << "a worker did not connect again after the last cut";
        EXPECT_EQ(r.acked_twice, 0) << "an id was acked more than once";
        EXPECT_EQ(r.never_sunk, 0) << "an acked id never reached the sink";
        EXPECT_GT(r.w0.sent, 0u);
        EXPECT_GT(r.w1.sent, 0u);
        EXPECT_EQ(r.w0.rejected_frames + r.w1.rejected_frames, 0u)
            << "a cut frame must end its connection, not be decoded as garbage";
    }

    component_registry _registry;
};

TEST_F(flaky_link_test, a_plain_proxy_changes_nothing) {
    const run_result r = run(200'000, {}, 60s);
    report_and_check("no fault (baseline)", r);
    EXPECT_EQ(r.reconnects, 0u);
}

TEST_F(flaky_link_test, an_added_delay_slows_but_loses_nothing) {
    const run_result r = run(10'000, {.latency = 20ms}, 60s);
    report_and_check("delay 20 ms each way", r);
    EXPECT_EQ(r.reconnects, 0u);
}

TEST_F(flaky_link_test, periodic_stalls_hold_the_link_and_it_resumes) {
    // 150 ms of every 500 ms nothing moves either way (connections kept open). The spout is
    // paced (10,000 ids/s) so that the run lasts several periods however fast the machine.
    const run_result r = run(25'000, {.stall_period = 500ms, .stall_length = 150ms}, 60s, 10'000);
    report_and_check("stall 150 ms every 500 ms", r);
    EXPECT_GE(r.stalls, 4u) << "the run ended before the link stalled a few times";
    EXPECT_EQ(r.reconnects, 0u) << "a stall must not cost the connection";
}

TEST_F(flaky_link_test, connections_cut_mid_frame_again_and_again_lose_nothing) {
    // Each connection is cut after 100,003 bytes from its client (a prime: frames are a few
    // hundred bytes to 64 KiB, so the cut lands inside one, with the frames the proxy held
    // lost); the worker reconnects and is cut again.
    const run_result r = run(10'000, {.cut_after_bytes = 100'003}, 60s);
    report_and_check("cut every 100,003 bytes", r);
    EXPECT_GE(r.cuts, 5u);
    // A cut lands on a frame boundary only by chance (byte 100,003 of a stream of frames).
    EXPECT_GE(r.cuts_mid_frame * 2, r.cuts) << "most cuts should leave a frame part written";
    EXPECT_GT(r.replays, 0) << "no cut lost a tuple: the replay path was not exercised";
}

TEST_F(flaky_link_test, a_stall_longer_than_the_message_timeout_replays_what_was_in_flight) {
    // After 500 ms the link stalls for 1.5 s: everything in flight times out (1 s) and is
    // emitted again, and arrives twice once the link resumes.
    const action stall{500ms, {}, [](fault_proxy& p) { p.stall(1500ms); }};
    const run_result r = run(20'000, {}, 60s, 10'000, &stall);
    report_and_check("one stall of 1.5 s", r);
    EXPECT_EQ(r.stalls, 2u) << "one stall per proxy";
    EXPECT_GT(r.replays, 0) << "nothing in flight timed out during the stall";
    EXPECT_GE(r.longest_gap_ms, 1000.0) << "acks went on during the stall";
    EXPECT_EQ(r.reconnects, 0u) << "a stall must not cost the connection";
}

TEST_F(flaky_link_test, connections_cut_at_once_both_ways_again_and_again_lose_nothing) {
    // Every 300 ms both proxies cut whatever connection they relay, wherever its frames are:
    // tuples, acks and credit grants are cut both ways.
    const action cut{300ms, 300ms, [](fault_proxy& p) { (void)p.cut_now(); }};
    const run_result r = run(15'000, {}, 60s, 5'000, &cut);
    report_and_check("cut both ways every 300 ms", r);
    EXPECT_GE(r.cuts, 6u);
}

TEST_F(flaky_link_test, a_bandwidth_cap_slows_the_link_to_its_rate) {
    constexpr std::uint64_t rate = 256 * 1024;  // bytes/s, each direction
    const run_result r = run(10'000, {.bytes_per_second = rate}, 60s);
    report_and_check("cap 256 KiB/s each way", r);
    // Each direction through each proxy carries at most `rate` (plus its 16 KiB burst).
    const double ceiling = static_cast<double>(rate) * r.seconds + 16 * 1024;
    for (const auto& c : r.proxies) {
        EXPECT_LE(static_cast<double>(std::max(c.bytes_up, c.bytes_down)), ceiling * 1.02)
            << "faster than the cap";
    }
    EXPECT_GT(static_cast<double>(r.proxies[1].bytes_up), ceiling * 0.5)
        << "worker 0's link to worker 1 never came near the cap: it did not bind";
    EXPECT_EQ(r.reconnects, 0u);
}

// ---------------------------------------------------------------- tc tbf over a veth pair

// Runs a command in a namespace; false, with the command and its output in *error, when it
// exits other than 0.
bool run_in(const test_support::net_namespace& ns, const std::string& command, std::string* error) {
    const auto out = ns.run(command);
    if (out.status != 0) {
        *error = "`" + command + "` exited " + std::to_string(out.status) + ": " + out.text;
        return false;
    }
    return true;
}

TEST_F(flaky_link_test, a_tbf_capped_veth_link_between_namespaces_loses_nothing) {
    // Two private network namespaces a and b joined by a veth pair, tbf on both ends: the link
    // is 10.213.0.1 (a) <-> 10.213.0.2 (b). The workers stay on loopback; each direction of
    // their link goes through two relays, the first making its connection from one namespace
    // and the second listening in the other, so every byte crosses the veth pair:
    //
    //   worker 0 ─▶ p01 ─[a: va ─tbf─▶ vb :b]─▶ p02 (10.213.0.2) ─▶ worker 1
    //   worker 0 ◀─ p11 (10.213.0.1) ◀─[a: va ◀─tbf─ vb :b]─ p10 ◀─ worker 1
    //
    // Nothing outside the two namespaces changes; they (and the veth pair) go when the test's
    // descriptors and sockets close, also if it fails or crashes.
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root for network namespaces, veth and tc";
    }
    std::optional<test_support::net_namespace> a, b;
    try {
        a.emplace();
        b.emplace();
    } catch (const std::system_error& e) {
        GTEST_SKIP() << "network namespaces are not permitted here: " << e.what();
    }
    // Interface names live inside the private namespaces only; the pid keeps runs apart in logs.
    const std::string va = "tfa" + std::to_string(::getpid() % 100000);
    const std::string vb = "tfb" + std::to_string(::getpid() % 100000);
    const std::string tbf = "root tbf rate 4mbit burst 16kb latency 50ms";
    std::string error;
    if (!run_in(*a, "ip link add " + va + " type veth peer name " + vb + " netns " + b->path(),
                &error)) {
        GTEST_SKIP() << "cannot make a veth pair here: " << error;
    }
    ASSERT_TRUE(run_in(*a,
                       "ip addr add 10.213.0.1/24 dev " + va + " && ip link set " + va +
                           " up && ip link set lo up",
                       &error))
        << error;
    ASSERT_TRUE(run_in(*b,
                       "ip addr add 10.213.0.2/24 dev " + vb + " && ip link set " + vb +
                           " up && ip link set lo up",
                       &error))
        << error;
    if (!run_in(*a, "tc qdisc add dev " + va + " " + tbf, &error) ||
        !run_in(*b, "tc qdisc add dev " + vb + " " + tbf, &error)) {
        GTEST_SKIP() << "tc tbf is not available here: " << error;
    }

    constexpr std::int64_t ids = 10'000;
    two_workers workers(_registry, build(ids), conf());
    fault_proxy p02(
        {.listen_host = "10.213.0.2", .target_port = workers.port(1), .listen_netns = b->fd()});
    fault_proxy p01(
        {.target_host = "10.213.0.2", .target_port = p02.port(), .target_netns = a->fd()});
    fault_proxy p11(
        {.listen_host = "10.213.0.1", .target_port = workers.port(0), .listen_netns = a->fd()});
    fault_proxy p10(
        {.target_host = "10.213.0.1", .target_port = p11.port(), .target_netns = b->fd()});
    const auto t0 = clock::now();
    workers.connect(p10.port(), p01.port());
    const run_result r = finish(workers, {&p01, &p10}, ids, t0, 60s);
    report_and_check("tc tbf 4 Mbit/s veth", r);
    EXPECT_EQ(r.reconnects, 0u);

    // The qdisc held packets back (it capped the link), and the payload stayed under the rate.
    const std::regex overlimits(R"(overlimits (\d+))");
    std::uint64_t held_back = 0;
    for (const auto* ns : {&*a, &*b}) {
        const auto shown = ns->run("tc -s qdisc show dev " + std::string(ns == &*a ? va : vb));
        std::smatch m;
        if (std::regex_search(shown.text, m, overlimits)) {
            held_back += std::stoull(m[1]);
        }
        std::printf("[flaky link] %s", shown.text.c_str());
    }
    EXPECT_GT(held_back, 0u) << "tbf never held a packet back: the cap did not bind";
    // Each end's egress: one direction's tuples and the other direction's credit grants.
    const double rate = 4e6 / 8;  // bytes/s
    const auto& p01c = r.proxies[0];
    const auto& p10c = r.proxies[1];
    for (const std::uint64_t payload :
         {p01c.bytes_up + p10c.bytes_down, p10c.bytes_up + p01c.bytes_down}) {
        EXPECT_LE(static_cast<double>(payload), (rate * r.seconds + 16 * 1024) * 1.02)
            << "more payload than 4 Mbit/s carries";
    }
}

}  // namespace
}  // namespace tempest::cluster_tests
