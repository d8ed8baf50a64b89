// SPDX-License-Identifier: Apache-2.0
// Windowed bolts in a local cluster, with acking: every spout tuple is acked once, only after
// it has left its windows and every result anchored to it was acked downstream; a result failed
// downstream replays the window's spout tuples; duration windows advance on the executor's
// timer with no input; event time sends late tuples to the late stream; a window that outlasts
// the message timeout is refused at submit.
#include "cluster_test.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace tempest::cluster_tests {
namespace {

using clock = std::chrono::steady_clock;
constexpr std::int64_t filler_base = 1'000'000;  // ids of untracked tuples that push windows on

// What the components saw. Written by executor threads, read by the test thread.
class ledger {
  public:
    static void reset() {
        std::scoped_lock lock(_mu);
        _acks.clear();
        _fails.clear();
        _in_windows.clear();
        _new_in.clear();
        _leaf.clear();
        _late.clear();
        _window_tasks.clear();
        _premature = 0;
        _bad_windows = 0;
        _windows = 0;
        _fail_id = -1;
    }
    static void acked(std::int64_t id) {
        std::scoped_lock lock(_mu);
        ++_acks[id];
        // Every window that held it has been evaluated (it expired first) and each result
        // anchored to it was acked by the leaf.
        if (_in_windows[id] == 0 || _leaf[id] != _in_windows[id]) {
            ++_premature;
        }
    }
    static void failed(std::int64_t id) {
        std::scoped_lock lock(_mu);
        ++_fails[id];
    }
    static void window(int task, const std::vector<std::int64_t>& all,
                       const std::vector<std::int64_t>& fresh, bool ok) {
        std::scoped_lock lock(_mu);
        ++_windows;
        _window_tasks.insert(task);
        for (std::int64_t id : all) {
            ++_in_windows[id];
        }
        for (std::int64_t id : fresh) {
            ++_new_in[id];
        }
        _bad_windows += ok ? 0 : 1;
    }
    // The leaf got a result holding `ids`: true when it should fail it (the injected failure).
    static bool leaf(const std::vector<std::int64_t>& ids) {
        std::scoped_lock lock(_mu);
        for (std::int64_t id : ids) {
            if (id == _fail_id) {
                _fail_id = -1;  // once
                return true;
            }
        }
        for (std::int64_t id : ids) {
            ++_leaf[id];
        }
        return false;
    }
    static void late(std::int64_t id) {
        std::scoped_lock lock(_mu);
        _late.insert(id);
    }
    static void fail_result_with(std::int64_t id) {
        std::scoped_lock lock(_mu);
        _fail_id = id;
    }

    template <typename T>
    static T get(const T& v) {
        std::scoped_lock lock(_mu);
        return v;
    }
    static std::size_t distinct_acked() {
        std::scoped_lock lock(_mu);
        return _acks.size();
    }
    // How many windowed tasks have evaluated a window.
    static std::size_t window_tasks() {
        std::scoped_lock lock(_mu);
        return _window_tasks.size();
    }

    static inline std::mutex _mu;  // guards everything below
    static inline std::map<std::int64_t, int> _acks, _fails, _in_windows, _new_in, _leaf;
    static inline std::set<std::int64_t> _late;
    static inline std::set<int> _window_tasks;
    static inline int _premature = 0, _bad_windows = 0, _windows = 0;
    static inline std::int64_t _fail_id = -1;
};

// Emits (id, ts) for ids 0..count-1 with message id = id and ts = 1000 + 10 * id, replaying
// failed ones; then, about once a millisecond, untracked fillers (ids from filler_base, later
// timestamps) so that count windows keep sliding and event time keeps advancing. With `late`,
// once `late` windowed tasks have each evaluated a window it also emits five tracked tuples (ids
// 5000..5004) with ts 1, below any watermark by then.
class window_spout final : public spout {
  public:
    window_spout(int count, bool fillers, int late) : _fillers(fillers), _late(late) {
        for (int i = 0; i < count; ++i) {
            _queue.push_back(i);
        }
    }
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"id", "ts"}); }
    void open(const config&, const topology_context&, spout_output_collector& c) override {
        _out = &c;
    }
    void next_tuple() override {
        if (!_queue.empty()) {
            std::int64_t id = _queue.front();
            _queue.pop_front();
            _out->emit(values{id, id >= 5000 ? std::int64_t{1} : 1000 + 10 * id},
                       message_id{static_cast<std::uint64_t>(id)});
            return;
        }
        if (_late > 0 && !_late_sent && ledger::window_tasks() >= static_cast<std::size_t>(_late)) {
            _late_sent = true;
            for (std::int64_t id = 5000; id < 5005; ++id) {
                _queue.push_back(id);
            }
            return;
        }
        const auto now = clock::now();
        if (_fillers && now >= _next_filler) {
            _next_filler = now + std::chrono::milliseconds(1);
            std::int64_t n = _filler++;
            _out->emit(values{filler_base + n, 100'000 + 10 * n});
        }
    }
    void ack(message_id id) override { ledger::acked(static_cast<std::int64_t>(id.id)); }
    void fail(message_id id) override {
        ledger::failed(static_cast<std::int64_t>(id.id));
        _queue.push_back(static_cast<std::int64_t>(id.id));
    }

  private:
    bool _fillers;
    int _late;
    bool _late_sent = false;
    std::deque<std::int64_t> _queue;
    std::int64_t _filler = 0;
    clock::time_point _next_filler{};
    spout_output_collector* _out = nullptr;
};

// Emits one result per window: the list of its tracked ids (unanchored: the runtime anchors it
// to the window). Checks each window: event-time windows are sorted and inside (end - L, end].
class ids_window_bolt final : public windowed_bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"ids"}); }
    void prepare(const config& conf, const topology_context& ctx, output_collector& c) override {
        _out = &c;
        _task = ctx.get_this_task_id();
        _event_time = window_settings::from_config(conf).event_time();
    }
    void execute(const tuple_window& w) override {
        std::vector<std::int64_t> all, fresh;
        value::list ids;
        bool ok = !w.get().empty();
        std::int64_t prev_ts = INT64_MIN;
        for (const tuple* t : w.get()) {
            const std::int64_t id = t->get_int(0);
            const std::int64_t ts = t->get_int(1);
            if (_event_time) {
                ok = ok && ts >= prev_ts && ts <= w.get_end_timestamp() &&
                     (!w.get_start_timestamp() || ts > *w.get_start_timestamp());
                prev_ts = ts;
            }
            if (id < filler_base) {
                all.push_back(id);
                ids.push_back(id);
            }
        }
        if (w.get_start_timestamp()) {
            ok = ok && w.get_end_timestamp() - *w.get_start_timestamp() == _length_ms;
        }
        for (const tuple* t : w.get_new()) {
            if (t->get_int(0) < filler_base) {
                fresh.push_back(t->get_int(0));
            }
        }
        ledger::window(_task, all, fresh, ok);
        _out->emit(values{ids});
    }
    static inline std::int64_t _length_ms = 0;

  private:
    output_collector* _out = nullptr;
    int _task = 0;
    bool _event_time = false;
};

// Acks each result, or fails the first one holding the id the test chose.
class leaf_bolt final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple& in) override {
        std::vector<std::int64_t> ids;
        const value list = in.get_value(0);  // kept: as_list() refers into it
        for (const value& v : list.as_list()) {
            ids.push_back(v.as_int());
        }
        if (ledger::leaf(ids)) {
            _out->fail(in);
        } else {
            _out->ack(in);
        }
    }

  private:
    output_collector* _out = nullptr;
};

// Records the late tuples (late_tuple: the late tuple's values as a list) and acks them.
class late_bolt final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple& in) override {
        ledger::late(in.get_value_by_field("late_tuple").as_list().at(0).as_int());
        _out->ack(in);
    }

  private:
    output_collector* _out = nullptr;
};

class windowing_test : public cluster_test {
  protected:
    windowing_test() {
        ledger::reset();
        ids_window_bolt::_length_ms = 0;
    }
    config conf() {
        config c;
        c.set_num_ackers(1);
        return c;
    }
    // Waits for every id in [0, count) to be acked, then kills the topology.
    void wait_all_acked(const std::string& name, std::size_t count) {
        bool done = wait_until([&] { return ledger::distinct_acked() >= count; }, 30s);
        cluster().kill_topology(name);
        ASSERT_TRUE(done) << ledger::distinct_acked() << " of " << count << " acked";
    }
};

TEST_F(windowing_test, count_window_acks_each_spout_tuple_once_after_it_left_its_windows) {
    constexpr int count = 200;
    topology_builder b(registry());
    b.set_spout<window_spout>("spout", 1, count, true, 0);
    b.set_bolt<ids_window_bolt>("win", 1).global_grouping("spout").with_window(window_count(10),
                                                                               window_count(5));
    b.set_bolt<leaf_bolt>("leaf", 2).shuffle_grouping("win");
    cluster().submit_topology("count-window", conf(), b.create_topology());
    wait_all_acked("count-window", count);

    auto acks = ledger::get(ledger::_acks);
    auto fresh = ledger::get(ledger::_new_in);
    auto in = ledger::get(ledger::_in_windows);
    for (int id = 0; id < count; ++id) {
        EXPECT_EQ(acks[id], 1) << "message " << id;
        EXPECT_EQ(fresh[id], 1) << "message " << id << " was new in one window";
        EXPECT_EQ(in[id], 2) << "message " << id << " is in two windows of 10 sliding by 5";
    }
    EXPECT_TRUE(ledger::get(ledger::_fails).empty());
    EXPECT_EQ(ledger::get(ledger::_premature), 0)
        << "a spout tuple was acked before it left its windows or before their results were";
}

TEST_F(windowing_test, a_result_failed_downstream_replays_the_windows_spout_tuples) {
    constexpr int count = 100;
    ledger::fail_result_with(7);
    topology_builder b(registry());
    b.set_spout<window_spout>("spout", 1, count, true, 0);
    b.set_bolt<ids_window_bolt>("win", 1).global_grouping("spout").with_tumbling_window(
        window_count(10));
    b.set_bolt<leaf_bolt>("leaf", 1).shuffle_grouping("win");
    cluster().submit_topology("replay", conf(), b.create_topology());
    wait_all_acked("replay", count);

    auto fails = ledger::get(ledger::_fails);
    auto acks = ledger::get(ledger::_acks);
    EXPECT_EQ(fails.count(7), 1u) << "the failed result's spout tuples were not failed";
    for (int id = 0; id < count; ++id) {
        EXPECT_EQ(acks[id], 1) << "message " << id;
    }
    // Failed ones came back and were windowed again: new in a window twice.
    EXPECT_EQ(ledger::get(ledger::_new_in)[7], 2);
}

TEST_F(windowing_test, duration_window_advances_on_the_executors_timer_without_input) {
    constexpr int count = 150;
    ids_window_bolt::_length_ms = 100;
    topology_builder b(registry());
    b.set_spout<window_spout>("spout", 1, count, false, 0);  // no fillers: time alone
    b.set_bolt<ids_window_bolt>("win", 1).global_grouping("spout").with_tumbling_window(
        std::chrono::milliseconds(100));
    b.set_bolt<leaf_bolt>("leaf", 1).shuffle_grouping("win");
    cluster().submit_topology("time-window", conf(), b.create_topology());
    wait_all_acked("time-window", count);

    auto in = ledger::get(ledger::_in_windows);
    for (int id = 0; id < count; ++id) {
        EXPECT_EQ(in[id], 1) << "message " << id << " in one tumbling window";
    }
    EXPECT_EQ(ledger::get(ledger::_bad_windows), 0) << "a window's end - start was not 100 ms";
    EXPECT_EQ(ledger::get(ledger::_premature), 0);
    EXPECT_TRUE(ledger::get(ledger::_fails).empty());
}

TEST_F(windowing_test, event_time_windows_send_late_tuples_to_the_late_stream) {
    constexpr int count = 100;
    ids_window_bolt::_length_ms = 100;
    topology_builder b(registry());
    b.set_spout<window_spout>("spout", 1, count, true, 2);
    b.set_bolt<ids_window_bolt>("win", 2)
        .fields_grouping("spout", {"id"})
        .with_window(std::chrono::milliseconds(100), std::chrono::milliseconds(50))
        .with_timestamp_field("ts")
        .with_lag(std::chrono::milliseconds(20))
        .with_watermark_interval(std::chrono::milliseconds(10))
        .with_late_tuple_stream("late");
    b.set_bolt<leaf_bolt>("leaf", 1).shuffle_grouping("win");
    b.set_bolt<late_bolt>("late", 1).shuffle_grouping("win", "late");
    cluster().submit_topology("event-time", conf(), b.create_topology());
    wait_all_acked("event-time", count + 5);

    EXPECT_EQ(ledger::get(ledger::_late), (std::set<std::int64_t>{5000, 5001, 5002, 5003, 5004}));
    auto in = ledger::get(ledger::_in_windows);
    for (std::int64_t id = 5000; id < 5005; ++id) {
        EXPECT_EQ(in[id], 0) << "late tuple " << id << " was put in a window";
    }
    for (int id = 0; id < count; ++id) {
        EXPECT_EQ(in[id], 2) << "message " << id << " in two windows of 100 ms sliding by 50";
    }
    EXPECT_EQ(ledger::get(ledger::_bad_windows), 0) << "a window was unsorted or out of range";
    EXPECT_TRUE(ledger::get(ledger::_fails).empty());
}

TEST_F(windowing_test, a_window_longer_than_the_message_timeout_is_refused_at_submit) {
    topology_builder b(registry());
    b.set_spout<window_spout>("spout", 1, 1, false, 0);
    b.set_bolt<ids_window_bolt>("win", 1).global_grouping("spout").with_window(
        std::chrono::seconds(20), std::chrono::seconds(15));
    topology t = b.create_topology();
    try {
        cluster().submit_topology("too-long", conf(), t);
        FAIL() << "expected invalid_topology";
    } catch (const invalid_topology& e) {
        EXPECT_EQ(std::string(e.what()),
                  "bolt 'win': window length 20000 ms + sliding interval 15000 ms = 35000 ms is "
                  "more than topology.message.timeout.secs (30 s = 30000 ms): its tuples would "
                  "time out before they leave the window");
    }
    EXPECT_TRUE(cluster().topology_names().empty());
    config longer = conf();
    longer.set_message_timeout_secs(40);
    cluster().submit_topology("long-enough", longer, t);
    cluster().kill_topology("long-enough");
}

}  // namespace
}  // namespace tempest::cluster_tests
