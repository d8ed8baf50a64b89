// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/spsc_ring.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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

// The producer looks up to a quarter of the ring (at most 16 slots) ahead of its write index
// and refreshes its copy of the read index there: at every capacity, kept nearly full or nearly
// empty, the ring still holds exactly its capacity and hands every item out once, in order.
TEST(spsc_ring_test, every_capacity_fills_to_capacity_and_keeps_order_nearly_full_or_empty) {
    for (std::size_t capacity : {2u, 4u, 8u, 64u, 256u, 1024u}) {
        for (std::size_t take_per_round : {std::size_t{1}, capacity / 2 + 1, capacity}) {
            spsc_ring<std::uint64_t> ring(capacity);
            std::uint64_t next_in = 0;
            std::uint64_t next_out = 0;
            for (int round = 0; round < 40; ++round) {
                while (std::uint64_t* slot = ring.try_claim()) {
                    *slot = next_in++;
                    ring.commit();
                }
                ASSERT_EQ(next_in - next_out, capacity)
                    << "capacity " << capacity << ", round " << round;
                ring.publish();
                // A consume stops at the end of the run it last saw published: take in turns.
                std::size_t taken = 0;
                while (taken < take_per_round) {
                    const std::size_t got =
                        ring.consume(take_per_round - taken, [&](std::uint64_t& v) {
                            EXPECT_EQ(v, next_out) << "capacity " << capacity;
                            ++next_out;
                            return true;
                        });
                    ASSERT_GT(got, 0u) << "capacity " << capacity << ", round " << round;
                    taken += got;
                }
                ASSERT_EQ(ring.free_slots(), std::min(take_per_round, capacity));
            }
            while (ring.consume(capacity, [&](std::uint64_t& v) {
                EXPECT_EQ(v, next_out++);
                return true;
            }) > 0) {
            }
            EXPECT_EQ(next_out, next_in) << "capacity " << capacity;
        }
    }
}

// Slots are built as the producer first reaches them, not up front (so the pages of a large
// ring that carries little stay untouched), and every built slot is destroyed with the ring.
struct counted_slot {
    static inline int alive = 0;
    static inline int built = 0;
    counted_slot() noexcept {
        ++alive;
        ++built;
    }
    ~counted_slot() { --alive; }
    counted_slot(const counted_slot&) = delete;
    counted_slot& operator=(const counted_slot&) = delete;
    std::uint64_t value = 0;
};

TEST(spsc_ring_test, slots_are_built_on_the_first_lap_as_the_producer_reaches_them) {
    counted_slot::alive = 0;
    counted_slot::built = 0;
    {
        spsc_ring<counted_slot> ring(4096);
        EXPECT_EQ(counted_slot::built, 0) << "slots built before any was claimed";
        std::uint64_t next_in = 0;
        std::uint64_t next_out = 0;
        for (int i = 0; i < 10; ++i) {
            counted_slot* s = ring.try_claim();
            ASSERT_NE(s, nullptr);
            EXPECT_EQ(s->value, 0u) << "a slot of the first lap starts out value-initialised";
            s->value = ++next_in;
            ring.commit();
        }
        ring.publish();
        // A page's worth at a time: far fewer than the ring's 4096.
        EXPECT_GE(counted_slot::built, 10);
        EXPECT_LE(counted_slot::built, 512);
        // Three laps: every slot built exactly once, values handed over in order.
        while (next_out < 3 * 4096) {
            while (counted_slot* s = ring.try_claim()) {
                s->value = ++next_in;
                ring.commit();
            }
            ring.publish();
            ring.consume(1000, [&](counted_slot& s) {
                EXPECT_EQ(s.value, ++next_out);
                return true;
            });
        }
        EXPECT_EQ(counted_slot::built, 4096);
        EXPECT_EQ(counted_slot::alive, 4096);
    }
    EXPECT_EQ(counted_slot::alive, 0) << "built slots not destroyed with the ring";
}

TEST(spsc_ring_test, a_ring_never_used_builds_and_destroys_nothing) {
    counted_slot::alive = 0;
    counted_slot::built = 0;
    { spsc_ring<counted_slot> ring(1024); }
    EXPECT_EQ(counted_slot::built, 0);
    EXPECT_EQ(counted_slot::alive, 0);
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

// consume()'s second-line hint is asked about every slot before the callback sees it, also
// about the slot the callback refuses, and changes nothing of what is consumed: slots of three
// lines, the hint saying yes for every other one, across several wraps of the ring.
TEST(spsc_ring_test, the_second_line_hint_sees_each_slot_first_and_consumes_the_same) {
    struct alignas(64) wide_slot {
        std::uint64_t seq = 0;
        char pad[184] = {};
    };
    static_assert(sizeof(wide_slot) == 192);
    spsc_ring<wide_slot> ring(32);
    std::uint64_t next_in = 0;
    std::uint64_t next_out = 0;
    std::vector<std::uint64_t> hinted;
    for (int round = 0; round < 20; ++round) {
        while (wide_slot* slot = ring.try_claim()) {
            slot->seq = next_in++;
            ring.commit();
        }
        ring.publish();
        hinted.clear();
        const std::uint64_t refuse_at = next_out + 7;  // the callback stops at the 8th slot
        const std::size_t n = ring.consume(
            100,
            [&](wide_slot& s) {
                EXPECT_FALSE(hinted.empty());
                EXPECT_EQ(hinted.back(), s.seq) << "hint asked after the callback";
                if (s.seq == refuse_at) {
                    return false;
                }
                EXPECT_EQ(s.seq, next_out++);
                return true;
            },
            [&](const wide_slot& s) {
                hinted.push_back(s.seq);
                return s.seq % 2 == 0;
            });
        ASSERT_EQ(n, 7u) << "round " << round;
        ASSERT_EQ(hinted.size(), 8u) << "the refused slot is asked about too";
        for (std::size_t i = 0; i < hinted.size(); ++i) {
            EXPECT_EQ(hinted[i], refuse_at - 7 + i);
        }
        // The rest comes out in order with the plain consume().
        const std::uint64_t queued = next_in - next_out;
        EXPECT_EQ(ring.consume(100,
                               [&](wide_slot& s) {
                                   EXPECT_EQ(s.seq, next_out++);
                                   return true;
                               }),
                  queued);
    }
    EXPECT_EQ(next_out, next_in);
    EXPECT_GT(next_out, 600u);
}

TEST(spsc_ring_test, two_threads_transfer_every_item_in_order) {
    constexpr std::uint64_t n = 2'000'000;
    parker consumer_parker;
    spsc_ring<std::uint64_t> ring(1024, &consumer_parker);
    std::atomic<bool> give_up{false};
    std::thread producer([&] {
        for (std::uint64_t i = 0; i < n && !give_up.load(std::memory_order_relaxed); ++i) {
            std::uint64_t* slot;
            while ((slot = ring.try_claim()) == nullptr) {
                ring.publish();
                if (give_up.load(std::memory_order_relaxed)) {
                    return;
                }
                std::this_thread::yield();
            }
            *slot = i;
            ring.commit();
            if (ring.unpublished() >= 64)
                ring.publish();
        }
        ring.publish();
    });
    // Every item must arrive, each once, in order, within the deadline: a lost item leaves the
    // count short when the deadline passes instead of hanging the test; a duplicated or
    // reordered one breaks the order check.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::uint64_t received = 0;
    std::uint64_t out_of_order = 0;
    while (received < n && std::chrono::steady_clock::now() < deadline) {
        std::size_t got = ring.consume(256, [&](std::uint64_t& v) {
            out_of_order += v != received ? 1 : 0;
            ++received;
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
    give_up = true;
    producer.join();
    EXPECT_EQ(received, n) << "items lost or the transfer stalled for 60 s";
    EXPECT_EQ(out_of_order, 0u);
    EXPECT_EQ(ring.consume(256, [](std::uint64_t&) { return true; }), 0u)
        << "items beyond the " << n << " published";
}

// The parker's wake protocol on its own, without a short timeout to hide a lost wake-up: the
// producer publishes one item at a time and waits for it to be consumed, so the consumer parks
// before nearly every item and each item needs a wake-up. The consumer parks for up to 10 s; a
// park that lasts 5 s or more can only be a wake-up that never came.
TEST(spsc_ring_test, a_parked_consumer_is_woken_for_every_publish) {
    constexpr std::uint64_t rounds = 20'000;
    parker consumer_parker;
    spsc_ring<std::uint64_t> ring(16, &consumer_parker);
    std::atomic<std::uint64_t> consumed{0};
    std::atomic<bool> give_up{false};
    std::uint64_t producer_timeouts = 0;
    std::thread producer([&] {
        for (std::uint64_t i = 0; i < rounds; ++i) {
            std::uint64_t* slot = ring.try_claim();
            if (slot == nullptr) {
                give_up = true;  // the ring can never be full here: one item in flight
                return;
            }
            *slot = i;
            ring.commit();
            ring.publish();
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            while (consumed.load(std::memory_order_acquire) <= i) {
                if (give_up.load()) {
                    return;
                }
                if (std::chrono::steady_clock::now() > until) {
                    ++producer_timeouts;
                    give_up = true;
                    consumer_parker.wake();
                    return;
                }
                std::this_thread::yield();
            }
        }
    });
    std::uint64_t received = 0;
    std::uint64_t parks = 0;
    std::uint64_t lost_wakeups = 0;
    while (received < rounds && !give_up.load()) {
        std::size_t got = ring.consume(16, [&](std::uint64_t& v) {
            EXPECT_EQ(v, received);
            ++received;
            return true;
        });
        if (got > 0) {
            consumed.store(received, std::memory_order_release);
            continue;
        }
        consumer_parker.announce();
        if (ring.has_published()) {
            consumer_parker.cancel();
            continue;
        }
        const auto t0 = std::chrono::steady_clock::now();
        consumer_parker.park(std::chrono::seconds(10));
        ++parks;
        if (std::chrono::steady_clock::now() - t0 >= std::chrono::seconds(5)) {
            ++lost_wakeups;
            give_up = true;  // one is enough to fail; do not wait 10 s for each of the rest
        }
    }
    producer.join();
    EXPECT_EQ(received, rounds);
    EXPECT_EQ(lost_wakeups, 0u);
    EXPECT_EQ(producer_timeouts, 0u);
    // The test means something only if the consumer really slept between items.
    EXPECT_GT(parks, rounds / 10) << "the consumer hardly parked; the wake path went untested";
}

}  // namespace
}  // namespace tempest::worker
