// SPDX-License-Identifier: Apache-2.0
// pending_messages: a spout task's messages in flight, max pending, the timeout sweep and the
// immediate acks of a topology without ackers.
#include "executor/pending_messages.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace tempest::worker {
namespace {

TEST(pending_messages_test, complete_returns_the_message_once) {
    pending_messages p;
    p.add(11, 1, 1000);
    p.add(22, 2, 2000);
    EXPECT_EQ(p.size(), 2u);
    auto m = p.complete(22);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->msg, 2u);
    EXPECT_EQ(m->emit_ns, 2000);
    EXPECT_FALSE(p.complete(22));  // already completed (or timed out)
    EXPECT_FALSE(p.complete(33));  // never pending
    EXPECT_EQ(p.size(), 1u);
}

TEST(pending_messages_test, full_only_at_max_pending) {
    pending_messages unbounded;
    for (std::uint64_t r = 1; r <= 100; ++r) {
        unbounded.add(r, r, 0);
    }
    EXPECT_FALSE(unbounded.full());

    pending_messages p(2);
    EXPECT_FALSE(p.full());
    p.add(1, 1, 0);
    EXPECT_FALSE(p.full());
    p.add(2, 2, 0);
    EXPECT_TRUE(p.full());
    ASSERT_TRUE(p.complete(1));
    EXPECT_FALSE(p.full());
}

TEST(pending_messages_test, expire_fails_the_messages_older_than_the_cutoff) {
    pending_messages p;
    p.add(1, 10, 100);
    p.add(2, 20, 200);
    p.add(3, 30, 300);
    std::vector<std::uint64_t> failed;
    p.expire(250, [&](const pending_messages::message& m) { failed.push_back(m.msg); });
    std::sort(failed.begin(), failed.end());
    EXPECT_EQ(failed, (std::vector<std::uint64_t>{10, 20}));
    EXPECT_EQ(p.size(), 1u);
    EXPECT_FALSE(p.complete(1));  // an ack arriving after the timeout finds nothing
    EXPECT_TRUE(p.complete(3));
}

TEST(pending_messages_test, expire_lets_fail_emit_again) {
    // A spout's fail() often re-emits the message: the new one must stay pending.
    pending_messages p;
    p.add(1, 10, 100);
    std::vector<std::uint64_t> failed;
    p.expire(500, [&](const pending_messages::message& m) {
        failed.push_back(m.msg);
        p.add(2, m.msg, 600);
    });
    EXPECT_EQ(failed, (std::vector<std::uint64_t>{10}));
    EXPECT_EQ(p.size(), 1u);
    auto m = p.complete(2);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->msg, 10u);
}

TEST(pending_messages_test, immediate_acks_are_acked_once_in_order) {
    pending_messages p;
    p.add_immediate(message_id{1});
    p.add_immediate(message_id{2});
    EXPECT_EQ(p.immediate_count(), 2u);
    EXPECT_EQ(p.size(), 0u);  // not tracked by an acker: no in-flight limit applies
    std::vector<std::uint64_t> acked;
    p.ack_immediate([&](const pending_messages::immediate& m) { acked.push_back(m.id.id); });
    EXPECT_EQ(acked, (std::vector<std::uint64_t>{1, 2}));
    p.ack_immediate([&](const pending_messages::immediate& m) { acked.push_back(m.id.id); });
    EXPECT_EQ(acked.size(), 2u);
    EXPECT_EQ(p.immediate_count(), 0u);
}

TEST(pending_messages_test, immediate_acks_added_by_ack_are_acked_in_the_same_call) {
    // The spout's ack() emits the next message, which is acked immediately as well.
    pending_messages p;
    p.add_immediate(message_id{1});
    std::vector<std::uint64_t> acked;
    p.ack_immediate([&](const pending_messages::immediate& m) {
        acked.push_back(m.id.id);
        if (m.id.id < 3) {
            p.add_immediate(message_id{m.id.id + 1});
        }
    });
    EXPECT_EQ(acked, (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_EQ(p.immediate_count(), 0u);
}

}  // namespace
}  // namespace tempest::worker
