// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/hash.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace tempest::worker {
namespace {

TEST(hash_test, is_stable_across_processes_and_builds) {
    // Fields grouping must send a key to the same task in every worker and after restarts, so
    // the hash is pinned: changing it would re-route keys of running topologies.
    values v{"fox", std::int64_t{42}};
    EXPECT_EQ(hash_value(v, 0, 0), hash_value(values{"fox"}, 0, 0));
    EXPECT_EQ(hash_value(v, 0, 0), 0xc5a8f7a226bef162ULL);
    EXPECT_EQ(hash_value(v, 1, 0), 0xbf1a7d191fecd208ULL);
}

TEST(hash_test, spreads_distinct_words_over_targets) {
    // What fields grouping does: hash, then reduce onto the target positions.
    int per_bucket[8] = {};
    for (int i = 0; i < 8000; ++i) {
        values v{"word" + std::to_string(i)};
        ++per_bucket[reduce_range(hash_value(v, 0, 0), 8)];
    }
    for (int b : per_bucket) {
        EXPECT_NEAR(b, 1000, 150);
    }
}

TEST(hash_test, reduce_range_stays_in_range_and_is_pinned) {
    EXPECT_EQ(reduce_range(0, 5), 0u);
    EXPECT_EQ(reduce_range(~std::uint64_t{0}, 5), 4u);
    EXPECT_EQ(reduce_range(std::uint64_t{1} << 63, 2), 1u);
    EXPECT_EQ(reduce_range(0xc5a8f7a226bef162ULL, 3), 2u);  // "fox" onto three tasks
}

TEST(hash_test, hashes_every_short_length_by_all_its_bytes) {
    // The tail of a key is read with overlapping loads: a change in any byte must change the
    // hash, for every length that takes that path.
    for (std::size_t n = 1; n <= 24; ++n) {
        std::string base(n, 'a');
        std::uint64_t h = hash_bytes(base.data(), n, 0);
        for (std::size_t i = 0; i < n; ++i) {
            std::string other = base;
            other[i] = 'b';
            EXPECT_NE(hash_bytes(other.data(), n, 0), h) << "length " << n << ", byte " << i;
        }
    }
}

TEST(hash_test, distinguishes_types_with_equal_bytes) {
    values s{"1"};
    values i{std::int64_t{1}};
    EXPECT_NE(hash_value(s, 0, 0), hash_value(i, 0, 0));
}

// The byte hash as first written, one 8-byte word at a time then the tail: hash_bytes, whose
// short keys take an unrolled inline path, must keep giving exactly this.
std::uint64_t reference_hash_bytes(const unsigned char* p, std::size_t n, std::uint64_t seed) {
    std::uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        std::uint64_t k;
        std::memcpy(&k, p, 8);
        h = (h ^ mix64(k)) * 0x9e3779b97f4a7c15ULL;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        std::uint64_t k = 0;
        std::memcpy(&k, p, n);
        h = (h ^ mix64(k)) * 0x9e3779b97f4a7c15ULL;
    }
    return mix64(h);
}

TEST(hash_test, byte_hash_of_every_length_is_unchanged) {
    std::string s;
    for (std::size_t n = 0; n <= 48; ++n) {
        const auto* p = reinterpret_cast<const unsigned char*>(s.data());
        for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{4}, ~std::uint64_t{0}}) {
            EXPECT_EQ(hash_bytes(s.data(), n, seed), reference_hash_bytes(p, n, seed)) << n;
        }
        s += static_cast<char>(0x61 + (n * 7) % 26);
    }
}

TEST(hash_test, first_value_from_the_encoded_bytes_is_hash_value) {
    // Fields grouping on the first value hashes its encoded bytes in place (hash_first_value):
    // it must give hash_value's result for every value, so that a key still reaches the task
    // it reached before and the same task as a grouping on any other position list.
    std::vector<values> all;
    std::string s;
    for (std::size_t n = 0; n <= 40; ++n) {
        all.push_back(values{s, std::int64_t{7}});
        all.push_back(values{s});
        s += static_cast<char>('a' + n % 26);
    }
    all.push_back(values{std::int64_t{42}, "x"});
    all.push_back(values{2.5});
    all.push_back(values{true});
    all.push_back(values{nullptr});
    all.push_back(values{bytes{std::string("\x01\x02", 2)}});
    all.push_back(values{value::list{value("a"), value(std::int64_t{1})}});
    for (const values& v : all) {
        for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{0x51ed27057d1f3a9bULL}}) {
            EXPECT_EQ(hash_first_value(v, seed), hash_value(v, 0, seed)) << v.to_string();
        }
    }
    EXPECT_EQ(hash_first_value(values{"fox", std::int64_t{42}}, 0), 0xc5a8f7a226bef162ULL);
    // No first value: the same error as hash_value's.
    EXPECT_THROW((void)hash_first_value(values{}, 0), type_error);
}

TEST(hash_test, fast_random_ids_are_distinct_non_zero_and_balanced) {
    // Edge and root ids: no zero (it means "none"), no repeat among 100,000 draws of one
    // generator or across seeds a few bits apart, and every bit set in
    // close to half of the draws.
    std::set<std::uint64_t> seen;
    std::vector<int> ones(64, 0);
    constexpr int draws = 1'000'000;
    for (std::uint64_t seed : {0ull, 1ull, 2ull}) {
        fast_random rng(seed);
        for (int i = 0; i < 100'000; ++i) {
            const std::uint64_t id = rng.next_id();
            ASSERT_NE(id, 0u);
            ASSERT_TRUE(seen.insert(id).second) << "repeated id " << id << " seed " << seed;
        }
    }
    fast_random rng(42);
    for (int i = 0; i < draws; ++i) {
        const std::uint64_t id = rng.next_id();
        for (int b = 0; b < 64; ++b) {
            ones[b] += static_cast<int>((id >> b) & 1);
        }
    }
    for (int b = 0; b < 64; ++b) {
        // Binomial(1e6, 1/2): the standard deviation is 500; 3000 is six of them.
        EXPECT_NEAR(ones[b], draws / 2, 3000) << "bit " << b;
    }
}

}  // namespace
}  // namespace tempest::worker
