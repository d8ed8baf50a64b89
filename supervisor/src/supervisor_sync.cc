// SPDX-License-Identifier: Apache-2.0
// The supervisor's sync loop: sync-supervisor (assignments -> local assignment, code download)
// every supervisor.sync.frequency.secs or when a watch fires, sync-processes every
// supervisor.monitor.frequency.secs, and the removal of code no longer used (see
// supervisor_impl.h; sync-processes itself is worker_processes.cc).
#include "logger.h"
#include "supervisor_impl.h"
#include "tempest/common/code_install.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <algorithm>
#include <system_error>

namespace tempest::supervisor {

namespace fs = std::filesystem;
using detail::log;
using steady = std::chrono::steady_clock;

void supervisor::impl::request_sync() {
    {
        std::scoped_lock lock(loop_mu);
        sync_requested = true;
    }
    loop_cv.notify_all();
}

common::watcher supervisor::impl::arm(const std::string& key) {
    std::scoped_lock lock(watch_mu);
    if (!watched.insert(key).second) {
        return nullptr;
    }
    return [this, key](const common::watch_event&) {
        {
            std::scoped_lock l(watch_mu);
            watched.erase(key);
        }
        request_sync();
    };
}

void supervisor::impl::disarm(const std::string& key) {
    std::scoped_lock lock(watch_mu);
    watched.erase(key);
}

void supervisor::impl::sync_loop() {
    auto next_sync = steady::now();
    auto next_monitor = steady::now() + monitor_period;
    std::unique_lock lock(loop_mu);
    while (!stopping) {
        loop_cv.wait_until(lock, std::min(next_sync, next_monitor),
                           [this] { return stopping || sync_requested; });
        if (stopping) {
            break;
        }
        const bool full = sync_requested || steady::now() >= next_sync;
        const bool monitor = steady::now() >= next_monitor;
        sync_requested = false;
        lock.unlock();
        try {
            std::scoped_lock pass(pass_mu);
            if (full) {
                sync_supervisor();
                next_sync = steady::now() + sync_period;
                next_monitor = steady::now() + monitor_period;
            } else if (monitor) {
                sync_processes();
                next_monitor = steady::now() + monitor_period;
            }
        } catch (const std::exception& e) {
            log().error("sync pass failed (retried at the next tick): {}", e.what());
        }
        lock.lock();
    }
}

std::optional<std::map<std::string, common::assignment>> supervisor::impl::read_assignments() {
    std::map<std::string, common::assignment> out;
    const auto dir = paths.assignments();
    const std::string ckey = "c:" + dir;
    auto ids = state.children(dir, arm(ckey));
    if (!ids) {
        disarm(ckey);
        log().warn("cannot list {}: {}", dir, ids.error().message());
        return std::nullopt;
    }
    // Topologies no longer listed leave the cache.
    std::erase_if(assignment_cache, [&](const auto& entry) {
        return std::find(ids->begin(), ids->end(), entry.first) == ids->end();
    });
    for (const auto& tid : *ids) {
        const auto path = paths.assignment(tid);
        const std::string dkey = "d:" + path;
        auto cached =
            assignment_cache
                .try_emplace(tid, cached_assignment{common::versioned_node(path), {}, false})
                .first;
        auto changed = cached->second.node.refresh(state, arm(dkey));
        if (!changed) {
            disarm(dkey);
            if (changed.error() == common::errc::no_node) {
                assignment_cache.erase(cached);
                continue;  // removed since the listing
            }
            log().warn("cannot read {}: {}", path, changed.error().message());
            return std::nullopt;
        }
        if (*changed) {
            auto record = thrift::decode_assignment(cached->second.node.current()->data);
            cached->second.readable = record.has_value();
            if (record) {
                cached->second.record = std::move(*record);
            } else {
                log().error("assignment {} is unreadable ({}); ignoring it", path,
                            record.error().message());
            }
        }
        if (cached->second.readable) {
            out.emplace(tid, cached->second.record);
        }
    }
    return out;
}

void supervisor::impl::sync_supervisor() {
    auto all = read_assignments();
    if (all) {
        auto wanted = compute_local_assignments(id, *all);
        std::map<std::string, bool> code_ready;
        for (const auto& [port, la] : wanted) {
            if (!code_ready.contains(la.topology_id)) {
                auto installed =
                    common::install_topology_code(stormdist_dir, la.topology_id, fetch);
                if (!installed) {
                    log().warn(
                        "cannot download the code of topology {} (will retry at the next sync): "
                        "{}",
                        la.topology_id, installed.error().message());
                }
                code_ready[la.topology_id] = installed.has_value();
            }
        }
        port_assignments ready;
        for (auto& [port, la] : wanted) {
            if (!std::binary_search(slots.begin(), slots.end(), port)) {
                log().warn(
                    "topology {} is assigned port {}, which is not one of this node's "
                    "slots ({}); running it anyway",
                    la.topology_id, port, detail::join_ints(slots));
            }
            if (code_ready[la.topology_id]) {
                ready.emplace(port, std::move(la));
            }
        }
        if (ready != assigned) {
            for (const auto& [port, la] : ready) {
                auto old = assigned.find(port);
                if (old == assigned.end() || old->second != la) {
                    log().info("port {}: assigned topology {} ({} executors)", port, la.topology_id,
                               la.executors.size());
                }
            }
            for (const auto& [port, la] : assigned) {
                if (!ready.contains(port)) {
                    log().info("port {}: no longer assigned (was topology {})", port,
                               la.topology_id);
                }
            }
            assigned = std::move(ready);
            if (auto w = write_local_assignments(assignment_file, assigned); !w) {
                log().error("cannot write {}: {}", assignment_file.string(), w.error().message());
            }
        }
    }
    sync_processes();
    remove_unused_code();
}

void supervisor::impl::sync_processes() {
    processes->sync(assigned);
    publish_status();
}

void supervisor::impl::remove_unused_code() {
    std::set<std::string> in_use;
    for (const auto& [port, la] : assigned) {
        in_use.insert(la.topology_id);
    }
    in_use.merge(processes->topologies());
    common::remove_partial_installs(stormdist_dir);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(stormdist_dir, ec)) {
        const auto name = entry.path().filename().string();
        if (entry.is_directory() && !in_use.contains(name)) {
            std::error_code rm;
            fs::remove_all(entry.path(), rm);
            log().info("removed the code of topology {}, no longer assigned here", name);
        }
    }
}

void supervisor::impl::publish_status() {
    auto ws = processes->summaries();
    auto used = processes->used_ports();
    std::scoped_lock lock(status_mu);
    workers_status = std::move(ws);
    used_status = std::move(used);
    assigned_status = assigned;
}

}  // namespace tempest::supervisor
