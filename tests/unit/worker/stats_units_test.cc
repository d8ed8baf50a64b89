// SPDX-License-Identifier: Apache-2.0
// rolling_window, windowed_stats and error_throttle: the units behind a worker's figures, driven by
// a fake clock.
#include "tempest/worker/error_throttle.h"
#include "tempest/worker/rolling_window.h"
#include "tempest/worker/windowed_stats.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace tempest::worker {
namespace {

constexpr std::int64_t sec = 1000;

// Adds `per_sec` every second for `secs` seconds, advancing the window each second.
template <std::size_t K>
std::int64_t run(rolling_window<K>& w, std::int64_t now, std::int64_t secs,
                 const typename rolling_window<K>::sample& per_sec) {
    for (std::int64_t i = 0; i < secs; ++i) {
        w.add(per_sec);
        now += sec;
        w.advance(now);
    }
    return now;
}

TEST(rolling_window_test, new_counts_show_in_every_window) {
    rolling_window<1> w(0);
    w.add({5});
    auto r = w.read(1 * sec);
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(r[i][0], 5u) << window_names[i];
    }
}

TEST(rolling_window_test, ten_minute_window_holds_only_the_last_ten_minutes) {
    rolling_window<1> w(0);
    std::int64_t now = run(w, 0, 1200, {1});  // 20 minutes at 1 a second
    auto r = w.read(now);
    // The 600 s figure is the last 600 s within one bucket's share (600/19 s).
    EXPECT_NEAR(static_cast<double>(r[0][0]), 600.0, 32.0);
    EXPECT_EQ(r[1][0], 1200u);
    EXPECT_EQ(r[2][0], 1200u);
    EXPECT_EQ(r[all_time_window][0], 1200u);
}

TEST(rolling_window_test, a_quiet_window_forgets_an_old_burst) {
    rolling_window<1> w(0);
    w.add({1000});
    std::int64_t now = run(w, 0, 700, {0});  // then 700 s of nothing
    auto r = w.read(now);
    EXPECT_EQ(r[0][0], 0u);
    EXPECT_EQ(r[1][0], 1000u);
    EXPECT_EQ(r[all_time_window][0], 1000u);
    now = run(w, now, 3 * 3600 + 700, {0});  // past the 3-hour window too
    r = w.read(now);
    EXPECT_EQ(r[1][0], 0u);
    EXPECT_EQ(r[2][0], 1000u);
    EXPECT_EQ(r[all_time_window][0], 1000u);
}

TEST(rolling_window_test, rate_changes_show_in_the_short_window_first) {
    rolling_window<1> w(0);
    std::int64_t now = run(w, 0, 3600, {10});  // an hour at 10/s
    now = run(w, now, 1200, {2});              // then 20 minutes at 2/s
    auto r = w.read(now);
    EXPECT_NEAR(static_cast<double>(r[0][0]) / 600.0, 2.0, 0.2);
    EXPECT_EQ(r[1][0], 3600u * 10 + 1200u * 2);
}

TEST(rolling_window_test, latency_sums_and_counts_give_window_averages) {
    rolling_window<2> w(0);                               // {count, latency sum in us}
    std::int64_t now = run(w, 0, 1200, {10, 10 * 5000});  // 5 ms each, 20 minutes
    now = run(w, now, 900, {10, 10 * 2000});              // then 2 ms each, 15 minutes
    auto r = w.read(now);
    EXPECT_NEAR(static_cast<double>(r[0][1]) / static_cast<double>(r[0][0]), 2000.0, 1.0);
    double all =
        static_cast<double>(r[all_time_window][1]) / static_cast<double>(r[all_time_window][0]);
    EXPECT_NEAR(all, (1200.0 * 5000 + 900.0 * 2000) / 2100.0, 1.0);
}

TEST(rolling_window_test, advance_without_time_passing_changes_nothing) {
    rolling_window<1> w(1000);
    w.add({3});
    w.advance(1000);
    w.advance(999);  // a clock that steps back is tolerated
    auto r = w.read(1000);
    EXPECT_EQ(r[0][0], 3u);
    EXPECT_EQ(r[all_time_window][0], 3u);
}

}  // namespace
}  // namespace tempest::worker

namespace tempest::worker {
namespace {

using common::stat_kind;

TEST(windowed_stats_test, totals_become_windowed_deltas) {
    windowed_stats s;
    const common::stream_key out{"", "default"};
    std::uint64_t total = 0;
    std::int64_t now = 0;
    for (int i = 0; i < 1800; ++i) {  // 10 minutes at 10 a second, then 20 at 1 a second
        total += i < 600 ? 10 : 1;
        now += 1000;
        s.sample(now, stat_kind::emitted, out, total);
    }
    common::stats_record r = s.record(now);
    auto v = r.get(stat_kind::emitted, out);
    EXPECT_NEAR(static_cast<double>(v[0]), 600.0, 32.0);  // the last 10 minutes: 1 a second
    EXPECT_EQ(v[1], 7200u);
    EXPECT_EQ(v[3], 7200u);
    EXPECT_EQ(r.get(stat_kind::acked, out), common::window_values{});
}

TEST(windowed_stats_test, a_total_that_restarts_counts_from_its_new_value) {
    windowed_stats s;
    const common::stream_key in{"spout", "default"};
    s.sample(1000, stat_kind::executed, in, 100);
    s.sample(2000, stat_kind::executed, in, 5);  // the task started again
    EXPECT_EQ(s.record(2000).get(stat_kind::executed, in)[3], 105u);
}

TEST(windowed_stats_test, figures_all_zero_are_left_out) {
    windowed_stats s;
    s.sample(1000, stat_kind::failed, {"", "default"}, 0);
    EXPECT_TRUE(s.record(1000).entries.empty());
}

}  // namespace
}  // namespace tempest::worker

namespace tempest::worker {
namespace {

TEST(error_throttle_test, passes_at_most_the_limit_per_interval) {
    error_throttle t(10'000, 5);
    int admitted = 0;
    for (int i = 0; i < 100; ++i) {  // 100 errors within 1 s
        admitted += t.admit(1000 + i * 10) ? 1 : 0;
    }
    EXPECT_EQ(admitted, 5);
    EXPECT_EQ(t.suppressed(), 95u);
    EXPECT_FALSE(t.admit(10'999));  // still the first interval
    EXPECT_TRUE(t.admit(11'000));   // a new interval
}

TEST(error_throttle_test, a_clock_that_steps_back_starts_a_new_interval) {
    error_throttle t(10'000, 1);
    EXPECT_TRUE(t.admit(50'000));
    EXPECT_FALSE(t.admit(50'001));
    EXPECT_TRUE(t.admit(40'000));
}

}  // namespace
}  // namespace tempest::worker
