// SPDX-License-Identifier: Apache-2.0
// cluster_records: the helpers over the plain record structs.
#include "tempest/common/cluster_records.h"

#include <gtest/gtest.h>

namespace tempest::common {
namespace {

TEST(cluster_records_test, executors_of_keeps_only_the_slot_sorted) {
    assignment a;
    a.executor_node_port[{5, 6}] = {"sup-1", 6700};
    a.executor_node_port[{1, 2}] = {"sup-1", 6700};
    a.executor_node_port[{3, 4}] = {"sup-1", 6701};  // another port of the node
    a.executor_node_port[{7, 7}] = {"sup-2", 6700};  // the same port of another node
    EXPECT_EQ(executors_of(a, "sup-1", 6700), (std::vector<executor_info>{{1, 2}, {5, 6}}));
    EXPECT_EQ(executors_of(a, "sup-1", 6701), (std::vector<executor_info>{{3, 4}}));
    EXPECT_EQ(executors_of(a, "sup-2", 6700), (std::vector<executor_info>{{7, 7}}));
    EXPECT_TRUE(executors_of(a, "sup-3", 6700).empty());
    EXPECT_TRUE(executors_of(assignment{}, "sup-1", 6700).empty());
}

TEST(cluster_records_test, routes_of_an_assignment_place_every_executor_as_it_does) {
    assignment a;
    a.code_dir = "/stormdist/wc-1";
    a.node_host = {{"sup-1", "host-a"}, {"sup-2", "host-b"}, {"sup-9", "unused"}};
    a.executor_node_port[{5, 6}] = {"sup-1", 6700};
    a.executor_node_port[{1, 2}] = {"sup-1", 6700};
    a.executor_node_port[{3, 4}] = {"sup-1", 6701};
    a.executor_node_port[{7, 7}] = {"sup-2", 6700};
    a.executor_start_time_secs[{1, 2}] = 99;

    const routes r = routes_of(a);
    EXPECT_EQ(r.slots, (std::vector<node_port>{{"sup-1", 6700}, {"sup-1", 6701}, {"sup-2", 6700}}));
    // Only the hosts of nodes that run something.
    EXPECT_EQ(r.node_host,
              (std::map<std::string, std::string>{{"sup-1", "host-a"}, {"sup-2", "host-b"}}));
    ASSERT_EQ(r.executors.size(), 4U);
    for (const auto& [executor, slot] : r.executors) {
        ASSERT_LT(slot, r.slots.size());
        EXPECT_EQ(r.slots[slot], a.executor_node_port.at(executor));
    }
    for (const auto& slot : r.slots) {
        EXPECT_EQ(executors_of(r, slot.node, slot.port), executors_of(a, slot.node, slot.port))
            << slot.node << ":" << slot.port;
    }
    EXPECT_TRUE(executors_of(r, "sup-9", 6700).empty());
    EXPECT_TRUE(executors_of(r, "sup-2", 6701).empty());
    EXPECT_TRUE(executors_of(routes_of(assignment{}), "sup-1", 6700).empty());
}

TEST(cluster_records_test, status_names_are_storms) {
    EXPECT_EQ(to_string(topology_status::active), "ACTIVE");
    EXPECT_EQ(to_string(topology_status::inactive), "INACTIVE");
    EXPECT_EQ(to_string(topology_status::rebalancing), "REBALANCING");
    EXPECT_EQ(to_string(topology_status::killed), "KILLED");
    EXPECT_EQ(to_string(static_cast<topology_status>(0)), "UNKNOWN");
}

TEST(cluster_records_test, executors_order_by_first_then_last_task) {
    EXPECT_LT((executor_info{1, 2}), (executor_info{1, 3}));
    EXPECT_LT((executor_info{1, 9}), (executor_info{2, 2}));
    EXPECT_LT((node_port{"a", 9}), (node_port{"b", 1}));
}

}  // namespace
}  // namespace tempest::common
