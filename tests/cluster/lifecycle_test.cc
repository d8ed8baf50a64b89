// SPDX-License-Identifier: Apache-2.0
// Cluster tests of a topology's lifecycle: activate/deactivate, kill, duplicate names, and
// errors thrown by user code.
#include "cluster_test.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tempest::cluster_tests {
namespace {

// Calls of one spout class's callbacks, summed over its tasks.
struct spout_counters {
    std::atomic<int> opens{0};
    std::atomic<int> closes{0};
    std::atomic<int> activations{0};
    std::atomic<int> deactivations{0};
    std::atomic<std::int64_t> calls{0};                 // next_tuple()
    std::atomic<std::int64_t> calls_while_inactive{0};  // next_tuple() between deactivate()
                                                        // and activate()
    void reset() {
        opens = 0;
        closes = 0;
        activations = 0;
        deactivations = 0;
        calls = 0;
        calls_while_inactive = 0;
    }
};

// Counts its callbacks into `counters` (one static set per Tag, so that two topologies can use
// two distinct classes). Emits (n) on each of its first `emit_limit` next_tuple() calls; with
// `tick_ms` > 0 it sleeps that long per call, which makes its call count a slow clock.
template <int Tag>
class counting_spout final : public spout {
  public:
    static inline spout_counters counters;

    counting_spout(int emit_limit, int tick_ms) : _emit_limit(emit_limit), _tick_ms(tick_ms) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context&, spout_output_collector& c) override {
        _out = &c;
        ++counters.opens;
    }
    void close() override { ++counters.closes; }
    void activate() override {
        _inactive = false;
        ++counters.activations;
    }
    void deactivate() override {
        _inactive = true;
        ++counters.deactivations;
    }
    void next_tuple() override {
        if (_inactive) {
            ++counters.calls_while_inactive;
        }
        ++counters.calls;
        if (_emitted < _emit_limit) {
            _out->emit(values{_emitted++});
        }
        if (_tick_ms > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(_tick_ms));
        }
    }

  private:
    int _emit_limit;
    int _tick_ms;
    std::int64_t _emitted = 0;
    bool _inactive = false;  // between deactivate() and activate(); executor thread only
    spout_output_collector* _out = nullptr;
};

using subject_spout = counting_spout<0>;
using clock_spout = counting_spout<1>;

// Counts prepare()/execute()/cleanup() over all its tasks, and acks. When `throw_at` >= 0 it
// throws std::runtime_error("boom on tuple <n>") from execute() for the tuple (n == throw_at).
class counting_bolt final : public bolt {
  public:
    static inline std::atomic<int> prepares{0};
    static inline std::atomic<int> cleanups{0};
    static inline std::atomic<std::int64_t> executed{0};
    static inline std::atomic<int> task{0};
    static void reset() {
        prepares = 0;
        cleanups = 0;
        executed = 0;
        task = 0;
    }

    explicit counting_bolt(int throw_at) : _throw_at(throw_at) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& context, output_collector& c) override {
        _out = &c;
        task = context.get_this_task_id();
        ++prepares;
    }
    void execute(const tuple& input) override {
        ++executed;
        std::int64_t n = input.get_int(0);
        if (n == _throw_at) {
            throw std::runtime_error("boom on tuple " + std::to_string(n));
        }
        _out->ack(input);
    }
    void cleanup() override { ++cleanups; }

  private:
    std::int64_t _throw_at;
    output_collector* _out = nullptr;
};

class lifecycle_test : public cluster_test {
  protected:
    void SetUp() override {
        subject_spout::counters.reset();
        clock_spout::counters.reset();
        counting_bolt::reset();
    }

    // spout (1 task) -> counting_bolt (`bolt_tasks` tasks).
    template <typename Spout>
    topology make(int emit_limit, int tick_ms, int bolt_tasks = 2, int throw_at = -1) {
        topology_builder b(registry());
        b.set_spout<Spout>("spout", 1, emit_limit, tick_ms);
        b.set_bolt<counting_bolt>("bolt", bolt_tasks, throw_at).shuffle_grouping("spout");
        return b.create_topology();
    }
};

TEST_F(lifecycle_test, deactivate_stops_next_tuple_until_activate) {
    auto& subject = subject_spout::counters;
    auto& ticks = clock_spout::counters;
    cluster().submit_topology("subject", {}, make<subject_spout>(1000, 0));
    // A second topology whose spout calls count milliseconds: time passing, measured by work.
    cluster().submit_topology("clock", {}, make<clock_spout>(0, 1));
    ASSERT_TRUE(wait_until([&] { return subject.calls > 100 && ticks.calls > 0; }, 5s));
    int activations_before = subject.activations;

    cluster().deactivate("subject");
    ASSERT_TRUE(wait_until([&] { return subject.deactivations == 1; }, 5s))
        << "spout deactivate() was not called";
    EXPECT_EQ(cluster().status("subject"), worker::topology_status::inactive);
    std::int64_t calls_at_deactivate = subject.calls;
    std::int64_t ticks_at_deactivate = ticks.calls;
    ASSERT_TRUE(wait_until([&] { return ticks.calls >= ticks_at_deactivate + 200; }, 5s))
        << "the clock topology stopped ticking";
    EXPECT_EQ(subject.calls, calls_at_deactivate) << "next_tuple() ran while inactive";
    EXPECT_EQ(subject.calls_while_inactive, 0) << "next_tuple() ran after deactivate()";

    cluster().activate("subject");
    EXPECT_TRUE(wait_until([&] { return subject.activations == activations_before + 1; }, 5s))
        << "spout activate() was not called";
    EXPECT_TRUE(wait_until([&] { return subject.calls > calls_at_deactivate; }, 5s))
        << "next_tuple() did not resume after activate()";
    EXPECT_EQ(cluster().status("subject"), worker::topology_status::active);
    EXPECT_EQ(subject.calls_while_inactive, 0);
}

TEST_F(lifecycle_test, kill_closes_spouts_and_cleans_up_bolts_and_frees_the_name) {
    auto& subject = subject_spout::counters;
    cluster().submit_topology("victim", {}, make<subject_spout>(1000, 0, 3));
    // Tasks open/prepare on their own threads after submit returns.
    ASSERT_TRUE(wait_until(
        [&] { return counting_bolt::executed >= 100 && counting_bolt::prepares == 3; }, 5s))
        << counting_bolt::prepares << " of 3 bolt tasks prepared";
    EXPECT_EQ(subject.opens, 1);

    cluster().kill_topology("victim");
    // kill_topology returns once every executor thread has ended: no waiting here.
    EXPECT_EQ(subject.closes, 1);
    EXPECT_EQ(counting_bolt::cleanups, 3);
    std::int64_t calls_after_kill = subject.calls;

    // The name is free again.
    cluster().submit_topology("victim", {}, make<subject_spout>(1000, 0, 3));
    EXPECT_TRUE(wait_until([&] { return subject.calls > calls_after_kill; }, 5s));
    EXPECT_EQ(subject.opens, 2);
    EXPECT_THROW(cluster().kill_topology("no-such-topology"), std::runtime_error);
}

TEST_F(lifecycle_test, submitting_a_live_name_again_throws_and_starts_nothing) {
    auto& subject = subject_spout::counters;
    cluster().submit_topology("dup", {}, make<subject_spout>(1000, 0));
    ASSERT_TRUE(wait_until([&] { return subject.calls > 10 && counting_bolt::prepares == 2; }, 5s));

    EXPECT_THROW(cluster().submit_topology("dup", {}, make<subject_spout>(1000, 0)),
                 std::runtime_error);
    EXPECT_EQ(subject.opens, 1) << "the refused topology started a spout";
    EXPECT_EQ(counting_bolt::prepares, 2) << "the refused topology started bolts";
    std::int64_t calls = subject.calls;
    EXPECT_TRUE(wait_until([&] { return subject.calls > calls; }, 5s))
        << "the first topology stopped";
    auto names = cluster().topology_names();
    EXPECT_EQ(std::count(names.begin(), names.end(), "dup"), 1);
}

TEST_F(lifecycle_test, exception_in_execute_is_reported_and_topology_keeps_running) {
    constexpr int count = 200;
    cluster().submit_topology("faulty", {}, make<subject_spout>(count, 0, 1, 10));

    bool all = wait_until([] { return counting_bolt::executed == count; }, 5s);
    EXPECT_TRUE(all) << counting_bolt::executed << " of " << count
                     << " tuples executed after the exception on tuple 10";
    std::vector<worker::error_record> errors;
    ASSERT_TRUE(wait_until(
        [&] {
            errors = cluster().errors("faulty");
            return !errors.empty();
        },
        5s))
        << "no error reported";
    EXPECT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].component, "bolt");
    EXPECT_EQ(errors[0].task, counting_bolt::task.load());
    EXPECT_NE(errors[0].message.find("boom on tuple 10"), std::string::npos)
        << "message: " << errors[0].message;
    EXPECT_GT(errors[0].time_ms, 0);
    EXPECT_EQ(cluster().status("faulty"), worker::topology_status::active);
}

}  // namespace
}  // namespace tempest::cluster_tests
