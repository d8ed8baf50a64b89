// SPDX-License-Identifier: Apache-2.0
// Cluster tests of guaranteed processing: acks of anchored tuple trees, explicit fails,
// message timeouts, topology.max.spout.pending, replays, and running with no ackers.
#include "cluster_test.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tempest::cluster_tests {
namespace {

using clock = std::chrono::steady_clock;

// What the spout saw of its message ids, and what the leaf bolts acked. Written by executor
// threads, read by the test thread; reset() at the start of each test.
class ledger {
  public:
    static void reset() {
        std::scoped_lock lock(_mu);
        _emits.clear();
        _acks.clear();
        _fails.clear();
        _leaf_acks.clear();
        _emitted_at.clear();
        _failed_at.clear();
        _premature_acks = 0;
        _max_in_flight = 0;
        _pending_mismatches = 0;
    }

    static void emitted(std::uint64_t id) {
        std::scoped_lock lock(_mu);
        ++_emits[id];
        _emitted_at[id] = clock::now();
    }
    // Records an ack; counts it as premature when fewer than `leaf_children` children of `id`
    // were acked by the leaf bolt before it (0: no check).
    static void acked(std::uint64_t id, int leaf_children) {
        std::scoped_lock lock(_mu);
        ++_acks[id];
        if (leaf_children > 0 && _leaf_acks[id] < leaf_children) {
            ++_premature_acks;
        }
    }
    static void failed(std::uint64_t id) {
        std::scoped_lock lock(_mu);
        ++_fails[id];
        _failed_at[id] = clock::now();
    }
    static void leaf_acked(std::uint64_t id) {
        std::scoped_lock lock(_mu);
        ++_leaf_acks[id];
    }
    static void in_flight(int spout_view, std::size_t runtime_view) {
        std::scoped_lock lock(_mu);
        _max_in_flight = std::max(_max_in_flight, spout_view);
        if (static_cast<std::size_t>(spout_view) != runtime_view) {
            ++_pending_mismatches;
        }
    }

    static std::map<std::uint64_t, int> emits() { return get(_emits); }
    static std::map<std::uint64_t, int> acks() { return get(_acks); }
    static std::map<std::uint64_t, int> fails() { return get(_fails); }
    static std::size_t distinct_acked() {
        std::scoped_lock lock(_mu);
        return _acks.size();
    }
    static std::size_t distinct_failed() {
        std::scoped_lock lock(_mu);
        return _fails.size();
    }
    static std::size_t leaf_ack_total() {
        std::scoped_lock lock(_mu);
        std::size_t n = 0;
        for (const auto& [id, k] : _leaf_acks) {
            n += static_cast<std::size_t>(k);
        }
        return n;
    }
    // Time from the last emit of `id` to its last fail.
    static clock::duration time_to_fail(std::uint64_t id) {
        std::scoped_lock lock(_mu);
        return _failed_at.at(id) - _emitted_at.at(id);
    }
    static int premature_acks() {
        std::scoped_lock lock(_mu);
        return _premature_acks;
    }
    static int max_in_flight() {
        std::scoped_lock lock(_mu);
        return _max_in_flight;
    }
    static int pending_mismatches() {
        std::scoped_lock lock(_mu);
        return _pending_mismatches;
    }

  private:
    static std::map<std::uint64_t, int> get(const std::map<std::uint64_t, int>& m) {
        std::scoped_lock lock(_mu);
        return m;
    }

    static inline std::mutex _mu;  // guards everything below
    static inline std::map<std::uint64_t, int> _emits;
    static inline std::map<std::uint64_t, int> _acks;
    static inline std::map<std::uint64_t, int> _fails;
    static inline std::map<std::uint64_t, int> _leaf_acks;
    static inline std::map<std::uint64_t, clock::time_point> _emitted_at;
    static inline std::map<std::uint64_t, clock::time_point> _failed_at;
    static inline int _premature_acks = 0;
    static inline int _max_in_flight = 0;
    static inline int _pending_mismatches = 0;
};

// Emits ids 0..count-1, one per next_tuple(), each with message id = id. With `replay`, a
// failed id is queued to be emitted again. With `leaf_children` > 0, an ack arriving before the
// leaf bolt acked that many children of the id counts as premature. At each next_tuple() it
// reports its own count of tuples in flight and the collector's get_pending_count().
// The ledger lock is never held across emit(): a runtime may call ack() from inside emit().
class tracked_spout final : public spout {
  public:
    tracked_spout(int count, bool replay, int leaf_children)
        : _replay(replay), _leaf_children(leaf_children) {
        for (int i = 0; i < count; ++i) {
            _queue.push_back(static_cast<std::uint64_t>(i));
        }
    }
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"id"}); }
    void open(const config&, const topology_context&, spout_output_collector& c) override {
        _out = &c;
    }
    void next_tuple() override {
        ledger::in_flight(_in_flight, _out->get_pending_count());
        if (_queue.empty()) {
            return;
        }
        std::uint64_t id = _queue.front();
        _queue.pop_front();
        ledger::emitted(id);
        ++_in_flight;
        _out->emit(values{static_cast<std::int64_t>(id)}, message_id{id});
    }
    void ack(message_id id) override {
        --_in_flight;
        ledger::acked(id.id, _leaf_children);
    }
    void fail(message_id id) override {
        --_in_flight;
        ledger::failed(id.id);
        if (_replay) {
            _queue.push_back(id.id);
        }
    }

  private:
    bool _replay;
    int _leaf_children;
    int _in_flight = 0;
    std::deque<std::uint64_t> _queue;
    spout_output_collector* _out = nullptr;
};

// Emits three children (id, child) anchored to its input, then acks the input, or fails it when
// `fail_input`.
class fanout_bolt final : public bolt {
  public:
    explicit fanout_bolt(bool fail_input) : _fail_input(fail_input) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"id", "child"}); }
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple& input) override {
        for (int child = 0; child < 3; ++child) {
            _out->emit(input, values{input.get_int(0), child});
        }
        if (_fail_input) {
            _out->fail(input);
        } else {
            _out->ack(input);
        }
    }

  private:
    bool _fail_input;
    output_collector* _out = nullptr;
};

// Keeps copies of its inputs and, every `batch` of them, emits one child anchored to each kept
// copy and acks the copies: the pattern of a bolt that batches (tuple.h: a kept tuple is a copy).
class batching_bolt final : public bolt {
  public:
    explicit batching_bolt(int batch) : _batch(static_cast<std::size_t>(batch)) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"id", "child"}); }
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple& input) override {
        _kept.push_back(input);
        if (_kept.size() < _batch) {
            return;
        }
        for (const tuple& t : _kept) {
            _out->emit(t, values{t.get_int(0), 0});
            _out->ack(t);
        }
        _kept.clear();
    }

  private:
    std::size_t _batch;
    std::vector<tuple> _kept;
    output_collector* _out = nullptr;
};

// Records that it acked a child of id, then acks it.
class leaf_bolt final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple& input) override {
        ledger::leaf_acked(static_cast<std::uint64_t>(input.get_int(0)));
        _out->ack(input);
    }

  private:
    output_collector* _out = nullptr;
};

// Never acks nor fails what it receives.
class silent_bolt final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple&) override {}
};

// Spins `spin_us` microseconds per tuple, then acks it.
class slow_ack_bolt final : public bolt {
  public:
    explicit slow_ack_bolt(int spin_us) : _spin(spin_us) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple& input) override {
        auto until = clock::now() + _spin;
        while (clock::now() < until) {
        }
        _out->ack(input);
    }

  private:
    std::chrono::microseconds _spin;
    output_collector* _out = nullptr;
};

// Fails a `fraction` of its inputs (splitmix64 seeded by the task id) and acks the rest.
class random_fail_bolt final : public bolt {
  public:
    explicit random_fail_bolt(double fraction) : _fraction(fraction) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& context, output_collector& c) override {
        _out = &c;
        _rng = static_cast<std::uint64_t>(context.get_this_task_id()) * 7919;
    }
    void execute(const tuple& input) override {
        std::uint64_t z = (_rng += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        if (static_cast<double>(z >> 11) * 0x1.0p-53 < _fraction) {
            _out->fail(input);
        } else {
            _out->ack(input);
        }
    }

  private:
    double _fraction;
    std::uint64_t _rng = 0;
    output_collector* _out = nullptr;
};

// A gate the test opens: gated_bolt blocks in execute() until then (at most 10 s, so that a
// failing test still ends).
class gate {
  public:
    static void reset() {
        std::scoped_lock lock(_mu);
        _open = false;
        _executed = 0;
    }
    static void open() {
        {
            std::scoped_lock lock(_mu);
            _open = true;
        }
        _cv.notify_all();
    }
    static void pass() {
        std::unique_lock lock(_mu);
        _cv.wait_for(lock, 10s, [] { return _open; });
        ++_executed;
    }
    static int executed() {
        std::scoped_lock lock(_mu);
        return _executed;
    }

  private:
    static inline std::mutex _mu;  // guards _open and _executed
    static inline std::condition_variable _cv;
    static inline bool _open = false;
    static inline int _executed = 0;
};

class gated_bolt final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple& input) override {
        gate::pass();
        _out->ack(input);
    }

  private:
    output_collector* _out = nullptr;
};

class acking_test : public cluster_test {
  protected:
    void SetUp() override {
        ledger::reset();
        gate::reset();
    }
    void TearDown() override {
        gate::open();  // a blocked bolt must not hold up the cluster's shutdown
        cluster_test::TearDown();
    }
};

TEST_F(acking_test, tuple_tree_acks_the_spout_once_per_message_after_all_children) {
    constexpr int count = 500;
    topology_builder b(registry());
    b.set_spout<tracked_spout>("spout", 1, count, false, 3);
    b.set_bolt<fanout_bolt>("fanout", 2, false).shuffle_grouping("spout");
    b.set_bolt<leaf_bolt>("leaf", 3).shuffle_grouping("fanout");
    cluster().submit_topology("tree", {}, b.create_topology());

    bool done = wait_until([] { return ledger::distinct_acked() == count; }, 10s);
    cluster().kill_topology("tree");
    ASSERT_TRUE(done) << ledger::distinct_acked() << " of " << count << " acked";

    auto acks = ledger::acks();
    for (int id = 0; id < count; ++id) {
        EXPECT_EQ(acks[static_cast<std::uint64_t>(id)], 1) << "message " << id;
    }
    EXPECT_TRUE(ledger::fails().empty());
    EXPECT_EQ(ledger::premature_acks(), 0) << "ack() ran before all three children were acked";
    EXPECT_EQ(ledger::leaf_ack_total(), 3u * count);
}

TEST_F(acking_test, tuples_kept_as_copies_can_be_anchored_and_acked_later) {
    constexpr int count = 500;  // a multiple of the batch, so that every tuple is released
    topology_builder b(registry());
    b.set_spout<tracked_spout>("spout", 1, count, false, 1);
    b.set_bolt<batching_bolt>("batcher", 1, 10).shuffle_grouping("spout");
    b.set_bolt<leaf_bolt>("leaf", 2).shuffle_grouping("batcher");
    cluster().submit_topology("batches", {}, b.create_topology());

    bool done = wait_until([] { return ledger::distinct_acked() == count; }, 10s);
    cluster().kill_topology("batches");
    ASSERT_TRUE(done) << ledger::distinct_acked() << " of " << count << " acked";

    auto acks = ledger::acks();
    for (int id = 0; id < count; ++id) {
        EXPECT_EQ(acks[static_cast<std::uint64_t>(id)], 1) << "message " << id;
    }
    EXPECT_TRUE(ledger::fails().empty());
    EXPECT_EQ(ledger::premature_acks(), 0) << "ack() ran before the child was acked";
}

TEST_F(acking_test, stats_count_every_emit_execute_and_ack) {
    constexpr std::uint64_t count = 300;
    topology_builder b(registry());
    b.set_spout<tracked_spout>("spout", 1, static_cast<int>(count), false, 3);
    b.set_bolt<fanout_bolt>("fanout", 2, false).shuffle_grouping("spout");
    b.set_bolt<leaf_bolt>("leaf", 3).shuffle_grouping("fanout");
    config conf;
    conf.set(config::topology_stats_sample_rate, 1.0);  // count every tuple, not a sample
    cluster().submit_topology("stats", conf, b.create_topology());

    bool done = wait_until([] { return ledger::distinct_acked() == count; }, 10s);
    cluster().kill_topology("stats");
    ASSERT_TRUE(done) << ledger::distinct_acked() << " of " << count << " acked";

    // Stats outlive the kill; after it every executor has stopped, so they are final.
    std::map<std::string, worker::component_stats> by_id;
    for (const worker::component_stats& st : cluster().stats("stats")) {
        by_id[st.component] = st;
    }
    ASSERT_TRUE(by_id.contains("spout") && by_id.contains("fanout") && by_id.contains("leaf"));
    const auto& sp = by_id["spout"];
    EXPECT_TRUE(sp.is_spout);
    EXPECT_EQ(sp.emitted, count);
    EXPECT_EQ(sp.acked, count);
    EXPECT_EQ(sp.failed, 0u);
    EXPECT_GT(sp.complete_latency_p99_us, 0.0);
    EXPECT_LE(sp.complete_latency_p50_us, sp.complete_latency_p99_us);
    const auto& fan = by_id["fanout"];
    EXPECT_FALSE(fan.is_spout);
    EXPECT_EQ(fan.executed, count);
    EXPECT_EQ(fan.emitted, 3 * count);
    EXPECT_EQ(fan.acked, count);
    const auto& leaf = by_id["leaf"];
    EXPECT_EQ(leaf.executed, 3 * count);
    EXPECT_EQ(leaf.acked, 3 * count);
    EXPECT_EQ(leaf.emitted, 0u);
}

TEST_F(acking_test, explicit_fail_fails_the_spout_once_per_message_and_never_acks) {
    constexpr int count = 200;
    topology_builder b(registry());
    b.set_spout<tracked_spout>("spout", 1, count, false, 0);
    b.set_bolt<fanout_bolt>("fanout", 2, true).shuffle_grouping("spout");
    b.set_bolt<leaf_bolt>("leaf", 2).shuffle_grouping("fanout");
    cluster().submit_topology("fails", {}, b.create_topology());

    bool done = wait_until(
        [] { return ledger::distinct_failed() == count && ledger::leaf_ack_total() == 3u * count; },
        10s);
    cluster().kill_topology("fails");
    ASSERT_TRUE(done) << ledger::distinct_failed() << " of " << count << " failed, "
                      << ledger::leaf_ack_total() << " children acked";

    auto fails = ledger::fails();
    for (int id = 0; id < count; ++id) {
        EXPECT_EQ(fails[static_cast<std::uint64_t>(id)], 1) << "message " << id;
    }
    EXPECT_TRUE(ledger::acks().empty()) << "a failed tree was also acked";
}

TEST_F(acking_test, unacked_tuple_times_out_and_fails_once) {
    constexpr int count = 5;
    topology_builder b(registry());
    b.set_spout<tracked_spout>("spout", 1, count, false, 0);
    b.set_bolt<silent_bolt>("sink", 1).shuffle_grouping("spout");
    config conf;
    conf.set_message_timeout_secs(1);
    cluster().submit_topology("timeout", conf, b.create_topology());

    bool done = wait_until([] { return ledger::distinct_failed() == count; }, 8s);
    cluster().kill_topology("timeout");
    ASSERT_TRUE(done) << ledger::distinct_failed() << " of " << count
                      << " timed out within 8 s (timeout 1 s)";

    auto fails = ledger::fails();
    for (int id = 0; id < count; ++id) {
        EXPECT_EQ(fails[static_cast<std::uint64_t>(id)], 1) << "message " << id;
        EXPECT_GE(ledger::time_to_fail(static_cast<std::uint64_t>(id)), 900ms)
            << "message " << id << " failed before its 1 s timeout";
    }
    EXPECT_TRUE(ledger::acks().empty());
}

TEST_F(acking_test, max_spout_pending_is_never_exceeded) {
    constexpr int count = 300;
    topology_builder b(registry());
    b.set_spout<tracked_spout>("spout", 1, count, false, 0);
    b.set_bolt<slow_ack_bolt>("sink", 2, 100).shuffle_grouping("spout");
    config conf;
    conf.set_max_spout_pending(5);
    cluster().submit_topology("pending", conf, b.create_topology());

    bool done = wait_until([] { return ledger::distinct_acked() == count; }, 10s);
    cluster().kill_topology("pending");
    ASSERT_TRUE(done) << ledger::distinct_acked() << " of " << count << " acked";

    EXPECT_LE(ledger::max_in_flight(), 5);
    EXPECT_GE(ledger::max_in_flight(), 2) << "the spout was held to fewer than 5 in flight";
    EXPECT_EQ(ledger::pending_mismatches(), 0)
        << "get_pending_count() disagreed with the spout's own count of tuples in flight";
}

TEST_F(acking_test, replaying_spout_gets_every_message_acked_exactly_once) {
    constexpr int count = 300;
    topology_builder b(registry());
    b.set_spout<tracked_spout>("spout", 1, count, true, 0);
    b.set_bolt<random_fail_bolt>("sink", 2, 0.2).shuffle_grouping("spout");
    config conf;
    conf.set_max_spout_pending(50);
    cluster().submit_topology("replay", conf, b.create_topology());

    bool done = wait_until([] { return ledger::distinct_acked() == count; }, 10s);
    cluster().kill_topology("replay");
    ASSERT_TRUE(done) << ledger::distinct_acked() << " of " << count << " acked";

    auto acks = ledger::acks();
    auto fails = ledger::fails();
    auto emits = ledger::emits();
    int total_fails = 0;
    for (int i = 0; i < count; ++i) {
        auto id = static_cast<std::uint64_t>(i);
        EXPECT_EQ(acks[id], 1) << "message " << id;
        EXPECT_EQ(fails[id], emits[id] - 1)
            << "message " << id << ": each emit but the last failed";
        total_fails += fails[id];
    }
    EXPECT_GT(total_fails, count / 10) << "the bolt should have failed about 20% of tuples";
}

TEST_F(acking_test, without_ackers_the_spout_is_acked_at_emit) {
    constexpr int count = 100;
    topology_builder b(registry());
    b.set_spout<tracked_spout>("spout", 1, count, false, 0);
    b.set_bolt<gated_bolt>("sink", 1).shuffle_grouping("spout");
    config conf;
    conf.set_num_ackers(0);
    cluster().submit_topology("no-ackers", conf, b.create_topology());

    // The bolt is blocked on its first tuple, yet every message is acked.
    bool acked = wait_until([] { return ledger::distinct_acked() == count; }, 5s);
    EXPECT_TRUE(acked) << ledger::distinct_acked() << " of " << count
                       << " acked while the bolt was blocked";
    EXPECT_EQ(gate::executed(), 0);

    gate::open();
    bool executed = wait_until([] { return gate::executed() == count; }, 5s);
    cluster().kill_topology("no-ackers");
    EXPECT_TRUE(executed) << gate::executed() << " of " << count << " executed";

    auto acks = ledger::acks();
    for (int id = 0; id < count; ++id) {
        EXPECT_EQ(acks[static_cast<std::uint64_t>(id)], 1) << "message " << id;
    }
    EXPECT_TRUE(ledger::fails().empty());
}

}  // namespace
}  // namespace tempest::cluster_tests
