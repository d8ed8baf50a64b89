// SPDX-License-Identifier: Apache-2.0
// cluster_records: Tempest's own view of the cluster-state records (DESIGN.md, "Cluster state"):
// what Nimbus, supervisors and workers read and write in ZooKeeper and in a worker's local
// heartbeat file. One plain struct per record of common/thrift/cluster_records.thrift, field for
// field, so that code outside the Thrift adapters never sees generated types. Their bytes are
// made and read by tempest/thrift/cluster_records_codec.h (the only place that knows the wire
// form). Plain values: thread-safe as values are.
#pragma once

#include "tempest/common/stats_record.h"

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::common {

// An executor: the inclusive range of task ids it runs (Storm's ExecutorInfo).
struct executor_info {
    int task_start = 0;
    int task_end = 0;
    friend auto operator<=>(const executor_info&, const executor_info&) = default;
};

// Lifecycle of a submitted topology (as Storm's); the values are the wire values.
enum class topology_status : int {
    active = 1,
    inactive = 2,
    rebalancing = 3,
    killed = 4,
};

// "ACTIVE", "INACTIVE", "REBALANCING", "KILLED" (Storm's spelling, as the UI and CLI show it).
std::string_view to_string(topology_status s) noexcept;

// Options of a kill: deactivate, wait this long, then remove (nimbus.thrift KillOptions).
struct kill_options {
    std::optional<int> wait_secs;
    friend bool operator==(const kill_options&, const kill_options&) = default;
};

// Options of a rebalance (nimbus.thrift RebalanceOptions; Tempest reads the first three).
struct rebalance_options {
    std::optional<int> wait_secs;
    std::optional<int> num_workers;
    std::optional<std::map<std::string, int>> num_executors;  // component id -> executors
    std::optional<std::map<std::string, std::map<std::string, double>>> resources_overrides;
    std::optional<std::string> topology_conf_overrides;  // a JSON object
    std::optional<std::string> principal;
    friend bool operator==(const rebalance_options&, const rebalance_options&) = default;
};

// storms/<topology-id>: the topology's record, written by Nimbus at submit and on every status
// change (StormBaseRecord).
struct storm_base {
    std::string name;
    topology_status status = topology_status::active;
    std::string owner;
    std::int64_t launch_time_secs = 0;  // unix time of the submission
    int num_workers = 0;
    std::map<std::string, int> component_executors;  // component id -> executor count
    // Set while a delayed action is pending.
    std::optional<topology_status> prev_status;
    std::optional<kill_options> kill;
    std::optional<rebalance_options> rebalance;
    std::optional<std::string> topology_version;
    friend bool operator==(const storm_base&, const storm_base&) = default;
};

// A worker slot: a supervisor (node id) and one of its ports.
struct node_port {
    std::string node;
    int port = 0;
    friend auto operator<=>(const node_port&, const node_port&) = default;
};

// assignments/<topology-id>: where each executor runs, written by Nimbus (AssignmentRecord).
struct assignment {
    std::string code_dir;                          // where Nimbus keeps the package
    std::map<std::string, std::string> node_host;  // node id -> hostname
    std::map<executor_info, node_port> executor_node_port;
    std::map<executor_info, std::int64_t> executor_start_time_secs;
    std::optional<std::string> owner;
    friend bool operator==(const assignment&, const assignment&) = default;
};

// The executors `a` places on `node`'s `port`, sorted. Empty when the slot has none.
std::vector<executor_info> executors_of(const assignment& a, std::string_view node, int port);

// An executor and the index of its slot in routes::slots.
struct routed_executor {
    executor_info executor;
    std::uint32_t slot = 0;
    friend bool operator==(const routed_executor&, const routed_executor&) = default;
};

// routes/<topology-id>: where each executor runs and nothing else, the part of an assignment a
// worker reads (RoutesRecord). Nimbus writes it beside the assignment, before it; its encoding
// takes a few bytes per executor where the assignment's takes ~90 (docs/ARCHITECTURE.md,
// "What a worker reads").
struct routes {
    std::map<std::string, std::string> node_host;  // node id -> hostname
    std::vector<node_port> slots;                  // sorted, distinct
    std::vector<routed_executor> executors;        // by task_start; ranges disjoint
    friend bool operator==(const routes&, const routes&) = default;
};

// The routes of `a`: its slots, the hosts of their nodes, every executor with its slot.
routes routes_of(const assignment& a);

// The executors `r` places on `node`'s `port`, sorted. Empty when the slot has none.
std::vector<executor_info> executors_of(const routes& r, std::string_view node, int port);

// supervisors/<supervisor-id>: a supervisor's heartbeat (SupervisorRecord).
struct supervisor_record {
    std::string supervisor_id;
    std::string hostname;
    std::int64_t time_secs = 0;  // unix time this record was written
    std::int64_t uptime_secs = 0;
    std::vector<int> ports;       // every slot (supervisor.slots.ports)
    std::vector<int> used_ports;  // slots running a worker
    std::string version;          // Tempest version of the supervisor
    friend bool operator==(const supervisor_record&, const supervisor_record&) = default;
};

// A stream as the bolt statistics key it: (producing component, stream).
struct stream_id {
    std::string component;
    std::string stream;
    friend auto operator<=>(const stream_id&, const stream_id&) = default;
};

// One executor's statistics as workers publish them today (nimbus.thrift ExecutorStats: window
// -> stream -> value). The one place they are modelled outside the adapters; a later issue
// redoes the statistics.
struct executor_stats {
    template <typename Key, typename Value>
    using per_window = std::map<std::string, std::map<Key, Value>>;  // window -> key -> value

    per_window<std::string, std::int64_t> emitted;
    per_window<std::string, std::int64_t> transferred;
    double rate = 1.0;  // sampling rate of the counters
    // Which of the two groups below is on the wire (the ExecutorSpecificStats union). A record
    // whose union holds neither, which no worker writes, reads as a bolt's with no figures.
    bool is_spout = false;
    // Spout (is_spout): per output stream.
    per_window<std::string, std::int64_t> spout_acked;
    per_window<std::string, std::int64_t> spout_failed;
    per_window<std::string, double> complete_ms_avg;
    // Bolt: per input stream.
    per_window<stream_id, std::int64_t> bolt_acked;
    per_window<stream_id, std::int64_t> bolt_failed;
    per_window<stream_id, double> process_ms_avg;
    per_window<stream_id, std::int64_t> executed;
    per_window<stream_id, double> execute_ms_avg;
    friend bool operator==(const executor_stats&, const executor_stats&) = default;
};

// One value of a built-in or user metric (MetricPointRecord; names in docs/METRICS.md).
struct metric_point {
    std::string name;
    std::string component;  // "__system" for the worker's own
    int task = -1;          // -1: the worker's own
    double value = 0;
    friend bool operator==(const metric_point&, const metric_point&) = default;
};

// workerbeats/<topology-id>/<node>-<port>: a worker's heartbeat with its executors' statistics,
// for Nimbus and the UI (WorkerHeartbeatRecord).
struct worker_heartbeat {
    std::string topology_id;
    std::vector<executor_info> executors;
    std::int64_t time_secs = 0;  // unix time this record was written
    int uptime_secs = 0;
    std::map<executor_info, executor_stats> stats;
    std::optional<std::string> host;
    std::optional<int> port;
    // Per executor: its windowed per-stream figures (what Nimbus reports; `stats` above is
    // Storm's older shape, left empty by current workers).
    std::map<executor_info, stats_record> records;
    std::vector<metric_point> metrics;
    std::optional<double> sample_rate;  // topology.stats.sample.rate
    friend bool operator==(const worker_heartbeat&, const worker_heartbeat&) = default;
};

// <storm.local.dir>/workers/<worker-id>/heartbeat: a worker's heartbeat for its supervisor only
// (LocalWorkerHeartbeatRecord).
struct local_worker_heartbeat {
    std::int64_t time_ms = 0;  // unix time in milliseconds this record was written
    std::string topology_id;
    std::vector<executor_info> executors;  // the executors this worker runs
    int port = 0;
    int pid = 0;
    friend bool operator==(const local_worker_heartbeat&, const local_worker_heartbeat&) = default;
};

}  // namespace tempest::common
