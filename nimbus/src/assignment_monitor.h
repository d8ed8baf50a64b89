// SPDX-License-Identifier: Apache-2.0
// assignment_monitor: Nimbus' scheduling round — which supervisors and executors are alive
// (heartbeat_tracker, by Nimbus' own clock), the even scheduler over them (scheduler.h), and
// the assignments/<id> records it writes, each with its routes/<id> (the compact copy workers
// read, cluster_records.h), written just before it.
//
//   storms/ + stormdist (topology_store) ──┐
//   supervisors/<id>  ─▶ live_supervisors ─┼─▶ schedule() ─▶ routes/<id>, assignments/<id>
//                                          │                 that changed
//   workerbeats/<id>/<node>-<port> ─▶ dead slots
//
// Liveness:
// - a supervisor is live while supervisors/<id> exists and has changed within
//   nimbus.supervisor.timeout.secs; the slots of the others are not offered, so their executors
//   move (a timeout is warned once, its end logged);
// - an executor is alive while its slot's worker heartbeat has changed within
//   nimbus.task.timeout.secs, or it was placed less than nimbus.task.launch.secs ago (its start
//   time in the assignment). A slot with a dead executor is dead for its topology in that round
//   (topology_request::dead_slots): all executors there move; a warning names them and why.
//
// Owned by nimbus_service, which calls reschedule() under its mutex (from Thrift threads on
// submit and rebalance, from its background thread for the monitor): not thread-safe by itself.
// The clocks are injected (tests pass fake ones). No threads, no start/stop.
#pragma once

#include "heartbeat_tracker.h"
#include "nimbus_clocks.h"
#include "tempest/common/cluster_records.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/versioned_node.h"
#include "tempest/common/zk_paths.h"
#include "tempest/nimbus/scheduler.h"
#include "topology_store.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tempest::nimbus {

class assignment_monitor {
  public:
    struct timeouts {
        std::chrono::seconds task_timeout;        // nimbus.task.timeout.secs
        std::int64_t task_launch_secs = 0;        // nimbus.task.launch.secs
        std::chrono::seconds supervisor_timeout;  // nimbus.supervisor.timeout.secs
    };

    // `state` and `store` must outlive the monitor.
    assignment_monitor(common::cluster_state& state, topology_store& store, timeouts t,
                       nimbus_clocks clocks);

    void set_clocks(nimbus_clocks clocks);

    // Reschedules every topology in storms/ against the live supervisors and executors and
    // writes the assignments that changed (or were missing), each after its routes; routes
    // missing or differing beside an unchanged assignment are written again, and assignments and
    // routes of topologies without a storms/ record (a kill's removal that failed part way) are
    // removed, as Storm's Nimbus cleans up. `rebalanced` names a
    // topology to bring to its even layout with the fewest moves (topology_request::rebalance);
    // every other one only has its orphans placed. Returns how many were written. Throws
    // std::runtime_error when the cluster state fails.
    int reschedule(const std::string* rebalanced = nullptr);

    // The supervisors to offer slots of (see the class comment).
    std::vector<supervisor_offer> live_supervisors();
    // The slots of `a` (topology `id`) holding an executor that is not alive, among the slots
    // of `offered` supervisors; logs each at warn.
    std::set<worker_slot> dead_slots(const std::string& id, const assignment& a,
                                     const std::set<std::string>& offered);

  private:
    // Removes the assignments and routes of topologies that have no storms/ record.
    void remove_orphans(const std::map<std::string, storm_base>& storms);
    // Writes routes/<id> for `record`; with `only_if_stale`, only when the node is missing or
    // holds other routes. Throws std::runtime_error when the cluster state fails.
    void write_routes(const std::string& id, const common::assignment& record, bool only_if_stale);

    common::cluster_state& _state;
    topology_store& _store;
    timeouts _timeouts;
    nimbus_clocks _clocks;
    // Heartbeats seen: worker slots ("<topology>/<node>-<port>") and supervisors (by id), and
    // the supervisors currently timed out (to log changes once).
    heartbeat_tracker _worker_beats;
    heartbeat_tracker _supervisor_beats;
    std::set<std::string> _timed_out_supervisors;
    // Each topology's assignment as last read, and its schedule (nullopt when unreadable); its
    // routes node as last read, and those routes (empty when unreadable; nullopt before the
    // first check).
    struct recorded_assignment {
        common::versioned_node node;
        std::optional<assignment> schedule;
        common::versioned_node routes_node;
        std::optional<common::routes> routes;
    };
    std::map<std::string, recorded_assignment> _assignments;
    // The entry of topology `id`, made on first use.
    recorded_assignment& record_of(const std::string& id);
};

}  // namespace tempest::nimbus
