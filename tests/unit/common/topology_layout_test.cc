// SPDX-License-Identifier: Apache-2.0
// topology_layout: the steps from a topology's records to its executors land as Nimbus has
// always done them: the acker count fixed at submit, the record's parallelism and worker count
// at run time, the topology's conf over the daemon's.
#include "tempest/common/topology_layout.h"

#include <gtest/gtest.h>

namespace tempest::common {
namespace {

component_def def(std::string id, int parallelism, int tasks) {
    component_def d;
    d.id = std::move(id);
    d.parallelism = parallelism;
    d.num_tasks = tasks;
    return d;
}

topology two_components() {
    topology t;
    t.components = {def("count", 2, 4), def("spout", 1, 1)};
    return t;
}

storm_base base_with(int workers, std::map<std::string, int> executors = {}) {
    storm_base b;
    b.name = "wc";
    b.num_workers = workers;
    b.component_executors = std::move(executors);
    return b;
}

TEST(topology_layout_test, topology_conf_wins_over_the_daemons) {
    config daemon;
    daemon.set(config::topology_workers, 3);
    daemon.set(config::topology_message_timeout_secs, 30);
    config topo;
    topo.set(config::topology_workers, 2);
    config eff = effective_config(daemon, topo);
    EXPECT_EQ(eff.get_int(config::topology_workers, 0), 2);
    EXPECT_EQ(eff.get_int(config::topology_message_timeout_secs, 0), 30);
}

TEST(topology_layout_test, worker_count_defaults_to_one_and_refuses_less) {
    EXPECT_EQ(worker_count(config{}), 1);
    config c;
    c.set(config::topology_workers, 4);
    EXPECT_EQ(worker_count(c), 4);
    c.set(config::topology_workers, 0);
    EXPECT_THROW((void)worker_count(c), invalid_topology);
}

TEST(topology_layout_test, submit_fixes_the_acker_count_from_the_effective_conf) {
    config daemon;
    daemon.set(config::topology_workers, 3);  // acker executors null: one per worker
    config stored = submitted_conf(config{}, daemon, "wc");
    EXPECT_EQ(stored.get_string(config::topology_name, ""), "wc");
    EXPECT_EQ(stored.get_int(config::topology_acker_executors, -1), 3);
    EXPECT_FALSE(stored.contains(config::topology_workers));  // the record keeps the count

    config topo;
    topo.set(config::topology_acker_executors, 1);
    EXPECT_EQ(submitted_conf(topo, daemon, "wc").get_int(config::topology_acker_executors, -1), 1);

    config bad;
    bad.set(config::topology_workers, 0);
    EXPECT_THROW((void)submitted_conf(bad, daemon, "wc"), invalid_topology);
    bad = config{};
    bad.set(config::topology_acker_executors, -2);
    EXPECT_THROW((void)submitted_conf(bad, daemon, "wc"), invalid_topology);
}

TEST(topology_layout_test, record_parallelism_overrides_the_submitted_one) {
    topology t = two_components();
    apply_parallelism(t, {{"count", 4}, {"gone", 9}});
    EXPECT_EQ(t.components[0].parallelism, 4);
    EXPECT_EQ(t.components[1].parallelism, 1);  // not in the record: unchanged
}

TEST(topology_layout_test, layout_uses_the_records_workers_and_the_stored_acker_count) {
    config daemon;
    daemon.set(config::topology_workers, 1);
    // Submitted with 2 workers: the stored conf holds 2 ackers.
    config topo;
    topo.set(config::topology_workers, 2);
    config stored = submitted_conf(topo, daemon, "wc");
    // Rebalanced since to 5 workers and 4 count executors: the ackers stay 2.
    auto l = lay_out_topology(two_components(), daemon, stored, base_with(5, {{"count", 4}}));
    EXPECT_EQ(l.conf.get_int(config::topology_workers, 0), 5);
    ASSERT_EQ(l.components.size(), 3u);
    EXPECT_EQ(l.components[0].executors.size(), 4u);  // count: 4 tasks over 4 executors
    EXPECT_EQ(l.topo.components[0].parallelism, 4);
    EXPECT_EQ(l.components[2].id, acker_component_id);
    EXPECT_EQ(l.components[2].num_tasks, 2);
    EXPECT_EQ(l.executors(),
              (std::vector<executor_info>{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}}));
}

TEST(topology_layout_test, without_a_stored_acker_count_ackers_follow_the_records_workers) {
    // A conf stored without topology.acker.executors (null): one acker per worker of the record.
    auto l = lay_out_topology(two_components(), config{}, config{}, base_with(3));
    EXPECT_EQ(l.components.back().id, acker_component_id);
    EXPECT_EQ(l.components.back().num_tasks, 3);
    EXPECT_EQ(l.executors().front(), (executor_info{1, 2}));  // count: 4 tasks, 2 executors
}

}  // namespace
}  // namespace tempest::common
