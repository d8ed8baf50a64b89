// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/cluster_records.h"

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

}  // namespace tempest::common
