// SPDX-License-Identifier: Apache-2.0
// sample_clock: the clock of the statistics' sampled latencies (execute, process, the acker's
// execute): durations only, read on the executor's thread around one tuple in twenty
// (topology.stats.sample.rate). Where the CPU's time-stamp counter is invariant (x86-64, CPUID
// 0x80000007 EDX bit 8) it reads that counter and scales it to nanoseconds by a factor measured
// against steady_clock once per process: on this project's VM (kvm-clock) steady_clock costs
// ~26 ns a read, the counter ~10 ns, and a bolt's sampled tuple reads three times. Elsewhere, or
// where the kernel's own clock does not rest on the counter (it found it unsynchronised across
// cores), it is steady_clock.
//
// Readings are for differences between two readings of this clock only: their zero is
// arbitrary, and they are not on steady_clock's timeline (a pending message's emit time, which
// its timeout also compares, stays on steady_clock). Any thread may read it; the counter is
// synchronised across the cores of a machine whose TSC is invariant.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace tempest::worker {

class sample_clock {
  public:
    // Measures the counter's rate (about 2 ms, spinning) unless done in this process
    // already. Called when an executor is built, so that no sampled tuple pays for it; now_*()
    // before it read steady_clock. Thread-safe.
    static void calibrate();
    // True when readings come from the time-stamp counter (after calibrate()).
    static bool uses_tsc() noexcept { return _ns_mult.load(std::memory_order_relaxed) != 0; }

    // Nanoseconds on this clock's own timeline.
    static std::int64_t now_ns() noexcept {
#if defined(__x86_64__)
        if (const std::uint64_t m = _ns_mult.load(std::memory_order_relaxed); m != 0) [[likely]] {
            return static_cast<std::int64_t>((static_cast<unsigned __int128>(__rdtsc()) * m) >>
                                             shift);
        }
#endif
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    // Microseconds on the same timeline: now_ns() / 1000 (as a mark taken from a now_ns()
    // reading must be).
    static std::uint64_t now_us() noexcept {
        return static_cast<std::uint64_t>(now_ns()) / 1000;
    }
    // Nanoseconds since `since` (a now_ns() reading), 0 if the clock seems to have gone back.
    static std::uint64_t elapsed_ns(std::int64_t since) noexcept {
        const std::int64_t d = now_ns() - since;
        return d > 0 ? static_cast<std::uint64_t>(d) : 0;
    }

  private:
    static constexpr int shift = 32;
    // Nanoseconds per counter tick, times 2^shift; 0 = steady_clock. Written
    // once, by the first calibrate() of the process: every executor calls it when it is built,
    // so no executor thread reads the clock before (and none sees it switch).
    static inline std::atomic<std::uint64_t> _ns_mult{0};
};

}  // namespace tempest::worker
