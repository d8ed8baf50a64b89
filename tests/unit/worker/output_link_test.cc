// SPDX-License-Identifier: Apache-2.0
// output_links: claim/commit/publish into rings by destination task, batch publication, flush,
// overflow when a ring is full, draining it in order, and the backpressure flag. One thread
// plays both producer and consumer.
#include "executor/output_links.h"
#include "tuple_access.h"

#include <gtest/gtest.h>

#include <vector>

namespace tempest::worker {
namespace {

using detail::message_kind;
using detail::tuple_access;

class output_links_test : public ::testing::Test {
  protected:
    // Sends one data tuple carrying `n` to `task`.
    void send(int task, int n) {
        out_link* l = _out.link_for(task);
        ASSERT_NE(l, nullptr);
        _out.send(*l, [&](tuple& slot) {
            tuple_access::set_header(slot, nullptr, 1, task, message_kind::data);
            tuple_access::vals(slot).clear();
            tuple_access::vals(slot).add_int(n);
        });
    }
    // What the consumer of `ring` can take now, as (dest task, value).
    static std::vector<std::pair<int, std::int64_t>> take(spsc_ring<tuple>& ring) {
        std::vector<std::pair<int, std::int64_t>> got;
        ring.consume(1000, [&](tuple& t) {
            got.emplace_back(tuple_access::dest_task(t), t.get_int(0));
            return true;
        });
        return got;
    }

    static constexpr std::uint64_t batch = 4;
    spsc_ring<tuple> _a{8};
    spsc_ring<tuple> _b{8};
    output_links _out{6, batch};
};

TEST_F(output_links_test, routes_each_task_to_its_ring) {
    std::vector<int> a_tasks{2, 3};
    std::vector<int> b_tasks{5};
    _out.add(&_a, a_tasks);
    _out.add(&_b, b_tasks);
    EXPECT_EQ(_out.link_for(1), nullptr);  // a task on this thread (or none)
    EXPECT_EQ(_out.link_for(2), _out.link_for(3));
    EXPECT_NE(_out.link_for(2), _out.link_for(5));
    send(2, 20);
    send(5, 50);
    send(3, 30);
    _out.flush();
    EXPECT_EQ(take(_a), (std::vector<std::pair<int, std::int64_t>>{{2, 20}, {3, 30}}));
    EXPECT_EQ(take(_b), (std::vector<std::pair<int, std::int64_t>>{{5, 50}}));
}

TEST_F(output_links_test, publishes_a_full_batch_at_once_and_the_rest_at_flush) {
    std::vector<int> tasks{2};
    _out.add(&_a, tasks);
    for (int i = 0; i < 3; ++i) {
        send(2, i);
    }
    EXPECT_TRUE(take(_a).empty());  // committed, not yet published
    send(2, 3);                     // the batch is full: published
    EXPECT_EQ(take(_a).size(), batch);
    send(2, 4);
    EXPECT_TRUE(take(_a).empty());
    _out.flush();
    EXPECT_EQ(take(_a), (std::vector<std::pair<int, std::int64_t>>{{2, 4}}));
    _out.flush();  // nothing left: a no-op
    EXPECT_TRUE(take(_a).empty());
}

TEST_F(output_links_test, a_full_ring_overflows_in_order_and_drains_when_room_frees) {
    std::vector<int> tasks{2};
    _out.add(&_a, tasks);
    for (int i = 0; i < 12; ++i) {
        send(2, i);  // 8 fit in the ring, 4 overflow
    }
    EXPECT_TRUE(_out.overflowed());
    _out.flush();
    EXPECT_FALSE(_out.can_drain());  // the ring is still full
    EXPECT_FALSE(_out.drain_overflow());
    EXPECT_TRUE(_out.overflowed());

    std::vector<std::pair<int, std::int64_t>> got = take(_a);
    ASSERT_EQ(got.size(), 8u);
    EXPECT_TRUE(_out.can_drain());
    // While overflow waits, new tuples queue behind it rather than jump into the ring.
    send(2, 12);
    EXPECT_TRUE(_out.drain_overflow());
    EXPECT_FALSE(_out.overflowed());
    for (auto& t : take(_a)) {
        got.push_back(t);
    }
    ASSERT_EQ(got.size(), 13u);
    for (int i = 0; i < 13; ++i) {
        EXPECT_EQ(got[i].second, i);
    }
}

TEST_F(output_links_test, overflow_of_one_link_keeps_backpressure_until_all_drain) {
    std::vector<int> a_tasks{2};
    std::vector<int> b_tasks{3};
    _out.add(&_a, a_tasks);
    _out.add(&_b, b_tasks);
    for (int i = 0; i < 9; ++i) {
        send(2, i);
        send(3, i);
    }
    EXPECT_TRUE(_out.overflowed());
    EXPECT_EQ(take(_a).size(), 8u);
    EXPECT_TRUE(_out.drain_overflow());  // a's overflow moved, b's is stuck
    EXPECT_TRUE(_out.overflowed());
    EXPECT_EQ(take(_b).size(), 8u);
    EXPECT_TRUE(_out.drain_overflow());
    EXPECT_FALSE(_out.overflowed());
    EXPECT_EQ(take(_a), (std::vector<std::pair<int, std::int64_t>>{{2, 8}}));
    EXPECT_EQ(take(_b), (std::vector<std::pair<int, std::int64_t>>{{3, 8}}));
}

}  // namespace
}  // namespace tempest::worker
