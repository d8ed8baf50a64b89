// SPDX-License-Identifier: Apache-2.0
// task_layout: how a topology's tasks are numbered and split into executors. Nimbus schedules
// these executors and workers build them, so both compute them with this one function:
// components in id order get consecutive task ids from 1 (num_tasks each), then the system
// __acker component gets topology.acker.executors tasks (null: one per worker, as Storm);
// each component's tasks are split over its parallelism as evenly as possible, in order.
#pragma once

#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <string>
#include <vector>

namespace tempest::common {

inline constexpr const char* acker_component_id = "__acker";

struct executor_range {
    std::string component;
    int first_task = 0;
    int last_task = 0;  // inclusive
    friend bool operator==(const executor_range&, const executor_range&) = default;
};

struct component_layout {
    std::string id;
    bool is_acker = false;
    int first_task = 0;
    int num_tasks = 0;
    std::vector<executor_range> executors;
};

// Number of acker tasks for `conf`; throws invalid_topology for a negative count.
int acker_count(const config& conf);

// Requires: t.components sorted by id (as topology_builder produces and validate() accepts).
std::vector<component_layout> compute_task_layout(const topology& t, const config& conf);

}  // namespace tempest::common
