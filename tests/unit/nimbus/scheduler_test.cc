// SPDX-License-Identifier: Apache-2.0
#include "tempest/nimbus/scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace tempest::nimbus {
namespace {

std::vector<executor_id> executors(int n) {
    std::vector<executor_id> out;
    for (int i = 1; i <= n; ++i)
        out.push_back({i, i});
    return out;
}

std::vector<supervisor_offer> supervisors(std::vector<std::string> nodes, std::vector<int> ports) {
    std::vector<supervisor_offer> out;
    for (const auto& n : nodes)
        out.push_back({n, n + ".example", ports});
    return out;
}

std::map<worker_slot, int> per_slot(const assignment& a) {
    std::map<worker_slot, int> out;
    for (const auto& [e, s] : a.executor_slot)
        ++out[s];
    return out;
}

TEST(scheduler_test, spreads_executors_evenly_over_workers_on_different_nodes) {
    auto sups = supervisors({"a", "b", "c"}, {6700, 6701});
    auto r = schedule({{"t1", 4, executors(12)}}, sups, {}, 100);
    const assignment& a = r.at("t1");
    EXPECT_EQ(a.executor_slot.size(), 12u);
    auto load = per_slot(a);
    ASSERT_EQ(load.size(), 4u);
    for (const auto& [slot, n] : load)
        EXPECT_EQ(n, 3) << slot.node << ":" << slot.port;
    std::map<std::string, int> per_node;
    for (const auto& [slot, n] : load)
        ++per_node[slot.node];
    EXPECT_EQ(per_node.size(), 3u);  // nodes interleaved: a, b, c, then a again
    EXPECT_EQ(a.node_host.at("a"), "a.example");
    for (const auto& [e, t] : a.start_time_secs)
        EXPECT_EQ(t, 100);
}

TEST(scheduler_test, moves_only_the_executors_of_a_vanished_supervisor) {
    auto sups = supervisors({"a", "b"}, {6700, 6701});
    auto first = schedule({{"t1", 2, executors(6)}}, sups, {}, 100);
    ASSERT_EQ(first.at("t1").slots().size(), 2u);
    // Supervisor "b" disappears; a third one arrives.
    auto second =
        schedule({{"t1", 2, executors(6)}}, supervisors({"a", "c"}, {6700, 6701}), first, 200);
    const assignment& a = second.at("t1");
    EXPECT_EQ(a.executor_slot.size(), 6u);
    for (const auto& [e, slot] : a.executor_slot) {
        EXPECT_NE(slot.node, "b");
        const worker_slot& before = first.at("t1").executor_slot.at(e);
        if (before.node == "a") {
            EXPECT_EQ(slot, before) << "executor " << e.start_task << " moved needlessly";
            EXPECT_EQ(a.start_time_secs.at(e), 100);
        } else {
            EXPECT_EQ(a.start_time_secs.at(e), 200);
        }
    }
    EXPECT_EQ(a.slots().size(), 2u);
}

TEST(scheduler_test, never_shares_a_slot_between_topologies_and_frees_killed_ones) {
    auto sups = supervisors({"a"}, {1, 2, 3});
    auto r = schedule({{"t1", 2, executors(4)}, {"t2", 2, executors(4)}}, sups, {}, 1);
    std::vector<worker_slot> t1_slots = r.at("t1").slots();
    std::set<worker_slot> t1(t1_slots.begin(), t1_slots.end());
    for (const worker_slot& s : r.at("t2").slots())
        EXPECT_FALSE(t1.contains(s));
    EXPECT_EQ(t1.size(), 2u);
    EXPECT_EQ(r.at("t2").slots().size(), 1u);  // only one slot was left
    EXPECT_EQ(r.at("t2").executor_slot.size(), 4u);

    // t1 is killed: t2 keeps its slot; a new t3 can use t1's.
    auto r2 = schedule({{"t2", 2, executors(4)}, {"t3", 2, executors(2)}}, sups, r, 2);
    EXPECT_FALSE(r2.contains("t1"));
    EXPECT_EQ(r2.at("t2").executor_slot, r.at("t2").executor_slot);
    EXPECT_EQ(r2.at("t3").slots().size(), 2u);
}

TEST(scheduler_test, rebalance_to_more_workers_respreads_when_the_old_assignment_is_dropped) {
    auto sups = supervisors({"a", "b"}, {1, 2});
    auto one = schedule({{"t", 1, executors(8)}}, sups, {}, 1);
    EXPECT_EQ(one.at("t").slots().size(), 1u);
    auto four = schedule({{"t", 4, executors(8)}}, sups, {}, 2);  // rebalance: start afresh
    auto load = per_slot(four.at("t"));
    EXPECT_EQ(load.size(), 4u);
    for (const auto& [slot, n] : load)
        EXPECT_EQ(n, 2);
}

TEST(scheduler_test, executors_on_a_dead_slot_move_to_another_free_slot) {
    auto sups = supervisors({"a", "b"}, {1, 2});
    auto first = schedule({{"t", 2, executors(6), {}}}, sups, {}, 100);
    std::vector<worker_slot> before = first.at("t").slots();
    ASSERT_EQ(before.size(), 2u);  // a:1 and b:1
    worker_slot dead{"b", 1};
    ASSERT_EQ(before[1], dead);

    auto second = schedule({{"t", 2, executors(6), {dead}}}, sups, first, 200);
    const assignment& a = second.at("t");
    EXPECT_EQ(a.executor_slot.size(), 6u);
    for (const auto& [e, slot] : a.executor_slot) {
        const worker_slot& old = first.at("t").executor_slot.at(e);
        if (old == dead) {
            EXPECT_NE(slot, dead) << "executor " << e.start_task << " stayed on the dead slot";
            EXPECT_NE(slot, (worker_slot{"a", 1})) << "the live slot is not a new one";
            EXPECT_EQ(a.start_time_secs.at(e), 200);
        } else {
            EXPECT_EQ(slot, old) << "executor " << e.start_task << " moved needlessly";
            EXPECT_EQ(a.start_time_secs.at(e), 100);
        }
    }
    EXPECT_EQ(a.slots().size(), 2u);
    EXPECT_EQ(per_slot(a).count(dead), 0u);
}

TEST(scheduler_test, a_dead_slot_is_not_reused_in_the_same_round_even_when_it_is_the_only_one) {
    auto sups = supervisors({"a"}, {1, 2});
    auto first = schedule({{"t", 2, executors(4), {}}}, sups, {}, 100);
    ASSERT_EQ(first.at("t").slots().size(), 2u);
    worker_slot dead{"a", 1};

    // Wants two workers, has one live slot left and no free one: everything goes there.
    auto second = schedule({{"t", 2, executors(4), {dead}}}, sups, first, 200);
    EXPECT_EQ(second.at("t").slots(), (std::vector<worker_slot>{{"a", 2}}));
    EXPECT_EQ(second.at("t").executor_slot.size(), 4u);

    // A topology with only dead slots and nowhere else to go is left without them this round.
    auto alone = schedule({{"t", 1, executors(2), {}}}, supervisors({"a"}, {1}), {}, 100);
    auto stuck = schedule({{"t", 1, executors(2), {dead}}}, supervisors({"a"}, {1}), alone, 200);
    EXPECT_TRUE(stuck.at("t").executor_slot.empty());
}

TEST(scheduler_test, another_topology_may_use_a_slot_dead_for_one) {
    auto sups = supervisors({"a"}, {1, 2});
    auto first = schedule({{"t1", 1, executors(2), {}}}, sups, {}, 100);
    ASSERT_EQ(first.at("t1").slots(), (std::vector<worker_slot>{{"a", 1}}));
    auto second = schedule({{"t1", 1, executors(2), {{"a", 1}}}, {"t2", 1, executors(2), {}}},
                           supervisors({"a"}, {1, 2}), first, 200);
    EXPECT_EQ(second.at("t1").slots(), (std::vector<worker_slot>{{"a", 2}}));
    EXPECT_EQ(second.at("t2").slots(), (std::vector<worker_slot>{{"a", 1}}));
}

TEST(scheduler_test, no_dead_slots_leaves_the_assignment_unchanged) {
    auto sups = supervisors({"a", "b"}, {1, 2});
    auto first = schedule({{"t", 3, executors(7), {}}}, sups, {}, 100);
    auto second = schedule({{"t", 3, executors(7), {}}}, sups, first, 200);
    EXPECT_EQ(second.at("t"), first.at("t"));
}

TEST(scheduler_test, no_supervisors_means_an_empty_assignment) {
    auto r = schedule({{"t", 2, executors(3)}}, {}, {}, 1);
    EXPECT_TRUE(r.at("t").executor_slot.empty());
}

}  // namespace
}  // namespace tempest::nimbus
