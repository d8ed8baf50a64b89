// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/topology_context.h"

#include <gtest/gtest.h>

namespace tempest {
namespace {

std::shared_ptr<const detail::task_layout> layout() {
    auto l = std::make_shared<detail::task_layout>();
    l->topology_id = "wc-1-100";
    l->task_component = {"", "count", "count", "words", "count"};
    l->component_tasks = {{"count", {1, 2, 4}}, {"words", {3}}};
    l->streams["words"]["default"] = fields{"word"};
    l->worker_tasks = {1, 3};
    return l;
}

TEST(topology_context_test, answers_about_this_task) {
    topology_context ctx(layout(), 4);
    EXPECT_EQ(ctx.get_topology_id(), "wc-1-100");
    EXPECT_EQ(ctx.get_this_task_id(), 4);
    EXPECT_EQ(ctx.get_this_component_id(), "count");
    EXPECT_EQ(ctx.get_this_task_index(), 2);
    EXPECT_EQ(ctx.get_this_worker_tasks(), (std::vector<int>{1, 3}));
    EXPECT_EQ(topology_context(layout(), 1).get_this_task_index(), 0);
}

TEST(topology_context_test, answers_about_other_components) {
    topology_context ctx(layout(), 3);
    EXPECT_EQ(ctx.get_component_tasks("count"), (std::vector<int>{1, 2, 4}));
    EXPECT_EQ(ctx.get_component_id(2), "count");
    EXPECT_EQ(ctx.get_component_output_fields("words", "default"), (fields{"word"}));
}

TEST(topology_context_test, unknown_names_give_empty_answers) {
    topology_context ctx(layout(), 9);
    EXPECT_TRUE(ctx.get_component_tasks("nope").empty());
    EXPECT_EQ(ctx.get_component_id(-1), "");
    EXPECT_EQ(ctx.get_component_id(99), "");
    EXPECT_EQ(ctx.get_this_component_id(), "");
    EXPECT_EQ(ctx.get_this_task_index(), -1);
    EXPECT_TRUE(ctx.get_component_output_fields("words", "other").empty());
    EXPECT_TRUE(ctx.get_component_output_fields("nope", "default").empty());
}

}  // namespace
}  // namespace tempest
