// SPDX-License-Identifier: Apache-2.0
// sample_clock: the sampled latencies' clock measures an interval as steady_clock does (the
// time-stamp counter's measured rate, where it is used), never goes back on one core, and its
// microseconds are its nanoseconds' thousandths.
#include "executor/sample_clock.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <chrono>

namespace tempest::worker {
namespace {

using std::chrono::steady_clock;

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               steady_clock::now().time_since_epoch())
        .count();
}

TEST(sample_clock_test, measures_an_interval_as_steady_clock_does) {
    sample_clock::calibrate();
    // Which clock served goes into the test's XML report; on steady_clock the comparison below
    // holds trivially.
    RecordProperty("uses_tsc", sample_clock::uses_tsc() ? "yes" : "no");
    constexpr std::int64_t interval = 50'000'000;  // ns of steady_clock, spun through
    const std::int64_t c0 = sample_clock::now_ns();
    const std::int64_t s0 = steady_ns();
    std::int64_t s1 = s0;
    while (s1 - s0 < interval) {
        s1 = steady_ns();
    }
    const std::int64_t c1 = sample_clock::now_ns();
    const std::int64_t steady = s1 - s0;
    const std::int64_t sampled = c1 - c0;
    // The counter's readings bracket steady_clock's, so its interval is longer by two reads (a
    // preemption between two reads lengthens it more: 1 ms of slack). Its rate is known to
    // ~1e-4; a wrong scale (the units, or the rate of another clock) is off by far more than 2%.
    EXPECT_GE(sampled, steady - steady / 100);
    EXPECT_LE(sampled, steady + steady / 50 + 1'000'000);
}

TEST(sample_clock_test, never_goes_back_on_one_core_and_elapsed_is_never_negative) {
    sample_clock::calibrate();
    // On one core: two cores' counters may differ a little (what elapsed_ns and the process
    // sample's mark allow for); one core's never goes back, nor may its scaling.
    cpu_set_t before;
    ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof before, &before), 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof one, &one), 0);
    std::int64_t last = sample_clock::now_ns();
    int back = -1;
    for (int i = 0; i < 200'000 && back < 0; ++i) {
        const std::int64_t now = sample_clock::now_ns();
        back = now < last ? i : -1;
        last = now;
    }
    ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof before, &before), 0);
    EXPECT_EQ(back, -1) << "went back at read " << back;
    EXPECT_EQ(sample_clock::elapsed_ns(last + 1'000'000'000), 0u);  // a start in the future
    EXPECT_GT(sample_clock::elapsed_ns(last - 1'000'000), 999'999u);
}

TEST(sample_clock_test, microseconds_are_the_nanoseconds_thousandths) {
    sample_clock::calibrate();
    const auto before = static_cast<std::uint64_t>(sample_clock::now_ns()) / 1000;
    const std::uint64_t us = sample_clock::now_us();
    const auto after = static_cast<std::uint64_t>(sample_clock::now_ns()) / 1000;
    EXPECT_LE(before, us);
    EXPECT_LE(us, after);
}

}  // namespace
}  // namespace tempest::worker
