// SPDX-License-Identifier: Apache-2.0
// heartbeat_builder: composes a worker's ZooKeeper heartbeat (common::worker_heartbeat) from what
// its runtime reports, so that worker_process only gathers inputs and writes bytes.
//
//   runtime.totals() ──▶ one windowed_stats per executor ──record(now)──▶ beat.records
//   runtime.metrics(), totals, connections, process usage ──metric_reporter──▶ beat.metrics
//   identity, time, uptime, topology.stats.sample.rate ─────────────────────▶ the rest
//
// Storm's older per-executor `stats` map is left empty: Nimbus reads `records`.
// Owned by the worker process; not thread-safe: its heartbeat thread calls every method. Pure:
// no clock, no I/O; times come in the input, so tests drive it with a fake clock.
#pragma once

#include "metric_points.h"
#include "tempest/common/cluster_records.h"
#include "tempest/worker/stats.h"
#include "tempest/worker/windowed_stats.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tempest::worker {

// The windows of every executor of one worker.
class executor_windows {
  public:
    // `buckets`: Storm's num.stat.buckets (rolling_window.h).
    explicit executor_windows(int buckets = 20) : _buckets(buckets) {}

    // Samples every executor's running totals at `now_ms` and returns each one's four windows.
    // Executors absent from `totals` lose their windows (they no longer run here).
    std::map<common::executor_info, common::stats_record> sample(
        std::int64_t now_ms, const std::vector<executor_totals>& totals);

  private:
    int _buckets;
    std::map<common::executor_info, windowed_stats> _windows;
};

// What one heartbeat is made of; pointers may be null (nothing of that kind).
struct heartbeat_input {
    std::string topology_id;
    std::vector<common::executor_info> executors;  // this slot's, from the assignment
    std::int64_t now_ms = 0;                       // unix time
    int uptime_secs = 0;
    std::optional<std::string> host;
    std::optional<int> port;
    double sample_rate = 0.05;  // topology.stats.sample.rate
    const std::vector<executor_totals>* totals = nullptr;
    const metric_registry* metrics = nullptr;
    // The tasks the worker runs now, ascending: only their user metrics are reported. Null: all.
    const std::vector<int>* tasks = nullptr;
    worker_figures worker;
};

class heartbeat_builder {
  public:
    explicit heartbeat_builder(int buckets = 20) : _windows(buckets) {}

    common::worker_heartbeat build(const heartbeat_input& in);

  private:
    executor_windows _windows;
    metric_reporter _metrics;
};

}  // namespace tempest::worker
