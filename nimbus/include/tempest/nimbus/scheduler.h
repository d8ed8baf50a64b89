// SPDX-License-Identifier: Apache-2.0
// The scheduler: places each topology's executors on worker slots (supervisor node + port),
// evenly, as Storm's EvenScheduler, but moving as little as it can, because an executor that
// moves restarts the worker it leaves and the worker it joins (a worker whose executor set
// changes is replaced by a fresh process). Pure functions over plain data, so Nimbus' monitor
// loop, rebalance and the tests all call the same code.
//
//   supervisors (node, host, ports) ──┐
//   existing assignments ─────────────┼─▶ schedule() ─▶ new assignments
//   topologies (executors, workers) ──┘
//
// Rules:
// - Kept: an executor keeps its slot while that slot's supervisor is alive, still offers the
//   port and the slot is not dead for its topology. Executors of vanished supervisors or ports,
//   of dead slots (topology_request::dead_slots: Nimbus found executors there dead) and new
//   executors (a rebalance's -e) are the orphans. A dead slot is not usable by its topology in
//   this round (other topologies may use it).
// - Orphans only (the monitor's round): the topology takes free slots until it has
//   `num_workers`, then each orphan goes to the slot with the fewest executors; on a tie, a slot
//   that changes anyway (new, or already given an orphan or stripped of an executor) before an
//   untouched one, then the node with the fewest of the topology's executors. So the orphans of
//   a lost worker fill the free slot that replaces it and the workers still running are left
//   alone; when no slot is free they are spread evenly over the survivors. Nothing else moves,
//   and a topology without orphans is left exactly as it is (stable under repetition).
// - Rebalance (topology_request::rebalance): the topology is brought to the even layout over
//   k = min(num_workers, its kept slots + free slots) slots (each slot holds floor(n/k) or
//   ceil(n/k) of its n executors) by the fewest moves: when it has more than k slots it keeps
//   the k holding the most executors; the ceil(n/k) shares go first to slots holding more than
//   floor(n/k), then to slots that change anyway, last to untouched ones; only a slot's excess
//   leaves it (its highest executor ids). Workers whose executor set is unchanged stay as they
//   are.
// - New slots are picked spread over nodes: first nodes where the topology has no dead slot in
//   this round (a slot dead because its host is cut off from the cluster leaves that host's
//   other ports offered by a supervisor still registered, where no worker could start either),
//   then the node with the fewest of the topology's slots, then the fewest slots taken by any
//   topology, then node id and port.
// - A slot is used by at most one topology.
// - Start times: every executor of a slot whose executor set changed is stamped `now_secs` (its
//   worker restarts, so all of them get nimbus.task.launch.secs again); the others keep theirs.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace tempest::nimbus {

// Tasks [start_task, end_task] run by one executor.
struct executor_id {
    int start_task = 0;
    int end_task = 0;
    auto operator<=>(const executor_id&) const = default;
};

struct worker_slot {
    std::string node;  // supervisor id
    int port = 0;
    auto operator<=>(const worker_slot&) const = default;
};

struct supervisor_offer {
    std::string node;  // supervisor id
    std::string host;
    std::vector<int> ports;  // every slot port it offers
};

struct topology_request {
    std::string id;
    int num_workers = 1;
    std::vector<executor_id> executors;
    // Slots this topology must not use in this round (see the rules above).
    std::set<worker_slot> dead_slots;
    // Bring the topology to its even layout (a rebalance), not only place its orphans.
    bool rebalance = false;
};

struct assignment {
    std::map<executor_id, worker_slot> executor_slot;
    std::map<std::string, std::string> node_host;         // node -> host, for nodes used
    std::map<executor_id, std::int64_t> start_time_secs;  // when each executor was placed
    friend bool operator==(const assignment&, const assignment&) = default;

    // The distinct slots used, sorted.
    std::vector<worker_slot> slots() const;
};

// Returns the assignment of every topology in `topologies` (topologies not listed are dropped,
// their slots freed). `existing` holds the previous assignments by topology id. `now_secs`
// stamps executors that are (re)placed. A topology that finds no slot at all gets an empty
// assignment.
std::map<std::string, assignment> schedule(const std::vector<topology_request>& topologies,
                                           const std::vector<supervisor_offer>& supervisors,
                                           const std::map<std::string, assignment>& existing,
                                           std::int64_t now_secs);

}  // namespace tempest::nimbus
