// SPDX-License-Identifier: Apache-2.0
#include "executor/sample_clock.h"

#include <fstream>
#include <mutex>
#include <string>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace tempest::worker {

namespace {

#if defined(__x86_64__)
// The time-stamp counter ticks at a constant rate in every P- and C-state (CPUID
// 0x80000007 EDX bit 8: "invariant TSC"; Linux's constant_tsc + nonstop_tsc).
bool invariant_tsc() {
    unsigned a = 0;
    unsigned b = 0;
    unsigned c = 0;
    unsigned d = 0;
    if (__get_cpuid(0x80000000u, &a, &b, &c, &d) == 0 || a < 0x80000007u) {
        return false;
    }
    if (__get_cpuid(0x80000007u, &a, &b, &c, &d) == 0) {
        return false;
    }
    return (d & (1u << 8)) != 0;
}

// The kernel keeps its own clock on a counter it trusts: the TSC itself ("tsc"), or under a
// hypervisor a clock derived from it ("kvm-clock", Hyper-V's "..._tsc_page"). A machine whose
// kernel fell back to another (hpet, acpi_pm: it found the TSC unsynchronised across cores or
// unstable) gets steady_clock here too. Unreadable (no /sys): the CPUID bit decides alone.
bool kernel_trusts_tsc() {
    std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
    std::string name;
    if (!(in >> name)) {
        return true;
    }
    return name.find("tsc") != std::string::npos || name == "kvm-clock";
}

// steady_clock's time and the counter at that moment: the counter read on both sides of the
// clock's read, the narrowest of five brackets (a preemption inside one widens it, and would
// otherwise put milliseconds between the two readings of a pair), taken at its middle.
struct paired {
    std::chrono::steady_clock::time_point t;
    std::uint64_t c = 0;
};
paired paired_read() {
    paired best;
    std::uint64_t width = ~std::uint64_t{0};
    for (int i = 0; i < 5; ++i) {
        const std::uint64_t before = __rdtsc();
        const auto t = std::chrono::steady_clock::now();
        const std::uint64_t after = __rdtsc();
        if (after - before < width) {
            width = after - before;
            best = {t, before + (after - before) / 2};
        }
    }
    return best;
}
#endif

}  // namespace

void sample_clock::calibrate() {
    static std::once_flag once;
    std::call_once(once, [] {
#if defined(__x86_64__)
        if (!invariant_tsc() || !kernel_trusts_tsc()) {
            return;
        }
        // Two readings of both clocks ~2 ms apart; the time between them does not matter (a
        // preemption there delays both clocks alike), the skew inside each does (paired_read).
        const paired a = paired_read();
        paired b = a;
        while (b.t - a.t < std::chrono::milliseconds(2)) {
            b = paired_read();
        }
        const double ns = std::chrono::duration<double, std::nano>(b.t - a.t).count();
        const double ticks = static_cast<double>(b.c - a.c);
        // A counter that did not move, or runs slower than 10 MHz or faster than 100 GHz: not
        // one to trust (an emulated TSC); steady_clock then.
        if (b.c <= a.c || ticks < ns * 0.01 || ticks > ns * 100) {
            return;
        }
        const double scale = static_cast<double>(std::uint64_t{1} << shift);
        _ns_mult.store(static_cast<std::uint64_t>(ns / ticks * scale), std::memory_order_relaxed);
#endif
    });
}

}  // namespace tempest::worker
