// SPDX-License-Identifier: Apache-2.0
// What a running topology reports about itself: counters per component and reported errors.
#pragma once

#include <cstdint>
#include <string>

namespace tempest::worker {

// Counters of one component, summed over its tasks, since the topology started.
struct component_stats {
    std::string component;
    bool is_spout = false;
    std::uint64_t emitted = 0;   // tuples emitted by user code (per emit call and stream)
    std::uint64_t executed = 0;  // tuples handed to execute() (bolts)
    std::uint64_t acked = 0;     // spouts: tuple trees completed; bolts: inputs acked
    std::uint64_t failed = 0;    // spouts: trees failed or timed out; bolts: inputs failed
    // Spouts with acking: complete latency (emit to ack) in microseconds.
    double complete_latency_p50_us = 0;
    double complete_latency_p99_us = 0;
    double complete_latency_mean_us = 0;
};

// Counters of one executor: tasks first_task..last_task of one component.
struct executor_stats {
    int first_task = 0;
    int last_task = 0;
    component_stats stats;
};

// An error a component reported (report_error, or an exception out of its code).
struct error_record {
    std::string component;
    int task = 0;
    std::string message;
    std::int64_t time_ms = 0;  // since the epoch
};

}  // namespace tempest::worker
