// SPDX-License-Identifier: Apache-2.0
// anchoring: the edge ids an anchored emit draws, and (with acker_table) Storm's whole XOR
// algorithm on one thread: a tree completes exactly when its last tuple is acked.
#include "executor/anchoring.h"

#include "executor/acker_table.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace tempest::worker {
namespace {

using detail::anchor;
using detail::message_kind;
using detail::tuple_access;

tuple anchored(std::vector<anchor> anchors) {
    tuple t;
    if (!anchors.empty()) {
        tuple_access::set_anchors(t, anchors.data(), static_cast<std::uint32_t>(anchors.size()));
    }
    return t;
}

TEST(anchoring_test, any_tracked_is_true_only_with_a_rooted_anchor) {
    tuple plain = anchored({});
    tuple rooted = anchored({{5, 1}});
    std::vector<const tuple*> none{&plain, &plain};
    std::vector<const tuple*> some{&plain, &rooted};
    EXPECT_FALSE(any_tracked(none));
    EXPECT_TRUE(any_tracked(some));
    EXPECT_FALSE(any_tracked({}));
}

TEST(anchoring_test, each_tracked_anchor_gets_a_fresh_edge_in_its_ack_value) {
    tuple a = anchored({{7, 0x10}});
    tuple b = anchored({{8, 0x20}});
    tuple plain = anchored({});
    std::vector<const tuple*> anchors{&a, &plain, &b};
    fast_random rng(42);
    std::vector<anchor> child{{1, 1}, {2, 2}};  // stale content: cleared
    anchor_child(anchors, rng, child);
    ASSERT_EQ(child.size(), 2u);
    EXPECT_EQ(child[0].root, 7u);
    EXPECT_EQ(child[1].root, 8u);
    EXPECT_NE(child[0].edge, 0u);
    EXPECT_NE(child[0].edge, child[1].edge);
    // The parent remembers the edge it gave the child, for its own ack.
    EXPECT_EQ(tuple_access::ack_val(a), child[0].edge);
    EXPECT_EQ(tuple_access::ack_val(b), child[1].edge);
    EXPECT_EQ(tuple_access::ack_val(plain), 0u);
}

TEST(anchoring_test, anchors_sharing_a_root_give_the_child_that_root_once) {
    tuple a = anchored({{7, 0x10}, {9, 0x11}});
    tuple b = anchored({{7, 0x20}});
    std::vector<const tuple*> anchors{&a, &b};
    fast_random rng(1);
    std::vector<anchor> child;
    anchor_child(anchors, rng, child);
    ASSERT_EQ(child.size(), 2u);
    EXPECT_EQ(child[0].root, 7u);
    EXPECT_EQ(child[1].root, 9u);
    std::uint64_t ea = tuple_access::ack_val(a);
    std::uint64_t eb = tuple_access::ack_val(b);
    EXPECT_EQ(child[0].edge, ea ^ eb);  // root 7 through both parents
    EXPECT_EQ(child[1].edge, ea);       // root 9 through a only
}

TEST(anchoring_test, a_window_of_anchors_is_merged_by_root) {
    // A windowed bolt's emit anchored to 3,000 tuples of 1,000 trees: one anchor per root, each
    // with the XOR of the edges given to that root's tuples; the same as merging one by one.
    std::vector<tuple> window;
    window.reserve(3000);
    for (std::uint64_t i = 0; i < 3000; ++i) {
        window.push_back(anchored({{1000 + (i * 7919) % 1000, i}}));
    }
    window.push_back(anchored({{5, 1}, {1000, 2}}));  // two roots, one shared
    window.push_back(anchored({}));                   // untracked
    std::vector<const tuple*> anchors;
    for (const tuple& t : window) {
        anchors.push_back(&t);
    }
    fast_random rng(9);
    std::vector<anchor> child;
    anchor_child(anchors, rng, child);
    std::map<std::uint64_t, std::uint64_t> expected;
    for (const tuple& t : window) {
        for (std::uint32_t i = 0; i < tuple_access::anchor_count(t); ++i) {
            expected[tuple_access::anchor_at(t, i).root] ^= tuple_access::ack_val(t);
        }
    }
    ASSERT_EQ(child.size(), 1001u);
    for (const anchor& a : child) {
        ASSERT_TRUE(expected.contains(a.root)) << a.root;
        EXPECT_EQ(a.edge, expected[a.root]) << a.root;
        expected.erase(a.root);  // each root once
    }
    EXPECT_TRUE(expected.empty());
}

// What a bolt's ack(input) sends: per anchor of the input, edge ^ the input's ack value.
void ack(acker_table& acker, const tuple& input, std::vector<acker_table::reply>& replies) {
    for (std::uint32_t i = 0; i < tuple_access::anchor_count(input); ++i) {
        const anchor& a = tuple_access::anchor_at(input, i);
        if (auto r = acker.apply(message_kind::ack, a.root, a.edge ^ tuple_access::ack_val(input),
                                 2, 0)) {
            replies.push_back(*r);
        }
    }
}

TEST(anchoring_test, a_tree_completes_when_its_last_tuple_is_acked) {
    // spout ─(e1)─▶ split ─(child edges)─▶ count ×3, every tuple acked, in a bad order.
    acker_table acker;
    std::vector<acker_table::reply> replies;
    const std::uint64_t root = 0xabc;
    fast_random rng(3);
    std::uint64_t e1 = rng.next_id();
    EXPECT_FALSE(acker.apply(message_kind::ack_init, root, e1, 1, 0));
    tuple sentence = anchored({{root, e1}});
    std::vector<const tuple*> anchors{&sentence};
    std::vector<tuple> words;
    for (int i = 0; i < 3; ++i) {
        std::vector<anchor> child;
        anchor_child(anchors, rng, child);
        words.push_back(anchored(child));
    }
    ack(acker, words[1], replies);
    ack(acker, sentence, replies);
    ack(acker, words[0], replies);
    EXPECT_TRUE(replies.empty());
    ack(acker, words[2], replies);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].kind, message_kind::ack_done);
    EXPECT_EQ(replies[0].root, root);
    EXPECT_EQ(replies[0].spout_task, 1);
}

}  // namespace
}  // namespace tempest::worker
