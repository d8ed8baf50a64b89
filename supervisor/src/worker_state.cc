// SPDX-License-Identifier: Apache-2.0
#include "tempest/supervisor/worker_state.h"

#include <algorithm>

namespace tempest::supervisor {

std::string_view to_string(worker_state s) noexcept {
    switch (s) {
        case worker_state::valid:
            return "valid";
        case worker_state::disallowed:
            return "disallowed";
        case worker_state::timed_out:
            return "timed-out";
        case worker_state::not_started:
            return "not-started";
    }
    return "unknown";
}

bool executors_differ(const heartbeat_reading& hb, const port_assignments& assigned) {
    if (!hb.heartbeat) {
        return false;
    }
    const worker_heartbeat& h = *hb.heartbeat;
    auto it = assigned.find(h.port);
    if (it == assigned.end() || it->second.topology_id != h.topology_id) {
        return false;
    }
    auto executors = h.executors;
    normalize(executors);
    return executors != it->second.executors;
}

worker_state classify_worker(const heartbeat_reading& hb, const worker_launch& launch,
                             const port_assignments& assigned, std::int64_t now_ms,
                             const worker_timeouts& timeouts,
                             std::optional<std::int64_t> differs_since_ms) {
    if (hb.unreadable) {
        return worker_state::timed_out;
    }
    if (!hb.heartbeat) {
        auto it = assigned.find(launch.port);
        if (it == assigned.end() || it->second.topology_id != launch.topology_id) {
            return worker_state::disallowed;
        }
        return now_ms - launch.launched_ms <= timeouts.start.count() ? worker_state::not_started
                                                                     : worker_state::timed_out;
    }
    const worker_heartbeat& h = *hb.heartbeat;
    auto it = assigned.find(h.port);
    if (it == assigned.end() || it->second.topology_id != h.topology_id ||
        (launch.port != 0 && launch.port != h.port)) {
        return worker_state::disallowed;
    }
    auto executors = h.executors;
    normalize(executors);
    if (executors != it->second.executors &&
        (!differs_since_ms || now_ms - *differs_since_ms > timeouts.heartbeat.count())) {
        return worker_state::disallowed;
    }
    return now_ms - h.time_ms <= timeouts.heartbeat.count() ? worker_state::valid
                                                            : worker_state::timed_out;
}

}  // namespace tempest::supervisor
