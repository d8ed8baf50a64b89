// SPDX-License-Identifier: Apache-2.0
// throughput_vs_latency: tempest-bench's version of Storm's ThroughputVsLatency. The workload
// (acking on) runs once per offered rate, each step a fresh topology in one local_cluster (or,
// with --cluster, on a cluster through Nimbus: tvl_cluster.cc): warm up, then measure for
// --duration seconds the achieved rate (spout trees completed per second) and the complete latency
// percentiles of the tuples due in the measured part, from the spouts' `complete-latency-us`
// histograms (components.h: counted from each tuple's due time).
#pragma once

#include "bench_options.h"

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace tempest::bench {

struct tvl_step {
    double offered = 0;         // spout tuples/s asked for
    double achieved = 0;        // spout tuple trees acked per second
    double last_bolt_rate = 0;  // the last bolt's executed/s (words/s for word-count)
    std::uint64_t samples = 0;  // latencies in the histogram
    double p50_us = 0;
    double p99_us = 0;
    double p999_us = 0;
    double max_us = 0;
    std::uint64_t failed = 0;
    // How far the spouts' emits lag their schedule at the end of the step, in seconds (0 when on
    // time). Far behind, no tuple due after the warm-up was acked yet: samples is 0 and the
    // percentiles are unknown (NaN), the latency being at least this lag.
    double behind_s = 0;
};

// A step keeps up when it achieves at least 95% of its offered rate and its p99 is at most 4×
// the first step's. The knee is the last step that keeps up before the first one that does not;
// none when the first step already does not, or when every step keeps up (the knee lies beyond
// the highest rate offered).
inline constexpr double knee_rate_share = 0.95;
inline constexpr double knee_p99_factor = 4.0;
bool keeps_up(const tvl_step& s, const tvl_step& first);
std::optional<std::size_t> find_knee(const std::vector<tvl_step>& steps);

// Runs every step of `o.rates`, prints a table (and --json, --plot); returns the exit status.
int run_throughput_vs_latency(const bench_options& o);
// The same on the cluster of o.config_file (tvl_cluster.cc): each step a fresh topology of
// o.workers workers submitted through Nimbus, measured from the figures its workers report.
int run_throughput_vs_latency_cluster(const bench_options& o);

// What both modes share. open_tvl_json opens --json (false, with a message, when it cannot);
// print_tvl_header/print_tvl_row print the table (`where`: e.g. " cluster workers=2");
// finish_tvl prints the knee, writes --json and --plot and returns the exit status (1 when a
// step completed nothing).
bool open_tvl_json(const bench_options& o, std::ofstream& json);
void print_tvl_header(const bench_options& o, const std::string& unit, const std::string& where);
void print_tvl_row(const tvl_step& s);
int finish_tvl(const bench_options& o, const std::string& unit, const std::vector<tvl_step>& steps,
               std::ofstream& json, const std::string& plot_where);

}  // namespace tempest::bench
