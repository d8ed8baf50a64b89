// SPDX-License-Identifier: Apache-2.0
// The scheduler (see scheduler.h for the rules).
#include "tempest/nimbus/scheduler.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace tempest::nimbus {

std::vector<worker_slot> assignment::slots() const {
    std::set<worker_slot> s;
    for (const auto& [e, slot] : executor_slot) {
        s.insert(slot);
    }
    return {s.begin(), s.end()};
}

namespace {

// One topology's placement in progress: its slots, what each holds, and which slots change.
struct placement {
    std::map<worker_slot, std::vector<executor_id>> on_slot;  // every slot it uses
    std::set<worker_slot> touched;              // slots whose executor set differs from before
    std::map<std::string, int> node_slots;      // node -> slots of this topology there
    std::map<std::string, int> node_executors;  // node -> executors of this topology there

    void add_slot(const worker_slot& s) {
        if (on_slot.emplace(s, std::vector<executor_id>{}).second) {
            ++node_slots[s.node];
        }
    }
    void drop_slot(const worker_slot& s) {
        auto it = on_slot.find(s);
        node_executors[s.node] -= static_cast<int>(it->second.size());
        --node_slots[s.node];
        on_slot.erase(it);
        touched.erase(s);
    }
    void put(const executor_id& e, const worker_slot& s) {
        on_slot[s].push_back(e);
        ++node_executors[s.node];
    }
    int load(const worker_slot& s) const { return static_cast<int>(on_slot.at(s).size()); }
};

// Picks up to `count` free slots (not in `taken`, not in `excluded`) spread over nodes (see
// scheduler.h) and marks them taken, on nodes holding none of `excluded` (the topology's dead
// slots) while any other node has room; `taken_on_node` counts taken slots per node (any
// topology).
std::vector<worker_slot> pick_free(int count, const std::vector<worker_slot>& offered,
                                   std::set<worker_slot>& taken,
                                   std::map<std::string, int>& taken_on_node,
                                   const std::set<worker_slot>& excluded, const placement& p) {
    std::vector<worker_slot> out;
    std::map<std::string, int> mine = p.node_slots;
    std::set<std::string> suspect;
    for (const worker_slot& s : excluded) {
        suspect.insert(s.node);
    }
    for (int i = 0; i < count; ++i) {
        const worker_slot* best = nullptr;
        auto key = [&](const worker_slot& s) {
            return std::make_tuple(suspect.contains(s.node), mine[s.node], taken_on_node[s.node],
                                   s.node, s.port);
        };
        for (const worker_slot& s : offered) {
            if (taken.contains(s) || excluded.contains(s)) {
                continue;
            }
            if (best == nullptr || key(s) < key(*best)) {
                best = &s;
            }
        }
        if (best == nullptr) {
            break;
        }
        out.push_back(*best);
        taken.insert(*best);
        ++taken_on_node[best->node];
        ++mine[best->node];
    }
    return out;
}

int count_free(const std::vector<worker_slot>& offered, const std::set<worker_slot>& taken,
               const std::set<worker_slot>& excluded) {
    int n = 0;
    for (const worker_slot& s : offered) {
        if (!taken.contains(s) && !excluded.contains(s)) {
            ++n;
        }
    }
    return n;
}

// Rebalance: trims the topology to `k` slots and gives each its even share, evicting what
// exceeds a slot's share into `orphans`. Returns each slot's share. Requires: k >= 1 and the
// topology holds at most k slots after `add_slot` of the new ones.
std::map<worker_slot, int> even_shares(placement& p, int k, int n,
                                       std::vector<executor_id>& orphans,
                                       std::set<worker_slot>& taken,
                                       std::map<std::string, int>& taken_on_node) {
    // Too many slots (-n down): keep the k holding the most executors.
    while (static_cast<int>(p.on_slot.size()) > k) {
        // The slot holding the fewest executors; on a tie, on the node with the most of the
        // topology's slots, then the highest slot.
        const worker_slot* drop = nullptr;
        auto key = [&](const worker_slot& s) {
            return std::make_tuple(p.load(s), -p.node_slots[s.node]);
        };
        for (const auto& [s, held] : p.on_slot) {
            if (drop == nullptr || key(s) <= key(*drop)) {
                drop = &s;
            }
        }
        const worker_slot dropped = *drop;
        const auto& gone = p.on_slot.at(dropped);
        orphans.insert(orphans.end(), gone.begin(), gone.end());
        taken.erase(dropped);
        --taken_on_node[dropped.node];
        p.drop_slot(dropped);
    }
    const int base = n / k;
    const int extra = n % k;
    // Who gets the ceil shares: slots over the floor (most first: each saves a move), then slots
    // that change anyway, then untouched ones.
    std::vector<worker_slot> order;
    for (const auto& [s, e] : p.on_slot) {
        order.push_back(s);
    }
    auto rank = [&](const worker_slot& s) {
        int held = p.load(s);
        int group = held > base ? 0 : (p.touched.contains(s) || held < base ? 1 : 2);
        return std::make_tuple(group, -held, s);
    };
    std::sort(order.begin(), order.end(),
              [&](const worker_slot& x, const worker_slot& y) { return rank(x) < rank(y); });
    std::map<worker_slot, int> share;
    for (std::size_t i = 0; i < order.size(); ++i) {
        share[order[i]] = base + (static_cast<int>(i) < extra ? 1 : 0);
    }
    for (auto& [s, held] : p.on_slot) {
        int cap = share[s];
        if (static_cast<int>(held.size()) <= cap) {
            continue;
        }
        std::sort(held.begin(), held.end());
        orphans.insert(orphans.end(), held.begin() + cap, held.end());
        p.node_executors[s.node] -= static_cast<int>(held.size()) - cap;
        held.resize(static_cast<std::size_t>(cap));
        p.touched.insert(s);
    }
    return share;
}

}  // namespace

std::map<std::string, assignment> schedule(const std::vector<topology_request>& topologies,
                                           const std::vector<supervisor_offer>& supervisors,
                                           const std::map<std::string, assignment>& existing,
                                           std::int64_t now_secs) {
    std::vector<worker_slot> offered;  // every alive slot, sorted
    std::map<std::string, std::string> host_of;
    for (const supervisor_offer& s : supervisors) {
        host_of[s.node] = s.host;
        for (int p : s.ports) {
            offered.push_back({s.node, p});
        }
    }
    std::sort(offered.begin(), offered.end());
    offered.erase(std::unique(offered.begin(), offered.end()), offered.end());
    const std::set<worker_slot> alive(offered.begin(), offered.end());

    // Pass 1: every topology keeps the placements that are still valid, so that no topology
    // takes a slot another one still holds.
    std::map<std::string, placement> plans;
    std::set<worker_slot> taken;
    std::map<std::string, int> taken_on_node;
    for (const topology_request& t : topologies) {
        placement& p = plans[t.id];
        auto old = existing.find(t.id);
        if (old == existing.end()) {
            continue;
        }
        std::set<executor_id> wanted(t.executors.begin(), t.executors.end());
        for (const auto& [e, slot] : old->second.executor_slot) {
            if (!alive.contains(slot) || t.dead_slots.contains(slot)) {
                continue;
            }
            p.add_slot(slot);
            if (wanted.contains(e)) {
                p.put(e, slot);
            } else {
                p.touched.insert(slot);  // an executor the topology no longer has (-e)
            }
        }
        // A slot left with none of the topology's executors is no longer the topology's.
        std::vector<worker_slot> empty;
        for (const auto& [s, held] : p.on_slot) {
            if (held.empty()) {
                empty.push_back(s);
            }
        }
        for (const auto& s : empty) {
            p.drop_slot(s);
        }
        for (const auto& [s, held] : p.on_slot) {
            if (taken.insert(s).second) {
                ++taken_on_node[s.node];
            }
        }
    }

    // Pass 2: place the orphans, topology by topology in id order (deterministic).
    std::vector<const topology_request*> order;
    for (const topology_request& t : topologies) {
        order.push_back(&t);
    }
    std::sort(order.begin(), order.end(),
              [](const topology_request* a, const topology_request* b) { return a->id < b->id; });
    std::map<std::string, assignment> result;
    for (const topology_request* t : order) {
        placement& p = plans[t->id];
        std::set<executor_id> placed;
        for (const auto& [s, held] : p.on_slot) {
            placed.insert(held.begin(), held.end());
        }
        std::vector<executor_id> orphans;
        for (const executor_id& e : t->executors) {
            if (!placed.contains(e)) {
                orphans.push_back(e);
            }
        }
        const int want = std::max(1, t->num_workers);
        std::map<worker_slot, int> share;  // rebalance: each slot's even share
        if (t->rebalance) {
            int free = count_free(offered, taken, t->dead_slots);
            int k = std::min(want, static_cast<int>(p.on_slot.size()) + free);
            if (k > 0) {
                int more = k - static_cast<int>(p.on_slot.size());
                for (const auto& s :
                     pick_free(more, offered, taken, taken_on_node, t->dead_slots, p)) {
                    p.add_slot(s);
                    p.touched.insert(s);
                }
                share = even_shares(p, k, static_cast<int>(t->executors.size()), orphans, taken,
                                    taken_on_node);
            }
        } else if (!orphans.empty()) {
            int more = want - static_cast<int>(p.on_slot.size());
            for (const auto& s : pick_free(more, offered, taken, taken_on_node, t->dead_slots, p)) {
                p.add_slot(s);
                p.touched.insert(s);
            }
        }
        if (!p.on_slot.empty()) {
            std::sort(orphans.begin(), orphans.end());
            for (const executor_id& e : orphans) {
                const worker_slot* best = nullptr;
                auto key = [&](const worker_slot& s) {
                    return std::make_tuple(p.load(s), p.touched.contains(s) ? 0 : 1,
                                           p.node_executors[s.node], s);
                };
                for (const auto& [s, held] : p.on_slot) {
                    if (!share.empty() && static_cast<int>(held.size()) >= share.at(s)) {
                        continue;
                    }
                    if (best == nullptr || key(s) < key(*best)) {
                        best = &s;
                    }
                }
                if (best == nullptr) {
                    break;  // cannot happen: the shares add up to the executors
                }
                worker_slot s = *best;
                p.put(e, s);
                p.touched.insert(s);
            }
        }

        assignment& a = result[t->id];
        auto old = existing.find(t->id);
        for (const auto& [s, held] : p.on_slot) {
            for (const executor_id& e : held) {
                a.executor_slot[e] = s;
                std::int64_t start = now_secs;
                if (!p.touched.contains(s) && old != existing.end()) {
                    if (auto st = old->second.start_time_secs.find(e);
                        st != old->second.start_time_secs.end()) {
                        start = st->second;
                    }
                }
                a.start_time_secs[e] = start;
            }
            if (!held.empty()) {
                a.node_host[s.node] = host_of[s.node];
            }
        }
    }
    return result;
}

}  // namespace tempest::nimbus
