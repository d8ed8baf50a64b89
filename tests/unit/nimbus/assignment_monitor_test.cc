// SPDX-License-Identifier: Apache-2.0
// assignment_monitor over the in-memory cluster state with fake clocks: first assignments,
// nothing rewritten while all is alive, executors moving off dead workers (after the launch
// grace), off timed-out and vanished supervisors, and rebalances from scratch.
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

TEST_F(assignment_monitor_test, a_topology_rescheduled_from_scratch_is_spread_anew) {
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
}

}  // namespace
}  // namespace tempest::nimbus
