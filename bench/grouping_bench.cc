// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks of grouping selection: the stable hash fields grouping applies to a word
// (tempest::worker::hash_value), a fields-grouping target pick over N target tasks, and the
// round robin that shuffle grouping uses, for comparison.
#include "tempest/topology_api/values.h"
#include "tempest/worker/hash.h"

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <vector>

namespace {

constexpr std::array<std::string_view, 8> words = {"the",    "quick", "brown",      "fox",
                                                   "stream", "tuple", "processing", "backpressure"};

std::vector<tempest::values> word_tuples() {
    std::vector<tempest::values> out;
    for (std::string_view w : words) {
        out.emplace_back(w);
    }
    return out;
}

void hash_value_word(benchmark::State& state) {
    const auto tuples = word_tuples();
    std::size_t i = 0;
    for (auto _ : state) {
        std::uint64_t h = tempest::worker::hash_value(tuples[i++ & 7], 0, 0);
        benchmark::DoNotOptimize(h);
    }
}
BENCHMARK(hash_value_word);

void hash_value_int(benchmark::State& state) {
    const tempest::values v{std::int64_t{123456789}};
    for (auto _ : state) {
        std::uint64_t h = tempest::worker::hash_value(v, 0, 0);
        benchmark::DoNotOptimize(h);
    }
}
BENCHMARK(hash_value_int);

// What the runtime does per tuple for fields grouping on one field: hash, then reduce_range.
void fields_grouping_pick(benchmark::State& state) {
    const auto tuples = word_tuples();
    std::vector<int> targets(static_cast<std::size_t>(state.range(0)));
    std::iota(targets.begin(), targets.end(), 1);
    const std::vector<int> field_positions{0};
    std::size_t i = 0;
    for (auto _ : state) {
        const tempest::values& v = tuples[i++ & 7];
        std::uint64_t h = 0;
        for (int pos : field_positions) {
            h = tempest::worker::hash_value(v, static_cast<std::size_t>(pos), h);
        }
        int target = targets[tempest::worker::reduce_range(h, targets.size())];
        benchmark::DoNotOptimize(target);
    }
}
BENCHMARK(fields_grouping_pick)->Arg(1)->Arg(2)->Arg(8)->Arg(64);

void shuffle_round_robin_pick(benchmark::State& state) {
    std::vector<int> order(static_cast<std::size_t>(state.range(0)));
    std::iota(order.begin(), order.end(), 1);
    std::uint32_t next = 0;
    for (auto _ : state) {
        int target = order[next];
        if (++next == order.size()) {
            next = 0;
        }
        benchmark::DoNotOptimize(target);
    }
}
BENCHMARK(shuffle_round_robin_pick)->Arg(8);

}  // namespace
