// SPDX-License-Identifier: Apache-2.0
// window_manager: which windows are evaluated, what each holds (all, new, expired), which
// tuples expire and which are late, for count and duration windows, sliding and tumbling, in
// processing time and event time. The clock is the test's: every time is passed in.
#include "window_manager.h"

#include "window_test_support.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace tempest::detail {
namespace {

using ids = std::vector<std::int64_t>;
using test::make_tuple;

// Records what the manager asks of its owner, by tuple id (field 0).
class recorder final : public window_manager::listener {
  public:
    struct win {
        ids all, fresh, expired;
        std::optional<std::int64_t> start;
        std::int64_t end = 0;
    };
    void expired(const tuple& t) override { acked.push_back(t.get_int(0)); }
    bool window(const tuple_window& w) override {
        win r;
        for (const tuple* t : w.get()) {
            r.all.push_back(t->get_int(0));
        }
        for (const tuple* t : w.get_new()) {
            r.fresh.push_back(t->get_int(0));
        }
        for (const tuple* t : w.get_expired()) {
            r.expired.push_back(t->get_int(0));
        }
        r.start = w.get_start_timestamp();
        r.end = w.get_end_timestamp();
        windows.push_back(r);
        return !fail_windows;
    }
    void late(const tuple& t, std::int64_t, std::int64_t) override {
        late_ids.push_back(t.get_int(0));
    }

    std::vector<win> windows;
    ids acked;
    ids late_ids;
    bool fail_windows = false;
};

window_settings settings(window_span length, window_span sliding) {
    config c;
    set_window_config(c, length, sliding);
    return window_settings::from_config(c);
}

window_settings event_settings(window_span length, window_span sliding, std::int64_t lag_ms) {
    config c;
    set_window_config(c, length, sliding);
    c.set(windowed_bolt::keys::timestamp_field, "ts");
    c.set(windowed_bolt::keys::max_lag_ms, lag_ms);
    return window_settings::from_config(c);
}

TEST(window_manager_test, count_sliding_window_evaluates_every_sliding_count) {
    recorder r;
    window_manager m(settings(window_count(3), window_count(2)), r);
    for (int i = 1; i <= 6; ++i) {
        m.add(make_tuple(i), 1000 + i);
    }
    ASSERT_EQ(r.windows.size(), 3u);
    EXPECT_EQ(r.windows[0].all, (ids{1, 2}));
    EXPECT_EQ(r.windows[0].fresh, (ids{1, 2}));
    EXPECT_TRUE(r.windows[0].expired.empty());
    EXPECT_EQ(r.windows[1].all, (ids{2, 3, 4}));
    EXPECT_EQ(r.windows[1].fresh, (ids{3, 4}));
    EXPECT_EQ(r.windows[1].expired, (ids{1}));
    EXPECT_EQ(r.windows[2].all, (ids{4, 5, 6}));
    EXPECT_EQ(r.windows[2].fresh, (ids{5, 6}));
    EXPECT_EQ(r.windows[2].expired, (ids{2, 3}));
    EXPECT_EQ(r.acked, (ids{1, 2, 3}));            // acked as they leave, not before
    EXPECT_FALSE(r.windows[2].start.has_value());  // a count window has no start
    EXPECT_EQ(r.windows[2].end, 1006);
    EXPECT_EQ(m.next_due_ms(5000), -1);  // driven by input alone: no timer
}

TEST(window_manager_test, count_tumbling_window_puts_each_tuple_in_one_window) {
    recorder r;
    window_manager m(settings(window_count(3), window_count(3)), r);
    for (int i = 1; i <= 7; ++i) {
        m.add(make_tuple(i), 1000);
    }
    ASSERT_EQ(r.windows.size(), 2u);
    EXPECT_EQ(r.windows[0].all, (ids{1, 2, 3}));
    EXPECT_EQ(r.windows[1].all, (ids{4, 5, 6}));
    EXPECT_EQ(r.windows[1].fresh, (ids{4, 5, 6}));
    EXPECT_EQ(r.windows[1].expired, (ids{1, 2, 3}));
    EXPECT_EQ(r.acked, (ids{1, 2, 3}));
    EXPECT_EQ(m.buffered(), 4u);  // 4, 5, 6 until the next window; 7 waits for it
}

TEST(window_manager_test, duration_sliding_window_follows_the_clock) {
    recorder r;
    window_manager m(settings(std::chrono::milliseconds(100), std::chrono::milliseconds(50)), r);
    EXPECT_EQ(m.next_due_ms(1000), 1050);
    m.add(make_tuple(1), 1010);
    m.add(make_tuple(2), 1040);
    m.on_time(1049);
    EXPECT_TRUE(r.windows.empty());
    m.on_time(1050);
    ASSERT_EQ(r.windows.size(), 1u);
    EXPECT_EQ(r.windows[0].all, (ids{1, 2}));
    EXPECT_EQ(r.windows[0].start, 950);
    EXPECT_EQ(r.windows[0].end, 1050);
    EXPECT_EQ(m.next_due_ms(1050), 1100);
    m.add(make_tuple(3), 1060);
    m.on_time(1100);
    ASSERT_EQ(r.windows.size(), 2u);
    EXPECT_EQ(r.windows[1].all, (ids{1, 2, 3}));  // (1000, 1100]
    EXPECT_EQ(r.windows[1].fresh, (ids{3}));
    m.add(make_tuple(4), 1120);
    m.on_time(1150);  // (1050, 1150]: 1 and 2 leave
    ASSERT_EQ(r.windows.size(), 3u);
    EXPECT_EQ(r.windows[2].all, (ids{3, 4}));
    EXPECT_EQ(r.windows[2].fresh, (ids{4}));
    EXPECT_EQ(r.windows[2].expired, (ids{1, 2}));
    EXPECT_EQ(r.acked, (ids{1, 2}));
}

TEST(window_manager_test, duration_tumbling_window_skips_missed_periods_and_empty_windows) {
    recorder r;
    window_manager m(settings(std::chrono::milliseconds(100), std::chrono::milliseconds(100)), r);
    EXPECT_EQ(m.next_due_ms(0), 100);
    m.add(make_tuple(1), 10);
    m.on_time(100);
    // A tuple received in the same millisecond as the evaluation belongs to the next window.
    m.add(make_tuple(2), 100);
    m.on_time(350);  // a late wake-up: the window ending at 200 still holds 2
    EXPECT_EQ(m.next_due_ms(350), 400);
    m.on_time(400);  // nothing arrived since: no window
    ASSERT_EQ(r.windows.size(), 2u);
    EXPECT_EQ(r.windows[0].all, (ids{1}));
    EXPECT_EQ(r.windows[1].all, (ids{2}));
    EXPECT_EQ(r.windows[1].expired, (ids{1}));
    EXPECT_EQ(r.acked, (ids{1, 2}));
    EXPECT_EQ(m.buffered(), 0u);
}

TEST(window_manager_test, count_length_with_duration_sliding_keeps_the_newest) {
    recorder r;
    window_manager m(settings(window_count(2), std::chrono::milliseconds(100)), r);
    (void)m.next_due_ms(0);
    for (int i = 1; i <= 5; ++i) {
        m.add(make_tuple(i), 10 * i);
    }
    m.on_time(100);
    ASSERT_EQ(r.windows.size(), 1u);
    EXPECT_EQ(r.windows[0].all, (ids{4, 5}));
    EXPECT_EQ(r.windows[0].expired, (ids{1, 2, 3}));
    EXPECT_FALSE(r.windows[0].start.has_value());
}

TEST(window_manager_test, duration_length_with_count_sliding) {
    recorder r;
    window_manager m(settings(std::chrono::milliseconds(100), window_count(2)), r);
    m.add(make_tuple(1), 0);
    m.add(make_tuple(2), 50);
    m.add(make_tuple(3), 120);
    m.add(make_tuple(4), 140);  // (40, 140]: 1 leaves
    ASSERT_EQ(r.windows.size(), 2u);
    EXPECT_EQ(r.windows[1].all, (ids{2, 3, 4}));
    EXPECT_EQ(r.windows[1].start, 40);
    EXPECT_EQ(r.acked, (ids{1}));
}

// The example of Storm's windowing documentation: length 20 s, sliding 10 s, lag 5 s.
TEST(window_manager_test, event_time_windows_end_at_aligned_times_up_to_the_watermark) {
    recorder r;
    window_manager m(
        event_settings(std::chrono::seconds(20), std::chrono::seconds(10), /*lag_ms=*/5000), r, 1);
    const std::int64_t ts[] = {3000, 5000, 7000, 18000, 26000, 36000};
    for (int i = 0; i < 6; ++i) {
        m.add_event(make_tuple(i + 1, ts[i]), ts[i], 0);
    }
    EXPECT_TRUE(r.windows.empty());  // nothing before a watermark
    m.advance_watermark();
    EXPECT_EQ(m.watermark(), 31000);
    ASSERT_EQ(r.windows.size(), 3u);
    EXPECT_EQ(r.windows[0].all, (ids{1, 2, 3}));  // (-10000, 10000]
    EXPECT_EQ(r.windows[0].end, 10000);
    EXPECT_EQ(r.windows[0].start, -10000);
    EXPECT_EQ(r.windows[1].all, (ids{1, 2, 3, 4}));  // (0, 20000]
    EXPECT_EQ(r.windows[1].fresh, (ids{4}));
    EXPECT_EQ(r.windows[2].all, (ids{4, 5}));  // (10000, 30000]; 6 waits for a watermark
    EXPECT_EQ(r.windows[2].expired, (ids{1, 2, 3}));
    EXPECT_EQ(r.acked, (ids{1, 2, 3}));

    // Below the watermark: late, not kept.
    m.add_event(make_tuple(7, 25000), 25000, 0);
    EXPECT_EQ(r.late_ids, (ids{7}));

    // Much later timestamps: the empty spans between are skipped.
    m.add_event(make_tuple(8, 125000), 125000, 0);
    m.add_event(make_tuple(9, 139000), 139000, 0);
    m.advance_watermark();  // 134000
    ASSERT_EQ(r.windows.size(), 6u);
    EXPECT_EQ(r.windows[3].all, (ids{5, 6}));  // (20000, 40000]
    EXPECT_EQ(r.windows[4].all, (ids{6}));     // (30000, 50000]
    EXPECT_EQ(r.windows[5].all, (ids{8}));     // (110000, 130000]
    EXPECT_EQ(r.windows[5].end, 130000);
    EXPECT_EQ(r.acked, (ids{1, 2, 3, 4, 5, 6}));
}

TEST(window_manager_test, event_time_orders_out_of_order_tuples_within_the_lag) {
    recorder r;
    window_manager m(event_settings(std::chrono::milliseconds(10), std::chrono::milliseconds(10),
                                    /*lag_ms=*/5),
                     r, 1);
    m.add_event(make_tuple(1, 8), 8, 0);
    m.add_event(make_tuple(2, 3), 3, 0);  // earlier timestamp, arrived later
    m.add_event(make_tuple(3, 15), 15, 0);
    m.advance_watermark();  // 10
    ASSERT_EQ(r.windows.size(), 1u);
    EXPECT_EQ(r.windows[0].all, (ids{2, 1}));  // by timestamp
    m.add_event(make_tuple(4, 10), 10, 0);     // not below the watermark, but (0, 10] is done: late
    m.add_event(make_tuple(5, 12), 12, 0);     // above the watermark: kept
    m.add_event(make_tuple(7, 9), 9, 0);       // below it: late
    EXPECT_EQ(r.late_ids, (ids{4, 7}));
    m.add_event(make_tuple(6, 30), 30, 0);
    m.advance_watermark();  // 25
    ASSERT_EQ(r.windows.size(), 2u);
    EXPECT_EQ(r.windows[1].all, (ids{5, 3}));
}

TEST(window_manager_test, event_time_count_windows_trigger_on_tuples_below_the_watermark) {
    recorder r;
    window_manager m(event_settings(window_count(3), window_count(2), /*lag_ms=*/0), r, 1);
    for (int i = 1; i <= 5; ++i) {
        m.add_event(make_tuple(i, i * 10), i * 10, 0);
    }
    m.advance_watermark();  // 50: tuples 1..5 are at or below it: two windows, 5 waits
    ASSERT_EQ(r.windows.size(), 2u);
    EXPECT_EQ(r.windows[0].all, (ids{1, 2}));
    EXPECT_EQ(r.windows[0].end, 20);
    EXPECT_EQ(r.windows[1].all, (ids{2, 3, 4}));
    EXPECT_EQ(r.windows[1].end, 40);
    EXPECT_EQ(r.acked, (ids{1}));
    m.add_event(make_tuple(6, 50), 50, 0);  // equal to the watermark: not late
    m.add_event(make_tuple(7, 70), 70, 0);
    m.advance_watermark();            // 70
    ASSERT_EQ(r.windows.size(), 3u);  // 7 is the first of the next two
    EXPECT_EQ(r.windows[2].all, (ids{4, 5, 6}));
    EXPECT_EQ(r.windows[2].fresh, (ids{5, 6}));
    EXPECT_EQ(r.acked, (ids{1, 2, 3}));
    EXPECT_TRUE(r.late_ids.empty());
}

TEST(window_manager_test, watermark_waits_for_every_input_stream) {
    recorder r;
    window_manager m(event_settings(std::chrono::milliseconds(10), std::chrono::milliseconds(10),
                                    /*lag_ms=*/0),
                     r, 2);
    m.add_event(make_tuple(1, 5), 5, 0);
    m.add_event(make_tuple(2, 50), 50, 0);
    m.advance_watermark();
    EXPECT_TRUE(r.windows.empty());  // stream 1 has said nothing yet
    m.add_event(make_tuple(3, 12), 12, 1);
    m.advance_watermark();  // min(50, 12) = 12
    EXPECT_EQ(m.watermark(), 12);
    ASSERT_EQ(r.windows.size(), 1u);
    EXPECT_EQ(r.windows[0].all, (ids{1}));
}

TEST(window_manager_test, watermark_interval_drives_on_time) {
    config c;
    set_window_config(c, std::chrono::milliseconds(10), std::chrono::milliseconds(10));
    c.set(windowed_bolt::keys::timestamp_field, "ts");
    c.set(windowed_bolt::keys::watermark_interval_ms, 200);
    recorder r;
    window_manager m(window_settings::from_config(c), r, 1);
    EXPECT_EQ(m.next_due_ms(1000), 1200);
    m.add_event(make_tuple(1, 5), 5, 0);
    m.add_event(make_tuple(2, 30), 30, 0);
    m.on_time(1199);
    EXPECT_TRUE(r.windows.empty());
    m.on_time(1200);  // watermark 30: (0, 10] and (20, 30]; (10, 20] is empty
    ASSERT_EQ(r.windows.size(), 2u);
    EXPECT_EQ(r.windows[1].all, (ids{2}));
    EXPECT_EQ(m.next_due_ms(1200), 1400);
}

TEST(window_manager_test, a_failed_window_drops_its_tuples_without_acking_them) {
    recorder r;
    r.fail_windows = true;
    window_manager m(settings(window_count(4), window_count(2)), r);
    for (int i = 1; i <= 4; ++i) {
        m.add(make_tuple(i), 0);
    }
    ASSERT_EQ(r.windows.size(), 2u);
    EXPECT_EQ(r.windows[1].all, (ids{3, 4}));  // 1 and 2 went with the first window
    EXPECT_TRUE(r.acked.empty());
    EXPECT_EQ(m.buffered(), 0u);
}

}  // namespace
}  // namespace tempest::detail
