// SPDX-License-Identifier: Apache-2.0
// bench_options: the command line of tempest-bench, parsed by hand.
//
//   tempest-bench WORKLOAD [--acking] [--duration S] [--warmup S] [--json FILE]
//                 [--max-pending N] [--queue-size N] [--batch-size N] [--no-chaining]
//                 [--rss-every S] [--workers N] [--executors N] [--rate R] [--keys N]
//                 [--skew S] [--plot FILE.svg] [--pipelines N] [--idle]
//   tempest-bench WORKLOAD --cluster [--config FILE] --workers N [--executors N] ...
//   tempest-bench throughput-vs-latency [--workload W] [--rates R1,R2,...] [--cluster ...] ...
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::bench {

// A command line that cannot be run; what() is the one-line reason.
class usage_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct bench_options {
    std::string workload;
    bool acking = false;
    double duration_s = 10.0;  // measured time, after the warm-up
    double warmup_s = 3.0;
    std::string json_path;  // empty: no JSON file
    // topology.max.spout.pending with --acking; unset: the workload's default.
    std::optional<int> max_pending;
    // topology.executor.receive.buffer.size / topology.producer.batch.size; unset: defaults.
    std::optional<int> queue_size;
    std::optional<int> batch_size;
    bool no_chaining = false;  // topology.chaining = false: every component on its own thread
    double rss_every_s = 0.0;  // > 0: print VmRSS/VmHWM every so many seconds
    // 1: one in-process local_cluster; 2: two worker processes joined over loopback TCP
    // (two_workers.h), parallelism 2 per component.
    // With --cluster: topology.workers, any N >= 1.
    int workers = 1;
    // Executors (and tasks) per component; unset: `workers`.
    std::optional<int> executors;
    // Tuples/s offered by the spouts together; 0: as fast as the topology takes them.
    double rate = 0;
    std::int64_t keys = 10000;  // zipf-agg: key count
    double skew = 1.0;          // zipf-agg: Zipf exponent s (P(k) ~ 1/k^s)
    std::string plot_path;      // empty: no plot
    // Independent copies of the workload's chain in one topology (workloads.h); local runs.
    int pipelines = 1;
    // Local runs: after the warm-up deactivate the topology and measure what the idle process
    // costs (CPU, wake-ups, threads, RSS) over --duration instead of a rate (idle_mode.h).
    bool idle = false;
    // --cluster: submit to the cluster of `config_file` (or conf/tempest.yaml) through Nimbus.
    bool cluster = false;
    std::string config_file;
    // throughput-vs-latency: `workload` is the workload run at each of `rates` in turn (in
    // local mode, or with --cluster on a cluster, `workers` workers per step).
    bool throughput_vs_latency = false;
    std::vector<double> rates;
    bool help = false;
};

// throughput-vs-latency's offered rates when --rates is not given.
std::vector<double> default_rates();

// The usage text, ending in a newline.
std::string usage_text();

// Parses argv[1..argc). Throws usage_error naming the bad argument; an unknown workload is
// checked by the caller (it knows the workloads).
bench_options parse_bench_options(int argc, const char* const* argv);

}  // namespace tempest::bench
