// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/topology_layout.h"

namespace tempest::common {

config effective_config(const config& daemon_conf, const config& topology_conf) {
    config out = daemon_conf;
    out.merge(topology_conf);
    return out;
}

int worker_count(const config& effective) {
    std::int64_t n = effective.get_int(config::topology_workers, 1);
    if (n < 1) {
        throw invalid_topology("topology.workers must be >= 1, got " + std::to_string(n));
    }
    return static_cast<int>(n);
}

config submitted_conf(config topology_conf, const config& daemon_conf, const std::string& name) {
    const config effective = effective_config(daemon_conf, topology_conf);
    (void)worker_count(effective);  // only the check: the record keeps the count
    topology_conf.set(config::topology_name, name);
    topology_conf.set(config::topology_acker_executors, acker_count(effective));
    return topology_conf;
}

void apply_parallelism(topology& t, const std::map<std::string, int>& component_executors) {
    for (auto& c : t.components) {
        if (auto it = component_executors.find(c.id); it != component_executors.end()) {
            c.parallelism = it->second;
        }
    }
}

std::vector<executor_info> topology_layout::executors() const {
    std::vector<executor_info> out;
    for (const auto& c : components) {
        for (const auto& e : c.executors) {
            out.push_back({e.first_task, e.last_task});
        }
    }
    return out;
}

topology_layout lay_out_topology(topology submitted, const config& daemon_conf,
                                 const config& stored_conf, const storm_base& base) {
    topology_layout out;
    out.topo = std::move(submitted);
    apply_parallelism(out.topo, base.component_executors);
    out.conf = effective_config(daemon_conf, stored_conf);
    out.conf.set(config::topology_workers, base.num_workers);
    out.components = compute_task_layout(out.topo, out.conf);
    return out;
}

}  // namespace tempest::common
