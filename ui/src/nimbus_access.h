// SPDX-License-Identifier: Apache-2.0
// nimbus_access: what the REST API asks of Nimbus, in plain structs (the Thrift types stay in
// nimbus_leader_client_thrift.cc). The real implementation is nimbus_leader_client; tests use a
// fake. Every method may be called from several threads at once and may block up to the
// client's call timeout.
//
// Failures throw nimbus_call_error, whose kind says what the API should answer:
//   unreachable  no Nimbus answered (every seed and the last known leader tried) → 503
//   not_found    Nimbus does not know the topology or supervisor                → 404
//   invalid      Nimbus refused the request as invalid (InvalidTopologyException) → 400
//   forbidden    AuthorizationException                                         → 403
//   failed       Nimbus answered with another failure                           → 502
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::ui {

enum class nimbus_failure { unreachable, not_found, invalid, forbidden, failed };

class nimbus_call_error : public std::runtime_error {
  public:
    nimbus_call_error(nimbus_failure kind, const std::string& message)
        : std::runtime_error(message), _kind(kind) {}
    nimbus_failure kind() const noexcept { return _kind; }

  private:
    nimbus_failure _kind;
};

// Storm's NimbusSummary.
struct nimbus_info {
    std::string host;
    int port = 0;
    int uptime_secs = 0;
    bool is_leader = false;
    std::string version;
};

// Storm's SupervisorSummary; resources only when the supervisor reports them.
struct supervisor_info {
    std::string id;
    std::string host;
    int uptime_secs = 0;
    int slots_total = 0;
    int slots_used = 0;
    std::string version;
    std::map<std::string, double> total_resources;  // e.g. "memory" (MB), "cpu" (%)
    std::optional<double> used_mem;
    std::optional<double> used_cpu;
};

// Storm's TopologySummary; resource figures only when Nimbus reports them.
struct topology_info {
    std::string id;
    std::string name;
    std::string status;  // ACTIVE, INACTIVE, KILLED or REBALANCING
    int uptime_secs = 0;
    int num_tasks = 0;
    int num_executors = 0;
    int num_workers = 0;
    std::optional<int> replication_count;
    std::optional<std::string> owner;
    std::optional<double> requested_mem_on_heap;
    std::optional<double> requested_mem_off_heap;
    std::optional<double> requested_cpu;
    std::optional<double> assigned_mem_on_heap;
    std::optional<double> assigned_mem_off_heap;
    std::optional<double> assigned_cpu;
};

struct cluster_info {
    std::vector<supervisor_info> supervisors;
    std::vector<topology_info> topologies;
    std::vector<nimbus_info> nimbuses;
};

// Storm's WorkerSummary (a worker of a supervisor page).
struct worker_info {
    std::string supervisor_id;
    std::string host;
    int port = 0;
    std::string topology_id;
    std::string topology_name;
    int num_executors = 0;
    std::map<std::string, long long> component_num_tasks;
    int uptime_secs = 0;
    std::optional<double> assigned_mem_on_heap;
    std::optional<double> assigned_mem_off_heap;
    std::optional<double> assigned_cpu;
    // Tempest's staleness (WorkerSummary 100-101): the age of the worker's last heartbeat and
    // whether it is older than nimbus.task.timeout.secs; unset when the worker never reported.
    std::optional<int> heartbeat_age_secs;
    std::optional<bool> late;
    // The worker's own metric points (worker.rss_bytes, worker.cpu_seconds, ...), name -> value.
    std::map<std::string, double> metrics;
};

struct supervisor_page {
    std::vector<supervisor_info> supervisors;
    std::vector<worker_info> workers;
};

// An error a component reported (Storm's ErrorInfo).
struct error_info {
    std::string error;
    long long time_secs = 0;
    std::string host;
    std::optional<int> port;
    std::optional<int> task;
};

// A metric point of a task or worker (docs/METRICS.md); task -1 is the worker itself.
struct metric_point {
    std::string name;
    std::string component;
    int task = 0;
    double value = 0;
};

// Storm's ComponentAggregateStats: a component's (or one executor's, or one stream's) figures in
// one window. The figures are unset when no executor of it reported (or the stream lacks them).
struct component_stats {
    bool is_spout = false;
    int num_executors = 0;
    int num_tasks = 0;
    std::optional<long long> emitted;
    std::optional<long long> transferred;
    std::optional<long long> acked;
    std::optional<long long> failed;
    std::optional<double> complete_latency_ms;  // spouts
    std::optional<long long> executed;          // bolts
    std::optional<double> execute_latency_ms;
    std::optional<double> process_latency_ms;
    std::optional<double> capacity;
    std::optional<error_info> last_error;
    int num_late_executors = 0;  // left out of the figures (Tempest's)
};

// The topology's totals in one window (Storm's TopologyStats, one window of it).
struct window_totals {
    long long emitted = 0;
    long long transferred = 0;
    long long acked = 0;
    long long failed = 0;
    double complete_latency_ms = 0;
};

// Storm's TopologyPageInfo for one window.
struct topology_page {
    std::string id;
    std::string name;
    std::string status;
    int uptime_secs = 0;
    int num_tasks = 0;
    int num_workers = 0;
    int num_executors = 0;
    std::string conf_json;  // the topology's config, a JSON object ("" when Nimbus has none)
    std::optional<std::string> owner;
    std::optional<int> replication_count;
    std::map<std::string, component_stats> spouts;  // by component id
    std::map<std::string, component_stats> bolts;
    // By window name (":all-time", "600", ...); empty when no worker reported yet.
    std::map<std::string, window_totals> totals;
    std::vector<worker_info> workers;
    int num_late_executors = 0;
    std::vector<metric_point> metrics;  // of the executors and workers that are not late
};

// One executor's row of a component page.
struct executor_row {
    int task_start = 0;
    int task_end = 0;
    std::string host;
    int port = 0;
    int uptime_secs = 0;
    std::optional<int> stats_age_secs;  // Tempest's (ExecutorSummary 101-102)
    std::optional<bool> late;
    component_stats stats;
};

// Storm's ComponentPageInfo for one window.
struct component_page {
    std::string component_id;
    bool is_spout = false;
    std::string topology_id;
    std::string topology_name;
    std::string topology_status;
    int num_executors = 0;
    int num_tasks = 0;
    std::map<std::string, component_stats> window_stats;  // by window name
    // Per input stream (source component, stream) and per output stream, in the asked window.
    std::map<std::pair<std::string, std::string>, component_stats> input_stats;
    std::map<std::string, component_stats> output_stats;
    std::vector<executor_row> executors;
    std::vector<error_info> errors;  // oldest first
    int num_late_executors = 0;
    std::vector<metric_point> metrics;
};

// A consumed stream of a component and its grouping (Storm's Grouping field name: "shuffle",
// "fields", "all", "none", "direct", "local_or_shuffle", "custom_object", ...).
struct component_input {
    std::string component;
    std::string stream;
    std::string grouping;
};

// The topology's graph as Nimbus runs it (getTopology: system components included).
struct topology_graph {
    std::map<std::string, bool> components;                      // id -> is_spout
    std::map<std::string, std::vector<component_input>> inputs;  // consumer id -> its inputs
};

// One executor's counts per stream (getTopologyInfo), for /metrics and the visualization.
struct executor_stream_counts {
    std::string component;
    bool is_spout = false;
    std::string host;
    int port = 0;
    int uptime_secs = 0;
    struct input_counts {
        long long acked = 0;
        long long failed = 0;
        long long executed = 0;  // bolts only
    };
    // All time: output stream -> count.
    std::map<std::string, long long> emitted;
    std::map<std::string, long long> transferred;
    // Window (":all-time", "600", ...) -> output stream -> count.
    std::map<std::string, std::map<std::string, long long>> transferred_by_window;
    // All time. Acks and fails: a spout's per output stream (source ""), a bolt's per input stream
    // (source component, stream).
    std::map<std::pair<std::string, std::string>, input_counts> inputs;
};

struct rebalance_options {
    int wait_secs = 0;
    std::optional<int> num_workers;
    std::map<std::string, int> num_executors;  // component -> new parallelism
};

class nimbus_access {
  public:
    virtual ~nimbus_access() = default;

    // Nimbus' config as a JSON object (getNimbusConf).
    virtual std::string conf_json() = 0;
    virtual cluster_info cluster() = 0;
    // The supervisors with `id` (when not empty) or else on `host`, with their workers.
    virtual supervisor_page supervisor(const std::string& id, const std::string& host,
                                       bool include_sys) = 0;
    // Storm's topology page of `id` in `window` (":all-time", "600", "10800", "86400");
    // not_found when Nimbus does not know it.
    virtual topology_page topology(const std::string& id, const std::string& window,
                                   bool include_sys) = 0;
    // Storm's component page; not_found for an unknown topology or component.
    virtual component_page component(const std::string& id, const std::string& component,
                                     const std::string& window, bool include_sys) = 0;
    // The components and their inputs with groupings.
    virtual topology_graph graph(const std::string& id) = 0;
    // Every executor's per-stream counts (late workers' last figures included, so all-time
    // counts only grow while workers live); executors whose worker never reported are left out.
    virtual std::vector<executor_stream_counts> executor_counts(const std::string& id) = 0;
    // Topology actions, by topology name (as Nimbus' Thrift calls take them).
    virtual void activate(const std::string& name) = 0;
    virtual void deactivate(const std::string& name) = 0;
    virtual void kill(const std::string& name, int wait_secs) = 0;
    virtual void rebalance(const std::string& name, const rebalance_options& options) = 0;
};

}  // namespace tempest::ui
