// SPDX-License-Identifier: Apache-2.0
// The even scheduler, as Storm's EvenScheduler: places each topology's executors on worker
// slots (supervisor node + port). Pure functions over plain data, so Nimbus' monitor loop,
// rebalance and the tests all call the same code.
//
//   supervisors (node, host, ports) ──┐
//   existing assignments ─────────────┼─▶ schedule() ─▶ new assignments
//   topologies (executors, workers) ──┘
//
// Rules:
// - An executor keeps its slot while that slot's supervisor is alive and still offers the port
//   (no needless moves); executors on vanished supervisors or ports are reassigned.
// - A topology's dead slots (topology_request::dead_slots: Nimbus found executors there dead)
//   are not usable by that topology in this round: every executor on them is reassigned, and
//   none of the topology's executors is placed on them, so the next pick is another free slot of
//   the same or another supervisor. Other topologies may use them.
// - A topology gets min(num_workers, free + already used slots) slots; its slots are picked
//   round-robin across nodes (node A port 1, node B port 1, node A port 2, ...) so that workers
//   spread over machines, and executors are dealt round-robin over its slots.
// - A slot is used by at most one topology.
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
