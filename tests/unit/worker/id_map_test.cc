// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/id_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace tempest::worker {
namespace {

TEST(id_map_test, matches_a_reference_map_under_random_inserts_and_erases) {
    id_map<std::uint64_t> m(16);
    std::unordered_map<std::uint64_t, std::uint64_t> ref;
    std::mt19937_64 rng(42);
    // Small key space so that probe runs collide and wrap, exercising backward-shift deletion.
    for (int i = 0; i < 200'000; ++i) {
        std::uint64_t key = 1 + rng() % 5000;
        if (rng() % 3 == 0) {
            EXPECT_EQ(m.erase(key), ref.erase(key) == 1) << "key " << key;
        } else {
            bool inserted = false;
            m.get_or_insert(key, &inserted) += key;
            EXPECT_EQ(inserted, ref.find(key) == ref.end());
            ref[key] += key;
        }
        ASSERT_EQ(m.size(), ref.size());
    }
    for (auto& [k, v] : ref) {
        std::uint64_t* found = m.find(k);
        ASSERT_NE(found, nullptr) << k;
        EXPECT_EQ(*found, v);
    }
}

TEST(id_map_test, slot_operations_match_a_reference_map_while_the_table_grows) {
    // The acker and the spout's pending table find a slot once and erase it by index: the same
    // behaviour as by key, across growth (from 16 slots) and wrapped probe runs.
    id_map<std::uint64_t> m(16);
    std::unordered_map<std::uint64_t, std::uint64_t> ref;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200'000; ++i) {
        std::uint64_t key = 1 + rng() % 3000;
        if (rng() % 3 == 0) {
            std::size_t at = m.index_of(key);
            ASSERT_EQ(at != id_map<std::uint64_t>::npos, ref.count(key) == 1) << "key " << key;
            if (at != id_map<std::uint64_t>::npos) {
                EXPECT_EQ(m.value_at(at), ref[key]);
                m.erase_at(at);
                ref.erase(key);
            }
        } else {
            bool added = false;
            std::size_t at = m.slot_of(key, added);
            EXPECT_EQ(added, ref.find(key) == ref.end());
            m.value_at(at) += key;
            ref[key] += key;
        }
        ASSERT_EQ(m.size(), ref.size());
    }
    for (auto& [k, v] : ref) {
        std::uint64_t* found = m.find(k);
        ASSERT_NE(found, nullptr) << k;
        EXPECT_EQ(*found, v);
    }
}

TEST(id_map_test, erase_if_removes_exactly_the_chosen_entries) {
    id_map<int> m;
    for (std::uint64_t k = 1; k <= 1000; ++k)
        m.get_or_insert(k * 0x9e3779b97f4a7c15ULL) = int(k);
    m.erase_if([](std::uint64_t, int& v) { return v % 2 == 0; });
    EXPECT_EQ(m.size(), 500u);
    for (std::uint64_t k = 1; k <= 1000; ++k) {
        EXPECT_EQ(m.find(k * 0x9e3779b97f4a7c15ULL) != nullptr, k % 2 == 1);
    }
}

}  // namespace
}  // namespace tempest::worker
