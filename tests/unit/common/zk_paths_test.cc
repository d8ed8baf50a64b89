// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/zk_paths.h"

#include "tempest/common/cluster_state.h"
#include "tempest/common/memory_cluster_state.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tempest::common {
namespace {

TEST(zk_paths_test, paths_follow_the_design_layout) {
    zk_paths p("/tempest");
    EXPECT_EQ(p.storm("wc-1-1700000000"), "/tempest/storms/wc-1-1700000000");
    EXPECT_EQ(p.assignment("wc-1"), "/tempest/assignments/wc-1");
    EXPECT_EQ(p.routes("wc-1"), "/tempest/routes/wc-1");
    EXPECT_EQ(p.supervisor("sup-a"), "/tempest/supervisors/sup-a");
    EXPECT_EQ(p.workerbeats("wc-1"), "/tempest/workerbeats/wc-1");
    EXPECT_EQ(p.workerbeat("wc-1", "node1", 6700), "/tempest/workerbeats/wc-1/node1-6700");
    EXPECT_EQ(p.error("wc-1", "split"), "/tempest/errors/wc-1/split");
    EXPECT_EQ(p.nimbus("host:6627"), "/tempest/nimbuses/host:6627");
    EXPECT_EQ(p.leader(), "/tempest/leader");
}

TEST(zk_paths_test, the_root_is_normalised_and_checked) {
    EXPECT_EQ(zk_paths("/a/b/").storms(), "/a/b/storms");
    EXPECT_EQ(zk_paths("/").storms(), "/storms");
    EXPECT_THROW(zk_paths("tempest"), std::invalid_argument);
    EXPECT_THROW(zk_paths(""), std::invalid_argument);
    EXPECT_THROW(zk_paths("/a//b"), std::invalid_argument);
}

TEST(zk_paths_test, ids_must_be_single_path_components) {
    zk_paths p;
    EXPECT_THROW((void)p.storm("a/b"), std::invalid_argument);
    EXPECT_THROW((void)p.storm(""), std::invalid_argument);
    EXPECT_THROW((void)p.error("wc", ".."), std::invalid_argument);
}

TEST(zk_paths_test, top_level_directories_can_be_created_in_order) {
    memory_cluster_state s;
    zk_paths p("/x/tempest");
    for (const auto& dir : p.top_level()) {
        ASSERT_TRUE(is_valid_path(dir)) << dir;
        ASSERT_TRUE(ensure_path(s, dir)) << dir;
    }
    EXPECT_EQ(s.children("/x/tempest")->size(), 8u);
}

}  // namespace
}  // namespace tempest::common
