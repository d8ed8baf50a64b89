// SPDX-License-Identifier: Apache-2.0
// The scheduling round (see assignment_monitor.h).
#include "assignment_monitor.h"

#include "logger.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <map>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace tempest::nimbus {

namespace {

[[noreturn]] void throw_state_error(const std::string& what, std::error_code ec) {
    throw std::runtime_error("cluster state: " + what + ": " + ec.message());
}

std::string executor_list(const std::vector<executor_id>& executors) {
    std::string out;
    for (const auto& e : executors) {
        out += out.empty() ? "[" : ", ";
        out += std::to_string(e.start_task) + "-" + std::to_string(e.end_task);
    }
    return out + "]";
}

}  // namespace

assignment_monitor::assignment_monitor(common::cluster_state& state, topology_store& store,
                                       timeouts t, nimbus_clocks clocks)
    : _state(state), _store(store), _timeouts(t), _clocks(std::move(clocks)) {}

void assignment_monitor::set_clocks(nimbus_clocks clocks) {
    if (clocks.steady) {
        _clocks.steady = std::move(clocks.steady);
    }
    if (clocks.unix_secs) {
        _clocks.unix_secs = std::move(clocks.unix_secs);
    }
}

std::vector<supervisor_offer> assignment_monitor::live_supervisors() {
    const auto& paths = _store.paths();
    std::vector<supervisor_offer> supervisors;
    auto now = _clocks.steady();
    std::set<std::string> timed_out;
    if (auto ids = _state.children(paths.supervisors()); ids) {
        for (const auto& sid : *ids) {
            auto data = _state.get(paths.supervisor(sid));
            if (!data) {
                if (data.error() != common::errc::no_node) {
                    throw_state_error("reading " + paths.supervisor(sid), data.error());
                }
                continue;  // vanished meanwhile
            }
            auto unchanged = _supervisor_beats.observe(sid, heartbeat_tracker::of(*data), now);
            auto sup = thrift::decode_supervisor_record(data->data);
            if (!sup) {
                log().warn("unreadable supervisor record {}: {}", sid, sup.error().message());
                continue;
            }
            if (unchanged >= _timeouts.supervisor_timeout) {
                timed_out.insert(sid);
                if (!_timed_out_supervisors.contains(sid)) {
                    log().warn(
                        "supervisor {} ({}) has not updated its heartbeat for {} s "
                        "(nimbus.supervisor.timeout.secs = {}): treating it as gone, its "
                        "executors move",
                        sid, sup->hostname,
                        std::chrono::duration_cast<std::chrono::seconds>(unchanged).count(),
                        _timeouts.supervisor_timeout.count());
                }
                continue;
            }
            supervisors.push_back({sup->supervisor_id, sup->hostname, sup->ports});
        }
    } else if (ids.error() != common::errc::no_node) {
        throw_state_error("listing " + paths.supervisors(), ids.error());
    }
    for (const auto& sid : _timed_out_supervisors) {
        if (!timed_out.contains(sid)) {
            log().info("supervisor {} is no longer timed out (heartbeat again, or gone)", sid);
        }
    }
    _timed_out_supervisors = std::move(timed_out);
    _supervisor_beats.sweep();
    return supervisors;
}

std::set<worker_slot> assignment_monitor::dead_slots(const std::string& id, const assignment& a,
                                                     const std::set<std::string>& offered) {
    std::map<worker_slot, std::vector<executor_id>> on_slot;
    for (const auto& [e, slot] : a.executor_slot) {
        on_slot[slot].push_back(e);
    }
    auto now = _clocks.steady();
    auto now_unix = _clocks.unix_secs();
    std::set<worker_slot> dead;
    for (const auto& [slot, executors] : on_slot) {
        if (!offered.contains(slot.node)) {
            continue;  // its supervisor is gone: everything there moves anyway
        }
        auto path = _store.paths().workerbeat(id, slot.node, slot.port);
        std::optional<heartbeat_tracker::clock::duration> unchanged;
        // The stat, not the data: whether the worker rewrote it is all that counts here.
        if (auto stat = _state.exists(path); !stat) {
            throw_state_error("reading " + path, stat.error());
        } else if (*stat) {
            unchanged =
                _worker_beats.observe(id + "/" + slot.node + "-" + std::to_string(slot.port),
                                      heartbeat_tracker::of(**stat), now);
        }
        if (unchanged && *unchanged < _timeouts.task_timeout) {
            continue;
        }
        std::vector<executor_id> expired;
        for (const auto& e : executors) {
            auto st = a.start_time_secs.find(e);
            // Without a start time the scheduler stamps it now: it counts as just placed.
            bool launching =
                st == a.start_time_secs.end() || now_unix - st->second < _timeouts.task_launch_secs;
            if (!launching) {
                expired.push_back(e);
            }
        }
        if (expired.empty()) {
            continue;
        }
        dead.insert(slot);
        std::string why =
            unchanged
                ? "heartbeat unchanged for " +
                      std::to_string(
                          std::chrono::duration_cast<std::chrono::seconds>(*unchanged).count()) +
                      " s (nimbus.task.timeout.secs = " +
                      std::to_string(_timeouts.task_timeout.count()) + ")"
                : std::string("no heartbeat");
        log().warn(
            "topology {}: executors {} on {}:{} ({}) are dead: {} and placed at least "
            "nimbus.task.launch.secs = {} s ago; moving all {} executors of that slot",
            id, executor_list(expired), slot.node, slot.port,
            a.node_host.contains(slot.node) ? a.node_host.at(slot.node) : slot.node, why,
            _timeouts.task_launch_secs, executors.size());
    }
    return dead;
}

int assignment_monitor::reschedule(const std::string* rebalanced) {
    const auto& paths = _store.paths();
    auto storms = _store.read_all();
    std::vector<topology_request> requests;
    for (const auto& [id, base] : storms) {
        try {
            bool rebalance = rebalanced != nullptr && *rebalanced == id;
            requests.push_back(
                {id, std::max(1, base.num_workers), _store.executors(id, base), {}, rebalance});
        } catch (const std::exception& e) {
            log().warn("cannot schedule topology {}: {}", id, e.what());
        }
    }
    std::vector<supervisor_offer> supervisors = live_supervisors();
    std::set<std::string> offered;
    for (const auto& s : supervisors) {
        offered.insert(s.node);
    }
    std::map<std::string, assignment> existing;
    std::set<std::string> recorded;
    // Each assignment is read again only when its node changed: one stat per topology and
    // round otherwise (a 2,100-executor assignment is 187 KB).
    std::erase_if(_assignments, [&](const auto& e) { return !storms.contains(e.first); });
    for (const auto& [id, base] : storms) {
        auto& cached = record_of(id);
        auto changed = cached.node.refresh(_state);
        if (!changed) {
            if (changed.error() == common::errc::no_node) {
                continue;
            }
            throw_state_error("reading " + paths.assignment(id), changed.error());
        }
        recorded.insert(id);
        if (*changed) {
            auto a = thrift::decode_assignment(cached.node.current()->data);
            cached.schedule = a ? std::optional(to_schedule(*a)) : std::nullopt;
        }
        if (cached.schedule) {
            existing[id] = *cached.schedule;
        }
    }
    for (auto& t : requests) {
        if (auto it = existing.find(t.id); it != existing.end()) {
            t.dead_slots = dead_slots(t.id, it->second, offered);
        }
    }
    _worker_beats.sweep();
    remove_orphans(storms);
    auto result = schedule(requests, supervisors, existing, _clocks.unix_secs());
    int written = 0;
    for (const auto& [id, a] : result) {
        auto it = existing.find(id);
        const bool unchanged = it != existing.end() && it->second == a && recorded.contains(id);
        const common::assignment record = to_record(a, (_store.stormdist() / id).string());
        // The routes first: a supervisor that starts a worker for this assignment finds routes
        // at least as new. An unchanged assignment gets them when they are missing (written by
        // an older Nimbus) or differ (a Nimbus that stopped between the two writes).
        write_routes(id, record, unchanged);
        if (unchanged) {
            continue;
        }
        auto bytes = thrift::encode(record);
        auto path = paths.assignment(id);
        auto r = recorded.contains(id) ? _state.set(path, bytes).error()
                                       : _state.create(path, bytes).error();
        if (r) {
            throw_state_error("writing " + path, r);
        }
        log().info("assigned topology {}: {} executors on {} workers", id, a.executor_slot.size(),
                   a.slots().size());
        ++written;
    }
    return written;
}

void assignment_monitor::remove_orphans(const std::map<std::string, storm_base>& storms) {
    const auto& paths = _store.paths();
    for (const auto& dir : {paths.assignments(), paths.routes()}) {
        auto ids = _state.children(dir);
        if (!ids) {
            continue;  // a missing folder holds nothing; a failure is retried next round
        }
        for (const auto& id : *ids) {
            if (storms.contains(id)) {
                continue;
            }
            // Only a record that is gone, not one that could not be read (a newer Nimbus'):
            // its topology runs on.
            if (auto record = _state.exists(paths.storm(id)); !record || *record) {
                continue;
            }
            // Left by a kill whose removal failed part way (ZooKeeper unreachable for a moment)
            // or by a Nimbus stopped in the middle of one: supervisors would run its workers.
            const auto path = dir + "/" + id;
            if (auto r = common::remove_recursive(_state, path); r) {
                log().info("removed {}: its topology is gone", path);
            } else {
                log().warn("removing {} (its topology is gone): {}", path, r.error().message());
            }
        }
    }
}

assignment_monitor::recorded_assignment& assignment_monitor::record_of(const std::string& id) {
    auto it = _assignments.find(id);
    if (it == _assignments.end()) {
        const auto& paths = _store.paths();
        it = _assignments
                 .emplace(
                     id,
                     recorded_assignment{common::versioned_node(paths.assignment(id)), std::nullopt,
                                         common::versioned_node(paths.routes(id)), std::nullopt})
                 .first;
    }
    return it->second;
}

void assignment_monitor::write_routes(const std::string& id, const common::assignment& record,
                                      bool only_if_stale) {
    const auto path = _store.paths().routes(id);
    auto& cached = record_of(id);
    // Read again only when the node changed since the last round: one stat otherwise.
    auto changed = cached.routes_node.refresh(_state);
    if (!changed && changed.error() != common::errc::no_node) {
        throw_state_error("reading " + path, changed.error());
    }
    const bool present = changed.has_value();
    const common::routes routes = common::routes_of(record);
    if (only_if_stale && present) {
        if (*changed || !cached.routes) {
            auto current = thrift::decode_routes(cached.routes_node.current()->data);
            cached.routes = current ? std::move(*current) : common::routes{};
        }
        if (*cached.routes == routes) {
            return;
        }
    }
    const std::string bytes = thrift::encode(routes);
    auto r = present ? _state.set(path, bytes).error() : _state.create(path, bytes).error();
    if (r) {
        throw_state_error("writing " + path, r);
    }
    cached.routes = routes;  // the next refresh sees our own write as a change and checks it
}

}  // namespace tempest::nimbus
