// SPDX-License-Identifier: Apache-2.0
#include "tempest/nimbus/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
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

std::set<executor_id> on(const assignment& a, const worker_slot& s) {
    std::set<executor_id> out;
    for (const auto& [e, slot] : a.executor_slot)
        if (slot == s)
            out.insert(e);
    return out;
}

// Executors placed in both `before` and `after`, on different slots.
int moved(const assignment& before, const assignment& after) {
    int n = 0;
    for (const auto& [e, slot] : after.executor_slot) {
        auto it = before.executor_slot.find(e);
        if (it != before.executor_slot.end() && it->second != slot)
            ++n;
    }
    return n;
}

// The fewest executors of `before` that must move to reach an even layout of `n` executors
// over `k` slots, when only the slots in `usable` may keep theirs and only the executors in
// `wanted` still exist: the k fullest slots keep up to their share, ceil shares to the fullest.
int fewest_moves(const assignment& before, const std::set<executor_id>& wanted,
                 const std::set<worker_slot>& usable, int n, int k) {
    std::map<worker_slot, int> kept;
    int movable = 0;
    for (const auto& [e, slot] : before.executor_slot) {
        if (!wanted.contains(e))
            continue;
        ++movable;
        if (usable.contains(slot))
            ++kept[slot];
    }
    std::vector<int> counts;
    for (const auto& [s, c] : kept)
        counts.push_back(c);
    std::sort(counts.rbegin(), counts.rend());
    int stay = 0;
    for (int i = 0; i < k && i < static_cast<int>(counts.size()); ++i)
        stay += std::min(counts[i], n / k + (i < n % k ? 1 : 0));
    return movable - stay;
}

// Every slot holds floor(n/k) or ceil(n/k) executors, on `k` slots.
void expect_even(const assignment& a, std::size_t k) {
    auto load = per_slot(a);
    EXPECT_EQ(load.size(), k);
    int lo = a.executor_slot.size(), hi = 0;
    for (const auto& [s, c] : load) {
        lo = std::min(lo, c);
        hi = std::max(hi, c);
    }
    EXPECT_LE(hi - lo, 1);
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

TEST(scheduler_test, the_orphans_of_a_dead_slot_avoid_its_node_while_another_has_room) {
    // One worker per node, each node with a spare port; a's worker is dead (a cut off from the
    // network, say, while its supervisor's session lives on): its executors go to a new worker
    // on b or c, not to a's spare port.
    auto sups = supervisors({"a", "b", "c"}, {1, 2});
    auto first = schedule({{"t", 3, executors(9), {}}}, sups, {}, 100);
    ASSERT_EQ(first.at("t").slots(), (std::vector<worker_slot>{{"a", 1}, {"b", 1}, {"c", 1}}));
    worker_slot dead{"a", 1};
    auto second = schedule({{"t", 3, executors(9), {dead}}}, sups, first, 200);
    const assignment& a = second.at("t");
    EXPECT_EQ(a.executor_slot.size(), 9u);
    for (const auto& [e, slot] : a.executor_slot) {
        EXPECT_NE(slot.node, "a") << "executor " << e.start_task << " stayed on node a";
    }
    EXPECT_EQ(a.slots().size(), 3u);
    EXPECT_EQ(on(a, {"b", 1}), on(first.at("t"), {"b", 1})) << "a live worker was disturbed";
    EXPECT_EQ(on(a, {"c", 1}), on(first.at("t"), {"c", 1})) << "a live worker was disturbed";

    // With no room elsewhere, the dead slot's node is used after all.
    std::vector<supervisor_offer> tight = {{"a", "a.example", {1, 2}}, {"b", "b.example", {1}}};
    auto one = schedule({{"t", 2, executors(4), {}}}, tight, {}, 100);
    ASSERT_EQ(one.at("t").slots(), (std::vector<worker_slot>{{"a", 1}, {"b", 1}}));
    auto two = schedule({{"t", 2, executors(4), {dead}}}, tight, one, 200);
    EXPECT_EQ(two.at("t").slots(), (std::vector<worker_slot>{{"a", 2}, {"b", 1}}));
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

TEST(scheduler_test, the_orphans_of_a_lost_node_fill_free_slots_and_leave_live_workers_alone) {
    // One worker per node, three executors each; every node has a spare port.
    auto sups = supervisors({"a", "b", "c"}, {1, 2});
    auto first = schedule({{"t", 3, executors(9), {}, false}}, sups, {}, 100);
    const assignment& before = first.at("t");
    ASSERT_EQ(before.slots(), (std::vector<worker_slot>{{"a", 1}, {"b", 1}, {"c", 1}}));
    // Node c is lost.
    auto second =
        schedule({{"t", 3, executors(9), {}, false}}, supervisors({"a", "b"}, {1, 2}), first, 200);
    const assignment& after = second.at("t");
    EXPECT_EQ(after.executor_slot.size(), 9u);
    for (const worker_slot& live : {worker_slot{"a", 1}, worker_slot{"b", 1}}) {
        EXPECT_EQ(on(after, live), on(before, live)) << live.node << " changed";
        for (const auto& e : on(after, live))
            EXPECT_EQ(after.start_time_secs.at(e), 100);
    }
    // All three orphans went to one fresh worker, as the lost one.
    auto load = per_slot(after);
    EXPECT_EQ(load.size(), 3u);
    EXPECT_EQ(moved(before, after), 3);
    for (const auto& e : on(before, {"c", 1}))
        EXPECT_EQ(after.start_time_secs.at(e), 200);
}

TEST(scheduler_test, orphans_are_spread_evenly_over_survivors_and_nodes_when_no_slot_is_free) {
    auto sups = supervisors({"a", "b", "c", "d"}, {1, 2});
    auto first = schedule({{"t", 8, executors(16), {}, false}}, sups, {}, 100);
    ASSERT_EQ(per_slot(first.at("t")).size(), 8u);
    auto second = schedule({{"t", 8, executors(16), {}, false}},
                           supervisors({"a", "b", "c"}, {1, 2}), first, 200);
    const assignment& after = second.at("t");
    EXPECT_EQ(after.executor_slot.size(), 16u);
    expect_even(after, 6);  // 16 over 6: 2 or 3 each
    std::set<worker_slot> receivers;
    std::set<std::string> nodes;
    for (const auto& e : on(first.at("t"), {"d", 1})) {
        receivers.insert(after.executor_slot.at(e));
        nodes.insert(after.executor_slot.at(e).node);
    }
    for (const auto& e : on(first.at("t"), {"d", 2})) {
        receivers.insert(after.executor_slot.at(e));
        nodes.insert(after.executor_slot.at(e).node);
    }
    EXPECT_EQ(receivers.size(), 4u);  // fewest first: one orphan per worker
    EXPECT_EQ(nodes.size(), 3u);      // and over every node left
    EXPECT_EQ(moved(first.at("t"), after), 4);
}

TEST(scheduler_test, scheduling_an_unchanged_cluster_changes_nothing) {
    auto sups = supervisors({"a", "b", "c"}, {1, 2, 3});
    std::vector<topology_request> ts = {{"t1", 4, executors(11), {}, false},
                                        {"t2", 3, executors(5), {}, false}};
    auto r = schedule(ts, sups, {}, 100);
    for (int round = 0; round < 3; ++round) {
        auto again = schedule(ts, sups, r, 200 + round);
        EXPECT_EQ(again, r) << "round " << round;
    }
    // After a loss, the new layout is as stable.
    auto smaller = supervisors({"a", "b"}, {1, 2, 3});
    auto lost = schedule(ts, smaller, r, 300);
    EXPECT_EQ(schedule(ts, smaller, lost, 400), lost);
    // A rebalance that asks for the layout it already has changes nothing either.
    std::vector<topology_request> rb = {{"t1", 4, executors(11), {}, true},
                                        {"t2", 3, executors(5), {}, true}};
    EXPECT_EQ(schedule(rb, sups, r, 500), r);
}

TEST(scheduler_test, rebalance_of_one_component_leaves_workers_without_it_untouched) {
    // Component A: executors [1]..[6]; component X: [7-8] and [9-10] (4 tasks, 2 executors).
    auto sups = supervisors({"a", "b"}, {1, 2});
    std::vector<executor_id> before_ex = executors(6);
    before_ex.push_back({7, 8});
    before_ex.push_back({9, 10});
    assignment before;
    auto place = [&](const executor_id& e, worker_slot s) {
        before.executor_slot[e] = s;
        before.start_time_secs[e] = 100;
        before.node_host[s.node] = s.node + ".example";
    };
    place({1, 1}, {"a", 1});
    place({5, 5}, {"a", 1});
    place({2, 2}, {"b", 1});
    place({6, 6}, {"b", 1});
    place({3, 3}, {"a", 2});
    place({7, 8}, {"a", 2});
    place({4, 4}, {"b", 2});
    place({9, 10}, {"b", 2});
    ASSERT_EQ(schedule({{"t", 4, before_ex, {}, false}}, sups, {{"t", before}}, 150).at("t"),
              before);

    // -e X=4: X's executors become [7]..[10]; 10 executors over 4 workers.
    std::vector<executor_id> after_ex = executors(10);
    auto r = schedule({{"t", 4, after_ex, {}, true}}, sups, {{"t", before}}, 200);
    const assignment& after = r.at("t");
    EXPECT_EQ(after.executor_slot.size(), 10u);
    expect_even(after, 4);
    for (const worker_slot& untouched : {worker_slot{"a", 1}, worker_slot{"b", 1}}) {
        EXPECT_EQ(on(after, untouched), on(before, untouched)) << untouched.node;
        for (const auto& e : on(after, untouched))
            EXPECT_EQ(after.start_time_secs.at(e), 100);
    }
    // The new X executors went where X was; A's executors there stayed.
    EXPECT_TRUE(on(after, {"a", 2}).contains({3, 3}));
    EXPECT_TRUE(on(after, {"b", 2}).contains({4, 4}));
    EXPECT_EQ(moved(before, after), 0);

    // Back to -e X=1 (one executor [7-10]): 7 executors, 2 or 1 per worker; only X's worker
    // changes.
    std::vector<executor_id> one_x = executors(6);
    one_x.push_back({7, 10});
    auto back = schedule({{"t", 4, one_x, {}, true}}, sups, r, 300).at("t");
    expect_even(back, 4);
    int changed = 0;
    for (const worker_slot& s : after.slots())
        changed += on(back, s) != on(after, s) ? 1 : 0;
    EXPECT_LE(changed, 2);  // the two that held X's executors, no other
    EXPECT_EQ(on(back, {"a", 1}), on(after, {"a", 1}));
    EXPECT_EQ(on(back, {"b", 1}), on(after, {"b", 1}));
}

// Executors moved by the stable rebalance and by dropping the old assignment (scheduling from
// scratch, as Nimbus did before).
struct rebalance_moves {
    int stable = 0;
    int scratch = 0;
    int fewest = 0;
};

rebalance_moves rebalance_workers(const std::vector<supervisor_offer>& sups, int n, int from,
                                  int to) {
    auto first = schedule({{"t", from, executors(n), {}, false}}, sups, {}, 100);
    EXPECT_EQ(first.at("t").slots().size(), static_cast<std::size_t>(from));
    auto stable = schedule({{"t", to, executors(n), {}, true}}, sups, first, 200);
    auto scratch = schedule({{"t", to, executors(n), {}, false}}, sups, {}, 200);
    expect_even(stable.at("t"), static_cast<std::size_t>(to));
    expect_even(scratch.at("t"), static_cast<std::size_t>(to));
    std::set<worker_slot> all;
    for (const auto& s : sups)
        for (int p : s.ports)
            all.insert({s.node, p});
    auto ex = executors(n);
    return {moved(first.at("t"), stable.at("t")), moved(first.at("t"), scratch.at("t")),
            fewest_moves(first.at("t"), {ex.begin(), ex.end()}, all, n, to)};
}

TEST(scheduler_test, rebalance_to_more_workers_moves_the_fewest_executors) {
    auto sups = supervisors({"a", "b", "c"}, {1, 2});
    auto two_to_four = rebalance_workers(sups, 12, 2, 4);  // 6+6 -> 3+3+3+3
    EXPECT_EQ(two_to_four.fewest, 6);
    EXPECT_EQ(two_to_four.stable, 6);
    EXPECT_GT(two_to_four.scratch, two_to_four.stable);
    auto three_to_six = rebalance_workers(sups, 13, 3, 6);
    EXPECT_EQ(three_to_six.stable, three_to_six.fewest);
    EXPECT_LE(three_to_six.stable, three_to_six.scratch);
}

TEST(scheduler_test, rebalance_to_fewer_workers_moves_the_fewest_executors) {
    auto sups = supervisors({"a", "b", "c"}, {1, 2});
    auto four_to_two = rebalance_workers(sups, 12, 4, 2);  // two workers' executors move
    EXPECT_EQ(four_to_two.fewest, 6);
    EXPECT_EQ(four_to_two.stable, 6);
    EXPECT_LE(four_to_two.stable, four_to_two.scratch);
    auto four_to_three = rebalance_workers(sups, 12, 4, 3);  // one worker's three move
    EXPECT_EQ(four_to_three.stable, 3);
    EXPECT_EQ(four_to_three.fewest, 3);
    EXPECT_GT(four_to_three.scratch, four_to_three.stable);
    auto six_to_five = rebalance_workers(sups, 17, 6, 5);
    EXPECT_EQ(six_to_five.stable, six_to_five.fewest);
}

// Random clusters, losses and rebalances: the invariants hold every time.
TEST(scheduler_test, random_losses_and_rebalances_keep_live_workers_and_move_the_fewest) {
    std::mt19937 rng(16);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int round = 0; round < 300; ++round) {
        int nodes = pick(1, 5);
        std::vector<std::string> names;
        for (int i = 0; i < nodes; ++i)
            names.push_back(std::string(1, static_cast<char>('a' + i)));
        std::vector<int> ports;
        for (int p = 1; p <= pick(1, 4); ++p)
            ports.push_back(p);
        auto sups = supervisors(names, ports);
        int n = pick(1, 40);
        int workers = pick(1, 10);
        auto first = schedule({{"t", workers, executors(n), {}, false}}, sups, {}, 100);
        const assignment& a = first.at("t");
        ASSERT_EQ(a.executor_slot.size(), static_cast<std::size_t>(n));

        // Lose a node (if more than one): live workers keep their executors, the layout stays
        // within one executor of even over the slots used, when a slot was free for each orphan
        // worker nothing else changes.
        if (nodes > 1) {
            std::string lost = names[pick(0, nodes - 1)];
            std::vector<std::string> left;
            for (const auto& s : names)
                if (s != lost)
                    left.push_back(s);
            auto smaller = supervisors(left, ports);
            auto after = schedule({{"t", workers, executors(n), {}, false}}, smaller, first, 200);
            const assignment& b = after.at("t");
            ASSERT_EQ(b.executor_slot.size(), static_cast<std::size_t>(n)) << "round " << round;
            int lost_slots = 0;
            for (const worker_slot& s : a.slots())
                lost_slots += s.node == lost ? 1 : 0;
            int free_left = static_cast<int>(left.size() * ports.size()) -
                            (static_cast<int>(a.slots().size()) - lost_slots);
            for (const auto& [e, slot] : a.executor_slot) {
                if (slot.node != lost) {
                    EXPECT_EQ(b.executor_slot.at(e), slot) << "round " << round;
                }
            }
            if (free_left >= lost_slots) {
                for (const worker_slot& s : a.slots()) {
                    if (s.node != lost) {
                        EXPECT_EQ(on(b, s), on(a, s)) << "round " << round;
                    }
                }
            }
            EXPECT_EQ(schedule({{"t", workers, executors(n), {}, false}}, smaller, after, 300),
                      after)
                << "round " << round;
        }

        // Rebalance to another worker count and executor count.
        int n2 = pick(1, 40);
        int workers2 = pick(1, 10);
        auto rb = schedule({{"t", workers2, executors(n2), {}, true}}, sups, first, 400);
        const assignment& c = rb.at("t");
        ASSERT_EQ(c.executor_slot.size(), static_cast<std::size_t>(n2)) << "round " << round;
        int total_slots = nodes * static_cast<int>(ports.size());
        std::size_t k = static_cast<std::size_t>(std::min({workers2, total_slots, n2}));
        expect_even(c, k);
        std::set<worker_slot> all;
        for (const auto& s : sups)
            for (int p : s.ports)
                all.insert({s.node, p});
        auto ex = executors(n2);
        int kk = std::min(workers2, total_slots);
        EXPECT_EQ(moved(a, c), fewest_moves(a, {ex.begin(), ex.end()}, all, n2, kk))
            << "round " << round << ": " << n << " executors on " << workers << " -> " << n2
            << " on " << workers2 << " (" << nodes << " nodes x " << ports.size() << ")";
        EXPECT_EQ(schedule({{"t", workers2, executors(n2), {}, true}}, sups, rb, 500), rb)
            << "round " << round;
    }
}

TEST(scheduler_test, no_supervisors_means_an_empty_assignment) {
    auto r = schedule({{"t", 2, executors(3)}}, {}, {}, 1);
    EXPECT_TRUE(r.at("t").executor_slot.empty());
}

}  // namespace
}  // namespace tempest::nimbus
