// SPDX-License-Identifier: Apache-2.0
// Fast, stable hashing for fields grouping: the same values hash the same in every process and
// across restarts (no per-process seed), so a key always reaches the same task.
#pragma once

#include "tempest/topology_api/values.h"

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tempest::worker {

inline std::uint64_t mix64(std::uint64_t x) noexcept {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

inline std::uint64_t hash_bytes(const void* data, std::size_t n, std::uint64_t seed) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
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

// Hash of the value at position i, by its type and content.
std::uint64_t hash_value(const values& v, std::size_t i, std::uint64_t seed);

// splitmix64: the per-executor generator for edge ids, root ids and shuffle starts.
class fast_random {
  public:
    explicit fast_random(std::uint64_t seed) noexcept : _s(seed) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (_s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // A non-zero id (zero means "none" in the acking tables).
    std::uint64_t next_id() noexcept {
        std::uint64_t x;
        do {
            x = next();
        } while (x == 0);
        return x;
    }

  private:
    std::uint64_t _s;
};

}  // namespace tempest::worker
