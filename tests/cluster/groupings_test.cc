// SPDX-License-Identifier: Apache-2.0
// Cluster tests of stream groupings: a spout emits numbered, keyed tuples to a bolt of several
// tasks, every task records (task id, tuple) in a shared collector, and the test checks where
// each tuple went.
#include "cluster_test.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace tempest::cluster_tests {
namespace {

struct delivery {
    int task = 0;
    std::int64_t seq = 0;
    std::string key;
};

// What the topology's tasks reported. Written by executor threads, read by the test thread;
// reset() at the start of each test.
class observed {
  public:
    static void reset() {
        std::scoped_lock lock(_mu);
        _deliveries.clear();
        _sink_tasks.clear();
        _spout_worker_tasks.clear();
        _grouping_prepares = 0;
        _grouping_targets.clear();
        _choose_calls = 0;
    }
    static void record(delivery d) {
        std::scoped_lock lock(_mu);
        _deliveries.push_back(std::move(d));
    }
    static std::size_t size() {
        std::scoped_lock lock(_mu);
        return _deliveries.size();
    }
    static std::vector<delivery> deliveries() {
        std::scoped_lock lock(_mu);
        return _deliveries;
    }
    static void set_sink_tasks(const std::vector<int>& t) {
        std::scoped_lock lock(_mu);
        _sink_tasks = t;
    }
    static std::vector<int> sink_tasks() {
        std::scoped_lock lock(_mu);
        return _sink_tasks;
    }
    static void set_spout_worker_tasks(const std::vector<int>& t) {
        std::scoped_lock lock(_mu);
        _spout_worker_tasks = t;
    }
    static std::vector<int> spout_worker_tasks() {
        std::scoped_lock lock(_mu);
        return _spout_worker_tasks;
    }
    static void grouping_prepared(const std::vector<int>& targets) {
        std::scoped_lock lock(_mu);
        ++_grouping_prepares;
        _grouping_targets = targets;
    }
    static int grouping_prepares() {
        std::scoped_lock lock(_mu);
        return _grouping_prepares;
    }
    static std::vector<int> grouping_targets() {
        std::scoped_lock lock(_mu);
        return _grouping_targets;
    }
    static void choose_called() { _choose_calls.fetch_add(1, std::memory_order_relaxed); }
    static std::int64_t choose_calls() { return _choose_calls.load(); }

  private:
    static inline std::mutex _mu;  // guards everything below but _choose_calls
    static inline std::vector<delivery> _deliveries;
    static inline std::vector<int> _sink_tasks;
    static inline std::vector<int> _spout_worker_tasks;
    static inline int _grouping_prepares = 0;
    static inline std::vector<int> _grouping_targets;
    static inline std::atomic<std::int64_t> _choose_calls{0};
};

// Built by appending: `"k" + std::to_string(..)` trips GCC 12's false -Wrestrict at -O3.
std::string key_of(std::int64_t seq, int keys) {
    std::string key = "k";
    key += std::to_string(seq % keys);
    return key;
}

// Emits `count` tuples (seq, key) per task, seq = 0..count-1 and key = "k<seq % keys>", up to 64
// per next_tuple(), unanchored; then idles.
class keyed_spout final : public spout {
  public:
    keyed_spout(int count, int keys) : _count(count), _keys(keys) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"seq", "key"}); }
    void open(const config&, const topology_context& context,
              spout_output_collector& collector) override {
        _out = &collector;
        observed::set_spout_worker_tasks(context.get_this_worker_tasks());
    }
    void next_tuple() override {
        for (int n = 0; n < 64 && _next < _count; ++n, ++_next) {
            _out->emit(values{_next, key_of(_next, _keys)});
        }
    }

  private:
    std::int64_t _count;
    int _keys;
    std::int64_t _next = 0;
    spout_output_collector* _out = nullptr;
};

// Emits `count` tuples on a direct stream, tuple seq to the sink task at position seq % n of
// the sink's task list, with key = that task id as a string.
class direct_spout final : public spout {
  public:
    explicit direct_spout(int count) : _count(count) {}
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare(true, {"seq", "key"});
    }
    void open(const config&, const topology_context& context,
              spout_output_collector& collector) override {
        _out = &collector;
        _targets = context.get_component_tasks("sink");
        if (_targets.empty()) {
            collector.report_error("direct_spout: component sink has no tasks");
        }
    }
    void next_tuple() override {
        for (int n = 0; n < 64 && _next < _count && !_targets.empty(); ++n, ++_next) {
            int target = _targets[static_cast<std::size_t>(_next) % _targets.size()];
            _out->emit_direct(target, values{_next, std::to_string(target)});
        }
    }

  private:
    std::int64_t _count;
    std::int64_t _next = 0;
    std::vector<int> _targets;
    spout_output_collector* _out = nullptr;
};

// Records every tuple it receives with its own task id.
class recording_bolt final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& context) override {
        _task = context.get_this_task_id();
        observed::set_sink_tasks(context.get_component_tasks(context.get_this_component_id()));
    }
    void execute(const tuple& input, basic_output_collector&) override {
        observed::record({_task, input.get_int(0), std::string(input.get_string(1))});
    }

  private:
    int _task = 0;
};

// Sends even seq numbers to the highest target task and odd ones to the lowest.
class even_odd_grouping final : public custom_stream_grouping {
  public:
    void prepare(const topology_context&, const std::string&, const std::string&,
                 const std::vector<int>& target_tasks) override {
        _targets = target_tasks;
        observed::grouping_prepared(target_tasks);
    }
    void choose_tasks(int, const values& v, std::vector<int>& out) override {
        observed::choose_called();
        out.push_back(v.get_int(0) % 2 == 0 ? _targets.back() : _targets.front());
    }

  private:
    std::vector<int> _targets;
};

class grouping_test : public cluster_test {
  protected:
    void SetUp() override { observed::reset(); }

    // Submits the topology, waits until `expected` deliveries were recorded, kills it (so that
    // nothing more arrives) and returns every delivery.
    std::vector<delivery> run(const topology_builder& b, std::size_t expected) {
        cluster().submit_topology("groupings", {}, b.create_topology());
        bool arrived = wait_until([&] { return observed::size() >= expected; }, 10s);
        cluster().kill_topology("groupings");
        EXPECT_TRUE(arrived) << "only " << observed::size() << " of " << expected
                             << " tuples arrived within 10 s";
        return observed::deliveries();
    }

    static std::map<int, std::size_t> per_task(const std::vector<delivery>& ds) {
        std::map<int, std::size_t> n;
        for (const delivery& d : ds) {
            ++n[d.task];
        }
        return n;
    }
};

TEST_F(grouping_test, fields_sends_equal_keys_to_one_task_and_spreads_keys) {
    constexpr int count = 2000;
    constexpr int keys = 100;
    topology_builder b(registry());
    b.set_spout<keyed_spout>("spout", 2, count, keys);  // two producers must agree on the task
    b.set_bolt<recording_bolt>("sink", 4).fields_grouping("spout", {"key"});
    auto ds = run(b, 2 * count);

    ASSERT_EQ(ds.size(), 2u * count);
    std::map<std::string, std::set<int>> tasks_of_key;
    for (const delivery& d : ds) {
        tasks_of_key[d.key].insert(d.task);
    }
    ASSERT_EQ(tasks_of_key.size(), static_cast<std::size_t>(keys));
    std::set<int> used;
    for (const auto& [key, tasks] : tasks_of_key) {
        EXPECT_EQ(tasks.size(), 1u) << "key " << key << " went to " << tasks.size() << " tasks";
        used.insert(tasks.begin(), tasks.end());
    }
    EXPECT_EQ(used.size(), 4u) << keys << " distinct keys should reach all 4 tasks";
}

TEST_F(grouping_test, all_delivers_every_tuple_to_every_task) {
    constexpr int count = 1000;
    topology_builder b(registry());
    b.set_spout<keyed_spout>("spout", 1, count, 10);
    b.set_bolt<recording_bolt>("sink", 3).all_grouping("spout");
    auto ds = run(b, 3 * count);

    ASSERT_EQ(ds.size(), 3u * count);
    std::map<int, std::set<std::int64_t>> seqs;
    for (const delivery& d : ds) {
        seqs[d.task].insert(d.seq);
    }
    ASSERT_EQ(seqs.size(), 3u);
    for (const auto& [task, s] : seqs) {
        EXPECT_EQ(s.size(), static_cast<std::size_t>(count)) << "task " << task;
    }
}

TEST_F(grouping_test, global_delivers_only_to_the_lowest_task_id) {
    constexpr int count = 1000;
    topology_builder b(registry());
    b.set_spout<keyed_spout>("spout", 1, count, 10);
    b.set_bolt<recording_bolt>("sink", 3).global_grouping("spout");
    auto ds = run(b, count);

    ASSERT_EQ(ds.size(), static_cast<std::size_t>(count));
    auto tasks = observed::sink_tasks();
    ASSERT_EQ(tasks.size(), 3u);
    int lowest = *std::min_element(tasks.begin(), tasks.end());
    auto n = per_task(ds);
    EXPECT_EQ(n.size(), 1u);
    EXPECT_EQ(n[lowest], static_cast<std::size_t>(count));
}

TEST_F(grouping_test, shuffle_spreads_evenly_over_all_tasks) {
    constexpr int count = 40000;
    topology_builder b(registry());
    b.set_spout<keyed_spout>("spout", 1, count, 10);
    b.set_bolt<recording_bolt>("sink", 4).shuffle_grouping("spout");
    auto ds = run(b, count);

    ASSERT_EQ(ds.size(), static_cast<std::size_t>(count));
    auto n = per_task(ds);
    ASSERT_EQ(n.size(), 4u);
    for (const auto& [task, got] : n) {
        EXPECT_GE(got, count * 20 / 100) << "task " << task;  // 25% ± 5%
        EXPECT_LE(got, count * 30 / 100) << "task " << task;
    }
    std::set<std::int64_t> seqs;
    for (const delivery& d : ds) {
        seqs.insert(d.seq);
    }
    EXPECT_EQ(seqs.size(), static_cast<std::size_t>(count)) << "a tuple was duplicated";
}

TEST_F(grouping_test, local_or_shuffle_stays_in_this_worker_and_spreads) {
    constexpr int count = 8000;
    topology_builder b(registry());
    b.set_spout<keyed_spout>("spout", 1, count, 10);
    b.set_bolt<recording_bolt>("sink", 4).local_or_shuffle_grouping("spout");
    auto ds = run(b, count);

    ASSERT_EQ(ds.size(), static_cast<std::size_t>(count));
    auto local = observed::spout_worker_tasks();
    auto sinks = observed::sink_tasks();
    auto n = per_task(ds);
    for (const auto& [task, got] : n) {
        EXPECT_TRUE(std::find(local.begin(), local.end(), task) != local.end())
            << "task " << task << " is not in the spout's worker";
    }
    // In a local cluster every task is in the one worker, so all four share the tuples.
    for (int task : sinks) {
        EXPECT_GE(n[task], static_cast<std::size_t>(count / 8)) << "task " << task;
    }
}

TEST_F(grouping_test, direct_delivers_to_exactly_the_named_task) {
    constexpr int count = 1000;
    topology_builder b(registry());
    b.set_spout<direct_spout>("spout", 1, count);
    b.set_bolt<recording_bolt>("sink", 4).direct_grouping("spout");
    auto ds = run(b, count);

    ASSERT_EQ(ds.size(), static_cast<std::size_t>(count));
    for (const delivery& d : ds) {
        ASSERT_EQ(std::to_string(d.task), d.key) << "tuple " << d.seq << " reached the wrong task";
    }
    EXPECT_EQ(per_task(ds).size(), 4u);
}

TEST_F(grouping_test, custom_grouping_choice_is_honoured) {
    constexpr int count = 1000;
    topology_builder b(registry());
    b.set_spout<keyed_spout>("spout", 1, count, 10);
    b.set_bolt<recording_bolt>("sink", 3).custom_grouping<even_odd_grouping>("spout");
    auto ds = run(b, count);

    ASSERT_EQ(ds.size(), static_cast<std::size_t>(count));
    EXPECT_EQ(observed::grouping_prepares(), 1) << "one producing task, one prepare()";
    auto targets = observed::grouping_targets();
    auto sinks = observed::sink_tasks();
    std::sort(sinks.begin(), sinks.end());
    EXPECT_EQ(targets, sinks);
    EXPECT_EQ(observed::choose_calls(), count);
    ASSERT_FALSE(targets.empty());
    for (const delivery& d : ds) {
        EXPECT_EQ(d.task, d.seq % 2 == 0 ? targets.back() : targets.front()) << "seq " << d.seq;
    }
}

TEST_F(grouping_test, none_delivers_every_tuple_exactly_once) {
    constexpr int count = 3000;
    topology_builder b(registry());
    b.set_spout<keyed_spout>("spout", 1, count, 10);
    b.set_bolt<recording_bolt>("sink", 3).none_grouping("spout");
    auto ds = run(b, count);

    ASSERT_EQ(ds.size(), static_cast<std::size_t>(count));
    std::set<std::int64_t> seqs;
    for (const delivery& d : ds) {
        seqs.insert(d.seq);
    }
    EXPECT_EQ(seqs.size(), static_cast<std::size_t>(count));
}

TEST_F(grouping_test, partial_key_sends_each_key_to_at_most_two_tasks) {
    constexpr int count = 2000;
    constexpr int keys = 50;
    topology_builder b(registry());
    b.set_spout<keyed_spout>("spout", 1, count, keys);
    b.set_bolt<recording_bolt>("sink", 4).partial_key_grouping("spout", {"key"});
    auto ds = run(b, count);

    ASSERT_EQ(ds.size(), static_cast<std::size_t>(count));
    std::map<std::string, std::set<int>> tasks_of_key;
    std::set<std::int64_t> seqs;
    for (const delivery& d : ds) {
        tasks_of_key[d.key].insert(d.task);
        seqs.insert(d.seq);
    }
    EXPECT_EQ(seqs.size(), static_cast<std::size_t>(count));
    for (const auto& [key, tasks] : tasks_of_key) {
        EXPECT_LE(tasks.size(), 2u) << "key " << key;
    }
    EXPECT_GE(per_task(ds).size(), 3u) << keys << " keys should spread over the tasks";
}

}  // namespace
}  // namespace tempest::cluster_tests
