// SPDX-License-Identifier: Apache-2.0
// What a running topology reports about itself: counters per component and reported errors.
#pragma once

#include "tempest/common/stats_record.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tempest::worker {

// Counters of one component, summed over its tasks, since the topology started: the sums of
// its executors' totals (executor_totals) over the user's streams (system streams "__…" left
// out, except for the acker, all of whose streams are system streams).
struct component_stats {
    std::string component;
    bool is_spout = false;
    std::uint64_t emitted = 0;   // tuples emitted by user code (per emit call and stream)
    std::uint64_t executed = 0;  // tuples handed to execute() (bolts); messages (acker)
    std::uint64_t acked = 0;     // spouts: tuple trees completed; bolts: inputs acked
    std::uint64_t failed = 0;    // spouts: trees failed or timed out; bolts: inputs failed
    // Spouts with acking: complete latency (emit to ack) in microseconds, of the messages
    // sampled at topology.stats.sample.rate.
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

// One running total of an executor since it started: a figure of one stream key (see
// common/stats_record.h for the keys: an output stream, or a bolt's input (component, stream)).
// Latencies are a sum of sampled latencies in microseconds (the *_latency_us kinds) and the
// number of samples (the *_samples kinds), so that windows can be cut from their differences.
struct figure_total {
    common::stat_kind kind = common::stat_kind::emitted;
    common::stream_key key;
    std::uint64_t total = 0;
};

// The running totals of one executor of this worker, for the heartbeat's windowed figures.
struct executor_totals {
    int first_task = 0;
    int last_task = 0;
    std::string component;
    bool is_spout = false;
    std::vector<figure_total> figures;  // figures that have never moved may be absent
    // For the built-in metrics: nanoseconds this executor spent backpressured (its output full,
    // taking no input), and its input queues' population and capacity (tuples) right now.
    std::uint64_t backpressure_ns = 0;
    std::uint64_t queue_population = 0;
    std::uint64_t queue_capacity = 0;
    // Nanoseconds its thread spent idle (passes that found nothing to do, and waits between
    // them) since it started: with the thread's age, what share of it the thread was busy.
    std::uint64_t idle_ns = 0;
    // False for an executor that runs on another's thread (a bolt chained into its producer, an
    // acker on a spout's thread): its backpressure and idle figures are that thread's.
    bool own_thread = true;
};

// An error a component reported (report_error, or an exception out of its code).
struct error_record {
    std::string component;
    int task = 0;
    std::string message;
    std::int64_t time_ms = 0;  // since the epoch
};

}  // namespace tempest::worker
