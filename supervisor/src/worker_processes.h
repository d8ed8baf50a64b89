// SPDX-License-Identifier: Apache-2.0
// worker_processes: sync-processes, the supervisor's third loop — the worker processes of this
// node, each tracked from launch (or from an earlier supervisor run) to its end. One pass reads
// each worker's heartbeat, classifies it (classify_worker), kills disallowed, timed-out and
// duplicate workers (SIGTERM to the process group, SIGKILL after the shutdown sleep), removes
// the dead ones' directories and launches a worker for every assigned port without one.
//
//   local assignment ──▶ sync(assigned) ──▶ kill / launch ──▶ workers/<worker-id>/
//                              ▲                                    │ pid, launch.json
//                              └──────── heartbeat (the worker) ◀───┘
//
// Owned by the supervisor's impl; not thread-safe: the supervisor calls it with its pass mutex
// held. Destroying it leaves the workers running (a later supervisor adopts them).
#pragma once

#include "tempest/supervisor/local_assignment.h"
#include "tempest/supervisor/supervisor.h"
#include "tempest/supervisor/worker_state.h"

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tempest::supervisor::detail {

class worker_processes {
  public:
    // How workers are launched and judged; fixed by the supervisor's constructor (the
    // supervisor id comes later, at start()).
    struct settings {
        std::filesystem::path local_dir;    // storm.local.dir, absolute
        std::filesystem::path workers_dir;  // <local_dir>/workers
        std::filesystem::path log_dir;      // tempest.log.dir, absolute
        std::vector<std::string> worker_command;
        std::optional<std::string> config_file;  // passed through to workers
        std::vector<std::string> overrides;      // passed through to workers
        worker_timeouts timeouts;
        std::chrono::milliseconds shutdown_sleep{};  // SIGTERM -> SIGKILL
    };

    explicit worker_processes(settings s) : _settings(std::move(s)) {}

    // Fills in what start() learns: the supervisor id and the default worker command.
    void set_supervisor_id(std::string id) { _supervisor_id = std::move(id); }
    void set_worker_command(std::vector<std::string> command) {
        _settings.worker_command = std::move(command);
    }
    const std::vector<std::string>& worker_command() const { return _settings.worker_command; }

    // Forgets what it tracked and adopts the workers found in workers/ (an earlier run's).
    void find_existing();

    // One sync-processes pass against `assigned` (see the file comment). Blocks while killed
    // workers exit (at most the shutdown sleep plus 5 s).
    void sync(const port_assignments& assigned);

    // The topologies tracked workers run (their code must stay).
    std::set<std::string> topologies() const;

    // The workers as of the last pass (sorted by port, then worker id), and the ports of those
    // valid or starting.
    std::vector<worker_summary> summaries() const;
    std::vector<int> used_ports() const;

  private:
    // A worker this supervisor knows of (launched by it, or found in workers/ at start).
    struct tracked_worker {
        std::string id;
        worker_launch launch;
        pid_t pid = 0;
        bool exited = false;
        std::optional<worker_state> last_state;
        int port = 0;  // the slot it occupies, as of the last classification
        // Since when its heartbeat has listed other executors than its slot's assignment (it
        // is taking a change in place); unset while they agree.
        std::optional<std::int64_t> differs_since_ms;
    };

    bool process_alive(tracked_worker& w);
    void signal_worker(const tracked_worker& w, int sig);
    void kill_workers(const std::vector<std::string>& ids);
    void launch_worker(int port, const local_assignment& la);

    settings _settings;
    std::string _supervisor_id;
    std::map<std::string, tracked_worker> _tracked;  // worker id -> ...
};

}  // namespace tempest::supervisor::detail
