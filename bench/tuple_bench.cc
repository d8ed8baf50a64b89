// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks of tuple serialization: building tempest::values, copying their encoding
// into another values (as the runtime fills a queue slot), validating bytes from the network,
// and reading a string field back.
#include "tempest/topology_api/values.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace {

const std::string payload_100(100, 'x');

void values_build_string(benchmark::State& state) {
    std::string_view word = "storm";
    for (auto _ : state) {
        tempest::values v{word};
        benchmark::DoNotOptimize(v);
    }
}
BENCHMARK(values_build_string);

void values_build_int(benchmark::State& state) {
    std::int64_t i = 0;
    for (auto _ : state) {
        tempest::values v{i++};
        benchmark::DoNotOptimize(v);
    }
}
BENCHMARK(values_build_int);

void values_build_string_100(benchmark::State& state) {
    for (auto _ : state) {
        tempest::values v{payload_100};
        benchmark::DoNotOptimize(v);
    }
}
BENCHMARK(values_build_string_100);

void values_build_word_count_pair(benchmark::State& state) {
    std::int64_t i = 0;
    for (auto _ : state) {
        tempest::values v{"storm", i++};
        benchmark::DoNotOptimize(v);
    }
}
BENCHMARK(values_build_word_count_pair);

// The runtime's emit: the encoded bytes of the emitted values copied into a reused slot.
void values_assign_trusted_100(benchmark::State& state) {
    const tempest::values src{payload_100};
    const auto enc = src.encoded();
    tempest::values dst;
    for (auto _ : state) {
        dst.assign_trusted(enc.data(), static_cast<std::uint32_t>(enc.size()),
                           static_cast<std::uint16_t>(src.size()));
        benchmark::DoNotOptimize(dst);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * enc.size()));
}
BENCHMARK(values_assign_trusted_100);

// The transport's decode: bytes checked for well-formedness, then copied.
void values_assign_encoded_100(benchmark::State& state) {
    const tempest::values src{payload_100};
    const auto enc = src.encoded();
    tempest::values dst;
    for (auto _ : state) {
        bool ok = dst.assign_encoded(enc, static_cast<std::uint16_t>(src.size()));
        benchmark::DoNotOptimize(ok);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * enc.size()));
}
BENCHMARK(values_assign_encoded_100);

void values_assign_encoded_mixed(benchmark::State& state) {
    const tempest::values src{"storm", std::int64_t{42}, 2.5, true, payload_100};
    const auto enc = src.encoded();
    tempest::values dst;
    for (auto _ : state) {
        bool ok = dst.assign_encoded(enc, static_cast<std::uint16_t>(src.size()));
        benchmark::DoNotOptimize(ok);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(values_assign_encoded_mixed);

// Reading the last of several fields: locate() walks the encoding.
void values_get_string(benchmark::State& state) {
    const tempest::values v{std::int64_t{7}, "fox", payload_100};
    for (auto _ : state) {
        std::string_view s = v.get_string(2);
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(values_get_string);

void values_get_string_first(benchmark::State& state) {
    const tempest::values v{"storm"};
    for (auto _ : state) {
        std::string_view s = v.get_string(0);
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(values_get_string_first);

}  // namespace
