// SPDX-License-Identifier: Apache-2.0
// shared_state: what every executor thread of one topology_runtime shares: the stop flag, the
// activation state with its epoch, the error list and the user metrics registry. Owned by the
// runtime, which outlives its executors. The flags are written by the runtime's caller and read
// by the executors; report() may be called from any thread; errors_since() is called by
// whoever passes errors on to the cluster (the worker's heartbeat thread).
//
//   executor threads ──report()──▶ errors (newest 1000, numbered 1, 2, ... in report order)
//                                      │ errors_since(cursor): those numbered above the cursor
//                                      ▼
//                        worker heartbeat thread ──▶ ZooKeeper errors/<topology>/<component>
#pragma once

#include "tempest/common/log.h"
#include "tempest/topology_api/metrics.h"
#include "tempest/worker/stats.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tempest::worker {

// Errors handed over by shared_state::errors_since().
struct error_batch {
    std::vector<error_record> errors;  // oldest first
    std::uint64_t cursor = 0;          // pass it to the next call
    std::uint64_t missed = 0;  // reported after the old cursor but no longer kept (over 1000)
};

struct shared_state {
    static constexpr std::size_t kept_errors = 1000;

    std::atomic<bool> stop{false};
    std::atomic<bool> active{true};
    // Spouts call no next_tuple() while set (their acks still come in): the runtime lets the
    // worker's queues drain before it changes its executors (topology_runtime::reassign).
    // Unlike `active`, no user code hears of it.
    std::atomic<bool> paused{false};
    std::atomic<std::uint64_t> epoch{0};

    // Every task's user metrics (topology_context::register_*); read by the heartbeat.
    std::shared_ptr<metric_registry> metrics = std::make_shared<metric_registry>();

    std::mutex errors_mu;  // guards errors and reported
    std::deque<error_record> errors;
    std::uint64_t reported = 0;  // errors reported so far: the number of the newest

    // Records an error of a component's task. A component failing on every tuple must not
    // flood the log: the first 20 errors are logged, then one in every 1000 (all are kept in
    // `errors`, the newest 1000).
    void report(const std::string& component, int task, std::string message) {
        std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
        std::scoped_lock lock(errors_mu);
        ++reported;
        if (reported <= 20 || reported % 1000 == 0) {
            common::logger("worker").warn("component '{}' task {}: {} (error #{})", component, task,
                                          message, reported);
        }
        errors.push_back({component, task, std::move(message), now_ms});
        if (errors.size() > kept_errors) {
            errors.pop_front();
        }
    }

    // The errors reported after those `cursor` covered (0: from the first), oldest first, and
    // the cursor covering them. Errors that dropped out of the kept 1000 are counted as missed.
    error_batch errors_since(std::uint64_t cursor) {
        std::scoped_lock lock(errors_mu);
        error_batch b;
        b.cursor = reported;
        if (cursor >= reported) {
            return b;
        }
        const std::uint64_t first_kept = reported - errors.size() + 1;  // number of errors[0]
        const std::uint64_t from = std::max(cursor + 1, first_kept);
        b.missed = from - (cursor + 1);
        b.errors.assign(errors.begin() + static_cast<std::ptrdiff_t>(from - first_kept),
                        errors.end());
        return b;
    }
};

}  // namespace tempest::worker
