// SPDX-License-Identifier: Apache-2.0
// assignment_monitor over the in-memory cluster state with fake clocks: first assignments,
// nothing rewritten while all is alive, executors moving off dead workers (after the launch
// grace), off timed-out and vanished supervisors, and rebalances that move the fewest executors.
#include "assignment_monitor.h"

#include "nimbus_fixture.h"

#include <gtest/gtest.h>

#include <set>

namespace tempest::nimbus {
namespace {

using namespace std::chrono_literals;
using testing::nimbus_part_test;
namespace fs = std::filesystem;

class assignment_monitor_test : public nimbus_part_test {
  protected:
    assignment_monitor monitor{state, store, {30s, 120, 60s}, fake_clocks()};

    std::set<worker_slot> slots_of(const std::string& id) {
        auto a = assignment_of(id);
        if (!a) {
            return {};
        }
        auto s = a->slots();
        return {s.begin(), s.end()};
    }
};

TEST_F(assignment_monitor_test, assigns_new_topologies_and_leaves_settled_ones_alone) {
    auto id = store_topology("wc", R"({"topology.workers": 1})");
    EXPECT_EQ(monitor.reschedule(), 1);  // no supervisor yet: an empty assignment
    ASSERT_TRUE(assignment_of(id));
    EXPECT_TRUE(assignment_of(id)->executor_slot.empty());
    add_supervisor("sup-a", {6700, 6701});
    EXPECT_EQ(monitor.reschedule(), 1);
    EXPECT_EQ(assignment_of(id)->executor_slot.size(), 5U);  // 4 user executors + 1 acker
    EXPECT_EQ(assignment_of(id)->node_host.at("sup-a"), "sup-a.example");
    EXPECT_EQ(monitor.reschedule(), 0);
    EXPECT_EQ(assignment_of(id)->start_time_secs.begin()->second, unix_now);
}

TEST_F(assignment_monitor_test, keeps_executors_whose_worker_heartbeats) {
    add_supervisor("sup-a", {6700, 6701});
    auto id = store_topology("wc", R"({"topology.workers": 1})");
    ASSERT_EQ(monitor.reschedule(), 1);
    auto before = slots_of(id);
    for (int round = 0; round < 10; ++round) {
        advance(20s);
        beat_worker(id, "sup-a", before.begin()->port);
        beat_supervisor("sup-a");
        EXPECT_EQ(monitor.reschedule(), 0) << "round " << round;
    }
    EXPECT_EQ(slots_of(id), before);
}

TEST_F(assignment_monitor_test, moves_executors_of_a_worker_whose_heartbeat_stopped) {
    add_supervisor("sup-a", {6700, 6701});
    auto id = store_topology("wc", R"({"topology.workers": 1})");
    ASSERT_EQ(monitor.reschedule(), 1);
    auto slot = *slots_of(id).begin();
    beat_worker(id, "sup-a", slot.port);
    advance(130s);  // past nimbus.task.launch.secs; the heartbeat is first seen now
    beat_supervisor("sup-a");
    EXPECT_EQ(monitor.reschedule(), 0);
    advance(20s);
    beat_supervisor("sup-a");
    EXPECT_EQ(monitor.reschedule(), 0);  // unchanged for 20 s < 30 s
    advance(20s);
    beat_supervisor("sup-a");
    EXPECT_EQ(monitor.reschedule(), 1);  // unchanged for 40 s
    EXPECT_EQ(slots_of(id), (std::set<worker_slot>{{"sup-a", slot.port == 6700 ? 6701 : 6700}}));
}

TEST_F(assignment_monitor_test, gives_a_worker_without_heartbeat_the_launch_time) {
    add_supervisor("sup-a", {6700, 6701});
    auto id = store_topology("wc", R"({"topology.workers": 1})");
    ASSERT_EQ(monitor.reschedule(), 1);
    auto before = slots_of(id);
    for (int i = 0; i < 5; ++i) {
        advance(20s);
        beat_supervisor("sup-a");
        EXPECT_EQ(monitor.reschedule(), 0) << "at " << (i + 1) * 20 << " s";
    }
    advance(20s);  // 120 s: nimbus.task.launch.secs
    beat_supervisor("sup-a");
    EXPECT_EQ(monitor.reschedule(), 1);
    EXPECT_NE(slots_of(id), before);
    // Dead for that round only: the next round may use it again, and new executors have a
    // launch time of their own.
    advance(20s);
    beat_supervisor("sup-a");
    EXPECT_EQ(monitor.reschedule(), 0);
}

TEST_F(assignment_monitor_test, does_not_offer_a_supervisor_whose_record_froze) {
    add_supervisor("sup-a", {6700});
    auto id = store_topology("wc", R"({"topology.workers": 1})");
    ASSERT_EQ(monitor.reschedule(), 1);
    add_supervisor("sup-b", {6700});
    for (int i = 0; i < 2; ++i) {
        advance(20s);
        beat_supervisor("sup-b");
        beat_worker(id, "sup-a", 6700);
        EXPECT_EQ(monitor.reschedule(), 0);  // unchanged for less than 60 s: still offered
    }
    advance(20s);
    beat_supervisor("sup-b");
    beat_worker(id, "sup-a", 6700);  // its workers may go on; the supervisor is what froze
    auto offered = monitor.live_supervisors();
    ASSERT_EQ(offered.size(), 1U);
    EXPECT_EQ(offered[0].node, "sup-b");
    EXPECT_EQ(monitor.reschedule(), 1);
    EXPECT_EQ(slots_of(id), (std::set<worker_slot>{{"sup-b", 6700}}));
}

TEST_F(assignment_monitor_test, moves_executors_off_vanished_supervisors) {
    add_supervisor("sup-a", {6700});
    auto id = store_topology("wc", R"({"topology.workers": 1})");
    ASSERT_EQ(monitor.reschedule(), 1);
    add_supervisor("sup-b", {6700});
    ASSERT_TRUE(state.remove(paths.supervisor("sup-a")));
    EXPECT_EQ(monitor.reschedule(), 1);
    EXPECT_EQ(slots_of(id), (std::set<worker_slot>{{"sup-b", 6700}}));
}

TEST_F(assignment_monitor_test, a_rebalanced_topology_is_spread_over_the_new_worker_count) {
    add_supervisor("sup-a", {6700, 6701});
    add_supervisor("sup-b", {6700, 6701});
    auto id = store_topology("wc", R"({"topology.workers": 1})");
    ASSERT_EQ(monitor.reschedule(), 1);
    auto base = *store.read(id);
    base.num_workers = 2;
    store.write(id, base);
    EXPECT_EQ(monitor.reschedule(), 0);  // existing placements stay valid
    EXPECT_EQ(slots_of(id).size(), 1U);
    EXPECT_EQ(monitor.reschedule(&id), 1);
    auto slots = slots_of(id);
    ASSERT_EQ(slots.size(), 2U);
    EXPECT_NE(slots.begin()->node, std::next(slots.begin())->node);  // across nodes
    EXPECT_EQ(monitor.reschedule(&id), 0);  // already even: nothing to write
}

TEST_F(assignment_monitor_test, rebalancing_one_component_leaves_the_other_workers_as_they_are) {
    add_supervisor("sup-a", {6700, 6701});
    add_supervisor("sup-b", {6700, 6701});
    // count: tasks 1-4 in [1-2] [3-4]; words: [5] [6]; ackers: [7] [8] [9].
    auto id = store_topology("wc", R"({"topology.workers": 3})");
    ASSERT_EQ(monitor.reschedule(), 1);
    const assignment before = *assignment_of(id);
    ASSERT_EQ(before.executor_slot.size(), 7U);
    ASSERT_EQ(before.slots().size(), 3U);

    // -e count=1: count's executors become [1-4]; its tasks and every other component's
    // executors stay as they were.
    auto base = *store.read(id);
    base.component_executors["count"] = 1;
    store.write(id, base);
    auto now_executors = store.executors(id, base);
    const std::set<executor_id> after_ex(now_executors.begin(), now_executors.end());
    EXPECT_EQ(after_ex, (std::set<executor_id>{{1, 4}, {5, 5}, {6, 6}, {7, 7}, {8, 8}, {9, 9}}));
    advance(10s);
    ASSERT_EQ(monitor.reschedule(&id), 1);
    const assignment after = *assignment_of(id);
    EXPECT_EQ(after.executor_slot.size(), 6U);
    EXPECT_EQ(after.slots().size(), 3U);
    auto on = [](const assignment& a, const worker_slot& slot) {
        std::set<executor_id> out;
        for (const auto& [e, s] : a.executor_slot) {
            if (s == slot) {
                out.insert(e);
            }
        }
        return out;
    };
    const std::set<worker_slot> had_count = {before.executor_slot.at({1, 2}),
                                             before.executor_slot.at({3, 4})};
    ASSERT_EQ(had_count.size(), 2U);  // spread: the two count executors on two workers
    int untouched = 0;
    for (const auto& slot : before.slots()) {
        if (had_count.contains(slot)) {
            continue;
        }
        ++untouched;
        EXPECT_EQ(on(after, slot), on(before, slot)) << slot.node << ":" << slot.port;
        for (const auto& e : on(after, slot)) {
            EXPECT_EQ(after.start_time_secs.at(e), before.start_time_secs.at(e));
        }
    }
    EXPECT_EQ(untouched, 1);
    // The new count executor joined a worker that held count's executors, not the other one.
    EXPECT_TRUE(had_count.contains(after.executor_slot.at({1, 4})));
    EXPECT_EQ(after.start_time_secs.at({1, 4}), unix_now);
}

}  // namespace
}  // namespace tempest::nimbus
