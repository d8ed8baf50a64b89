// SPDX-License-Identifier: Apache-2.0
// User metrics: counters, meters, gauges and histograms registered through the
// topology_context, one registry per worker, Storm's metric names.
#include "tempest/topology_api/metrics.h"

#include "tempest/topology_api/topology_context.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest {
namespace {

std::shared_ptr<const detail::task_layout> layout() {
    auto l = std::make_shared<detail::task_layout>();
    l->topology_id = "wc-1-100";
    l->task_component = {"", "count", "count"};
    l->component_tasks = {{"count", {1, 2}}};
    return l;
}

TEST(metrics_test, tasks_register_into_the_workers_registry) {
    auto reg = std::make_shared<metric_registry>();
    topology_context t1(layout(), 1, reg);
    topology_context t2(layout(), 2, reg);
    t1.register_counter("processed").inc(3);
    t1.register_counter("processed").inc();  // the same counter again
    t2.register_counter("processed").inc(10);
    t2.register_meter("words").mark(5);
    double level = 0.25;
    t2.register_gauge("level", [&] { return level; });
    std::vector<std::string> seen;
    reg->for_each([&](const metric_registry::entry& e) {
        seen.push_back(e.component + "/" + std::to_string(e.task) + "/" + e.name);
        if (e.task == 1) {
            EXPECT_EQ(e.counter->get(), 4);
        } else if (e.name == "processed") {
            EXPECT_EQ(e.counter->get(), 10);
        } else if (e.name == "words") {
            EXPECT_EQ(e.meter->count(), 5);
        } else {
            ASSERT_EQ(e.type, metric_type::gauge);
            EXPECT_DOUBLE_EQ(e.gauge(), 0.25);
        }
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"count/1/processed", "count/2/level",
                                              "count/2/processed", "count/2/words"}));
}

TEST(metrics_test, a_name_keeps_its_type) {
    topology_context ctx(layout(), 1);
    ctx.register_counter("x");
    EXPECT_THROW(ctx.register_histogram("x"), std::invalid_argument);
    EXPECT_EQ(ctx.metrics().size(), 1u);
}

TEST(metrics_test, histogram_buckets_cover_every_value_within_a_sixteenth) {
    for (std::uint64_t v :
         {0ull, 1ull, 15ull, 16ull, 17ull, 1000ull, 123456789ull, ~0ull >> 1, ~0ull}) {
        std::size_t b = metric_histogram::bucket_of(v);
        ASSERT_LT(b, metric_histogram::num_buckets) << v;
        std::uint64_t upper = metric_histogram::bucket_upper(b);
        EXPECT_GE(upper, v);
        EXPECT_LE(static_cast<double>(upper - v), static_cast<double>(v) / 16.0) << v;
        if (b > 0) {
            EXPECT_LT(metric_histogram::bucket_upper(b - 1), v) << v;
        }
    }
}

TEST(metrics_test, histogram_quantiles_and_mean) {
    metric_histogram h;
    EXPECT_EQ(h.read().count, 0u);
    EXPECT_EQ(h.read().quantile(0.5), 0.0);
    for (int v = 1; v <= 1000; ++v) {
        h.update(v);
    }
    h.update(-5);  // counts as 0
    auto s = h.read();
    EXPECT_EQ(s.count, 1001u);
    EXPECT_EQ(s.min, 0);
    EXPECT_EQ(s.max, 1000);
    EXPECT_NEAR(s.mean, 500500.0 / 1001, 1e-9);
    EXPECT_NEAR(s.quantile(0.5), 500, 500 / 16.0);
    EXPECT_NEAR(s.quantile(0.99), 990, 990 / 16.0);
    EXPECT_EQ(s.quantile(1.0), 1000);
    EXPECT_EQ(s.quantile(0.0), 0);
}

TEST(metrics_test, storm_names) {
    EXPECT_EQ(storm_metric_name("wc-1-100", "node1", "count", 7, 6700, "processed"),
              "storm.topology.wc-1-100.node1.count.7.6700-processed");
}

}  // namespace
}  // namespace tempest
