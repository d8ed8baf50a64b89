// SPDX-License-Identifier: Apache-2.0
// stat_counters: the running totals an executor keeps on its hot path — per output stream
// (inside each task's stream_route) and per input (source component, stream) — and the
// deterministic sampler that picks the tuples whose latencies are timed.
//
//   emit ──▶ stream_route::stats (emitted, transferred; spouts: acked, failed, complete latency)
//   execute/ack/fail ──▶ task_state::inputs[slot] (executed, acked, failed, latencies)
//                        slot = component_plan::input_base[source task] + stream index
//
// Each counter has one writer, the thread of the executor running the task, and is read by any
// thread (topology_runtime::totals()) with relaxed loads: no lock prefix, no read-modify-write
// shared between threads. Latencies are kept as sums (nanoseconds) and sample counts.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>

namespace tempest::worker {

// A counter written by one thread and read by others: a relaxed load and store, no lock prefix.
// Copying (only while tasks are built, before any thread runs) copies the value.
struct counter {
    std::atomic<std::uint64_t> v{0};

    counter() noexcept = default;
    counter(const counter& o) noexcept : v(o.get()) {}
    counter& operator=(const counter& o) noexcept {
        v.store(o.get(), std::memory_order_relaxed);
        return *this;
    }
    // Always inline: a load, an add and a store, which GCC once cloned out of line in the emit.
    [[gnu::always_inline]] void add(std::uint64_t n = 1) noexcept {
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
};

// One output stream of one task.
struct output_stats {
    counter emitted;      // emit calls (but those counted in sent_one)
    counter transferred;  // tuples sent to tasks: ring, chained call or remote (but sent_one)
    // Emits of the one-target path (stream_route::fast), each one emit and one tuple sent:
    // read as part of both figures above, so that the path writes one counter instead of two.
    counter sent_one;
    // Spouts: tuple trees of this stream completed / failed or timed out, and the complete
    // latency (emit to ack) of the sampled ones.
    counter acked;
    counter failed;
    counter complete_ns;
    counter complete_samples;
};

// One input (source component, stream) of one bolt or acker task. A cache line each: the slot
// index becomes a shift.
struct alignas(64) input_stats {
    counter executed;
    counter acked;
    counter failed;
    counter execute_ns;  // sampled execute() durations
    counter execute_samples;
    counter process_us;  // sampled times from execute() start to ack
    counter process_samples;
};

// Picks one tuple in every round(1 / rate) by counting down: no clock, no random number for the
// tuples it passes over. With a rate above 0 the first tuple is sampled; a rate of 0 or less
// (or a default-constructed sampler) samples one tuple in 2^32, practically none.
class sampler {
  public:
    sampler() noexcept = default;
    explicit sampler(double rate) noexcept {
        if (rate >= 1.0) {
            _every = 1;
        } else if (rate > 0.0) {
            double every = std::round(1.0 / rate);
            _every = every >= 4294967295.0 ? std::numeric_limits<std::uint32_t>::max()
                                           : static_cast<std::uint32_t>(every);
        }
        _left = rate > 0.0 ? 1 : _every;
    }
    bool next() noexcept {
        if (--_left != 0) [[likely]] {
            return false;
        }
        _left = _every;
        return true;
    }
    std::uint32_t every() const noexcept { return _every; }

  private:
    std::uint32_t _every = std::numeric_limits<std::uint32_t>::max();
    std::uint32_t _left = std::numeric_limits<std::uint32_t>::max();
};

}  // namespace tempest::worker
