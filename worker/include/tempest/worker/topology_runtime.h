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
#pragma once

#include "tempest/topology_api/component_registry.h"
#include "tempest/worker/stats.h"
#include "tempest/worker/topology_plan.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tempest::worker {

// A runtime that is one worker of a cluster: where it listens for tuples from other workers and
// how it batches tuples to them (worker/src/remote_io.h).
struct remote_options {
    std::string bind_address = "0.0.0.0";
    std::uint16_t port = 0;  // the worker's slot; 0 = any free port (tests)
    std::size_t batch_bytes = 64 * 1024;
    std::chrono::microseconds flush_interval{1000};
    std::size_t max_queued_frames = 16;  // per peer worker
    // Tuples per destination task a worker may send ahead of the receiver's credit grants
    // (remote_io.h: bounds what a receiver holds beyond its rings).
    std::uint32_t credit_window = 8192;
};

// Where a task of another worker runs; port 0 = not known (its tuples wait).
struct task_endpoint {
    std::string host;
    std::uint16_t port = 0;
    friend bool operator==(const task_endpoint&, const task_endpoint&) = default;
};

struct remote_stats {
    std::uint64_t sent = 0;      // tuples handed to peer workers
    std::uint64_t received = 0;  // tuples received from peer workers
    std::uint64_t dropped = 0;   // received for a task that does not run here
    std::uint64_t rejected_frames = 0;
    std::uint64_t credits_granted = 0;   // credits this worker granted to its senders
    std::uint64_t credits_received = 0;  // credits peers granted to this worker
    std::uint64_t credit_waits = 0;      // times a tuple waited for a peer's credit
    std::size_t connections_in = 0;
};

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
    // ignored. May be called at any time, again when the assignment changes. No-op without
    // remote options.
    void set_task_endpoints(std::vector<task_endpoint> endpoints);
    remote_stats remote() const;
    // Activates or deactivates the spouts and returns once every spout executor has applied it
    // (its spouts' activate()/deactivate() returned), or after `timeout`.
    bool set_active(bool active, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    bool active() const;
    // Stops every executor and joins its thread; close()/cleanup() run on the executor threads.
    void stop();

    const topology_plan& plan() const;
    std::vector<component_stats> stats() const;
    // Per executor of this worker, in plan order.
    std::vector<executor_stats> stats_by_executor() const;
    std::vector<error_record> errors() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::worker
