// SPDX-License-Identifier: Apache-2.0
// stats_aggregate: Storm's arithmetic for turning executors' figures (stats_record) into the
// numbers of TopologyInfo, the page-info calls and the UI, so that they mean what they mean in
// Storm:
//   - counts (emitted, transferred, acked, failed, executed) are sums over executors and streams;
//     system streams ("__…") count only when asked for;
//   - a latency is first averaged per executor and stream (sampled sum / samples), then averaged
//     over executors and streams weighted by a count: complete latency by acked (spouts),
//     execute latency by executed, process latency by acked (bolts);
//   - an executor's capacity is executed × execute latency (ms) / (1000 × min(uptime, 600)) in
//     the 600 s window; a component's is the maximum over its executors;
//   - a topology's emitted and transferred are summed over all components, its acked, failed
//     and complete latency over its spouts only.
// Pure functions over plain values; no threads.
#pragma once

#include "tempest/common/stats_record.h"

#include <cstddef>
#include <map>
#include <span>
#include <string>

namespace tempest::common {

// One executor as Nimbus knows it.
struct executor_figures {
    std::string component;
    bool is_spout = false;
    int uptime_secs = 0;
    const stats_record* stats = nullptr;  // null: no heartbeat yet
};

// Figures of one window (index into stats windows: 0 = 600 s ... 3 = all time).
struct aggregate {
    std::uint64_t emitted = 0;
    std::uint64_t transferred = 0;
    std::uint64_t acked = 0;
    std::uint64_t failed = 0;
    std::uint64_t executed = 0;
    double complete_latency_ms = 0;
    double execute_latency_ms = 0;
    double process_latency_ms = 0;
    double capacity = 0;  // bolts, 600 s window whatever the window asked for (as Storm)
};

double executor_capacity(const stats_record& r, int uptime_secs);

// Executors of one component (or any set): counts summed, latencies weighted, capacity max.
aggregate aggregate_executors(std::span<const executor_figures> executors, std::size_t window,
                              bool include_system = false);

// The same per stream key: output streams (component empty) and, for bolts, inputs.
std::map<stream_key, aggregate> aggregate_by_stream(std::span<const executor_figures> executors,
                                                    std::size_t window,
                                                    bool include_system = false);

// A whole topology: emitted/transferred over every executor; acked, failed and complete latency
// over the spouts.
aggregate aggregate_topology(std::span<const executor_figures> executors, std::size_t window,
                             bool include_system = false);

}  // namespace tempest::common
