// SPDX-License-Identifier: Apache-2.0
// delayed_actions: kills and rebalances, which Storm carries out after a wait so that tuples in
// flight can finish. A request marks the topology's record (KILLED / REBALANCING, with the wait
// and the new sizes) at once; the action itself runs when due:
//
//   kill(name, wait)       ─▶ storms/<id> KILLED      ─┐        ┌─▶ topology_store::remove
//   rebalance(name, req)   ─▶ storms/<id> REBALANCING ─┴─ due ──┴─▶ new sizes, status back,
//                                                                   even layout, fewest moves
//
// The pending list lives in memory; the records carry what a new leader needs to resume it
// (recover()). A newer action on a topology replaces an older one. A wait of 0 runs at once.
// Refused requests throw nimbus_error (not_alive, invalid_topology).
//
// Owned by nimbus_service and used under its mutex: not thread-safe by itself. The time is
// passed in (`now`, nimbus_service's steady clock), so tests drive it without sleeping. The
// store and the monitor must outlive it. No threads, no start/stop: nimbus_service's background
// thread calls run_due() and wakes at next_due().
#pragma once

#include "assignment_monitor.h"
#include "records.h"
#include "topology_store.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tempest::nimbus {

class delayed_actions {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    enum class kind : std::uint8_t { kill, rebalance };

    delayed_actions(topology_store& store, assignment_monitor& monitor);

    // Kills topology `name` after `wait_secs` (nullopt: its topology.message.timeout.secs).
    // Returns the topology id.
    std::string kill(const std::string& name, std::optional<int> wait_secs, time_point now);
    // Rebalances topology `name` to the sizes of `req` after its wait (unset: as kill); the
    // record keeps `req` (without a principal) until then. Throws
    // nimbus_error(invalid_topology) for a topology being killed, fewer than one worker, an
    // unknown component, an executor count outside 1..its task count, or conf overrides
    // (changing the topology's conf is not supported).
    std::string rebalance(const std::string& name, rebalance_options req, time_point now);

    // Runs the actions due at `now`. Returns how many ran.
    int run_due(time_point now);
    // When the next action is due, if any.
    std::optional<time_point> next_due() const;
    std::size_t size() const noexcept { return _pending.size(); }

    // Brings the pending list in line with the records in `storms` (as when this Nimbus starts
    // or becomes leader): actions whose record no longer asks for them go; a KILLED or
    // REBALANCING record without a pending action gets one, due after its recorded wait from
    // `now`.
    void recover(const std::map<std::string, storm_base>& storms, time_point now);

    // Applies a finished rebalance to `base`: the new sizes, the status it had before, no
    // pending request.
    static void apply_rebalance(storm_base& base);

  private:
    struct pending_action {
        time_point due;
        std::string topology_id;
        kind what;
    };

    void schedule(const std::string& id, kind what, int wait_secs, time_point now);
    void run_rebalance(const std::string& id);

    topology_store& _store;
    assignment_monitor& _monitor;
    std::vector<pending_action> _pending;
};

}  // namespace tempest::nimbus
