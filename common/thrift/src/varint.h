// SPDX-License-Identifier: Apache-2.0
// LEB128 varints of the cluster records' compact fields (RoutesRecord's slots and executors,
// WorkerHeartbeatRecord.metrics_packed). Internal to the tempest_thrift library.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace tempest::thrift::detail {

// Appends `v`, seven bits a byte, least significant first.
inline void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

// The next varint of `in` (at most five bytes, a value below 2^32), advancing `in`; nullopt
// for a truncated or longer one.
inline std::optional<std::uint32_t> take_varint(std::string_view& in) {
    std::uint64_t v = 0;
    for (int i = 0; i < 5 && !in.empty(); ++i) {
        auto byte = static_cast<std::uint8_t>(in.front());
        in.remove_prefix(1);
        v |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) {
            if (v > std::numeric_limits<std::uint32_t>::max()) {
                return std::nullopt;
            }
            return static_cast<std::uint32_t>(v);
        }
    }
    return std::nullopt;
}

// A varint of up to ten bytes (a full 64-bit value), advancing `in`; nullopt for a truncated or
// overlong one.
inline std::optional<std::uint64_t> take_varint64(std::string_view& in) {
    std::uint64_t v = 0;
    for (int i = 0; i < 10 && !in.empty(); ++i) {
        auto byte = static_cast<std::uint8_t>(in.front());
        in.remove_prefix(1);
        if (i == 9 && byte > 1) {
            return std::nullopt;  // bits past the 64th
        }
        v |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) {
            return v;
        }
    }
    return std::nullopt;
}

}  // namespace tempest::thrift::detail
