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
