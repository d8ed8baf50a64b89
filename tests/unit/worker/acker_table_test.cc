// SPDX-License-Identifier: Apache-2.0
// acker_table: Storm's XOR bookkeeping for one acker task, without threads or rings.
#include "executor/acker_table.h"

#include <gtest/gtest.h>

namespace tempest::worker {
namespace {

using detail::message_kind;

TEST(acker_table_test, acks_the_tree_when_the_xor_returns_to_zero) {
    acker_table t;
    // Spout task 7 emits root 100 on two edges (0x3, 0x5); the bolts ack each edge.
    EXPECT_FALSE(t.apply(message_kind::ack_init, 100, 0x3 ^ 0x5, 7, 10));
    EXPECT_FALSE(t.apply(message_kind::ack, 100, 0x3, 2, 11));
    auto done = t.apply(message_kind::ack, 100, 0x5, 3, 12);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->spout_task, 7);
    EXPECT_EQ(done->kind, message_kind::ack_done);
    EXPECT_EQ(done->root, 100u);
    EXPECT_TRUE(t.empty());
}

TEST(acker_table_test, anchored_children_keep_the_tree_open_until_acked) {
    acker_table t;
    EXPECT_FALSE(t.apply(message_kind::ack_init, 1, 0xA, 4, 0));
    // A bolt acks edge 0xA while emitting a child on edge 0xB: it sends 0xA ^ 0xB.
    EXPECT_FALSE(t.apply(message_kind::ack, 1, 0xA ^ 0xB, 5, 0));
    EXPECT_EQ(t.size(), 1u);
    auto done = t.apply(message_kind::ack, 1, 0xB, 6, 0);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->kind, message_kind::ack_done);
}

TEST(acker_table_test, waits_for_the_spouts_init_when_acks_come_first) {
    acker_table t;
    // Bolts' acks overtake the spout's ack_init (they come by other rings): even when their
    // XOR is back to zero, the tree is not done before ack_init arrives.
    EXPECT_FALSE(t.apply(message_kind::ack, 9, 0x6, 2, 0));
    EXPECT_FALSE(t.apply(message_kind::ack, 9, 0x6, 2, 0));  // XOR back to zero, no init yet
    EXPECT_EQ(t.size(), 1u);
    EXPECT_FALSE(t.apply(message_kind::ack, 9, 0x1, 2, 0));
    auto done = t.apply(message_kind::ack_init, 9, 0x1, 3, 0);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->spout_task, 3);
    EXPECT_EQ(done->kind, message_kind::ack_done);
    EXPECT_TRUE(t.empty());
}

TEST(acker_table_test, a_fail_fails_the_tree_once_the_spout_is_known) {
    acker_table t;
    EXPECT_FALSE(t.apply(message_kind::fail, 5, 0, 2, 0));  // before ack_init: remembered
    auto done = t.apply(message_kind::ack_init, 5, 0x77, 8, 0);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->kind, message_kind::fail_done);
    EXPECT_EQ(done->spout_task, 8);
    EXPECT_EQ(done->root, 5u);
    EXPECT_TRUE(t.empty());

    EXPECT_FALSE(t.apply(message_kind::ack_init, 6, 0x1, 8, 0));
    done = t.apply(message_kind::fail, 6, 0, 2, 0);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->kind, message_kind::fail_done);
}

TEST(acker_table_test, keeps_roots_apart) {
    acker_table t;
    EXPECT_FALSE(t.apply(message_kind::ack_init, 1, 0x1, 7, 0));
    EXPECT_FALSE(t.apply(message_kind::ack_init, 2, 0x2, 7, 0));
    EXPECT_FALSE(t.apply(message_kind::ack, 1, 0x2, 3, 0));  // the other root's edge
    auto done = t.apply(message_kind::ack, 2, 0x2, 3, 0);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->root, 2u);
    EXPECT_EQ(t.size(), 1u);
}

TEST(acker_table_test, expire_drops_trees_first_seen_before_the_cutoff) {
    acker_table t;
    EXPECT_FALSE(t.apply(message_kind::ack_init, 1, 0x1, 7, 100));
    EXPECT_FALSE(t.apply(message_kind::ack_init, 2, 0x2, 7, 200));
    EXPECT_FALSE(t.apply(message_kind::ack, 1, 0x4, 3, 300));  // a later ack keeps its start
    t.expire(150);
    EXPECT_EQ(t.size(), 1u);
    // Root 1 was forgotten: its last ack now opens a fresh entry without an init.
    EXPECT_FALSE(t.apply(message_kind::ack, 1, 0x5, 3, 400));
    auto done = t.apply(message_kind::ack, 2, 0x2, 3, 400);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->root, 2u);
    t.expire(401);
    EXPECT_TRUE(t.empty());
}

TEST(acker_table_test, grows_past_its_initial_capacity) {
    acker_table t;
    for (std::uint64_t root = 1; root <= 1000; ++root) {
        EXPECT_FALSE(t.apply(message_kind::ack_init, root, root * 3, 7, 0));
    }
    EXPECT_EQ(t.size(), 1000u);
    int done = 0;
    for (std::uint64_t root = 1; root <= 1000; ++root) {
        done += t.apply(message_kind::ack, root, root * 3, 2, 0).has_value();
    }
    EXPECT_EQ(done, 1000);
    EXPECT_TRUE(t.empty());
}

}  // namespace
}  // namespace tempest::worker
