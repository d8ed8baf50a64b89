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

// The n < 8 trailing bytes at p as a little-endian integer (what a memcpy into a zeroed word
// gives), read with at most three loads and no call.
[[gnu::always_inline]] inline std::uint64_t load_tail(const unsigned char* p,
                                                      std::size_t n) noexcept {
    if (n >= 4) {
        std::uint32_t lo;
        std::uint32_t hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + n - 4, 4);
        // The two loads overlap on equal bytes when n < 8, so OR-ing them is exact.
        return lo | (static_cast<std::uint64_t>(hi) << (8 * (n - 4)));
    }
    if (n == 0) {
        return 0;
    }
    return p[0] | (static_cast<std::uint64_t>(p[n / 2]) << (8 * (n / 2))) |
           (static_cast<std::uint64_t>(p[n - 1]) << (8 * (n - 1)));
}

// hash_bytes of 16 bytes or more, out of line: `h` is the state after the length was mixed in.
std::uint64_t hash_bytes_long(const unsigned char* p, std::size_t n, std::uint64_t h) noexcept;

// Each 8-byte word, then the tail, mixed in; inline up to 15 bytes (a word as a key), where the
// loop is unrolled into at most one word and a tail.
[[gnu::always_inline]] inline std::uint64_t hash_bytes(const void* data, std::size_t n,
                                                       std::uint64_t seed) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
    std::uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    if (n >= 16) [[unlikely]] {
        return hash_bytes_long(p, n, h);
    }
    if (n >= 8) {
        std::uint64_t k;
        std::memcpy(&k, p, 8);
        h = (h ^ mix64(k)) * 0x9e3779b97f4a7c15ULL;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        h = (h ^ mix64(load_tail(p, n))) * 0x9e3779b97f4a7c15ULL;
    }
    return mix64(h);
}

// Hash of the value at position i, out of line: hash_value's slow path for any type but
// string (strings too give hash_value's result).
std::uint64_t hash_non_string(const values& v, std::size_t i, std::uint64_t seed);

// Hash of the value at position i, by its type and content. Inline for strings, the common key.
inline std::uint64_t hash_value(const values& v, std::size_t i, std::uint64_t seed) {
    if (v.type_at(i) == value_type::string) [[likely]] {
        std::string_view s = v.get_string(i);
        return hash_bytes(s.data(), s.size(), seed ^ 0x4);
    }
    return hash_non_string(v, i, seed);
}

// hash_value(v, 0, seed), read from v's encoded bytes: when the first value is a string (the
// common fields-grouping key) its bytes are hashed where they lie, without locating the value or
// checking its type again; any other first value (or none: hash_value throws) goes the general
// way. The same hash for the same values as hash_value, so a key reaches the same task.
[[gnu::always_inline]] inline std::uint64_t hash_first_value(const values& v, std::uint64_t seed) {
    auto enc = v.encoded();
    // A well-formed encoding whose first tag is string holds at least the tag and the length.
    if (enc.size() >= 5 && enc[0] == static_cast<std::byte>(value_type::string)) [[likely]] {
        std::uint32_t n;
        std::memcpy(&n, enc.data() + 1, 4);
        return hash_bytes(enc.data() + 5, n, seed ^ 0x4);
    }
    return hash_non_string(v, 0, seed);
}

// Maps a hash onto [0, n) by the high half of h * n: as even as h % n for a good hash, and a
// multiply instead of a 64-bit division on the per-tuple path. Fields and partial-key grouping
// route with it, so it is as pinned as the hash itself.
inline std::size_t reduce_range(std::uint64_t h, std::size_t n) noexcept {
    return static_cast<std::size_t>((static_cast<unsigned __int128>(h) * n) >> 64);
}

// The per-executor generator for edge ids and root ids: a Weyl sequence folded by one 64×64→128
// multiply of the state with a masked copy of itself, the two halves XORed (the "wyrand"
// construction). One multiply and no shifts where splitmix64 took two multiplies and three
// shifts: an anchored emit draws one per child. The ids need only be well-mixed 64-bit values
// (Storm draws random longs); hash_test checks their spread.
class fast_random {
  public:
    explicit fast_random(std::uint64_t seed) noexcept : _s(seed) {}
    std::uint64_t next() noexcept {
        _s += 0xa0761d6478bd642fULL;
        const unsigned __int128 m =
            static_cast<unsigned __int128>(_s) * (_s ^ 0xe7037ed1a0b428dbULL);
        return static_cast<std::uint64_t>(m >> 64) ^ static_cast<std::uint64_t>(m);
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
