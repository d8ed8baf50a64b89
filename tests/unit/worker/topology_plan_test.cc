// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/topology_plan.h"

#include "tempest/topology.h"

#include <gtest/gtest.h>

namespace tempest::worker {
namespace {

struct plan_spout : spout {
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare({"word", "n"});
        d.declare_stream("side", {"x"});
    }
    void open(const config&, const topology_context&, spout_output_collector&) override {}
    void next_tuple() override {}
};

struct plan_bolt : bolt {
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple&) override {}
};

topology make_topology() {
    component_registry reg;
    reg.add_spout<plan_spout>("plan_spout");
    reg.add_bolt<plan_bolt>("plan_bolt");
    topology_builder b(reg);
    b.set_spout("s", "plan_spout", {}, 2);
    b.set_bolt("b", "plan_bolt", {}, 3).set_num_tasks(7).fields_grouping("s", {"n"});
    b.set_bolt("a", "plan_bolt", {}, 1).shuffle_grouping("s", "side").all_grouping("s");
    return b.create_topology();
}

TEST(topology_plan_test, assigns_dense_task_ids_in_component_id_order_then_ackers) {
    config conf;
    conf.set_num_ackers(2);
    topology_plan p("t-1", make_topology(), conf);
    // a: 1 task, b: 7 tasks, s: 2 tasks, __acker: 2 tasks.
    EXPECT_EQ(p.num_tasks(), 12);
    EXPECT_EQ(p.layout()->component_tasks.at("a"), (std::vector<int>{1}));
    EXPECT_EQ(p.layout()->component_tasks.at("b"), (std::vector<int>{2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(p.layout()->component_tasks.at("s"), (std::vector<int>{9, 10}));
    EXPECT_EQ(p.acker_tasks(), (std::vector<int>{11, 12}));
    EXPECT_EQ(p.layout()->worker_tasks.size(), 12u);
}

TEST(topology_plan_test, splits_tasks_evenly_over_executors) {
    topology_plan p("t-1", make_topology(), config{});
    std::vector<int> sizes;
    for (const executor_plan& e : p.executors()) {
        if (p.components()[e.component].id == "b") {
            sizes.push_back(e.last_task - e.first_task + 1);
        }
    }
    EXPECT_EQ(sizes, (std::vector<int>{3, 2, 2}));
    // Every task belongs to exactly one executor.
    for (int task = 1; task <= p.num_tasks(); ++task) {
        const executor_plan& e = p.executors()[p.task_executor(task)];
        EXPECT_LE(e.first_task, task);
        EXPECT_GE(e.last_task, task);
    }
}

TEST(topology_plan_test, resolves_subscriptions_into_edges_with_field_positions) {
    topology_plan p("t-1", make_topology(), config{});
    const component_plan& s = p.components()[p.component_index("s")];
    int dflt = s.stream_index("default");
    int side = s.stream_index("side");
    ASSERT_GE(dflt, 0);
    ASSERT_GE(side, 0);
    const auto& edges = s.streams[dflt].edges;
    ASSERT_EQ(edges.size(), 2u);  // b (fields on n) and a (all)
    bool saw_fields = false;
    for (const edge_plan& e : edges) {
        if (e.group.type == grouping_type::fields) {
            saw_fields = true;
            EXPECT_EQ(e.field_positions, (std::vector<int>{1}));
            EXPECT_EQ(e.targets.size(), 7u);
        }
    }
    EXPECT_TRUE(saw_fields);
    EXPECT_EQ(s.streams[side].edges.size(), 1u);
    EXPECT_EQ(s.streams[dflt].schema->fields, (fields{"word", "n"}));
}

TEST(topology_plan_test, defaults_to_one_acker_per_worker_and_allows_zero) {
    config conf;
    conf.set_num_workers(3);
    EXPECT_EQ(topology_plan("t", make_topology(), conf).acker_tasks().size(), 3u);
    conf.set_num_ackers(0);
    EXPECT_TRUE(topology_plan("t", make_topology(), conf).acker_tasks().empty());
}

TEST(topology_plan_test, local_targets_are_the_tasks_of_this_worker) {
    topology_plan p("t", make_topology(), config{}, {1, 2, 3, 9});
    const component_plan& s = p.components()[p.component_index("s")];
    for (const edge_plan& e : s.streams[s.stream_index("default")].edges) {
        if (p.components()[e.consumer].id == "b") {
            EXPECT_EQ(e.local_targets, (std::vector<int>{2, 3}));
        }
    }
    EXPECT_TRUE(p.in_worker(9));
    EXPECT_FALSE(p.in_worker(10));
}

}  // namespace
}  // namespace tempest::worker
