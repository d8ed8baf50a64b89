// SPDX-License-Identifier: Apache-2.0
// Assignment records <-> the scheduler's assignments (see records.h).
#include "records.h"

namespace tempest::nimbus {

assignment to_schedule(const common::assignment& r) {
    assignment a;
    for (const auto& [e, np] : r.executor_node_port) {
        a.executor_slot[to_executor_id(e)] = {np.node, np.port};
    }
    a.node_host = r.node_host;
    for (const auto& [e, t] : r.executor_start_time_secs) {
        a.start_time_secs[to_executor_id(e)] = t;
    }
    return a;
}

common::assignment to_record(const assignment& a, const std::string& code_dir) {
    common::assignment r;
    r.code_dir = code_dir;
    r.node_host = a.node_host;
    for (const auto& [e, slot] : a.executor_slot) {
        r.executor_node_port[{e.start_task, e.end_task}] = {slot.node, slot.port};
    }
    for (const auto& [e, t] : a.start_time_secs) {
        r.executor_start_time_secs[{e.start_task, e.end_task}] = t;
    }
    return r;
}

}  // namespace tempest::nimbus
