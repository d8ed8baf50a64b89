// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/spsc_ring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

namespace tempest::worker {
namespace {

TEST(spsc_ring_test, reports_full_and_keeps_fifo_order_across_wraps) {
    spsc_ring<int> ring(8);
    int next_in = 0;
    int next_out = 0;
    int visible = 0;  // published and not yet consumed
    auto take = [&](std::size_t max) {
        return ring.consume(max, [&](int& v) {
            EXPECT_EQ(v, next_out++);
            return true;
        });
    };
    for (int round = 0; round < 50; ++round) {
        int pushed = 0;
        while (int* slot = ring.try_claim()) {
            *slot = next_in++;
            ring.commit();
            ++pushed;
        }
        // Full means capacity minus what is still queued.
        EXPECT_EQ(pushed, 8 - visible) << "round " << round;
        // Committed but unpublished items stay invisible: only the older ones come out.
        EXPECT_EQ(take(100), static_cast<std::size_t>(visible));
        ring.publish();
        visible = pushed;
        std::size_t got = take(5);
        EXPECT_EQ(got, static_cast<std::size_t>(std::min(5, visible)));
        visible -= static_cast<int>(got);
    }
    EXPECT_GT(next_out, 200);
}

TEST(spsc_ring_test, consume_stops_where_the_callback_says_and_resumes_there) {
    spsc_ring<int> ring(16);
    for (int i = 0; i < 10; ++i) {
        *ring.try_claim() = i;
        ring.commit();
    }
    ring.publish();
    std::vector<int> seen;
    EXPECT_EQ(ring.consume(100,
                           [&](int& v) {
                               if (v == 4)
                                   return false;
                               seen.push_back(v);
                               return true;
                           }),
              4u);
    EXPECT_EQ(ring.consume(100,
                           [&](int& v) {
                               seen.push_back(v);
                               return true;
                           }),
              6u);
    ASSERT_EQ(seen.size(), 10u);
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(seen[i], i);
}

TEST(spsc_ring_test, two_threads_transfer_every_item_in_order) {
    constexpr std::uint64_t n = 2'000'000;
    parker consumer_parker;
    spsc_ring<std::uint64_t> ring(1024, &consumer_parker);
    std::thread producer([&] {
        for (std::uint64_t i = 0; i < n; ++i) {
            std::uint64_t* slot;
            while ((slot = ring.try_claim()) == nullptr) {
                ring.publish();
                std::this_thread::yield();
            }
            *slot = i;
            ring.commit();
            if (ring.unpublished() >= 64)
                ring.publish();
        }
        ring.publish();
    });
    std::uint64_t expect = 0;
    bool in_order = true;
    while (expect < n) {
        std::size_t got = ring.consume(256, [&](std::uint64_t& v) {
            in_order = in_order && v == expect;
            ++expect;
            return true;
        });
        if (got == 0) {
            consumer_parker.announce();
            if (ring.has_published()) {
                consumer_parker.cancel();
            } else {
                consumer_parker.park(std::chrono::milliseconds(50));
            }
        }
    }
    producer.join();
    EXPECT_TRUE(in_order);
    EXPECT_EQ(expect, n);
}

}  // namespace
}  // namespace tempest::worker
