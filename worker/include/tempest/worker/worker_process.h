// SPDX-License-Identifier: Apache-2.0
// worker_process: one worker of a cluster topology on one slot, around a topology_runtime — what
// `tempest worker` runs, started by a supervisor.
//
//   <storm.local.dir>/supervisor/stormdist/<topology-id>/   stormjar.so, stormcode.ser,
//                                                           stormconf.json (the supervisor's copy)
//   ZooKeeper storms/<topology-id>, assignments/<topology-id>   stat every heartbeat period,
//                                                               data read when changed
//   <storm.local.dir>/workers/<worker-id>/heartbeat             LocalWorkerHeartbeatRecord
//   ZooKeeper workerbeats/<topology-id>/<node>-<port>           WorkerHeartbeatRecord: windowed
//                                                               stats, metrics (docs/METRICS.md)
//   ZooKeeper errors/<topology-id>/<component>/e<sequence>      ErrorInfo, the newest 10 kept
//
// start() loads the package, rebuilds the topology exactly as Nimbus laid it out (the parallelism
// of the topology record, the daemon config under the topology's), builds the executors the
// assignment gives this slot and listens on the slot's port. tick(), called every
// worker.heartbeat.frequency.secs, writes the local heartbeat and the errors reported since the
// last tick, and every task.heartbeat.frequency.secs the cluster heartbeat (throttled per executor,
// process/error_writer.h), follows the topology's status (active/inactive) and moves of other
// workers' executors, takes a change of this slot's own executors in place
// (topology_runtime::reassign: the tasks that stay keep running with their state), and says when
// to exit: the assignment is gone (topology killed), gives this slot nothing, or gives it
// executors it cannot take in place (the supervisor then starts a fresh worker for them; see
// docs/ARCHITECTURE.md, "Scheduling, and what still needs a fresh worker process").
// stop() deactivates the spouts, lets in-flight tuples drain for a bounded time and stops.
// Single-threaded: one owner drives it.
#pragma once

#include "tempest/topology_api/config.h"

#include <chrono>
#include <memory>
#include <string>

namespace tempest::worker {

struct worker_identity {
    std::string topology_id;
    std::string supervisor_id;  // the node id in the assignment
    int port = 0;
    std::string worker_id;  // names its local state folder
};

class worker_process {
  public:
    // `daemon_conf`: the node's config as the supervisor passed it (storm.local.dir absolute).
    worker_process(config daemon_conf, worker_identity id);
    ~worker_process();  // stop()
    worker_process(const worker_process&) = delete;
    worker_process& operator=(const worker_process&) = delete;

    // Connects to ZooKeeper, loads the code, builds and starts the executors, writes the first
    // heartbeats. Returns false (having logged why) when there is nothing to run: the topology
    // or this slot's assignment is gone. Throws std::runtime_error naming the problem when the
    // worker cannot run (missing or corrupt code, a layout that disagrees with the assignment,
    // the port in use, ZooKeeper unreachable).
    bool start();
    // One heartbeat period's work. Returns false when the worker should exit.
    bool tick();
    // Deactivates, drains (at most `drain`), stops the executors. Idempotent.
    void stop(std::chrono::milliseconds drain = std::chrono::seconds(2));

    std::chrono::milliseconds heartbeat_period() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::worker
