// SPDX-License-Identifier: Apache-2.0
// worker_state: how sync-processes judges one worker, as Storm's supervisor does, from what the
// worker last wrote (its local heartbeat), what the supervisor recorded when it launched it, and
// the current local assignment. A pure function: the caller supplies the clock.
//
//   heartbeat?  ──no──▶ launch matches the assignment? ──no──▶ disallowed
//      │                      │yes
//      │                      ├─ launched ≤ start timeout ago ──▶ not_started
//      │                      └─ otherwise ───────────────────▶ timed_out
//      ├─ unreadable ──────────────────────────────────────────▶ timed_out
//      ├─ (topology, port, executors) ≠ the assignment of its port ─▶ disallowed
//      ├─ written more than `timeout` ago ─────────────────────▶ timed_out
//      └─ otherwise ───────────────────────────────────────────▶ valid
//
// Whether the process still exists is checked separately (a dead worker is cleaned up whatever
// its heartbeat says).
#pragma once

#include "tempest/supervisor/local_assignment.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::supervisor {

enum class worker_state : std::uint8_t {
    valid,        // heartbeating and matching its slot's assignment
    disallowed,   // no longer what its slot is assigned to run
    timed_out,    // heartbeat too old (or never came within the start budget, or unreadable)
    not_started,  // launched, no heartbeat yet, still within the start budget
};

std::string_view to_string(worker_state s) noexcept;

// What a worker writes to <worker dir>/heartbeat for its supervisor (cluster_records.h).
using worker_heartbeat = common::local_worker_heartbeat;

// What the supervisor recorded when it launched the worker.
struct worker_launch {
    std::string topology_id;
    int port = 0;
    std::int64_t launched_ms = 0;  // unix time in milliseconds
};

struct worker_timeouts {
    std::chrono::milliseconds heartbeat{30000};  // supervisor.worker.timeout.secs
    std::chrono::milliseconds start{120000};     // supervisor.worker.start.timeout.secs
};

// What the heartbeat file held: nothing yet, a record, or bytes that are not one.
struct heartbeat_reading {
    std::optional<worker_heartbeat> heartbeat;
    bool unreadable = false;
};

// Classifies a worker (see the diagram above). Boundaries: a heartbeat exactly `timeouts.heartbeat`
// old is still valid; a worker launched exactly `timeouts.start` ago without a heartbeat is still
// not_started.
worker_state classify_worker(const heartbeat_reading& hb, const worker_launch& launch,
                             const port_assignments& assigned, std::int64_t now_ms,
                             const worker_timeouts& timeouts);

}  // namespace tempest::supervisor
