// SPDX-License-Identifier: Apache-2.0
// nimbus_service: Nimbus without Thrift — the parts that store topologies, move files,
// schedule, carry out delayed actions and replicate code, put together behind one mutex, plus
// the leader check and the background thread. nimbus_handler (the Thrift layer) converts each
// call's types and maps nimbus_error to the IDL's exceptions; nothing here sees a generated type.
//
//   Thrift threads ─▶ nimbus_handler ─▶ nimbus_service ─┬─ topology_store      storms/, stormdist
//                                            ▲          ├─ file_transfers      inbox, downloads
//   background thread (start()) ─────────────┘          ├─ assignment_monitor  assignments/
//     leader:  run_due_actions(), monitor_once()        ├─ delayed_actions     kills, rebalances
//     standby: replicate_code() every second            └─ code_replicator     standby's copies
//
// Threads: every method may be called from any thread. `_mu` serializes topology changes and
// cluster-state writes (the store, the monitor, the delayed actions, the clocks and the leader
// check); file_transfers has its own mutex, taken after `_mu` when both are. start() runs the
// background thread: while leading, the delayed actions when due and the monitor every
// nimbus.monitor.freq.secs; while standing by, code replication every second; on becoming
// leader it resumes the kills and rebalances recorded in storms/, and before each leader's
// round it checks again that it still leads (the lead may go during a long wait). stop() (or the
// destructor) joins it. Tests leave it stopped and call run_due_actions() and monitor_once()
// themselves, with fake clocks (set_clocks). The cluster_state must outlive the service.
#pragma once

#include "assignment_monitor.h"
#include "code_replicator.h"
#include "delayed_actions.h"
#include "file_transfers.h"
#include "nimbus_settings.h"
#include "records.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "topology_store.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tempest::nimbus {

// Where the leading Nimbus serves (host empty when unknown).
struct leader_address {
    std::string host;
    int port = 0;
};

class nimbus_service {
  public:
    // nullopt when this Nimbus leads, else who does.
    using leader_check = std::function<std::optional<leader_address>()>;

    // A submission as the Thrift layer received it, converted. `topology` is nullopt when the
    // wire topology did not convert (`topology_error` says why; refused in validation order).
    struct submission {
        std::string name;
        std::string uploaded_location;
        std::string conf_json;
        std::optional<tempest::topology> topology;
        std::string topology_error;
        std::string code;  // stormcode.ser: the wire topology's binary encoding
        bool inactive = false;
    };

    // `daemon_conf`: the daemon's config (defaults included); storm.local.dir is used unless
    // `local_dir` is given. `paths`: the layout inside `state`. Creates the local directories
    // and the top-level nodes and picks up the pending actions recorded in storms/.
    nimbus_service(common::cluster_state& state, config daemon_conf,
                   std::optional<std::filesystem::path> local_dir, common::zk_paths paths);
    ~nimbus_service();
    nimbus_service(const nimbus_service&) = delete;
    nimbus_service& operator=(const nimbus_service&) = delete;

    void start();
    void stop();

    void set_leader_check(leader_check check);
    void set_clocks(nimbus_clocks clocks);
    // Throws nimbus_error(not_leader) naming the leader when another Nimbus leads.
    void require_leader();

    // Validates a topology, checks that its package registers the classes it names
    // (package_check, in a child process, unless nimbus.package.check is false), stores it and
    // assigns it (topology_store, assignment_monitor); a failing step undoes the earlier ones,
    // so that a failed submission leaves no record, assignment or code and its upload stays in
    // the inbox for a retry. Returns the id. Throws nimbus_error, or std::runtime_error when
    // the cluster state, the disk or the package check itself fails.
    std::string submit(const submission& s);
    bool is_name_allowed(const std::string& name);
    void kill(const std::string& name, std::optional<int> wait_secs);
    // Activates or deactivates; a topology being killed ignores it, a rebalancing one applies
    // it when the rebalance ends.
    void set_active(const std::string& name, bool active);
    void rebalance(const std::string& name, rebalance_options req);

    // Uploads (leader only) and downloads (file_transfers).
    std::string begin_upload();
    file_transfers& files() noexcept { return _files; }

    int run_due_actions(std::chrono::steady_clock::time_point now);
    // A monitor round: reschedule everything, remove uploads older than an hour.
    int monitor_once();
    // A standby round: copy the code of the Nimbus at host:port (code_replicator with
    // nimbus_code_fetcher). Throws std::runtime_error with the first failure.
    int replicate_code(const std::string& host, int port);
    std::size_t pending_actions() const;

    // Queries, each under the mutex.
    std::map<std::string, storm_base> topologies();
    std::optional<storm_base> topology(const std::string& id);
    // Throws nimbus_error(not_alive).
    std::pair<std::string, storm_base> find_alive(const std::string& name);
    std::optional<common::assignment> assignment_of(const std::string& id);
    // Throws nimbus_error(not_alive) when there is no such topology.
    std::shared_ptr<const stored_topology> stored(const std::string& id);
    // The task layout of `id`; empty (and logged) when its code cannot be read.
    std::vector<common::component_layout> layout(const std::string& id, const storm_base& base);
    std::vector<supervisor_record> supervisors();

    // Unix seconds by the injected clock (set_clocks): what query answers measure ages with.
    std::int64_t unix_now_secs() const;

    const config& daemon_conf() const noexcept { return _conf; }
    const nimbus_settings& settings() const noexcept { return _settings; }
    const common::zk_paths& paths() const noexcept { return _paths; }
    common::cluster_state& state() noexcept { return _state; }

  private:
    void background_loop();

    common::cluster_state& _state;
    const config _conf;
    const common::zk_paths _paths;
    const nimbus_settings _settings;

    // Guards the parts below (but _files), _clocks, _leader_check and _stopping.
    mutable std::mutex _mu;
    nimbus_clocks _clocks;
    leader_check _leader_check;
    topology_store _store;
    file_transfers _files;
    assignment_monitor _monitor;
    delayed_actions _actions;
    code_replicator _replicator;

    std::condition_variable _wake;  // with _mu: a new action, a new leader check, or stop
    bool _stopping = false;
    std::thread _thread;
};

}  // namespace tempest::nimbus
