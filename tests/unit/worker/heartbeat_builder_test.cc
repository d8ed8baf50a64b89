// SPDX-License-Identifier: Apache-2.0
// heartbeat_builder: running totals become Storm's windows per executor, the heartbeat carries
// the sample rate and no old-style stats, and a big worker's heartbeat stays small
// (docs/METRICS.md quotes the weight measured here).
#include "heartbeat_builder.h"

#include "tempest/thrift/cluster_records_codec.h"

#include <gtest/gtest.h>

#include <iostream>
#include <string>

namespace tempest::worker {
namespace {

using common::stat_kind;
using common::stream_key;
using common::window_values;

constexpr std::int64_t t0 = 1'700'000'000'000;  // unix ms
constexpr std::size_t w600 = 0;
constexpr std::size_t all_time = 3;

executor_totals spout_totals(std::uint64_t emitted, std::uint64_t acked) {
    executor_totals t;
    t.first_task = 1;
    t.last_task = 2;
    t.component = "words";
    t.is_spout = true;
    t.figures = {{stat_kind::emitted, {"", "default"}, emitted},
                 {stat_kind::acked, {"", "default"}, acked}};
    return t;
}

heartbeat_input input_at(std::int64_t now_ms, const std::vector<executor_totals>& totals) {
    heartbeat_input in;
    in.topology_id = "wc-1-1";
    in.executors = {{1, 2}};
    in.now_ms = now_ms;
    in.uptime_secs = 5;
    in.host = "node1";
    in.port = 6700;
    in.sample_rate = 0.25;
    in.totals = &totals;
    return in;
}

TEST(heartbeat_builder_test, two_samples_fill_every_window_with_the_totals) {
    heartbeat_builder b;
    std::vector<executor_totals> first{spout_totals(100, 40)};
    (void)b.build(input_at(t0, first));
    std::vector<executor_totals> second{spout_totals(250, 90)};
    auto beat = b.build(input_at(t0 + 60'000, second));
    ASSERT_EQ(beat.records.size(), 1u);
    const auto& r = beat.records.at({1, 2});
    EXPECT_EQ(r.get(stat_kind::emitted, {"", "default"}), (window_values{250, 250, 250, 250}));
    EXPECT_EQ(r.get(stat_kind::acked, {"", "default"}), (window_values{90, 90, 90, 90}));
    EXPECT_TRUE(beat.stats.empty()) << "Storm's older stats map is no longer written";
    EXPECT_EQ(beat.sample_rate, 0.25);
    EXPECT_EQ(beat.time_secs, (t0 + 60'000) / 1000);
    EXPECT_EQ(beat.host, "node1");
    EXPECT_EQ(beat.port, 6700);
    EXPECT_EQ(beat.executors, (std::vector<common::executor_info>{{1, 2}}));
}

TEST(heartbeat_builder_test, the_600_s_window_holds_only_the_last_ten_minutes) {
    heartbeat_builder b;
    std::vector<executor_totals> totals{spout_totals(100, 0)};
    (void)b.build(input_at(t0, totals));
    // Heartbeats every 10 s with nothing new, then 150 more emitted 700 s after the first.
    for (std::int64_t s = 10; s < 700; s += 10) {
        (void)b.build(input_at(t0 + s * 1000, totals));
    }
    totals = {spout_totals(250, 0)};
    auto beat = b.build(input_at(t0 + 700'000, totals));
    auto v = beat.records.at({1, 2}).get(stat_kind::emitted, {"", "default"});
    EXPECT_EQ(v[w600], 150u) << "the delta of the last 600 s, not the lifetime total";
    EXPECT_EQ(v[1], 250u);
    EXPECT_EQ(v[all_time], 250u);
}

TEST(heartbeat_builder_test, an_executor_that_left_loses_its_windows) {
    executor_windows w;
    auto other = spout_totals(7, 0);
    other.first_task = other.last_task = 3;
    auto r = w.sample(t0, {spout_totals(10, 0), other});
    EXPECT_EQ(r.size(), 2u);
    r = w.sample(t0 + 1000, {spout_totals(10, 0)});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r.contains({1, 2}));
    // Back again: a new run, counted from its new total.
    r = w.sample(t0 + 2000, {spout_totals(10, 0), other});
    EXPECT_EQ(r.at({3, 3}).get(stat_kind::emitted, {"", "default"})[all_time], 7u);
}

// A worker of 100 executors (bolts) with three input and three output streams each, every
// figure moving in every window, its built-in metrics and 8 peers each way: what the heartbeat
// weighs in ZooKeeper. docs/METRICS.md quotes the sizes this prints.
std::vector<executor_totals> big_worker_totals(std::uint64_t scale) {
    const stat_kind bolt_input_kinds[] = {stat_kind::executed,        stat_kind::acked,
                                          stat_kind::failed,          stat_kind::execute_latency_us,
                                          stat_kind::execute_samples, stat_kind::process_latency_us,
                                          stat_kind::process_samples};
    std::vector<executor_totals> out;
    for (int e = 0; e < 100; ++e) {
        executor_totals t;
        t.first_task = t.last_task = e + 1;
        t.component = "component-" + std::to_string(e / 4);  // 4 executors per component
        t.backpressure_ns = 123'456'789 * scale;
        t.queue_population = 512;
        t.queue_capacity = 1024;
        for (int s = 0; s < 3; ++s) {
            const std::string stream = "stream-" + std::to_string(s);
            t.figures.push_back({stat_kind::emitted, {"", stream}, 987'654'321 * scale});
            t.figures.push_back({stat_kind::transferred, {"", stream}, 1'975'308'642 * scale});
            const stream_key in{"upstream-" + std::to_string(s), stream};
            for (stat_kind k : bolt_input_kinds) {
                t.figures.push_back({k, in, 123'456'789 * scale});
            }
        }
        out.push_back(std::move(t));
    }
    return out;
}

worker_figures big_worker_figures() {
    worker_figures w;
    w.usage = common::process_usage{512u << 20, 600u << 20, 12345.678};
    for (int p = 0; p < 8; ++p) {
        w.connections.push_back({"worker-host-" + std::to_string(p) + ".example:6700", true,
                                 1'000'000'000, 10'000'000, 12345});
        w.connections.push_back(
            {"10.0.0." + std::to_string(p) + ":51234", false, 1'000'000'000, 10'000'000, 0});
    }
    return w;
}

std::size_t heartbeat_bytes(const metric_registry* metrics) {
    heartbeat_builder b;
    heartbeat_input in;
    in.topology_id = "wordcount-12-1700000000";
    for (int e = 1; e <= 100; ++e) {
        in.executors.push_back({e, e});
    }
    in.host = "worker-host-0.example";
    in.port = 6700;
    in.metrics = metrics;
    in.worker = big_worker_figures();
    // Samples an hour apart so that every window holds a different, large value.
    auto early = big_worker_totals(1);
    in.totals = &early;
    in.now_ms = t0;
    (void)b.build(in);
    auto late = big_worker_totals(3);
    in.totals = &late;
    in.now_ms = t0 + 3'600'000;
    auto beat = b.build(in);
    EXPECT_EQ(beat.records.size(), 100u);
    EXPECT_EQ(beat.records.at({1, 1}).entries.size(), 27u) << "every figure of every stream";
    const std::size_t bytes = thrift::encode(beat).size();
    const std::size_t points = beat.metrics.size();
    beat.metrics.clear();
    const std::size_t without_metrics = thrift::encode(beat).size();
    std::cout << "  " << bytes << " bytes: windowed stats " << without_metrics << ", " << points
              << " metric points " << bytes - without_metrics << "\n";
    return bytes;
}

// ZooKeeper's default node limit (jute.maxbuffer) is 1 MiB; docs/METRICS.md states this bound.
constexpr std::size_t heartbeat_bound = 128 * 1024;

TEST(heartbeat_builder_test, a_worker_of_100_executors_and_3_streams_weighs_under_128_kib) {
    const std::size_t bytes = heartbeat_bytes(nullptr);
    std::cout << "heartbeat of 100 executors x 3 streams, every figure, built-in metrics and 16 "
                 "connections: "
              << bytes << " bytes\n";
    EXPECT_LT(bytes, heartbeat_bound);
}

TEST(heartbeat_builder_test, user_metrics_add_what_their_points_weigh) {
    // One counter and one histogram per executor on top of the above: 1 + 9 points each.
    metric_registry reg;
    for (int e = 1; e <= 100; ++e) {
        const std::string c = "component-" + std::to_string((e - 1) / 4);
        reg.counter(c, e, "records-processed").inc(1'000'000);
        reg.histogram(c, e, "batch-latency-us").update(1234);
    }
    const std::size_t base = heartbeat_bytes(nullptr);
    const std::size_t bytes = heartbeat_bytes(&reg);
    std::cout << "with a counter and a histogram per executor: " << bytes << " bytes ("
              << (bytes - base) / 1000 << " per point)\n";
    EXPECT_LT(bytes, 2 * heartbeat_bound);
}

}  // namespace
}  // namespace tempest::worker
