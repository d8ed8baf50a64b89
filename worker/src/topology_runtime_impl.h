// SPDX-License-Identifier: Apache-2.0
// topology_runtime::impl: what a running topology holds (the plan, the executors, the rings
// between them, the transport), shared by topology_runtime.cc (building, starting, stopping, a
// change of executors) and topology_runtime_stats.cc (summing the executors' statistics).
// Private to worker/src.
#pragma once

#include "executor/executor.h"
#include "remote_io.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/topology_runtime.h"

#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace tempest::worker {

struct topology_runtime::impl {
    std::shared_ptr<const topology_plan> plan;
    shared_state shared;
    std::vector<std::unique_ptr<spsc_ring<tuple>>> rings;
    std::vector<std::unique_ptr<executor>> executors;
    std::vector<std::thread> threads;
    std::optional<remote_options> remote_opts;  // a cluster worker's; port fixed once bound
    std::unique_ptr<remote_io> remote;          // null in local mode
    std::optional<std::vector<task_endpoint>> endpoints;  // the last set_task_endpoints()
    remote_stats retired_remote;  // summed over the transports of earlier generations
    // Plans of earlier generations: tuples a bolt still holds point at their schemas.
    std::vector<std::shared_ptr<const topology_plan>> retired_plans;
    bool started = false;
    bool stopped = false;

    // Builds the executors of `plan` (tasks from `handover` first, when given), the rings
    // between them and, with remote options, the transport. Throws invalid_topology when a
    // component cannot be built.
    void build(const component_registry& registry, task_handover* handover);
    // Starts the transport (throws std::runtime_error when its port cannot be bound), then one
    // thread per executor.
    void start_threads();
};

}  // namespace tempest::worker
