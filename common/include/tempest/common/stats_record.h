// SPDX-License-Identifier: Apache-2.0
// stats_record: the figures of one executor as a worker's heartbeat carries them to Nimbus —
// per stream and per Storm window (600 s, 10800 s, 86400 s, all time) — and their compact
// binary encoding.
//
// A record is sparse: a table of stream keys and a list of entries (kind, key, four window
// values); a figure that is zero in every window is simply absent. Keys are
//   - an executor's own output stream (component empty): emitted, transferred, and for spouts
//     acked, failed and complete latency;
//   - a bolt's input (source component, stream), as Storm's GlobalStreamId: executed, acked,
//     failed, execute and process latency.
// Latencies travel as a sum of sampled latencies in microseconds with the number of samples,
// so that any window's average is sum / samples and averages over executors can be weighted.
//
// Encoding (all integers LEB128 varints): version 1, key count, keys (component and stream as
// length + bytes), entry count, entries (kind byte, key index, four values). 100 executors with
// three streams and every figure weigh about 20 KiB (docs/ARCHITECTURE.md).
// Plain value types; no threads.
#pragma once

#include "tempest/common/result.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::common {

inline constexpr std::size_t num_windows = 4;  // 600, 10800, 86400, :all-time
using window_values = std::array<std::uint64_t, num_windows>;

enum class stat_kind : std::uint8_t {
    emitted = 0,
    transferred,
    acked,
    failed,
    executed,
    complete_latency_us,  // sums of sampled latencies, microseconds
    complete_samples,     // how many latencies each sum holds
    execute_latency_us,
    execute_samples,
    process_latency_us,
    process_samples,
};
inline constexpr std::size_t num_stat_kinds = 11;

struct stream_key {
    std::string component;  // empty: the executor's own output stream
    std::string stream;
    friend bool operator==(const stream_key&, const stream_key&) = default;
    friend auto operator<=>(const stream_key&, const stream_key&) = default;
};

struct stat_entry {
    stat_kind kind = stat_kind::emitted;
    std::uint32_t key = 0;  // index into stats_record::keys
    window_values values{};
    friend bool operator==(const stat_entry&, const stat_entry&) = default;
};

struct stats_record {
    std::vector<stream_key> keys;
    std::vector<stat_entry> entries;

    // Adds `v` to the entry (kind, key), creating key and entry as needed.
    void add(stat_kind kind, const stream_key& key, const window_values& v);
    // The values of (kind, key); zeros when absent.
    window_values get(stat_kind kind, const stream_key& key) const;
    friend bool operator==(const stats_record&, const stats_record&) = default;
};

// Stream names starting with "__" are Storm's system streams (acks, metrics, ticks).
inline bool is_system_stream(std::string_view stream) noexcept {
    return stream.size() >= 2 && stream[0] == '_' && stream[1] == '_';
}

std::string encode_stats(const stats_record& r);
// Errors: std::errc::bad_message for bytes that are not a well-formed record (truncated, an
// unknown version or kind, a key index out of range).
[[nodiscard]] result<stats_record> decode_stats(std::string_view bytes);

}  // namespace tempest::common
