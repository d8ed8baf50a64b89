// SPDX-License-Identifier: Apache-2.0
// local_cluster: runs topologies inside this process with no Nimbus and no ZooKeeper, as Storm's
// LocalCluster. Each submitted topology gets its executors as threads in one in-process worker;
// the topologies are known by name in this object alone (local mode has no cluster state).
// `tempest local` and the cluster tests use it; it is also the submitter handed to a package's
// tempest_main in local mode.
//
// Thread-safety: every public method may be called from any thread. Lifecycle: construct,
// submit/kill/activate/deactivate, destroy (kills whatever still runs, waiting for its threads).
#pragma once

#include "tempest/topology_api/component_registry.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/package.h"
#include "tempest/topology_api/topology.h"
#include "tempest/worker/stats.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tempest::worker {

enum class topology_status : std::uint8_t { active, inactive, killed };

class local_cluster final : public tempest::submitter {
  public:
    // `daemon_conf` holds defaults for every topology (merged under each topology's conf).
    explicit local_cluster(config daemon_conf = {},
                           component_registry& registry = component_registry::instance());
    ~local_cluster() override;
    local_cluster(const local_cluster&) = delete;
    local_cluster& operator=(const local_cluster&) = delete;

    // Validates, builds every task from the registry and starts the executors. Throws
    // invalid_topology for a bad topology or conf, std::runtime_error if `name` is alive.
    void submit_topology(const std::string& name, const config& conf, const topology& t) override;
    // Deactivates, waits `wait`, then stops every executor (close/cleanup called) and returns
    // once all of its threads have ended. Throws std::runtime_error for an unknown name.
    void kill_topology(const std::string& name,
                       std::chrono::milliseconds wait = std::chrono::milliseconds(0));
    // Calls the spouts' activate()/deactivate(); while inactive next_tuple() is not called.
    void activate(const std::string& name);
    void deactivate(const std::string& name);

    std::vector<std::string> topology_names() const;
    topology_status status(const std::string& name) const;
    std::vector<component_stats> stats(const std::string& name) const;
    // Per executor, in plan order: its running totals, time backpressured and queue figures.
    std::vector<executor_totals> totals(const std::string& name) const;
    std::vector<error_record> errors(const std::string& name) const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::worker
