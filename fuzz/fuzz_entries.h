// SPDX-License-Identifier: Apache-2.0
// fuzz_entries: one entry function per input surface that bytes from outside reach. Each takes
// arbitrary bytes, feeds them to the surface and checks what the surface promises (no crash,
// no read out of bounds, only the documented error type, and that what decodes re-encodes to
// the same bytes). A broken promise aborts, which libFuzzer reports as a crash.
//
// The same functions run under libFuzzer (libfuzzer_target.cc, clang, TEMPEST_FUZZ) and under
// GoogleTest (regression_test.cc, any compiler), which replays fuzz/corpus/<target>/ and
// fuzz/regressions/<target>/. Stateless between calls except for read-only fixtures built on
// first use, so that an input reproduces on its own. Not thread-safe (libFuzzer calls from one
// thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tempest::fuzz {

using entry_fn = int (*)(const std::uint8_t* data, std::size_t size);

// Worker transport: a stream of length-prefixed frames (worker/src/transport/frame.cc).
int frame_entry(const std::uint8_t* data, std::size_t size);
// Tuple values: a u16 value count, then encoded values (values::assign_encoded and readers).
int values_entry(const std::uint8_t* data, std::size_t size);
// Nimbus' Thrift requests: up to 8 frames (u32 big-endian length + request bytes) run through
// process_request and the Nimbus processor, against a handler over an in-memory cluster state.
int nimbus_thrift_entry(const std::uint8_t* data, std::size_t size);
// The YAML config loader: parse_config_yaml, then daemon and topology validation.
int config_entry(const std::uint8_t* data, std::size_t size);
// The Flux loader: parse_flux_yaml against a registry of a few classes.
int flux_entry(const std::uint8_t* data, std::size_t size);
// Cluster-state records as read from ZooKeeper: the first byte picks the record (storm base,
// assignment, supervisor, worker heartbeat, local heartbeat, stats, error, nimbus summary).
int cluster_records_entry(const std::uint8_t* data, std::size_t size);

struct target {
    std::string_view name;  // folder name under fuzz/corpus and fuzz/regressions
    entry_fn entry;
};

// Every target, in the order above.
std::span<const target> all_targets() noexcept;

}  // namespace tempest::fuzz
