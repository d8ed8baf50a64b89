// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/cluster_records.h"

#include <algorithm>
#include <set>

namespace tempest::common {

std::string_view to_string(topology_status s) noexcept {
    switch (s) {
        case topology_status::active:
            return "ACTIVE";
        case topology_status::inactive:
            return "INACTIVE";
        case topology_status::rebalancing:
            return "REBALANCING";
        case topology_status::killed:
            return "KILLED";
    }
    return "UNKNOWN";
}

std::vector<executor_info> executors_of(const assignment& a, std::string_view node, int port) {
    std::vector<executor_info> out;
    for (const auto& [executor, slot] : a.executor_node_port) {
        if (slot.port == port && slot.node == node) {
            out.push_back(executor);
        }
    }
    return out;  // sorted: the map's order
}

routes routes_of(const assignment& a) {
    routes out;
    std::set<node_port> slots;
    for (const auto& [executor, slot] : a.executor_node_port) {
        slots.insert(slot);
    }
    out.slots.assign(slots.begin(), slots.end());
    for (const auto& slot : out.slots) {
        if (auto h = a.node_host.find(slot.node); h != a.node_host.end()) {
            out.node_host.insert(*h);
        }
    }
    out.executors.reserve(a.executor_node_port.size());
    for (const auto& [executor, slot] : a.executor_node_port) {
        auto at = std::lower_bound(out.slots.begin(), out.slots.end(), slot);
        out.executors.push_back({executor, static_cast<std::uint32_t>(at - out.slots.begin())});
    }
    return out;  // executors sorted: the map's order
}

std::vector<executor_info> executors_of(const routes& r, std::string_view node, int port) {
    std::vector<executor_info> out;
    auto at = std::lower_bound(r.slots.begin(), r.slots.end(), node_port{std::string(node), port});
    if (at == r.slots.end() || at->node != node || at->port != port) {
        return out;
    }
    const auto index = static_cast<std::uint32_t>(at - r.slots.begin());
    for (const auto& e : r.executors) {
        if (e.slot == index) {
            out.push_back(e.executor);
        }
    }
    return out;
}

}  // namespace tempest::common
