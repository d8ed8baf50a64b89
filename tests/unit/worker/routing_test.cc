// SPDX-License-Identifier: Apache-2.0
// routing: each grouping's choice of target tasks, tested alone on a hand-built edge (as Heron
// tests each grouping in its own test), and the stream lookup of task_routes.
#include "executor/routing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::worker {
namespace {

edge_plan make_plan(grouping_type type, std::vector<int> targets,
                    std::vector<int> field_positions = {}) {
    edge_plan e;
    e.group.type = type;
    e.targets = std::move(targets);
    e.field_positions = std::move(field_positions);
    return e;
}

// The targets one emit of `v` goes to. Also checks the count for_each_target returns (the
// tuples the emit transfers) against the targets it called back.
std::vector<int> route(edge_route& r, const values& v, int direct = -1) {
    std::vector<int> scratch;
    std::vector<int> out;
    std::size_t n = for_each_target(r, 1, v, direct, scratch, [&](int t) { out.push_back(t); });
    EXPECT_EQ(n, out.size()) << "transferred count of grouping "
                             << static_cast<int>(r.plan->group.type);
    return out;
}

TEST(routing_test, shuffle_sends_each_tuple_to_one_target_and_spreads_evenly) {
    edge_plan p = make_plan(grouping_type::shuffle, {4, 5, 6, 7});
    edge_route r = make_edge_route(p, 1, {});
    std::map<int, int> count;
    for (int i = 0; i < 400; ++i) {
        std::vector<int> got = route(r, values{i});
        ASSERT_EQ(got.size(), 1u);
        ++count[got[0]];
    }
    // Round robin over a shuffled order: exactly even, every target used.
    EXPECT_EQ(count, (std::map<int, int>{{4, 100}, {5, 100}, {6, 100}, {7, 100}}));
}

TEST(routing_test, shuffle_order_depends_only_on_the_producing_task) {
    edge_plan p = make_plan(grouping_type::shuffle, {1, 2, 3, 4, 5, 6, 7, 8});
    edge_route a = make_edge_route(p, 3, {});
    edge_route b = make_edge_route(p, 3, {});
    std::vector<int> order = a.order;
    std::sort(order.begin(), order.end());
    EXPECT_EQ(order, p.targets);
    EXPECT_EQ(a.order, b.order);
    for (int i = 0; i < 16; ++i) {
        EXPECT_EQ(route(a, values{i}), route(b, values{i}));
    }
}

TEST(routing_test, none_grouping_behaves_as_shuffle) {
    edge_plan p = make_plan(grouping_type::none, {2, 3});
    edge_route r = make_edge_route(p, 1, {});
    std::map<int, int> count;
    for (int i = 0; i < 10; ++i) {
        ++count[route(r, values{i}).at(0)];
    }
    EXPECT_EQ(count, (std::map<int, int>{{2, 5}, {3, 5}}));
}

TEST(routing_test, fields_sends_equal_keys_to_the_same_target) {
    edge_plan p = make_plan(grouping_type::fields, {10, 11, 12, 13, 14}, {1});
    edge_route r = make_edge_route(p, 1, {});
    std::map<std::string, int> target_of;
    std::set<int> used;
    for (int i = 0; i < 500; ++i) {
        std::string key = std::to_string(i % 50) + " word";
        // Field 0 differs on every tuple; only field 1 is the key.
        std::vector<int> got = route(r, values{i, key});
        ASSERT_EQ(got.size(), 1u);
        auto [it, fresh] = target_of.emplace(key, got[0]);
        EXPECT_EQ(it->second, got[0]) << key;
        used.insert(got[0]);
    }
    // 50 keys over 5 targets: every target gets some.
    EXPECT_EQ(used, (std::set<int>{10, 11, 12, 13, 14}));
}

TEST(routing_test, fields_on_the_first_value_routes_as_the_hash_of_its_position) {
    // An edge keyed on the first value alone reads its hash from the encoded bytes; the task
    // must be the one the general path (hash_value by position) and the pinned hash choose.
    for (grouping_type type : {grouping_type::fields, grouping_type::partial_key}) {
        edge_plan p = make_plan(type, {3, 4, 5, 6, 7}, {0});
        edge_route fast = make_edge_route(p, 1, {});
        edge_route general = make_edge_route(p, 1, {});
        ASSERT_TRUE(fast.first_value_key);
        general.first_value_key = false;
        for (int i = 0; i < 300; ++i) {
            values v{"key " + std::to_string(i % 40), i};
            EXPECT_EQ(route(fast, v), route(general, v)) << v.to_string();
            if (type == grouping_type::fields) {
                std::size_t pos = reduce_range(hash_value(v, 0, 0), p.targets.size());
                EXPECT_EQ(route(fast, v), std::vector<int>{p.targets[pos]});
            }
        }
        // A first value of another type goes the general way, with the same result.
        EXPECT_EQ(route(fast, values{std::int64_t{9}}), route(general, values{std::int64_t{9}}));
    }
    // The key on another position, or on two, is not read from the first value.
    EXPECT_FALSE(
        make_edge_route(make_plan(grouping_type::fields, {1, 2}, {1}), 1, {}).first_value_key);
    EXPECT_FALSE(
        make_edge_route(make_plan(grouping_type::fields, {1, 2}, {0, 1}), 1, {}).first_value_key);
}

TEST(routing_test, picks_one_for_exactly_the_one_target_groupings) {
    for (grouping_type t :
         {grouping_type::shuffle, grouping_type::none, grouping_type::local_or_shuffle,
          grouping_type::fields, grouping_type::global, grouping_type::partial_key}) {
        EXPECT_TRUE(picks_one(t)) << static_cast<int>(t);
    }
    for (grouping_type t : {grouping_type::all, grouping_type::direct, grouping_type::custom}) {
        EXPECT_FALSE(picks_one(t)) << static_cast<int>(t);
    }
}

TEST(routing_test, fields_uses_every_key_position) {
    edge_plan p = make_plan(grouping_type::fields, {1, 2, 3, 4, 5, 6, 7, 8}, {0, 1});
    edge_route r = make_edge_route(p, 1, {});
    // With a constant first field, the second one must still spread the keys.
    std::set<int> used;
    for (int i = 0; i < 200; ++i) {
        used.insert(route(r, values{"same", i}).at(0));
    }
    EXPECT_GT(used.size(), 1u);
}

TEST(routing_test, all_sends_to_every_target_in_order) {
    edge_plan p = make_plan(grouping_type::all, {3, 4, 5});
    edge_route r = make_edge_route(p, 1, {});
    EXPECT_EQ(route(r, values{1}), (std::vector<int>{3, 4, 5}));
    EXPECT_EQ(route(r, values{2}), (std::vector<int>{3, 4, 5}));
}

TEST(routing_test, global_sends_to_the_lowest_target) {
    edge_plan p = make_plan(grouping_type::global, {7, 8, 9});
    edge_route r = make_edge_route(p, 1, {});
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(route(r, values{i}), (std::vector<int>{7}));
    }
}

TEST(routing_test, local_or_shuffle_prefers_tasks_on_the_same_thread) {
    edge_plan p = make_plan(grouping_type::local_or_shuffle, {1, 2, 3, 4});
    p.local_targets = {1, 2};
    std::vector<int> same_thread{3};
    edge_route r = make_edge_route(p, 1, same_thread);
    for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(route(r, values{i}), (std::vector<int>{3}));
    }
}

TEST(routing_test, local_or_shuffle_prefers_tasks_of_this_worker_then_all) {
    edge_plan p = make_plan(grouping_type::local_or_shuffle, {1, 2, 3, 4});
    p.local_targets = {2, 4};
    edge_route local = make_edge_route(p, 1, {});
    std::map<int, int> count;
    for (int i = 0; i < 8; ++i) {
        ++count[route(local, values{i}).at(0)];
    }
    EXPECT_EQ(count, (std::map<int, int>{{2, 4}, {4, 4}}));

    p.local_targets.clear();  // none of the targets runs in this worker
    edge_route remote = make_edge_route(p, 1, {});
    count.clear();
    for (int i = 0; i < 8; ++i) {
        ++count[route(remote, values{i}).at(0)];
    }
    EXPECT_EQ(count, (std::map<int, int>{{1, 2}, {2, 2}, {3, 2}, {4, 2}}));
}

TEST(routing_test, direct_sends_only_to_the_named_target) {
    edge_plan p = make_plan(grouping_type::direct, {5, 6, 7});
    edge_route r = make_edge_route(p, 1, {});
    EXPECT_EQ(route(r, values{1}, 6), (std::vector<int>{6}));
    EXPECT_EQ(route(r, values{1}, 5), (std::vector<int>{5}));
    EXPECT_EQ(route(r, values{1}, 7), (std::vector<int>{7}));
    // A task this edge does not feed (another consumer's) gets nothing from this edge.
    EXPECT_TRUE(route(r, values{1}, 4).empty());
    EXPECT_TRUE(route(r, values{1}, 8).empty());
}

TEST(routing_test, partial_key_splits_a_hot_key_over_two_targets) {
    edge_plan p = make_plan(grouping_type::partial_key, {1, 2, 3, 4, 5, 6, 7, 8}, {0});
    edge_route r = make_edge_route(p, 1, {});
    std::map<int, int> count;
    for (int i = 0; i < 1000; ++i) {
        ++count[route(r, values{"hot"}).at(0)];
    }
    // The less loaded of the key's two choices each time: at most two targets, evenly loaded
    // (exactly one target when both hashes pick the same one).
    ASSERT_LE(count.size(), 2u);
    if (count.size() == 2) {
        EXPECT_EQ(count.begin()->second, 500);
        EXPECT_EQ(count.rbegin()->second, 500);
    }
}

TEST(routing_test, partial_key_keeps_a_key_on_its_two_choices) {
    edge_plan p = make_plan(grouping_type::partial_key, {1, 2, 3, 4, 5, 6, 7, 8}, {0});
    edge_route r = make_edge_route(p, 1, {});
    std::map<std::string, std::set<int>> targets_of;
    for (int i = 0; i < 2000; ++i) {
        std::string key = std::to_string(i % 20);
        targets_of[key].insert(route(r, values{key}).at(0));
    }
    std::set<int> used;
    for (const auto& [key, targets] : targets_of) {
        EXPECT_LE(targets.size(), 2u) << key;
        used.insert(targets.begin(), targets.end());
    }
    EXPECT_GT(used.size(), 2u);
}

// Chooses the tasks it was built with and remembers the source task it was asked for.
class fake_grouping final : public custom_stream_grouping {
  public:
    explicit fake_grouping(std::vector<int> choice) : _choice(std::move(choice)) {}
    void prepare(const topology_context&, const std::string&, const std::string&,
                 const std::vector<int>&) override {}
    void choose_tasks(int source_task, const values&, std::vector<int>& out) override {
        last_source = source_task;
        out.insert(out.end(), _choice.begin(), _choice.end());
    }
    int last_source = 0;

  private:
    std::vector<int> _choice;
};

TEST(routing_test, custom_sends_to_the_tasks_the_grouping_chooses) {
    edge_plan p = make_plan(grouping_type::custom, {3, 4, 5, 6});
    auto g = std::make_unique<fake_grouping>(std::vector<int>{6, 3});
    fake_grouping* raw = g.get();
    edge_route r = make_edge_route(p, 1, {}, std::move(g));
    std::vector<int> scratch;
    std::vector<int> out;
    EXPECT_EQ(for_each_target(r, 9, values{1}, -1, scratch, [&](int t) { out.push_back(t); }), 2u);
    EXPECT_EQ(out, (std::vector<int>{6, 3}));
    EXPECT_EQ(raw->last_source, 9);
}

TEST(routing_test, custom_choice_outside_the_targets_throws_before_sending_any) {
    edge_plan p = make_plan(grouping_type::custom, {3, 4});
    p.group.custom_class = "bad_grouping";
    edge_route r =
        make_edge_route(p, 1, {}, std::make_unique<fake_grouping>(std::vector<int>{3, 9}));
    std::vector<int> scratch;
    std::vector<int> out;
    try {
        for_each_target(r, 1, values{1}, -1, scratch, [&](int t) { out.push_back(t); });
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("bad_grouping chose task 9"), std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(out.empty());
}

TEST(routing_test, custom_routing_may_nest_inside_its_own_callback) {
    // A chained consumer emits from inside fn(): the inner routing must not clobber the outer
    // choice, which lives in the lent scratch vector.
    edge_plan p = make_plan(grouping_type::custom, {1, 2, 3});
    edge_route outer =
        make_edge_route(p, 1, {}, std::make_unique<fake_grouping>(std::vector<int>{1, 2}));
    edge_route inner =
        make_edge_route(p, 1, {}, std::make_unique<fake_grouping>(std::vector<int>{3}));
    std::vector<int> scratch;
    std::vector<int> out;
    for_each_target(outer, 1, values{1}, -1, scratch, [&](int t) {
        out.push_back(t);
        for_each_target(inner, 1, values{2}, -1, scratch, [&](int u) { out.push_back(u); });
    });
    EXPECT_EQ(out, (std::vector<int>{1, 3, 2, 3}));
}

// ---- task_routes

class task_routes_test : public ::testing::Test {
  protected:
    void SetUp() override {
        for (auto [name, direct] :
             {std::pair{"default", false}, std::pair{"side", false}, std::pair{"to_one", true}}) {
            auto sp = std::make_unique<stream_plan>();
            sp->schema = std::make_unique<detail::stream_schema>();
            sp->schema->component = "comp";
            sp->schema->stream = name;
            sp->schema->direct = direct;
            stream_route route;
            route.plan = sp.get();
            _routes.add(std::move(route));
            _plans.push_back(std::move(sp));
        }
    }
    std::vector<std::unique_ptr<stream_plan>> _plans;
    task_routes _routes;
    const std::string _component = "comp";
};

TEST_F(task_routes_test, resolve_finds_each_stream_by_name) {
    EXPECT_EQ(_routes.resolve("side", -1, _component).plan, _plans[1].get());
    EXPECT_EQ(_routes.resolve("default", -1, _component).plan, _plans[0].get());
    EXPECT_EQ(_routes.resolve("side", -1, _component).plan, _plans[1].get());
    EXPECT_EQ(_routes.resolve("to_one", 4, _component).plan, _plans[2].get());
}

TEST_F(task_routes_test, resolve_throws_for_an_undeclared_stream) {
    try {
        (void)_routes.resolve("nope", -1, _component);
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "component 'comp' emitted on undeclared stream 'nope'");
    }
    // A failed lookup leaves the routes usable.
    EXPECT_EQ(_routes.resolve("default", -1, _component).plan, _plans[0].get());
}

TEST_F(task_routes_test, resolve_throws_when_direct_does_not_match_the_declaration) {
    EXPECT_THROW((void)_routes.resolve("default", 3, _component), std::invalid_argument);
    EXPECT_THROW((void)_routes.resolve("to_one", -1, _component), std::invalid_argument);
    // Also right after the same stream resolved the right way (the remembered stream).
    EXPECT_EQ(_routes.resolve("default", -1, _component).plan, _plans[0].get());
    EXPECT_THROW((void)_routes.resolve("default", 3, _component), std::invalid_argument);
    EXPECT_EQ(_routes.resolve("to_one", 2, _component).plan, _plans[2].get());
    EXPECT_THROW((void)_routes.resolve("to_one", -1, _component), std::invalid_argument);
    EXPECT_EQ(_routes.resolve("to_one", 2, _component).plan, _plans[2].get());
}

TEST_F(task_routes_test, resolve_compares_the_name_not_its_address) {
    // A caller may emit with one buffer holding different names of the same length: the
    // remembered stream is matched by the name's bytes.
    std::string name = "side";
    EXPECT_EQ(_routes.resolve(name, -1, _component).plan, _plans[1].get());
    name = "nope";
    EXPECT_THROW((void)_routes.resolve(name, -1, _component), std::invalid_argument);
    name = "side";
    EXPECT_EQ(_routes.resolve(name, -1, _component).plan, _plans[1].get());
    name.assign("defaulx");
    EXPECT_THROW((void)_routes.resolve(name, -1, _component), std::invalid_argument);
    name.assign("default");
    EXPECT_EQ(_routes.resolve(name, -1, _component).plan, _plans[0].get());
    // Alternating streams, as a bolt emitting on two streams in one execute().
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(_routes.resolve("side", -1, _component).plan, _plans[1].get());
        EXPECT_EQ(_routes.resolve("default", -1, _component).plan, _plans[0].get());
    }
}

TEST_F(task_routes_test, forget_last_drops_the_remembered_stream) {
    EXPECT_EQ(_routes.resolve("side", -1, _component).plan, _plans[1].get());
    _routes.forget_last();  // e.g. the plan it points into is replaced
    EXPECT_EQ(_routes.resolve("side", -1, _component).plan, _plans[1].get());
    EXPECT_EQ(_routes.resolve("default", -1, _component).plan, _plans[0].get());
}

TEST_F(task_routes_test, resolve_default_finds_the_default_stream_and_keeps_checking_direct) {
    EXPECT_EQ(&_routes.resolve_default(-1, _component), &_routes.streams()[0]);
    EXPECT_EQ(&_routes.resolve_default(-1, _component), &_routes.streams()[0]);
    // The kept route still checks emit_direct against the declaration, on every emit.
    EXPECT_THROW((void)_routes.resolve_default(3, _component), std::invalid_argument);
    EXPECT_EQ(&_routes.resolve_default(-1, _component), &_routes.streams()[0]);
    EXPECT_THROW((void)_routes.resolve_default(3, _component), std::invalid_argument);
    // Interleaved with named emits, each finds its own stream.
    EXPECT_EQ(_routes.resolve("side", -1, _component).plan, _plans[1].get());
    EXPECT_EQ(&_routes.resolve_default(-1, _component), &_routes.streams()[0]);
    EXPECT_EQ(_routes.resolve("side", -1, _component).plan, _plans[1].get());
}

TEST(task_routes_default_test, resolve_default_throws_when_no_default_stream_is_declared) {
    stream_plan sp;
    sp.schema = std::make_unique<detail::stream_schema>();
    sp.schema->stream = "side";
    stream_route r;
    r.plan = &sp;
    task_routes routes;
    routes.add(std::move(r));
    for (int i = 0; i < 2; ++i) {
        try {
            (void)routes.resolve_default(-1, "comp");
            FAIL() << "expected std::invalid_argument";
        } catch (const std::invalid_argument& e) {
            EXPECT_STREQ(e.what(), "component 'comp' emitted on undeclared stream 'default'");
        }
    }
}

TEST(task_routes_default_test, add_and_forget_last_drop_the_kept_default_route) {
    std::vector<std::unique_ptr<stream_plan>> plans;
    auto plan = [&](const char* name) {
        plans.push_back(std::make_unique<stream_plan>());
        plans.back()->schema = std::make_unique<detail::stream_schema>();
        plans.back()->schema->stream = name;
        stream_route r;
        r.plan = plans.back().get();
        return r;
    };
    task_routes routes;
    routes.add(plan("default"));
    EXPECT_EQ(routes.resolve_default(-1, "comp").plan, plans[0].get());
    // More streams may move the vector: the route is found again, not kept dangling (ASan
    // reports a use after free here if it were).
    for (int i = 0; i < 16; ++i) {
        routes.add(plan("s"));
    }
    EXPECT_EQ(&routes.resolve_default(-1, "comp"), &routes.streams()[0]);
    // A plan replaced in place (rebind_task_state): the route is looked up again.
    auto replacement = std::make_unique<stream_plan>();
    replacement->schema = std::make_unique<detail::stream_schema>();
    replacement->schema->stream = "default";
    replacement->schema->direct = true;
    routes.streams()[0].plan = replacement.get();
    routes.forget_last();
    EXPECT_THROW((void)routes.resolve_default(-1, "comp"), std::invalid_argument);
    EXPECT_EQ(routes.resolve_default(5, "comp").plan, replacement.get());
}

TEST(task_routes_one_target_test, set_for_one_edge_that_picks_one_target) {
    edge_plan fields = make_plan(grouping_type::fields, {2, 3}, {0});
    edge_plan all = make_plan(grouping_type::all, {2, 3});
    stream_plan sp;
    sp.schema = std::make_unique<detail::stream_schema>();
    sp.schema->stream = "default";
    task_routes routes;
    auto add = [&](std::vector<const edge_plan*> edges) {
        stream_route r;
        r.plan = &sp;
        for (const edge_plan* e : edges) {
            r.edges.push_back(make_edge_route(*e, 1, {}));
        }
        routes.add(std::move(r));
    };
    add({&fields});
    add({&all});
    add({&fields, &fields});
    add({});
    ASSERT_EQ(routes.streams().size(), 4u);
    EXPECT_TRUE(routes.streams()[0].one_target);
    EXPECT_FALSE(routes.streams()[1].one_target);
    EXPECT_FALSE(routes.streams()[2].one_target);
    EXPECT_FALSE(routes.streams()[3].one_target);
}

// A route of stream `sp` with the one edge `e`, as producing task 1 builds it.
stream_route one_edge_route(const stream_plan& sp, const edge_plan& e) {
    stream_route r;
    r.plan = &sp;
    r.edges.push_back(make_edge_route(e, 1, {}));
    return r;
}

// A single-target edge whose grouping needs nothing of the tuple is taken without pick_one:
// fixed_target is that task, and pick_one_target() returns what pick_one would. Groupings that
// read the tuple (fields, partial key) and edges with several targets keep pick_one.
TEST(task_routes_one_target_test,
     fixed_target_only_for_one_task_and_a_grouping_that_ignores_the_tuple) {
    stream_plan sp;
    sp.schema = std::make_unique<detail::stream_schema>();
    sp.schema->stream = "default";
    struct case_t {
        grouping_type type;
        std::vector<int> targets;
        int fixed;
    };
    const std::vector<case_t> cases = {
        {grouping_type::shuffle, {7}, 7},
        {grouping_type::none, {7}, 7},
        {grouping_type::local_or_shuffle, {7}, 7},
        {grouping_type::global, {7}, 7},
        {grouping_type::shuffle, {7, 8}, 0},
        {grouping_type::global, {7, 8}, 0},
        {grouping_type::fields, {7}, 0},
        {grouping_type::partial_key, {7}, 0},
        {grouping_type::all, {7}, 0},
        {grouping_type::direct, {7}, 0},
    };
    for (const case_t& c : cases) {
        edge_plan e = make_plan(c.type, c.targets, {0});
        task_routes routes;
        routes.add(one_edge_route(sp, e));
        stream_route& s = routes.streams()[0];
        EXPECT_EQ(s.fixed_target, c.fixed) << "grouping " << static_cast<int>(c.type);
        if (s.one_target) {
            values v{std::string("k")};
            for (int i = 0; i < 4; ++i) {
                const int picked = s.pick_one_target(v);
                EXPECT_TRUE(std::find(c.targets.begin(), c.targets.end(), picked) !=
                            c.targets.end());
            }
        }
    }
}

// refresh() follows new targets (rebind_task_state after a rebalance): one target becomes two,
// and the fixed target is dropped; back to one, and it is that task.
TEST(task_routes_one_target_test, refresh_follows_the_edges_targets) {
    stream_plan sp;
    sp.schema = std::make_unique<detail::stream_schema>();
    sp.schema->stream = "default";
    edge_plan one = make_plan(grouping_type::shuffle, {4});
    edge_plan two = make_plan(grouping_type::shuffle, {4, 5});
    edge_plan other = make_plan(grouping_type::shuffle, {6});
    task_routes routes;
    routes.add(one_edge_route(sp, one));
    stream_route& s = routes.streams()[0];
    EXPECT_EQ(s.fixed_target, 4);
    s.edges[0] = make_edge_route(two, 1, {});
    routes.refresh(s);
    EXPECT_EQ(s.fixed_target, 0);
    std::set<int> seen;
    values v{std::string("k")};
    for (int i = 0; i < 4; ++i) {
        seen.insert(s.pick_one_target(v));
    }
    EXPECT_EQ(seen, (std::set<int>{4, 5}));
    s.edges[0] = make_edge_route(other, 1, {});
    routes.refresh(s);
    EXPECT_EQ(s.fixed_target, 6);
    EXPECT_EQ(s.pick_one_target(v), 6);
}

// fast (the collectors' one test for the common emit) is one_target on a plain task: a task
// whose emits are logged (topology.debug) or captured (a shell component) never takes it.
// fast_default() is the default stream once resolved, for an emit that names no task, until the
// routes are forgotten.
TEST(task_routes_one_target_test, fast_only_on_a_plain_task_and_fast_default_once_resolved) {
    stream_plan sp;
    sp.schema = std::make_unique<detail::stream_schema>();
    sp.schema->stream = "default";
    edge_plan one = make_plan(grouping_type::shuffle, {4});
    edge_plan all = make_plan(grouping_type::all, {4, 5});
    for (bool plain : {true, false}) {
        task_routes routes;
        routes.set_plain(plain);
        routes.add(one_edge_route(sp, one));
        const stream_route& s = routes.streams()[0];
        EXPECT_TRUE(s.one_target);
        EXPECT_EQ(s.fast, plain);
        EXPECT_EQ(routes.fast_default(), nullptr);  // not resolved yet
        stream_route& resolved = routes.resolve_default(-1, "comp");
        EXPECT_EQ(routes.fast_default(), plain ? &resolved : nullptr);
        routes.forget_last();
        EXPECT_EQ(routes.fast_default(), nullptr);
    }
    task_routes routes;
    routes.add(one_edge_route(sp, all));
    EXPECT_FALSE(routes.streams()[0].fast);
    (void)routes.resolve_default(-1, "comp");
    EXPECT_EQ(routes.fast_default(), nullptr);  // several targets: the general path
}

TEST(same_name_test, compares_names_of_every_length) {
    const std::string a = "abcdefghijklmnopqrstu";
    for (std::size_t n = 0; n <= a.size(); ++n) {
        std::string x = a.substr(0, n);
        std::string y = x;
        EXPECT_TRUE(same_name(x, y)) << n;
        if (n > 0) {
            y.back() = '#';
            EXPECT_FALSE(same_name(x, y)) << n;
            y = x;
            y.front() = '#';
            EXPECT_FALSE(same_name(x, y)) << n;
        }
        EXPECT_FALSE(same_name(x, x + "u")) << n;
    }
}

}  // namespace
}  // namespace tempest::worker
