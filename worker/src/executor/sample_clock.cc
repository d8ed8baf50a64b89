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
#endif

}  // namespace

void sample_clock::calibrate() {
    static std::once_flag once;
    std::call_once(once, [] {
#if defined(__x86_64__)
        if (!invariant_tsc() || !kernel_trusts_tsc()) {
            return;
        }
        using clock = std::chrono::steady_clock;
        // About a millisecond of both clocks: steady_clock's read costs tens of nanoseconds,
        // so the rate is known to ~1e-4, far finer than the microseconds the samples report.
        // A preemption meanwhile does not matter: both clocks go on.
        const auto t0 = clock::now();
        const std::uint64_t c0 = __rdtsc();
        auto t1 = t0;
        std::uint64_t c1 = c0;
        while (t1 - t0 < std::chrono::milliseconds(1)) {
            t1 = clock::now();
            c1 = __rdtsc();
        }
        const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
        const double ticks = static_cast<double>(c1 - c0);
        // A counter that did not move, or runs slower than 10 MHz or faster than 100 GHz: not
        // one to trust (an emulated TSC); steady_clock then.
        if (c1 <= c0 || ticks < ns * 0.01 || ticks > ns * 100) {
            return;
        }
        const double scale = static_cast<double>(std::uint64_t{1} << shift);
        _ns_mult.store(static_cast<std::uint64_t>(ns / ticks * scale), std::memory_order_relaxed);
#endif
    });
}

}  // namespace tempest::worker
