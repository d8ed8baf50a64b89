// SPDX-License-Identifier: Apache-2.0
#include "tempest/nimbus/scheduler.h"

#include <algorithm>
#include <set>

namespace tempest::nimbus {

std::vector<worker_slot> assignment::slots() const {
    std::set<worker_slot> s;
    for (const auto& [e, slot] : executor_slot) {
        s.insert(slot);
    }
    return {s.begin(), s.end()};
}

namespace {

// Free slots ordered to interleave nodes: the first port of every node, then the second, ...
// `excluded` are slots the topology may not use (its dead slots).
std::vector<worker_slot> interleave(const std::vector<supervisor_offer>& supervisors,
                                    const std::set<worker_slot>& taken,
                                    const std::set<worker_slot>& excluded) {
    std::vector<std::vector<worker_slot>> per_node;
    std::vector<supervisor_offer> sorted = supervisors;
    std::sort(sorted.begin(), sorted.end(),
              [](const supervisor_offer& a, const supervisor_offer& b) { return a.node < b.node; });
    for (const supervisor_offer& s : sorted) {
        std::vector<int> ports = s.ports;
        std::sort(ports.begin(), ports.end());
        std::vector<worker_slot> free;
        for (int p : ports) {
            worker_slot slot{s.node, p};
            if (!taken.contains(slot) && !excluded.contains(slot)) {
                free.push_back(slot);
            }
        }
        per_node.push_back(std::move(free));
    }
    std::vector<worker_slot> out;
    for (std::size_t round = 0;; ++round) {
        bool any = false;
        for (const auto& node : per_node) {
            if (round < node.size()) {
                out.push_back(node[round]);
                any = true;
            }
        }
        if (!any) {
            break;
        }
    }
    return out;
}

}  // namespace

std::map<std::string, assignment> schedule(const std::vector<topology_request>& topologies,
                                           const std::vector<supervisor_offer>& supervisors,
                                           const std::map<std::string, assignment>& existing,
                                           std::int64_t now_secs) {
    std::set<worker_slot> alive;
    std::map<std::string, std::string> host_of;
    for (const supervisor_offer& s : supervisors) {
        host_of[s.node] = s.host;
        for (int p : s.ports) {
            alive.insert({s.node, p});
        }
    }

    // Pass 1: every topology keeps the placements that are still valid.
    std::map<std::string, assignment> result;
    std::set<worker_slot> taken;
    for (const topology_request& t : topologies) {
        assignment& a = result[t.id];
        auto old = existing.find(t.id);
        if (old == existing.end()) {
            continue;
        }
        std::set<executor_id> wanted(t.executors.begin(), t.executors.end());
        for (const auto& [e, slot] : old->second.executor_slot) {
            if (wanted.contains(e) && alive.contains(slot) && !t.dead_slots.contains(slot)) {
                a.executor_slot[e] = slot;
                auto st = old->second.start_time_secs.find(e);
                a.start_time_secs[e] =
                    st != old->second.start_time_secs.end() ? st->second : now_secs;
                taken.insert(slot);
            }
        }
    }

    // Pass 2: place what is left, topology by topology in id order (deterministic).
    std::vector<const topology_request*> order;
    for (const topology_request& t : topologies) {
        order.push_back(&t);
    }
    std::sort(order.begin(), order.end(),
              [](const topology_request* a, const topology_request* b) { return a->id < b->id; });
    for (const topology_request* t : order) {
        assignment& a = result[t->id];
        std::vector<executor_id> unplaced;
        for (const executor_id& e : t->executors) {
            if (!a.executor_slot.contains(e)) {
                unplaced.push_back(e);
            }
        }
        std::sort(unplaced.begin(), unplaced.end());
        if (!unplaced.empty()) {
            std::vector<worker_slot> slots = a.slots();
            int want = std::max(1, t->num_workers);
            for (const worker_slot& s : interleave(supervisors, taken, t->dead_slots)) {
                if (static_cast<int>(slots.size()) >= want) {
                    break;
                }
                slots.push_back(s);
                taken.insert(s);
            }
            if (!slots.empty()) {
                // Deal the unplaced executors over the slots, least loaded first.
                std::map<worker_slot, int> load;
                for (const worker_slot& s : slots) {
                    load[s] = 0;
                }
                for (const auto& [e, s] : a.executor_slot) {
                    ++load[s];
                }
                for (const executor_id& e : unplaced) {
                    auto best =
                        std::min_element(slots.begin(), slots.end(),
                                         [&](const worker_slot& x, const worker_slot& y) {
                                             return load[x] != load[y] ? load[x] < load[y] : x < y;
                                         });
                    a.executor_slot[e] = *best;
                    a.start_time_secs[e] = now_secs;
                    ++load[*best];
                }
            }
        }
        for (const auto& [e, slot] : a.executor_slot) {
            a.node_host[slot.node] = host_of[slot.node];
        }
    }
    return result;
}

}  // namespace tempest::nimbus
