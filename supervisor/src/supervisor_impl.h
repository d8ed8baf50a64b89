// SPDX-License-Identifier: Apache-2.0
// The supervisor's state and loops (private to supervisor/src), one object split over files by
// concern, as the loops of supervisor.h:
//   supervisor.cc            config checks, start/stop, the public getters
//   supervisor_heartbeat.cc  identity, registration, the heartbeat loop, session renewal
//   supervisor_sync.cc       the sync loop, sync-supervisor (assignments, code), unused code
//   worker_processes.cc      sync-processes (its own class, worker_processes)
// Locks: pass_mu serialises the passes (and guards what they own); status_mu guards what the
// getters and the heartbeat read; watch_mu the armed watches; loop_mu the loop flags. No lock is
// taken while another is held except status_mu under pass_mu.
#pragma once

#include "tempest/common/cluster_records.h"
#include "tempest/common/versioned_node.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_config.h"
#include "tempest/common/zk_paths.h"
#include "tempest/common/zk_session_holder.h"
#include "tempest/supervisor/supervisor.h"
#include "worker_processes.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tempest::supervisor {

struct supervisor::impl {
    using steady = std::chrono::steady_clock;

    config conf;
    supervisor_options options;

    // Settings, fixed by the constructor.
    std::filesystem::path local_dir, state_dir, stormdist_dir, assignment_file;
    std::string hostname;
    std::vector<int> slots;
    std::chrono::milliseconds heartbeat_period{}, sync_period{}, monitor_period{};
    code_fetcher fetch;
    common::zk_options zk;
    common::zk_paths paths{"/"};

    // Set by start().
    std::string id;
    steady::time_point started_at;
    common::zk_session_holder state;
    bool started = false;  // guarded by the public API's caller (start/stop are not concurrent)

    // The passes' state; pass_mu serialises the passes.
    std::mutex pass_mu;
    port_assignments assigned;                          // Requires: pass_mu held
    std::optional<detail::worker_processes> processes;  // set by the constructor; pass_mu held
    // Each listed topology's assignment node and its decoded record as last read: a sync reads
    // an assignment's data again only when the node's version changed. Requires: pass_mu held.
    struct cached_assignment {
        common::versioned_node node;
        common::assignment record;
        bool readable = false;  // the record decoded
    };
    std::map<std::string, cached_assignment> assignment_cache;

    // What the public getters and the heartbeat read.
    mutable std::mutex status_mu;  // guards the three below
    port_assignments assigned_status;
    std::vector<worker_summary> workers_status;
    std::vector<int> used_status;

    // Watches currently armed ("c:" / "d:" + path), so each is armed once until it fires.
    std::mutex watch_mu;  // guards watched
    std::set<std::string> watched;

    // Loop control.
    std::mutex loop_mu;  // guards the three flags
    std::condition_variable loop_cv;
    bool stopping = false;
    bool sync_requested = false;
    bool renew_requested = false;
    std::thread heartbeat_thread;
    std::thread sync_thread;

    // Wakes the sync loop for a sync-supervisor pass. Any thread.
    void request_sync();
    // A watcher that requests a sync, or none when `key` is armed already. Any thread.
    common::watcher arm(const std::string& key);
    // Forgets `key` (its read failed, so no watch was set). Any thread.
    void disarm(const std::string& key);

    // supervisor_heartbeat.cc
    std::string load_or_create_id();
    common::supervisor_record current_info();  // the record to write now
    void register_on(common::cluster_state& s);
    void write_heartbeat();
    bool renew_session();
    void heartbeat_loop();

    // supervisor_sync.cc
    void sync_loop();
    std::optional<std::map<std::string, common::assignment>> read_assignments();
    void sync_supervisor();     // Requires: pass_mu held
    void sync_processes();      // Requires: pass_mu held
    void remove_unused_code();  // Requires: pass_mu held
    void publish_status();      // Requires: pass_mu held
};

namespace detail {

// Unix time in milliseconds.
std::int64_t now_ms();

// "6700,6701": ports for log lines.
std::string join_ints(const std::vector<int>& v);

}  // namespace detail

}  // namespace tempest::supervisor
