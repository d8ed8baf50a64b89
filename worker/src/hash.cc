// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/hash.h"

namespace tempest::worker {

std::uint64_t hash_bytes_long(const unsigned char* p, std::size_t n, std::uint64_t h) noexcept {
    while (n >= 8) {
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

std::uint64_t hash_non_string(const values& v, std::size_t i, std::uint64_t seed) {
    switch (v.type_at(i)) {
        case value_type::string:
            return hash_value(v, i, seed);
        case value_type::int64: {
            std::int64_t x = v.get_int(i);
            return mix64(static_cast<std::uint64_t>(x) ^ mix64(seed ^ 0x2));
        }
        case value_type::bytes: {
            auto b = v.get_bytes(i);
            return hash_bytes(b.data(), b.size(), seed ^ 0x5);
        }
        case value_type::float64: {
            double d = v.get_double(i);
            std::uint64_t x;
            std::memcpy(&x, &d, 8);
            return mix64(x ^ mix64(seed ^ 0x3));
        }
        case value_type::boolean:
            return mix64((v.get_bool(i) ? 1u : 0u) ^ mix64(seed ^ 0x1));
        case value_type::null:
            return mix64(seed ^ 0x7);
        case value_type::list: {
            values one;
            one.add(v.get(i));
            auto enc = one.encoded();
            return hash_bytes(enc.data(), enc.size(), seed ^ 0x6);
        }
    }
    return seed;
}

}  // namespace tempest::worker
