// SPDX-License-Identifier: Apache-2.0
// Unit tests of tempest-bench's pieces that need no running topology: the Zipf generator, the
// SVG plot's ticks and document, the knee of a throughput-vs-latency run, and the options of
// the cluster and throughput-vs-latency modes.
#include "../e2e/bench_options.h"
#include "../e2e/components.h"
#include "../e2e/svg_plot.h"
#include "../e2e/throughput_vs_latency.h"
#include "../e2e/workloads.h"
#include "../e2e/zipf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace tempest::bench {
namespace {

TEST(zipf_table, draws_keys_with_zipf_frequencies) {
    zipf_table z(1000, 1.0);
    splitmix64 rng(42);
    std::vector<int> seen(1000, 0);
    constexpr int n = 200000;
    for (int i = 0; i < n; ++i) {
        std::int64_t k = z.draw(rng);
        ASSERT_GE(k, 0);
        ASSERT_LT(k, 1000);
        ++seen[static_cast<std::size_t>(k)];
    }
    // P(k) = (1/(k+1)) / H(1000), H(1000) ~ 7.4855.
    const double h = 7.4854708606;
    for (int k : {0, 1, 9}) {
        double expected = n / (k + 1.0) / h;
        EXPECT_NEAR(seen[static_cast<std::size_t>(k)], expected, 5 * std::sqrt(expected)) << k;
    }
    EXPECT_GT(seen[0], 10 * seen[99]);
}

TEST(zipf_table, skew_zero_is_uniform_and_bounds_hold) {
    zipf_table z(4, 0.0);
    EXPECT_DOUBLE_EQ(z.cdf(0), 0.25);
    EXPECT_DOUBLE_EQ(z.cdf(3), 1.0);
    EXPECT_EQ(z.key_for(0.0), 0);
    EXPECT_EQ(z.key_for(0.2499), 0);
    EXPECT_EQ(z.key_for(0.25), 1);
    EXPECT_EQ(z.key_for(0.9999999), 3);
    EXPECT_THROW(zipf_table(0, 1.0), std::invalid_argument);
    EXPECT_THROW(zipf_table(10, -1.0), std::invalid_argument);
}

TEST(svg_plot, linear_ticks_are_round_and_cover_the_range) {
    auto t = linear_ticks(0, 9.3e6, 6);
    ASSERT_GE(t.size(), 4U);
    EXPECT_EQ(t.front(), 0);
    EXPECT_GE(t.back(), 9.3e6);
    EXPECT_DOUBLE_EQ(t[1] - t[0], 2e6);
    auto l = log_ticks(0.01, 10);
    EXPECT_EQ(l.front(), 0.01);
    EXPECT_EQ(l.back(), 10);
    EXPECT_EQ(l.size(), 10U);  // 1, 2, 5 per decade over 3 decades, then 10
    auto wide = log_ticks(1, 1e6);
    EXPECT_EQ(wide.size(), 7U);  // powers of ten only
    EXPECT_EQ(tick_label(0), "0");
    EXPECT_EQ(tick_label(1500), "1.5k");
    EXPECT_EQ(tick_label(2e7), "20M");
    EXPECT_EQ(tick_label(0.25), "0.25");
}

TEST(svg_plot, renders_axes_labels_series_and_marker) {
    plot_panel p;
    p.title = "latency <p99>";
    p.x_label = "offered";
    p.y_label = "ms";
    p.log_y = true;
    p.series.push_back({"p99", "#ff7f0e", {{1000, 0.5}, {2000, 1.0}, {4000, 20}}, false});
    p.marker_x = 2000;
    p.marker_label = "knee";
    std::string svg = render_svg("title & co", {p, p});
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1120.0\"", 0), 0U);
    EXPECT_NE(svg.find("title &amp; co"), std::string::npos);
    EXPECT_NE(svg.find("latency &lt;p99&gt;"), std::string::npos);
    EXPECT_NE(svg.find("ms (log scale)"), std::string::npos);
    EXPECT_NE(svg.find(">knee</text>"), std::string::npos);
    EXPECT_NE(svg.find(">2k</text>"), std::string::npos);  // an x tick
    EXPECT_NE(svg.find(">10</text>"), std::string::npos);  // a y tick (log: 0.1 .. 100)
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

tvl_step step(double offered, double achieved, double p99) {
    tvl_step s;
    s.offered = offered;
    s.achieved = achieved;
    s.p99_us = p99;
    s.samples = 100;
    return s;
}

TEST(throughput_vs_latency, the_knee_is_the_last_step_that_keeps_up) {
    std::vector<tvl_step> steps = {step(1000, 1000, 100), step(2000, 1990, 150),
                                   step(4000, 3990, 390), step(8000, 5000, 90000)};
    auto knee = find_knee(steps);
    ASSERT_TRUE(knee);
    EXPECT_EQ(*knee, 2U);
    // Latency alone can end it: 4000 achieved in full but p99 over 4x the first step's.
    steps[2].p99_us = 450;
    EXPECT_EQ(find_knee(steps), std::optional<std::size_t>(1));
    // Every step keeps up: the knee lies beyond; the first does not: below.
    EXPECT_FALSE(find_knee({step(1000, 1000, 100), step(2000, 2000, 120)}));
    EXPECT_FALSE(find_knee({step(1000, 500, 100), step(2000, 600, 120)}));
}

bench_options parse(std::vector<const char*> args) {
    args.insert(args.begin(), "tempest-bench");
    return parse_bench_options(static_cast<int>(args.size()), args.data());
}

TEST(bench_options, cluster_and_throughput_vs_latency_modes) {
    auto o = parse({"word-count", "--cluster", "--workers", "3", "--executors", "4"});
    EXPECT_TRUE(o.cluster);
    EXPECT_EQ(o.workers, 3);
    EXPECT_EQ(o.executors, 4);
    EXPECT_THROW(parse({"word-count", "--workers", "3"}), usage_error);
    EXPECT_THROW(parse({"word-count", "--cluster", "--workers", "0"}), usage_error);
    EXPECT_THROW(parse({"word-count", "--config", "x.yaml"}), usage_error);

    auto t = parse({"throughput-vs-latency", "--rates", "10k,20k,1.5M"});
    EXPECT_TRUE(t.throughput_vs_latency);
    EXPECT_TRUE(t.acking);
    EXPECT_EQ(t.workload, "word-count");
    EXPECT_EQ(t.rates, (std::vector<double>{1e4, 2e4, 1.5e6}));
    EXPECT_EQ(t.duration_s, 3);
    EXPECT_EQ(t.warmup_s, 1);
    EXPECT_THROW(parse({"throughput-vs-latency", "--rates", "20k,10k"}), usage_error);
    EXPECT_THROW(parse({"throughput-vs-latency", "--rates", "fast"}), usage_error);
    EXPECT_THROW(parse({"word-count", "--rates", "10k"}), usage_error);

    auto z = parse({"zipf-agg", "--keys", "500", "--skew", "1.2", "--rate", "50k"});
    EXPECT_EQ(z.keys, 500);
    EXPECT_DOUBLE_EQ(z.skew, 1.2);
    EXPECT_DOUBLE_EQ(z.rate, 5e4);
    EXPECT_THROW(parse({"zipf-agg", "--skew", "-1"}), usage_error);
}

TEST(bench_options, pipelines_idle_and_throughput_vs_latency_on_a_cluster) {
    auto p = parse({"word-count", "--pipelines", "8"});
    EXPECT_EQ(p.pipelines, 8);
    EXPECT_FALSE(p.idle);
    EXPECT_THROW(parse({"word-count", "--pipelines", "0"}), usage_error);
    EXPECT_THROW(parse({"word-count", "--pipelines", "257"}), usage_error);
    EXPECT_THROW(parse({"word-count", "--pipelines", "2", "--workers", "2"}), usage_error);

    auto i = parse({"word-count", "--idle", "--executors", "67"});
    EXPECT_TRUE(i.idle);
    EXPECT_EQ(i.executors, 67);
    EXPECT_THROW(parse({"word-count", "--idle", "--cluster", "--workers", "2"}), usage_error);
    EXPECT_THROW(parse({"word-count", "--idle", "--plot", "x.svg"}), usage_error);
    EXPECT_THROW(parse({"word-count", "--idle=yes"}), usage_error);

    auto t = parse({"throughput-vs-latency", "--cluster", "--workers", "2", "--rates", "1k,2k"});
    EXPECT_TRUE(t.throughput_vs_latency);
    EXPECT_TRUE(t.cluster);
    EXPECT_EQ(t.workers, 2);
    EXPECT_THROW(parse({"throughput-vs-latency", "--workers", "2"}), usage_error);
    EXPECT_THROW(parse({"throughput-vs-latency", "--pipelines", "2"}), usage_error);
}

TEST(workloads, pipelines_are_unconnected_copies_of_the_chain) {
    // create_topology checks the classes against the process-wide registry; register once.
    static const bool registered =
        (register_bench_components(component_registry::instance()), true);
    ASSERT_TRUE(registered);
    workload_params p;
    p.name = "word-count";
    p.pipelines = 3;
    p.parallelism = 2;
    p.acking = true;
    workload w = make_workload(p);
    EXPECT_EQ(w.components.size(), 9U);
    EXPECT_EQ(w.spouts, (std::vector<std::string>{"sentences-0", "sentences-1", "sentences-2"}));
    EXPECT_EQ(w.last_bolts, (std::vector<std::string>{"count-0", "count-1", "count-2"}));
    EXPECT_EQ(w.spout, "sentences-0");
    EXPECT_EQ(w.last_bolt, "count-0");
    EXPECT_EQ(w.executors, 9 * 2 + 2);  // two ackers

    p.pipelines = 1;
    workload one = make_workload(p);
    EXPECT_EQ(one.components, (std::vector<std::string>{"sentences", "split", "count"}));
    EXPECT_EQ(one.last_bolts, (std::vector<std::string>{"count"}));
}

TEST(workloads, storm_perf_names_map_to_ours) {
    EXPECT_EQ(canonical_workload("ConstSpoutNullBoltTopo"), "const-null");
    EXPECT_EQ(canonical_workload("ConstSpoutIdBoltNullBoltTopo"), "const-id-null");
    EXPECT_EQ(canonical_workload("zipf-agg"), "zipf-agg");
    EXPECT_EQ(canonical_workload("nope"), "");
    EXPECT_EQ(storm_perf_name("const-null"), "ConstSpoutNullBoltTopo");
}

}  // namespace
}  // namespace tempest::bench
