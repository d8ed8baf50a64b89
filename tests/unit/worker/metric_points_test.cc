// SPDX-License-Identifier: Apache-2.0
// metric_points: each kind of user metric becomes the points MetricPointRecord names, the
// built-ins of executors and of the worker are there, and meters get a one-minute rate.
#include "metric_points.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>

namespace tempest::worker {
namespace {

using point_key = std::tuple<std::string, std::string, int>;  // name, component, task

std::map<point_key, double> by_key(const std::vector<common::metric_point>& points) {
    std::map<point_key, double> out;
    for (const auto& p : points) {
        EXPECT_TRUE(out.emplace(point_key{p.name, p.component, p.task}, p.value).second)
            << "duplicate point " << p.name << " of " << p.component << " task " << p.task;
    }
    return out;
}

TEST(metric_points_test, each_metric_kind_is_named_as_storm_metrics_v2) {
    metric_registry reg;
    reg.counter("split", 3, "lines").inc(7);
    reg.gauge("split", 3, "cache-size", [] { return 42.5; });
    reg.meter("count", 5, "words").mark(10);
    auto& h = reg.histogram("count", 5, "latency");
    for (int v = 1; v <= 100; ++v) {
        h.update(v);
    }
    metric_reporter r;
    auto p = by_key(r.points(1000, &reg, {}, {}));
    EXPECT_EQ(p.at({"lines", "split", 3}), 7);
    EXPECT_EQ(p.at({"cache-size", "split", 3}), 42.5);
    EXPECT_EQ(p.at({"words.count", "count", 5}), 10);
    EXPECT_TRUE(p.contains({"words.m1_rate", "count", 5}));
    EXPECT_EQ(p.at({"latency.count", "count", 5}), 100);
    EXPECT_EQ(p.at({"latency.min", "count", 5}), 1);
    EXPECT_EQ(p.at({"latency.max", "count", 5}), 100);
    EXPECT_DOUBLE_EQ(p.at({"latency.mean", "count", 5}), 50.5);
    // Log-linear buckets: within 1/16 of the exact percentile.
    EXPECT_NEAR(p.at({"latency.p50", "count", 5}), 50, 50 / 16.0 + 1);
    EXPECT_NEAR(p.at({"latency.p75", "count", 5}), 75, 75 / 16.0 + 1);
    EXPECT_NEAR(p.at({"latency.p95", "count", 5}), 95, 95 / 16.0 + 1);
    EXPECT_NEAR(p.at({"latency.p99", "count", 5}), 99, 99 / 16.0 + 1);
    EXPECT_NEAR(p.at({"latency.p999", "count", 5}), 100, 1);
    std::size_t user = 0;
    for (const auto& [k, v] : p) {
        user += std::get<1>(k) != system_component;
    }
    EXPECT_EQ(user, 1u + 1u + 2u + 9u);
}

TEST(metric_points_test, a_gauge_that_throws_loses_only_its_point) {
    metric_registry reg;
    reg.gauge("split", 3, "broken", []() -> double { throw std::runtime_error("no"); });
    reg.counter("split", 3, "fine").inc();
    metric_reporter r;
    auto p = by_key(r.points(1000, &reg, {}, {}));
    EXPECT_FALSE(p.contains({"broken", "split", 3}));
    EXPECT_EQ(p.at({"fine", "split", 3}), 1);
}

TEST(metric_points_test, a_meters_m1_rate_is_a_one_minute_moving_average_per_second) {
    metric_registry reg;
    auto& m = reg.meter("count", 5, "words");
    metric_reporter r;
    auto rate = [&](std::int64_t now_ms) {
        return by_key(r.points(now_ms, &reg, {}, {})).at({"words.m1_rate", "count", 5});
    };
    EXPECT_EQ(rate(0), 0) << "no interval yet";
    m.mark(100);
    EXPECT_DOUBLE_EQ(rate(1000), 100) << "the first interval seeds the average";
    m.mark(100);
    EXPECT_DOUBLE_EQ(rate(2000), 100) << "a steady rate stays";
    // Nothing for a minute: the average decays by e^-1 (heartbeats every second).
    for (std::int64_t s = 3; s <= 62; ++s) {
        (void)rate(s * 1000);
    }
    EXPECT_NEAR(rate(63'000), 100 * std::exp(-61.0 / 60.0), 0.01);
}

TEST(metric_points_test, a_meter_registered_between_heartbeats_counts_from_the_last_one) {
    metric_registry reg;
    metric_reporter r;
    (void)r.points(0, &reg, {}, {});
    reg.meter("count", 5, "late").mark(30);
    auto p = by_key(r.points(2000, &reg, {}, {}));
    EXPECT_DOUBLE_EQ(p.at({"late.m1_rate", "count", 5}), 15);
}

TEST(metric_points_test, executors_and_the_worker_have_built_in_points) {
    executor_totals t;
    t.first_task = 4;
    t.last_task = 6;
    t.component = "count";
    t.queue_population = 17;
    t.queue_capacity = 1024;
    t.backpressure_ns = 2'500'000'000;
    t.idle_ns = 750'000'000;
    worker_figures w;
    w.usage = common::process_usage{1 << 20, 2 << 20, 3.5};
    w.connections = {{"node2:6701", true, 1000, 20, 3}, {"10.0.0.2:40000", false, 500, 10, 0}};
    w.remote.dropped = 2;
    w.errors_suppressed = 4;
    metric_reporter r;
    auto p = by_key(r.points(1000, nullptr, {t}, w));
    EXPECT_EQ(p.at({"__receive.population", "count", 4}), 17);
    EXPECT_EQ(p.at({"__receive.capacity", "count", 4}), 1024);
    EXPECT_DOUBLE_EQ(p.at({"__backpressure.seconds", "count", 4}), 2.5);
    EXPECT_DOUBLE_EQ(p.at({"__idle.seconds", "count", 4}), 0.75);
    const std::string sys(system_component);
    EXPECT_EQ(p.at({"worker.rss_bytes", sys, -1}), 1 << 20);
    EXPECT_EQ(p.at({"worker.cpu_seconds", sys, -1}), 3.5);
    EXPECT_EQ(p.at({"worker.errors_suppressed", sys, -1}), 4);
    EXPECT_EQ(p.at({"worker.errors_missed", sys, -1}), 0);
    EXPECT_EQ(p.at({"transport.out.node2:6701.bytes", sys, -1}), 1000);
    EXPECT_EQ(p.at({"transport.out.node2:6701.tuples", sys, -1}), 20);
    EXPECT_EQ(p.at({"transport.out.node2:6701.credit_waits", sys, -1}), 3);
    EXPECT_EQ(p.at({"transport.in.10.0.0.2:40000.bytes", sys, -1}), 500);
    EXPECT_EQ(p.at({"transport.in.10.0.0.2:40000.tuples", sys, -1}), 10);
    EXPECT_FALSE(p.contains({"transport.in.10.0.0.2:40000.credit_waits", sys, -1}));
    EXPECT_EQ(p.at({"transport.dropped", sys, -1}), 2);
    EXPECT_EQ(p.at({"transport.rejected_frames", sys, -1}), 0);
    EXPECT_EQ(p.size(), 4u + 4u + 3u + 2u + 2u);
}

}  // namespace
}  // namespace tempest::worker
