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
//      ├─ (topology, port) ≠ the assignment of its port ───────▶ disallowed
//      ├─ executors ≠ the port's, for longer than `heartbeat` ──▶ disallowed
//      ├─ written more than `timeout` ago ─────────────────────▶ timed_out
//      └─ otherwise ───────────────────────────────────────────▶ valid
//
// Whether the process still exists is checked separately (a dead worker is cleaned up whatever
// its heartbeat says). A worker takes a change of its slot's executors in place (worker_process:
// it keeps running and its next heartbeat lists the new executors), so a heartbeat that lists
// other executors than the assignment is given the heartbeat timeout to catch up before it
// counts as disallowed; a worker that cannot take the change exits by itself.
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

// True when the heartbeat is of its port's topology but lists other executors than the port's
// assignment (the worker has not yet taken a change of them).
bool executors_differ(const heartbeat_reading& hb, const port_assignments& assigned);

// Classifies a worker (see the diagram above). `differs_since_ms`: since when the supervisor has
// seen executors_differ() for this worker (unix ms), unset when it does not; a worker whose
// executors differ is disallowed unless that began at most `timeouts.heartbeat` ago.
// Boundaries: a heartbeat exactly `timeouts.heartbeat` old is still valid; a worker launched
// exactly `timeouts.start` ago without a heartbeat is still not_started.
worker_state classify_worker(const heartbeat_reading& hb, const worker_launch& launch,
                             const port_assignments& assigned, std::int64_t now_ms,
                             const worker_timeouts& timeouts,
                             std::optional<std::int64_t> differs_since_ms = std::nullopt);

}  // namespace tempest::supervisor
