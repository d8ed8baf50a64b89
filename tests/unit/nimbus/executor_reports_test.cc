// SPDX-License-Identifier: Apache-2.0
// executor_reports: heartbeats to per-executor figures, their time and lateness, and the
// conversions between stats records and Storm's ExecutorStats shape.
#include "executor_reports.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>

namespace tempest::nimbus {
namespace {

using common::stat_kind;
using common::stream_key;
using common::window_values;

// A spout's record: "default" and "side" output streams with different figures per window.
common::stats_record spout_record() {
    common::stats_record r;
    r.add(stat_kind::emitted, {"", "default"}, {10, 100, 1000, 5000});
    r.add(stat_kind::transferred, {"", "default"}, {20, 200, 2000, 10000});
    r.add(stat_kind::emitted, {"", "side"}, {0, 0, 3, 7});  // nothing in the last 10800 s
    r.add(stat_kind::acked, {"", "default"}, {8, 80, 800, 4000});
    r.add(stat_kind::failed, {"", "default"}, {1, 2, 3, 4});
    // 4 samples summing 10 ms in 600 s; 10 samples summing 50 ms all time.
    r.add(stat_kind::complete_latency_us, {"", "default"}, {10'000, 20'000, 30'000, 50'000});
    r.add(stat_kind::complete_samples, {"", "default"}, {4, 5, 6, 10});
    return r;
}

// A bolt's record: input from words:default, its own output "default".
common::stats_record bolt_record() {
    common::stats_record r;
    r.add(stat_kind::emitted, {"", "default"}, {30, 30, 30, 30});
    r.add(stat_kind::transferred, {"", "default"}, {30, 30, 30, 30});
    r.add(stat_kind::executed, {"words", "default"}, {12, 24, 36, 48});
    r.add(stat_kind::acked, {"words", "default"}, {11, 22, 33, 44});
    r.add(stat_kind::failed, {"words", "default"}, {1, 0, 0, 2});
    r.add(stat_kind::execute_latency_us, {"words", "default"}, {6'000, 6'000, 6'000, 6'000});
    r.add(stat_kind::execute_samples, {"words", "default"}, {3, 3, 3, 3});
    r.add(stat_kind::process_latency_us, {"words", "default"}, {9'000, 0, 0, 9'000});
    r.add(stat_kind::process_samples, {"words", "default"}, {2, 0, 0, 2});
    return r;
}

TEST(executor_reports_test, a_spout_record_becomes_storms_shape_in_every_window_and_stream) {
    auto s = storm_stats_from_record(spout_record(), true, 0.05);
    EXPECT_TRUE(s.is_spout);
    EXPECT_DOUBLE_EQ(s.rate, 0.05);
    ASSERT_EQ(s.emitted.size(), 4U);
    EXPECT_EQ(s.emitted.at("600").at("default"), 10);
    EXPECT_EQ(s.emitted.at("10800").at("default"), 100);
    EXPECT_EQ(s.emitted.at("86400").at("default"), 1000);
    EXPECT_EQ(s.emitted.at(":all-time").at("default"), 5000);
    EXPECT_EQ(s.emitted.at("600").at("side"), 0);  // a stream the record has, in every window
    EXPECT_EQ(s.emitted.at(":all-time").at("side"), 7);
    EXPECT_EQ(s.transferred.at("600").at("default"), 20);
    EXPECT_EQ(s.spout_acked.at("10800").at("default"), 80);
    EXPECT_EQ(s.spout_failed.at(":all-time").at("default"), 4);
    // Latency = sum / samples, in ms.
    EXPECT_DOUBLE_EQ(s.complete_ms_avg.at("600").at("default"), 2.5);
    EXPECT_DOUBLE_EQ(s.complete_ms_avg.at("10800").at("default"), 4.0);
    EXPECT_DOUBLE_EQ(s.complete_ms_avg.at(":all-time").at("default"), 5.0);
    EXPECT_FALSE(s.complete_ms_avg.at("600").contains("side"));  // no samples, no latency
    EXPECT_TRUE(s.executed.empty());
    EXPECT_TRUE(s.bolt_acked.empty());
}

TEST(executor_reports_test, a_bolt_record_keys_its_inputs_by_global_stream_id) {
    auto s = storm_stats_from_record(bolt_record(), false, 1.0);
    EXPECT_FALSE(s.is_spout);
    common::stream_id words{"words", "default"};
    EXPECT_EQ(s.executed.at("600").at(words), 12);
    EXPECT_EQ(s.executed.at(":all-time").at(words), 48);
    EXPECT_EQ(s.bolt_acked.at("86400").at(words), 33);
    EXPECT_EQ(s.bolt_failed.at("10800").at(words), 0);
    EXPECT_DOUBLE_EQ(s.execute_ms_avg.at("600").at(words), 2.0);
    EXPECT_DOUBLE_EQ(s.process_ms_avg.at("600").at(words), 4.5);
    EXPECT_FALSE(s.process_ms_avg.at("10800").contains(words));
    EXPECT_EQ(s.emitted.at("600").at("default"), 30);
    EXPECT_TRUE(s.spout_acked.empty());
    EXPECT_TRUE(s.complete_ms_avg.empty());
}

TEST(executor_reports_test, storm_stats_of_an_older_worker_become_a_record_weighted_by_counts) {
    common::executor_stats s;
    s.is_spout = true;
    s.emitted[":all-time"]["default"] = 40;
    s.spout_acked[":all-time"]["default"] = 16;
    s.complete_ms_avg[":all-time"]["default"] = 8.75;
    auto r = record_from_storm_stats(s);
    EXPECT_EQ(r.get(stat_kind::emitted, {"", "default"}), (window_values{0, 0, 0, 40}));
    EXPECT_EQ(r.get(stat_kind::complete_samples, {"", "default"}), (window_values{0, 0, 0, 16}));
    EXPECT_EQ(r.get(stat_kind::complete_latency_us, {"", "default"}),
              (window_values{0, 0, 0, 140'000}));
    // And back: the same figures.
    auto back = storm_stats_from_record(r, true, 1.0);
    EXPECT_EQ(back.emitted.at(":all-time").at("default"), 40);
    EXPECT_DOUBLE_EQ(back.complete_ms_avg.at(":all-time").at("default"), 8.75);
}

class build_reports_test : public ::testing::Test {
  protected:
    build_reports_test() {
        // words: tasks 1-2 (executors [1,1] and [2,2]) on a:6700; count: tasks 3-4 ([3,4]) on
        // b:6700.
        a.node_host = {{"a", "a.example"}, {"b", "b.example"}};
        a.executor_node_port = {
            {{1, 1}, {"a", 6700}}, {{2, 2}, {"a", 6700}}, {{3, 4}, {"b", 6700}}};
        a.executor_start_time_secs = {{{1, 1}, 900}, {{2, 2}, 900}, {{3, 4}, 950}};
        component_of_task = {{1, "words"}, {2, "words"}, {3, "count"}, {4, "count"}};
        in.assignment = &a;
        in.component_of_task = &component_of_task;
        in.spouts = &spouts;
        in.now_unix_secs = 1000;
        in.task_timeout = std::chrono::seconds(30);
    }

    common::assignment a;
    std::map<int, std::string> component_of_task;
    std::set<std::string> spouts{"words"};
    report_inputs in;
};

TEST_F(build_reports_test, executors_without_heartbeats_have_no_figures_and_are_not_late) {
    auto r = build_reports(in, {});
    ASSERT_EQ(r.executors.size(), 3U);
    EXPECT_EQ(r.executors[0].component, "words");
    EXPECT_TRUE(r.executors[0].is_spout);
    EXPECT_EQ(r.executors[0].uptime_secs, 100);  // since its start time
    EXPECT_FALSE(r.executors[0].reported);
    EXPECT_FALSE(r.executors[0].stats);
    EXPECT_FALSE(r.executors[2].is_spout);
    EXPECT_EQ(r.workers.size(), 2U);
    EXPECT_EQ(r.num_late_executors(), 0);
}

TEST_F(build_reports_test, records_metrics_and_sample_rate_come_from_the_heartbeat) {
    common::worker_heartbeat hb;
    hb.time_secs = 995;
    hb.uptime_secs = 60;
    hb.executors = {{1, 1}, {2, 2}};
    hb.records[{1, 1}] = spout_record();
    hb.sample_rate = 0.05;
    hb.metrics = {{"worker.rss_bytes", "__system", -1, 1e6},
                  {"queue.population", "words", 2, 3},
                  {"my.counter", "words", 1, 7}};
    auto r = build_reports(in, {{{"a", 6700}, hb}});
    const auto& first = r.executors[0];
    ASSERT_TRUE(first.reported);
    EXPECT_EQ(first.reported->time_secs, 995);
    EXPECT_EQ(first.reported->age_secs, 5);
    EXPECT_FALSE(first.reported->late);
    EXPECT_EQ(first.uptime_secs, 60);
    ASSERT_TRUE(first.stats);
    EXPECT_EQ(*first.stats, spout_record());
    EXPECT_FALSE(first.storm_stats);
    EXPECT_DOUBLE_EQ(first.sample_rate, 0.05);
    ASSERT_EQ(first.metrics.size(), 1U);
    EXPECT_EQ(first.metrics[0].name, "my.counter");
    // Listed but without figures: reported, no stats.
    EXPECT_TRUE(r.executors[1].reported);
    EXPECT_FALSE(r.executors[1].stats);
    ASSERT_EQ(r.executors[1].metrics.size(), 1U);
    const auto& worker = r.workers.at({"a", 6700});
    ASSERT_EQ(worker.metrics.size(), 1U);
    EXPECT_EQ(worker.metrics[0].name, "worker.rss_bytes");
    EXPECT_EQ(worker.uptime_secs, 60);
}

TEST_F(build_reports_test, a_heartbeat_without_records_falls_back_to_storm_stats) {
    common::worker_heartbeat hb;
    hb.time_secs = 1000;
    hb.executors = {{3, 4}};
    common::executor_stats old;
    old.executed[":all-time"][{"words", "default"}] = 9;
    old.rate = 0.5;
    hb.stats[{3, 4}] = old;
    auto r = build_reports(in, {{{"b", 6700}, hb}});
    const auto& count = r.executors[2];
    ASSERT_TRUE(count.stats);
    EXPECT_EQ(count.stats->get(stat_kind::executed, {"words", "default"})[3], 9U);
    ASSERT_TRUE(count.storm_stats);
    EXPECT_EQ(*count.storm_stats, old);
    EXPECT_DOUBLE_EQ(count.sample_rate, 0.5);
}

TEST_F(build_reports_test, a_heartbeat_older_than_the_task_timeout_is_late_with_its_age) {
    common::worker_heartbeat hb;
    hb.time_secs = 970;  // exactly the timeout: still current
    hb.executors = {{3, 4}};
    hb.records[{3, 4}] = bolt_record();
    auto r = build_reports(in, {{{"b", 6700}, hb}});
    EXPECT_FALSE(r.executors[2].late());
    hb.time_secs = 969;
    r = build_reports(in, {{{"b", 6700}, hb}});
    EXPECT_TRUE(r.executors[2].late());
    EXPECT_EQ(r.executors[2].reported->age_secs, 31);
    EXPECT_TRUE(r.executors[2].stats);  // the last figures stay, marked late
    EXPECT_TRUE(r.workers.at({"b", 6700}).reported->late);
    EXPECT_EQ(r.num_late_executors(), 1);
    std::set<std::string> words{"words"};
    EXPECT_EQ(r.num_late_executors(&words), 0);
}

}  // namespace
}  // namespace tempest::nimbus
