// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/task_layout.h"

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

TEST(task_layout_test, numbers_tasks_by_component_id_then_ackers_and_splits_evenly) {
    topology t;
    t.components = {def("a", 1, 1), def("b", 3, 7), def("s", 2, 2)};
    config conf;
    conf.set_num_workers(2);  // ackers: null -> one per worker
    auto l = compute_task_layout(t, conf);
    ASSERT_EQ(l.size(), 4u);
    EXPECT_EQ(l[0].first_task, 1);
    EXPECT_EQ(l[1].first_task, 2);
    EXPECT_EQ(l[2].first_task, 9);
    EXPECT_EQ(l[3].id, acker_component_id);
    EXPECT_TRUE(l[3].is_acker);
    EXPECT_EQ(l[3].first_task, 11);
    EXPECT_EQ(l[3].num_tasks, 2);
    EXPECT_EQ(l[1].executors, (std::vector<executor_range>{{"b", 2, 4}, {"b", 5, 6}, {"b", 7, 8}}));
}

TEST(task_layout_test, zero_ackers_means_no_acker_component_and_negative_is_refused) {
    topology t;
    t.components = {def("s", 1, 1)};
    config conf;
    conf.set_num_ackers(0);
    EXPECT_EQ(compute_task_layout(t, conf).size(), 1u);
    conf.set_num_ackers(-1);
    EXPECT_THROW(compute_task_layout(t, conf), invalid_topology);
}

}  // namespace
}  // namespace tempest::common
