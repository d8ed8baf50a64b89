// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/task_layout.h"

#include <algorithm>

namespace tempest::common {

int acker_count(const config& conf) {
    const value* v = conf.find(config::topology_acker_executors);
    if (v == nullptr || v->is_null()) {
        return static_cast<int>(
            std::max<std::int64_t>(1, conf.get_int(config::topology_workers, 1)));
    }
    std::int64_t n = v->as_int();
    if (n < 0) {
        throw invalid_topology("topology.acker.executors must be >= 0, got " + std::to_string(n));
    }
    return static_cast<int>(n);
}

namespace {

void split(component_layout& c, int parallelism) {
    int n = c.num_tasks;
    int p = std::clamp(parallelism, 1, std::max(1, n));
    int next = c.first_task;
    for (int e = 0; e < p && n > 0; ++e) {
        int size = n / p + (e < n % p ? 1 : 0);
        c.executors.push_back({c.id, next, next + size - 1});
        next += size;
    }
}

}  // namespace

std::vector<component_layout> compute_task_layout(const topology& t, const config& conf) {
    std::vector<component_layout> out;
    int next = 1;
    for (const component_def& def : t.components) {
        component_layout c;
        c.id = def.id;
        c.first_task = next;
        c.num_tasks = def.num_tasks;
        next += def.num_tasks;
        split(c, def.parallelism);
        out.push_back(std::move(c));
    }
    int ackers = acker_count(conf);
    if (ackers > 0) {
        component_layout c;
        c.id = acker_component_id;
        c.is_acker = true;
        c.first_task = next;
        c.num_tasks = ackers;
        split(c, ackers);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace tempest::common
