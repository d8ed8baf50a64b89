// SPDX-License-Identifier: Apache-2.0
// supervisor: the daemon of one node (`tempest supervisor`), Storm's supervisor as an object. It
// registers the node in ZooKeeper, turns Nimbus' assignments into local worker processes, and
// keeps them running.
//
//            ZooKeeper assignments/ (watched)            Nimbus (Thrift file download)
//                      │                                       │
//   sync-supervisor ───┴── local assignment (port → topology, executors) ── stormdist/<tid>/
//          │ (every supervisor.sync.frequency.secs, early on a watch)
//          ▼
//   sync-processes (every supervisor.monitor.frequency.secs): read workers' heartbeats,
//          kill disallowed / timed-out / dead workers, launch missing ones
//
//   heartbeat (every supervisor.heartbeat.frequency.secs): supervisors/<id> (ephemeral
//          SupervisorRecord), re-created in a new session after a session expiry
//
// Local state under <storm.local.dir> (made absolute):
//   supervisor/supervisor-id              this node's id, kept across restarts
//   supervisor/local-assignment.json      the last local assignment (written atomically)
//   supervisor/stormdist/<topology-id>/   stormjar.so, stormcode.ser, stormconf.json
//   workers/<worker-id>/pid               the worker's pid, written right after it is started
//   workers/<worker-id>/launch.json       topology, port and launch time (supervisor's own)
//   workers/<worker-id>/heartbeat         LocalWorkerHeartbeatRecord, written by the worker
//
// Threads: start() runs two threads — the heartbeat thread (heartbeats, ZooKeeper session
// renewal) and the sync thread (both sync passes; ZooKeeper watches only wake it). The passes
// are serialised by a mutex, so sync_supervisor_now()/sync_processes_now() may run them from any
// thread. stop() (or the destructor) ends both threads and the ZooKeeper session, and leaves the
// workers running; a supervisor started later on the same local dir adopts them.
#pragma once

#include "tempest/common/code_install.h"
#include "tempest/supervisor/local_assignment.h"
#include "tempest/supervisor/worker_state.h"
#include "tempest/topology_api/config.h"

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tempest::supervisor {

// Fetches one file of a topology's code (see common::code_file_fetcher: "<topology-id>/<file>"
// into a path of a temporary directory). The supervisor installs the code only when all files
// came and the package matches the SHA-256 recorded beside it.
using code_fetcher = common::code_file_fetcher;

struct supervisor_options {
    // Passed through to workers (the supervisor's own --config and -c options).
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
    // argv prefix of a worker; empty means default_worker_command() (`<this binary> worker`).
    std::vector<std::string> worker_command;
    // How topology code is fetched; empty means from Nimbus (nimbus.seeds, nimbus.thrift.port).
    code_fetcher fetch_code;
};

// A worker as sync-processes last saw it.
struct worker_summary {
    std::string worker_id;
    std::string topology_id;
    int port = 0;
    pid_t pid = 0;
    worker_state state = worker_state::not_started;
};

class supervisor {
  public:
    // Reads and checks the config (slots, intervals, local dir); creates nothing yet. Throws
    // std::invalid_argument naming the bad key (no slots, a port outside 1..65535, a duplicate
    // port, a non-positive interval).
    supervisor(config daemon_conf, supervisor_options options = {});
    ~supervisor();
    supervisor(const supervisor&) = delete;
    supervisor& operator=(const supervisor&) = delete;

    // Creates the local state dirs, reads or creates the supervisor id, finds the workers left by
    // an earlier run, connects to ZooKeeper, registers supervisors/<id> and starts the loops (the
    // first sync-supervisor runs at once). Throws std::runtime_error naming what failed.
    void start();
    // Stops the loops and closes the ZooKeeper session; workers keep running. Idempotent.
    void stop();

    const std::string& id() const;  // Requires: start() was called.
    const std::string& hostname() const noexcept;
    const std::filesystem::path& local_dir() const noexcept;  // absolute storm.local.dir
    const std::vector<int>& slots() const noexcept;           // supervisor.slots.ports, sorted
    // Slots with a valid or starting worker, and the others (sorted).
    std::vector<int> used_ports() const;
    std::vector<int> free_ports() const;
    // The current local assignment.
    port_assignments assignment() const;
    // Workers as of the last sync-processes (sorted by port, then worker id).
    std::vector<worker_summary> workers() const;

    // Runs one sync-supervisor pass (which runs sync-processes) / one sync-processes pass now, on
    // the calling thread. Requires: started.
    void sync_supervisor_now();
    void sync_processes_now();

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::supervisor
