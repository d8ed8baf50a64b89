// SPDX-License-Identifier: Apache-2.0
// topology_runtime: the executors of one topology in one process, and the queues between them.
// Local mode runs every task in one runtime; a cluster worker runs its assigned tasks.
//
//   spout executor ──ring──▶ bolt executor ──ring──▶ bolt executor
//         ▲   └──ring──▶ acker executor ◀──ring──┘        │
//         └──────ring────────┘  ◀──────────ring───────────┘ (acks)
//
// Each executor is one thread running one or more tasks of one component. Every pair of
// executors that can exchange tuples has one single-producer/single-consumer ring, so the emit
// path takes no lock. Owned by its creator; start() once, stop() (or the destructor) joins every
// thread after calling close()/cleanup() on the tasks.
//
// A cluster worker whose executors change (a rebalance, orphans of a lost node) calls
// reassign() with the plan of its new task list: the executors, rings and transport are built
// again around the same component instances, so the tasks that stay keep their state.
//
//   generation 1: plan(tasks A) ─ executors, rings, remote_io ─┐ pause spouts, drain (bounded),
//                                                               │ detach: kept tasks stay open,
//                                                               │ removed ones close
//   generation 2: plan(tasks B) ─ executors, rings, remote_io ◀─┘ kept tasks + added ones
#pragma once

#include "tempest/topology_api/component_registry.h"
#include "tempest/worker/remote_options.h"  // remote_options, task_endpoint, remote_stats
#include "tempest/worker/stats.h"
#include "tempest/worker/topology_plan.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tempest::worker {

class topology_runtime {
  public:
    // Builds every task of `plan` that runs in this worker from `registry` (each task its own
    // instance). Throws invalid_topology when a component cannot be built.
    // With `remote`, the tasks the plan places outside this worker are reached over TCP (call
    // set_task_endpoints() to say where) and tuples for this worker's tasks are accepted on
    // remote->port.
    topology_runtime(std::shared_ptr<const topology_plan> plan, const component_registry& registry,
                     std::optional<remote_options> remote = std::nullopt);
    ~topology_runtime();
    topology_runtime(const topology_runtime&) = delete;
    topology_runtime& operator=(const topology_runtime&) = delete;

    // Starts the executor threads (and, with remote options, listens); spouts start active.
    // Throws std::runtime_error when the remote port cannot be bound.
    void start();
    // The port remote tuples are accepted on (after start()); 0 without remote options.
    std::uint16_t port() const;
    // Where each task runs (index = task id, [0] unused); entries of this worker's own tasks are
    // ignored. May be called at any time, again when the assignment changes (reassign() hands
    // the last one to its new transport). No-op without remote options.
    void set_task_endpoints(std::vector<task_endpoint> endpoints);
    // Summed over every transport this runtime had (reassign() starts a new one).
    remote_stats remote() const;
    // Activates or deactivates the spouts and returns once every spout executor has applied it
    // (its spouts' activate()/deactivate() returned), or after `timeout`.
    bool set_active(bool active, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    bool active() const;
    // Stops every executor and joins its thread; close()/cleanup() run on the executor threads.
    void stop();

    // What reassign() did.
    struct reassign_report {
        bool applied = false;  // the runtime now runs the new plan
        bool running = true;   // false: it failed after its executors stopped; stop() it and exit
        std::string error;     // why it was not applied (one line)
        std::size_t kept = 0;  // tasks that stayed (their component instances and state too)
        std::size_t added = 0;
        std::size_t removed = 0;  // closed or cleaned up on their own threads
        // Tuples left in the old executors' input queues when they stopped: dropped, so the
        // messages they belong to time out and reliable spouts replay them.
        std::uint64_t dropped = 0;
        std::chrono::milliseconds drained{0};  // spent letting the queues drain
        std::chrono::milliseconds paused{0};   // the spouts emitted nothing, in total
    };
    // Runs `next` instead of the current plan, in place, keeping the running component instances
    // of the tasks both plans place in this worker. `next` must be a plan of the same topology
    // (the same components, streams and task ids; only the executors and which tasks run here
    // may differ). In order:
    //   1. builds the spouts and bolts of the tasks `next` adds (one that cannot be built: not
    //      applied, running on as before);
    //   2. pauses the spouts (no next_tuple(); no user code is told) and lets the input queues
    //      drain until they are empty or `drain` has passed;
    //   3. stops taking tuples from other workers, ends the executor threads: the tasks that
    //      leave run close()/cleanup() on their own threads, the others stay open; stops the
    //      transport (its server port is kept for the next one);
    //   4. builds the executors of `next` around the kept tasks (their components, collectors,
    //      contexts, counters, pending messages and acker tables) and the new ones, the rings
    //      between them and a new transport on the same port (last set_task_endpoints() kept);
    //   5. starts them: new tasks open()/prepare() (and activate, if the topology is active),
    //      kept ones carry on; the spouts resume.
    // Tuples in the queues, the transport and the overflow lists when the threads stop are
    // lost (acking replays them); connections from other workers reconnect. Plans are kept
    // alive until the runtime goes: tuples a bolt holds point at their plan's schemas.
    // Requires: started and not stopped; the caller's thread is the one that calls the stats
    // and control methods (they are not safe against it).
    reassign_report reassign(std::shared_ptr<const topology_plan> next,
                             const component_registry& registry,
                             std::chrono::milliseconds drain = std::chrono::milliseconds(500));

    const topology_plan& plan() const;
    std::vector<component_stats> stats() const;
    // Per executor of this worker, in plan order.
    std::vector<executor_stats> stats_by_executor() const;
    // Per executor of this worker, in plan order: its running totals per figure and stream.
    // Safe from any thread while running (each counter has a single writer, its executor).
    std::vector<executor_totals> totals() const;
    std::vector<error_record> errors() const;

    // ---- for the worker's heartbeat (worker_process), any thread ----
    // The user metrics every task of this runtime registers through its topology_context.
    // Gauges' functions refer to tasks: read them only while the runtime runs, and only those
    // of the tasks plan() places here (after reassign(), the registry still lists the metrics
    // of tasks that left, whose gauges must not be called).
    std::shared_ptr<metric_registry> metrics() const;
    // Errors reported after those `cursor` covered (0: from the first), oldest first; the
    // returned cursor covers them. `missed`: reported since but no longer kept (the newest
    // 1000 are kept).
    struct error_batch {
        std::vector<error_record> errors;
        std::uint64_t cursor = 0;
        std::uint64_t missed = 0;
    };
    error_batch errors_since(std::uint64_t cursor) const;
    // The transport's connections (remote_io.h); empty without remote options or before
    // start(). Requires: start() happened before on this thread or one synchronised with it.
    std::vector<connection_stats> connections() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::worker
