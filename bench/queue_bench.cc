// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks of the inter-executor queue, tempest::worker::spsc_ring<tempest::tuple>:
// the per-tuple cost of claim/fill/commit + publish + consume on one thread, and the
// throughput of a producer thread and a consumer thread publishing in batches.
//
// Slots are filled exactly as the runtime's emit path fills them (worker/src/topology_runtime.cc
// fill_data: header, then the emitted values' encoding copied in), through worker's private
// tuple_access header, which this benchmark includes on purpose.
#include "tempest/topology_api/tuple.h"
#include "tempest/topology_api/values.h"
#include "tempest/worker/spsc_ring.h"
#include "tuple_access.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace {

using ring_t = tempest::worker::spsc_ring<tempest::tuple>;
using tempest::detail::message_kind;
using tempest::detail::tuple_access;

const tempest::detail::stream_schema schema{"spout", "default", {"payload"}, 0, false};

inline void fill(tempest::tuple& slot, const tempest::values& v) {
    tuple_access::set_header(slot, &schema, 1, 2, message_kind::data);
    auto enc = v.encoded();
    tuple_access::vals(slot).assign_trusted(enc.data(), static_cast<std::uint32_t>(enc.size()),
                                            static_cast<std::uint16_t>(v.size()));
    tuple_access::clear_anchors(slot);
}

// Single thread: per iteration, claim+fill+commit `batch` tuples, publish once, consume them
// all (reading the payload's length, as a bolt reading its input would).
void ring_single_thread(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(0));
    const tempest::values payload{std::string(100, 'x')};
    ring_t ring(1024);
    std::uint64_t seen = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) {
            fill(*ring.try_claim(), payload);
            ring.commit();
        }
        ring.publish();
        ring.consume(batch, [&](tempest::tuple& t) {
            seen += t.get_string(0).size();
            return true;
        });
    }
    benchmark::DoNotOptimize(seen);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}
BENCHMARK(ring_single_thread)->Arg(1)->Arg(16)->Arg(64)->Arg(256);

// Two threads: this thread produces `total` tuples publishing every `batch`, a consumer thread
// drains up to 512 per call (as an executor does), spinning while the ring is empty. The
// figure crosses cores: see bench/README.md about this machine's placement noise.
void ring_two_threads(benchmark::State& state) {
    const auto batch = static_cast<std::uint64_t>(state.range(0));
    const auto capacity = static_cast<std::size_t>(state.range(1));
    constexpr std::uint64_t total = 1 << 20;
    const tempest::values payload{std::string(100, 'x')};
    for (auto _ : state) {
        ring_t ring(capacity);
        std::atomic<bool> ready{false};
        std::thread consumer([&] {
            ready.store(true, std::memory_order_release);
            std::uint64_t got = 0;
            std::uint64_t bytes = 0;
            while (got < total) {
                std::size_t n = ring.consume(512, [&](tempest::tuple& t) {
                    bytes += t.get_string(0).size();
                    return true;
                });
                got += n;
                if (n == 0) {
#if defined(__x86_64__) || defined(__i386__)
                    __builtin_ia32_pause();
#endif
                }
            }
            benchmark::DoNotOptimize(bytes);
        });
        while (!ready.load(std::memory_order_acquire)) {
        }
        for (std::uint64_t i = 0; i < total; ++i) {
            tempest::tuple* slot;
            while ((slot = ring.try_claim()) == nullptr) {
                ring.publish();
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
            }
            fill(*slot, payload);
            ring.commit();
            if (ring.unpublished() >= batch) {
                ring.publish();
            }
        }
        ring.publish();
        consumer.join();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * total));
}
BENCHMARK(ring_two_threads)
    ->Args({1, 1024})
    ->Args({64, 1024})
    ->Args({256, 1024})
    ->Args({64, 16384})
    ->Args({256, 16384})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
