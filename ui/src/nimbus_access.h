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
};

struct supervisor_page {
    std::vector<supervisor_info> supervisors;
    std::vector<worker_info> workers;
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
    // Topology actions, by topology name (as Nimbus' Thrift calls take them).
    virtual void activate(const std::string& name) = 0;
    virtual void deactivate(const std::string& name) = 0;
    virtual void kill(const std::string& name, int wait_secs) = 0;
    virtual void rebalance(const std::string& name, const rebalance_options& options) = 0;
};

}  // namespace tempest::ui
