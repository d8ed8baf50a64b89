// SPDX-License-Identifier: Apache-2.0
// An executor's figures as Storm defines them, read from a running topology_runtime's totals():
// emitted per emit call and transferred per tuple sent, per output stream; executed, acked and
// latencies per input (source component, stream); sampled latencies; capacity through the
// worker's windowed_stats and Storm's capacity formula; time spent backpressured.
#include "tempest/common/stats_aggregate.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/topology.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/topology_runtime.h"
#include "tempest/worker/windowed_stats.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tempest::cluster_tests {
namespace {

using namespace std::chrono_literals;
using common::stat_kind;
using common::stream_key;
using test_support::wait_until;
using clock_type = std::chrono::steady_clock;

// Emits `on_main` tuples on stream "main", then `on_quiet` on "quiet" (which nobody subscribes
// to), each with a message id, then nothing.
class two_stream_spout final : public spout {
  public:
    two_stream_spout(int on_main, int on_quiet) : _main(on_main), _quiet(on_quiet) {}
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare_stream("main", {"n"});
        d.declare_stream("quiet", {"n"});
    }
    void open(const config&, const topology_context&, spout_output_collector& out) override {
        _out = &out;
    }
    void next_tuple() override {
        if (_n < _main) {
            _out->emit("main", {_n}, message_id{static_cast<std::uint64_t>(_n)});
        } else if (_n < _main + _quiet) {
            _out->emit("quiet", {_n}, message_id{static_cast<std::uint64_t>(_n)});
        } else {
            return;
        }
        ++_n;
    }

  private:
    std::int64_t _main;
    std::int64_t _quiet;
    std::int64_t _n = 0;
    spout_output_collector* _out = nullptr;
};

// Emits about `per_sec` tuples a second (by the clock, catching up after a delay), or as fast as
// it may when per_sec is 0.
class paced_spout final : public spout {
  public:
    explicit paced_spout(int per_sec) : _per_sec(per_sec) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context&, spout_output_collector& out) override {
        _out = &out;
        _start = clock_type::now();
    }
    void next_tuple() override {
        if (_per_sec > 0) {
            auto due =
                std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - _start)
                    .count() *
                _per_sec / 1'000'000;
            if (_n >= due) {
                return;
            }
        }
        _out->emit({_n++});
    }

  private:
    std::int64_t _per_sec;
    std::int64_t _n = 0;
    clock_type::time_point _start;
    spout_output_collector* _out = nullptr;
};

// Acks every input.
class acking_bolt final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& t) override { _out->ack(t); }

  private:
    output_collector* _out = nullptr;
};

// Emits `n` tuples on the default stream without message ids, then nothing.
class untracked_spout final : public spout {
  public:
    explicit untracked_spout(int n) : _left(n) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context&, spout_output_collector& out) override {
        _out = &out;
    }
    void next_tuple() override {
        if (_left > 0) {
            _out->emit({std::int64_t{_left--}});
        }
    }

  private:
    std::int64_t _left;
    spout_output_collector* _out = nullptr;
};

// Emits each input again, unanchored, on the default stream.
class relay_bolt final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& t) override { _out->emit({t.get_int(0)}); }

  private:
    output_collector* _out = nullptr;
};

// Sleeps `ms` milliseconds per tuple, then acks it; adds the time it spent to busy_ns (its own
// measure of its busy share: a loaded machine oversleeps).
class sleepy_bolt final : public bolt {
  public:
    static inline std::atomic<std::int64_t> busy_ns{0};

    explicit sleepy_bolt(int ms) : _ms(ms) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& t) override {
        auto start = clock_type::now();
        std::this_thread::sleep_for(std::chrono::milliseconds(_ms));
        _out->ack(t);
        busy_ns.fetch_add(
            std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - start)
                .count());
    }

  private:
    int _ms;
    output_collector* _out = nullptr;
};

// Emits `n` tuples with message ids; counts its ack() and fail() calls, and those that came
// while its own emit ran (a spout must never see one there).
class tracked_spout final : public spout {
  public:
    static inline std::atomic<int> acked{0};
    static inline std::atomic<int> failed{0};
    static inline std::atomic<int> inside_emit{0};

    explicit tracked_spout(int n) : _n(n) {}
    static void reset() {
        acked = 0;
        failed = 0;
        inside_emit = 0;
    }
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context&, spout_output_collector& out) override {
        _out = &out;
    }
    void next_tuple() override {
        if (_sent < _n) {
            _emitting = true;
            _out->emit({_sent}, message_id{static_cast<std::uint64_t>(_sent)});
            _emitting = false;
            ++_sent;
        }
    }
    void ack(message_id) override { note(acked); }
    void fail(message_id) override { note(failed); }

  private:
    void note(std::atomic<int>& c) {
        ++c;
        if (_emitting) {
            ++inside_emit;
        }
    }
    std::int64_t _n;
    std::int64_t _sent = 0;
    bool _emitting = false;
    spout_output_collector* _out = nullptr;
};

// Per input n: n % 5 == 0 emits three anchored words and fails the input; n % 7 == 0 (not a
// multiple of 5) acks it without emitting (its tree ends at the spout's ack_init); the rest emit
// three anchored words and ack it.
class splitting_bolt final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"word"}); }
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& t) override {
        const std::int64_t n = t.get_int(0);
        if (n % 5 != 0 && n % 7 == 0) {
            _out->ack(t);
            return;
        }
        for (int i = 0; i < 3; ++i) {
            _out->emit(t, {n * 3 + i});
        }
        if (n % 5 == 0) {
            _out->fail(t);
        } else {
            _out->ack(t);
        }
    }

  private:
    output_collector* _out = nullptr;
};

// Emits one anchored copy of each input and acks the input `lag` inputs before it (kept until
// then), all that it holds at input `last`: a spout tuple's tree is acked inside the spout's emit
// of a later one, mostly after the acker has applied the copy's ack (the acker takes its ring
// between batches of next_tuple() calls, 64 by default), so that this ack finishes the tree.
class lagging_bolt final : public bolt {
  public:
    lagging_bolt(int lag, int last) : _lag(static_cast<std::size_t>(lag)), _last(last) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& t) override {
        _out->emit(t, {t.get_int(0)});
        _held.push_back(t);
        while (_held.size() > _lag || (!_held.empty() && t.get_int(0) == _last)) {
            _out->ack(_held.front());
            _held.pop_front();
        }
    }

  private:
    std::size_t _lag;
    std::int64_t _last;
    std::deque<tuple> _held;
    output_collector* _out = nullptr;
};

std::uint64_t figure(const worker::executor_totals& t, stat_kind kind, const stream_key& key) {
    for (const auto& f : t.figures) {
        if (f.kind == kind && f.key == key) {
            return f.total;
        }
    }
    return 0;  // never moved
}

std::vector<worker::executor_totals> of(const std::vector<worker::executor_totals>& all,
                                        const std::string& component) {
    std::vector<worker::executor_totals> out;
    for (const auto& t : all) {
        if (t.component == component) {
            out.push_back(t);
        }
    }
    return out;
}

std::uint64_t sum(const std::vector<worker::executor_totals>& all, stat_kind kind,
                  const stream_key& key) {
    std::uint64_t n = 0;
    for (const auto& t : all) {
        n += figure(t, kind, key);
    }
    return n;
}

class stats_test : public ::testing::Test {
  protected:
    void run(const topology& t, const config& conf) {
        _plan = std::make_shared<const worker::topology_plan>("stats-1", t, conf);
        _runtime = std::make_unique<worker::topology_runtime>(_plan, _registry);
        _runtime->start();
    }
    void TearDown() override { _runtime.reset(); }
    // The executor whose thread runs `component`'s first task.
    int thread_of(const std::string& component) const {
        const auto& c = _plan->components()[_plan->component_index(component)];
        return _plan->task_thread(c.tasks.front());
    }

    component_registry _registry;
    std::shared_ptr<const worker::topology_plan> _plan;
    std::unique_ptr<worker::topology_runtime> _runtime;
};

TEST_F(stats_test, all_grouping_transfers_one_tuple_per_target_and_a_quiet_stream_none) {
    constexpr std::uint64_t n = 400;
    constexpr std::uint64_t quiet = 60;
    topology_builder b(_registry);
    b.set_spout<two_stream_spout>("spout", 1, static_cast<int>(n), static_cast<int>(quiet));
    b.set_bolt<acking_bolt>("bolt", 3).all_grouping("spout", "main");
    config conf;
    conf.set_num_ackers(1);
    conf.set(config::topology_stats_sample_rate, 0.05);
    run(b.create_topology(), conf);

    const stream_key main{"", "main"};
    const stream_key quiet_key{"", "quiet"};
    bool done = wait_until(
        [&] {
            auto sp = of(_runtime->totals(), "spout");
            return sum(sp, stat_kind::acked, main) == n &&
                   sum(sp, stat_kind::acked, quiet_key) == quiet;
        },
        20s);
    _runtime->stop();  // the figures are final
    auto all = _runtime->totals();
    ASSERT_TRUE(done) << sum(of(all, "spout"), stat_kind::acked, main) << " of " << n;

    auto spout = of(all, "spout");
    ASSERT_EQ(spout.size(), 1u);
    EXPECT_TRUE(spout[0].is_spout);
    EXPECT_EQ(figure(spout[0], stat_kind::emitted, main), n);
    EXPECT_EQ(figure(spout[0], stat_kind::transferred, main), 3 * n);  // all grouping, 3 tasks
    EXPECT_EQ(figure(spout[0], stat_kind::emitted, quiet_key), quiet);
    EXPECT_EQ(figure(spout[0], stat_kind::transferred, quiet_key), 0u);  // nobody subscribes
    EXPECT_EQ(figure(spout[0], stat_kind::failed, main), 0u);
    // The acking messages, on Storm's system stream.
    EXPECT_EQ(figure(spout[0], stat_kind::emitted, {"", "__ack_init"}), n + quiet);
    // Complete latency: one tracked emit in 20 sampled (the first included), all acked.
    std::uint64_t complete = figure(spout[0], stat_kind::complete_samples, main) +
                             figure(spout[0], stat_kind::complete_samples, quiet_key);
    EXPECT_EQ(complete, (n + quiet + 19) / 20);

    auto bolts = of(all, "bolt");
    ASSERT_EQ(bolts.size(), 3u);
    const stream_key input{"spout", "main"};
    EXPECT_EQ(sum(bolts, stat_kind::executed, input), 3 * n);
    EXPECT_EQ(sum(bolts, stat_kind::acked, input), 3 * n);
    for (const auto& bt : bolts) {
        EXPECT_FALSE(bt.is_spout);
        EXPECT_EQ(figure(bt, stat_kind::executed, input), n);
        // Sampling at 0.05: one execute in 20 timed (exactly, per task: a countdown).
        EXPECT_EQ(figure(bt, stat_kind::execute_samples, input), (n + 19) / 20);
        EXPECT_EQ(figure(bt, stat_kind::process_samples, input), (n + 19) / 20);
        EXPECT_EQ(figure(bt, stat_kind::emitted, {"", "__ack_ack"}), n);
        EXPECT_GT(bt.queue_capacity, 0u);
    }

    auto ackers = of(all, "__acker");
    ASSERT_EQ(ackers.size(), 1u);
    EXPECT_EQ(figure(ackers[0], stat_kind::executed, {"spout", "__ack_init"}), n + quiet);
    EXPECT_EQ(figure(ackers[0], stat_kind::executed, {"bolt", "__ack_ack"}), 3 * n);
    EXPECT_EQ(figure(ackers[0], stat_kind::acked, {"bolt", "__ack_ack"}), 3 * n);
    EXPECT_EQ(figure(ackers[0], stat_kind::emitted, {"", "__ack_ack"}), n + quiet);

    // stats() is the same figures summed per component, user streams only.
    std::map<std::string, worker::component_stats> by_id;
    for (const auto& c : _runtime->stats()) {
        by_id[c.component] = c;
    }
    EXPECT_EQ(by_id["spout"].emitted, n + quiet);
    EXPECT_EQ(by_id["spout"].acked, n + quiet);
    EXPECT_EQ(by_id["bolt"].executed, 3 * n);
    EXPECT_EQ(by_id["bolt"].acked, 3 * n);
    EXPECT_EQ(by_id["bolt"].emitted, 0u);
}

// Without ackers an emit to one task takes the common path (executor_core::emit_one), which
// writes one counter for both figures: each emit still counts once as emitted and once as
// transferred, for a spout and for a bolt, through a ring small enough to fill (the path's
// fallback to the overflow) and with a fields grouping that picks among two tasks.
TEST_F(stats_test, untracked_emits_to_one_task_count_once_emitted_and_once_transferred) {
    constexpr std::uint64_t n = 5000;
    topology_builder b(_registry);
    b.set_spout<untracked_spout>("spout", 1, static_cast<int>(n));
    b.set_bolt<relay_bolt>("relay", 1).shuffle_grouping("spout");
    b.set_bolt<acking_bolt>("sink", 2).fields_grouping("relay", {"n"});
    config conf;
    conf.set_num_ackers(0);
    conf.set("topology.chaining", false);
    conf.set(config::topology_executor_receive_buffer_size, 16);
    run(b.create_topology(), conf);

    const stream_key out{"", "default"};
    const stream_key in{"relay", "default"};
    bool done = wait_until(
        [&] { return sum(of(_runtime->totals(), "sink"), stat_kind::executed, in) == n; }, 20s);
    _runtime->stop();
    auto all = _runtime->totals();
    ASSERT_TRUE(done) << sum(of(all, "sink"), stat_kind::executed, in) << " of " << n;
    for (const char* id : {"spout", "relay"}) {
        auto c = of(all, id);
        ASSERT_EQ(c.size(), 1u) << id;
        EXPECT_EQ(figure(c[0], stat_kind::emitted, out), n) << id;
        EXPECT_EQ(figure(c[0], stat_kind::transferred, out), n) << id;
    }
    EXPECT_EQ(sum(of(all, "relay"), stat_kind::executed, {"spout", "default"}), n);
}

// The acker on the spout's thread, a bolt chained onto the spout that acks (or fails) each input
// inside the spout's emit, and a bolt on a thread of its own acking what it gets: every tree
// completes or fails as its bolts said, the spout hears of it only outside its emit, and the
// acker counts every message as Storm's would, whether the chained bolt's ack was applied on
// its own or carried by the spout's ack_init.
TEST_F(stats_test, acks_inside_a_spouts_emit_complete_their_trees_and_are_counted) {
    constexpr int n = 700;
    tracked_spout::reset();
    topology_builder b(_registry);
    b.set_spout<tracked_spout>("spout", 1, n);
    b.set_bolt<splitting_bolt>("split", 1).local_or_shuffle_grouping("spout");
    b.set_bolt<acking_bolt>("count", 1).fields_grouping("split", {"word"});
    config conf;
    conf.set_num_ackers(1);
    run(b.create_topology(), conf);
    // The case this test is for: split and the acker run on the spout's thread.
    ASSERT_EQ(thread_of("split"), thread_of("spout"));
    ASSERT_EQ(_plan->task_thread(_plan->acker_tasks().front()), thread_of("spout"));
    ASSERT_NE(thread_of("count"), thread_of("spout"));

    constexpr int fails = (n + 4) / 5;  // 0, 5, 10, ...
    int bare = 0;                       // acked without children
    for (int i = 0; i < n; ++i) {
        bare += (i % 5 != 0 && i % 7 == 0) ? 1 : 0;
    }
    const std::uint64_t words = 3 * static_cast<std::uint64_t>(n - bare);
    bool done = wait_until(
        [&] {
            return tracked_spout::acked.load() + tracked_spout::failed.load() == n &&
                   sum(of(_runtime->totals(), "count"), stat_kind::acked, {"split", "default"}) ==
                       words;
        },
        20s);
    _runtime->stop();
    ASSERT_TRUE(done) << tracked_spout::acked.load() << " acked and "
                      << tracked_spout::failed.load() << " failed of " << n;
    EXPECT_EQ(tracked_spout::failed.load(), fails);
    EXPECT_EQ(tracked_spout::acked.load(), n - fails);
    EXPECT_EQ(tracked_spout::inside_emit.load(), 0);

    auto all = _runtime->totals();
    auto ackers = of(all, "__acker");
    ASSERT_EQ(ackers.size(), 1u);
    const std::uint64_t split_acks = n - fails;
    EXPECT_EQ(figure(ackers[0], stat_kind::executed, {"spout", "__ack_init"}), std::uint64_t{n});
    EXPECT_EQ(figure(ackers[0], stat_kind::executed, {"split", "__ack_ack"}), split_acks);
    EXPECT_EQ(figure(ackers[0], stat_kind::executed, {"split", "__ack_fail"}),
              std::uint64_t{fails});
    EXPECT_EQ(figure(ackers[0], stat_kind::executed, {"count", "__ack_ack"}), words);
    EXPECT_EQ(figure(ackers[0], stat_kind::emitted, {"", "__ack_ack"}), std::uint64_t{n - fails});
    EXPECT_EQ(figure(ackers[0], stat_kind::emitted, {"", "__ack_fail"}), std::uint64_t{fails});
    auto split = of(all, "split");
    ASSERT_EQ(split.size(), 1u);
    EXPECT_EQ(figure(split[0], stat_kind::emitted, {"", "__ack_ack"}), split_acks);
    EXPECT_EQ(figure(split[0], stat_kind::emitted, {"", "__ack_fail"}), std::uint64_t{fails});
    auto spout = of(all, "spout");
    ASSERT_EQ(spout.size(), 1u);
    EXPECT_EQ(figure(spout[0], stat_kind::emitted, {"", "__ack_init"}), std::uint64_t{n});
    EXPECT_EQ(figure(spout[0], stat_kind::acked, {"", "default"}), std::uint64_t{n - fails});
    EXPECT_EQ(figure(spout[0], stat_kind::failed, {"", "default"}), std::uint64_t{fails});
}

// As above, but the chained bolt acks each tree inside the spout's emit of a later one, after
// that tree's ack_init and mostly after its other ack: the acker's answer still reaches the
// spout outside its emit, and every tree completes once.
TEST_F(stats_test, an_ack_of_an_earlier_tree_inside_a_spouts_emit_completes_it) {
    constexpr int n = 2000;
    tracked_spout::reset();
    topology_builder b(_registry);
    b.set_spout<tracked_spout>("spout", 1, n);
    b.set_bolt<lagging_bolt>("lag", 1, 256, n - 1).local_or_shuffle_grouping("spout");
    b.set_bolt<acking_bolt>("sink", 1).fields_grouping("lag", {"n"});
    config conf;
    conf.set_num_ackers(1);
    run(b.create_topology(), conf);
    ASSERT_EQ(thread_of("lag"), thread_of("spout"));
    ASSERT_EQ(_plan->task_thread(_plan->acker_tasks().front()), thread_of("spout"));

    bool done = wait_until([&] { return tracked_spout::acked.load() == n; }, 20s);
    _runtime->stop();
    ASSERT_TRUE(done) << tracked_spout::acked.load() << " acked and "
                      << tracked_spout::failed.load() << " failed of " << n;
    EXPECT_EQ(tracked_spout::failed.load(), 0);
    EXPECT_EQ(tracked_spout::inside_emit.load(), 0);
    auto all = _runtime->totals();
    auto ackers = of(all, "__acker");
    ASSERT_EQ(ackers.size(), 1u);
    EXPECT_EQ(figure(ackers[0], stat_kind::executed, {"spout", "__ack_init"}), std::uint64_t{n});
    EXPECT_EQ(figure(ackers[0], stat_kind::executed, {"lag", "__ack_ack"}), std::uint64_t{n});
    EXPECT_EQ(figure(ackers[0], stat_kind::executed, {"sink", "__ack_ack"}), std::uint64_t{n});
    EXPECT_EQ(figure(ackers[0], stat_kind::emitted, {"", "__ack_ack"}), std::uint64_t{n});
    auto spout = of(all, "spout");
    ASSERT_EQ(spout.size(), 1u);
    EXPECT_EQ(figure(spout[0], stat_kind::acked, {"", "default"}), std::uint64_t{n});
}

TEST_F(stats_test, a_bolt_sleeping_2ms_shows_its_execute_latency_and_busy_share) {
    // 200 tuples/s × 2 ms: the bolt is busy about 0.4 of the time (more where the machine is
    // loaded and sleeps run long, which the bolt measures itself).
    sleepy_bolt::busy_ns = 0;
    topology_builder b(_registry);
    b.set_spout<paced_spout>("spout", 1, 200);
    b.set_bolt<sleepy_bolt>("sleepy", 1, 2).shuffle_grouping("spout");
    config conf;
    conf.set_num_ackers(0);
    conf.set(config::topology_stats_sample_rate, 1.0);
    run(b.create_topology(), conf);
    auto started = clock_type::now();

    // Capacity divides by whole seconds of uptime: read the figures just after 3 s.
    constexpr int uptime_secs = 3;
    ASSERT_TRUE(wait_until([&] { return clock_type::now() - started >= 3s; }, 10s));
    auto totals = of(_runtime->totals(), "sleepy");
    double own_share = static_cast<double>(sleepy_bolt::busy_ns.load()) / (uptime_secs * 1e9);
    ASSERT_EQ(totals.size(), 1u);
    worker::windowed_stats windows;
    std::int64_t now_ms = 1'000'000;
    for (const auto& f : totals[0].figures) {
        windows.sample(now_ms, f.kind, f.key, f.total);
    }
    common::stats_record r = windows.record(now_ms);

    const stream_key input{"spout", "default"};
    std::uint64_t executed = r.get(stat_kind::executed, input)[0];
    std::uint64_t samples = r.get(stat_kind::execute_samples, input)[0];
    ASSERT_GT(executed, 100u);
    // Rate 1.0: every tuple timed (but one may be inside execute(): counted, not yet timed).
    EXPECT_LE(samples, executed);
    EXPECT_GE(samples + 1, executed);
    double latency_ms =
        static_cast<double>(r.get(stat_kind::execute_latency_us, input)[0]) / samples / 1000.0;
    EXPECT_GE(latency_ms, 2.0);
    EXPECT_LT(latency_ms, 20.0);
    double process_ms = static_cast<double>(r.get(stat_kind::process_latency_us, input)[0]) /
                        r.get(stat_kind::process_samples, input)[0] / 1000.0;
    EXPECT_GE(process_ms, 1.9);  // µs resolution
    EXPECT_LT(process_ms, 20.0);

    double capacity = common::executor_capacity(r, uptime_secs);
    RecordProperty("capacity", std::to_string(capacity));
    RecordProperty("execute_latency_ms", std::to_string(latency_ms));
    RecordProperty("own_share", std::to_string(own_share));
    // About 0.4 on a quiet machine; up to 1 (saturated) where sleeps run long. The bolt's own
    // measure of its busy time is the reference.
    EXPECT_GT(capacity, 0.3) << executed << " executed, " << latency_ms << " ms each";
    EXPECT_LT(capacity, 1.05) << executed << " executed, " << latency_ms << " ms each";
    EXPECT_NEAR(capacity, own_share, 0.1 + 0.15 * own_share);
}

TEST_F(stats_test, a_spout_ahead_of_its_consumer_counts_time_backpressured) {
    topology_builder b(_registry);
    b.set_spout<paced_spout>("spout", 1, 0);  // as fast as it may
    b.set_bolt<sleepy_bolt>("sleepy", 1, 1).shuffle_grouping("spout");
    config conf;
    conf.set_num_ackers(0);
    conf.set(config::topology_executor_receive_buffer_size, 16);
    run(b.create_topology(), conf);

    auto spout_backpressure = [&] { return of(_runtime->totals(), "spout")[0].backpressure_ns; };
    ASSERT_TRUE(wait_until([&] { return spout_backpressure() >= 200'000'000; }, 20s))
        << spout_backpressure() << " ns";
    auto sleepy = of(_runtime->totals(), "sleepy");
    ASSERT_EQ(sleepy.size(), 1u);
    EXPECT_EQ(sleepy[0].queue_capacity, 16u);
    EXPECT_LE(sleepy[0].queue_population, 16u);
    EXPECT_LT(sleepy[0].backpressure_ns, 50'000'000u);  // its own output never fills
}

// A thread's idle figure tells a busy executor from a waiting one: a bolt with a queue that never
// empties (1 ms per tuple, fed as fast as the spout may) is idle for almost none of a window; a
// bolt whose spout emits twice a second is idle for almost all of it.
TEST_F(stats_test, a_busy_executor_counts_little_idle_time_and_a_starved_one_most) {
    topology_builder b(_registry);
    b.set_spout<paced_spout>("fast", 1, 0);
    b.set_bolt<sleepy_bolt>("busy", 1, 1).shuffle_grouping("fast");
    b.set_spout<paced_spout>("slow", 1, 2);
    b.set_bolt<sleepy_bolt>("starved", 1, 0).shuffle_grouping("slow");
    config conf;
    conf.set_num_ackers(0);
    conf.set(config::topology_executor_receive_buffer_size, 16);
    run(b.create_topology(), conf);

    struct figures {
        std::uint64_t busy_idle = 0;
        std::uint64_t starved_idle = 0;
        clock_type::time_point at;
    };
    auto read = [&] {
        auto totals = _runtime->totals();
        auto busy = of(totals, "busy");
        auto starved = of(totals, "starved");
        EXPECT_EQ(busy.size(), 1u);
        EXPECT_EQ(starved.size(), 1u);
        EXPECT_TRUE(busy.at(0).own_thread);
        return figures{busy.at(0).idle_ns, starved.at(0).idle_ns, clock_type::now()};
    };
    // The busy bolt's queue fills first (16 slots, 1 ms each): from then on it always has input.
    ASSERT_TRUE(
        wait_until([&] { return of(_runtime->totals(), "fast")[0].backpressure_ns > 0; }, 20s));
    const figures from = read();
    const auto started = clock_type::now();
    ASSERT_TRUE(wait_until([&] { return clock_type::now() - started >= 1500ms; }, 10s));
    const figures to = read();
    const auto window = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(to.at - from.at).count());
    const double busy_idle = static_cast<double>(to.busy_idle - from.busy_idle) / window;
    const double starved_idle = static_cast<double>(to.starved_idle - from.starved_idle) / window;
    RecordProperty("busy_idle_share", std::to_string(busy_idle));
    RecordProperty("starved_idle_share", std::to_string(starved_idle));
    EXPECT_LT(busy_idle, 0.25);
    EXPECT_GT(starved_idle, 0.75);
    EXPECT_LE(starved_idle, 1.05);  // figures read a moment apart from the window's ends
}

// A consumer's receive buffer is shared by the rings of its producer threads, so memory grows
// with executors, not with their square (201 executors fields-grouped took 873 MiB before).
TEST_F(stats_test, a_consumers_receive_buffer_is_shared_by_its_producers_rings) {
    topology_builder b(_registry);
    b.set_spout<paced_spout>("spout", 32, 1000);
    b.set_bolt<sleepy_bolt>("sleepy", 1, 0).shuffle_grouping("spout");
    b.set_spout<paced_spout>("one", 1, 1000);
    b.set_bolt<sleepy_bolt>("few", 1, 0).shuffle_grouping("one");
    config conf;
    conf.set_num_ackers(0);
    conf.set(config::topology_executor_receive_buffer_size, 1024);
    conf.set(config::topology_producer_batch_size, 64);
    run(b.create_topology(), conf);

    auto sleepy = of(_runtime->totals(), "sleepy");
    ASSERT_EQ(sleepy.size(), 1u);
    // 32 producers: 1024 / 32 = 32 each, raised to one batch (64): 32 rings of 64.
    EXPECT_EQ(sleepy[0].queue_capacity, 32u * 64u);
    // One producer: the whole buffer.
    auto few = of(_runtime->totals(), "few");
    ASSERT_EQ(few.size(), 1u);
    EXPECT_EQ(few[0].queue_capacity, 1024u);
}

}  // namespace
}  // namespace tempest::cluster_tests
