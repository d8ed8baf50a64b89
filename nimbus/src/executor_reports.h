// SPDX-License-Identifier: Apache-2.0
// executor_reports: what Nimbus knows of a topology's executors and workers from the workers'
// heartbeats, for the Thrift queries (getTopologyInfo and the page-info calls) — each executor's
// windowed per-stream figures (common::stats_record), the time of the heartbeat they came from,
// whether that heartbeat is late, and the metric points of its tasks. Pure functions over plain
// values (no Thrift, no cluster state); thread-safe as values are.
//
//   workerbeats/<id>/<node>-<port> ──decode──▶ worker_heartbeat ─┐
//   assignments/<id>, layout, spouts ───────────────────────────┼─▶ build_reports ─▶ reports
//   Nimbus' unix clock, nimbus.task.timeout.secs ───────────────┘
//
// Figures come from the heartbeat's `records` (WorkerHeartbeatRecord field 8); a heartbeat
// without any (a worker older than Tempest 0.2) has its Storm-shaped `stats` (field 5) turned
// into a record instead (record_from_storm_stats). A worker is late when its heartbeat was
// written more than the task timeout ago by Nimbus' clock: its executors keep their last figures,
// marked late with their age; aggregates leave them out (nimbus/README.md, "Staleness").
#pragma once

#include "tempest/common/cluster_records.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tempest::nimbus {

// When figures were written and whether they are too old to stand as current.
struct staleness {
    std::int64_t time_secs = 0;  // unix time the heartbeat was written
    int age_secs = 0;            // Nimbus' clock minus time_secs, at least 0
    bool late = false;           // age_secs > nimbus.task.timeout.secs
};

// One assigned executor.
struct executor_report {
    common::executor_info executor;
    std::string component;
    bool is_spout = false;
    common::node_port slot;
    int uptime_secs = 0;  // the worker's, when it lists the executor; else since its start time
    // Set when the executor's worker has a readable heartbeat that lists it.
    std::optional<staleness> reported;
    // Its figures, when the heartbeat carried any for it (records, or the older stats).
    std::optional<common::stats_record> stats;
    // The older worker's own Storm-shaped stats (field 5), passed through to getTopologyInfo.
    std::optional<common::executor_stats> storm_stats;
    double sample_rate = 1.0;  // topology.stats.sample.rate as the worker reported it
    std::vector<common::metric_point> metrics;  // points of its tasks

    bool late() const { return reported && reported->late; }
};

// One worker slot of the topology.
struct worker_report {
    common::node_port slot;
    std::optional<staleness> reported;  // unset: no readable heartbeat
    int uptime_secs = 0;
    std::vector<common::metric_point> metrics;  // the worker's own points (task -1)
};

struct topology_reports {
    std::vector<executor_report> executors;  // in assignment order
    std::map<common::node_port, worker_report> workers;
    int num_late_executors(const std::set<std::string>* components = nullptr) const;
};

// What build_reports reads besides the heartbeats.
struct report_inputs {
    const common::assignment* assignment = nullptr;                 // required
    const std::map<int, std::string>* component_of_task = nullptr;  // required
    const std::set<std::string>* spouts = nullptr;                  // required
    std::int64_t now_unix_secs = 0;
    std::chrono::seconds task_timeout{30};
};

// The reports of every executor of `in.assignment`, with the heartbeats by slot (nullopt: none
// or unreadable).
topology_reports build_reports(
    const report_inputs& in,
    const std::map<common::node_port, std::optional<common::worker_heartbeat>>& beats);

// An older worker's Storm-shaped stats as a record: counts as they are, an average latency of n
// (the acked or executed count of its window and stream) as a sum over n samples, so that
// stats_aggregate weighs it as Storm does.
common::stats_record record_from_storm_stats(const common::executor_stats& s);

// A record in Storm's ExecutorStats shape: every window ("600", "10800", "86400", ":all-time"),
// every stream the record has; emitted and transferred per output stream; for spouts acked,
// failed and complete_ms_avg per output stream; for bolts acked, failed, executed,
// process_ms_avg and execute_ms_avg per input (GlobalStreamId). A latency is sum / samples in
// ms, and only where it has samples. `rate` is the worker's sample rate.
common::executor_stats storm_stats_from_record(const common::stats_record& r, bool is_spout,
                                               double rate);

// Storm's window names in stats_record's window order.
inline constexpr const char* window_names[common::num_windows] = {"600", "10800", "86400",
                                                                  ":all-time"};

}  // namespace tempest::nimbus
