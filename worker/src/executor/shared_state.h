// SPDX-License-Identifier: Apache-2.0
// shared_state: what every executor thread of one topology_runtime shares: the stop flag, the
// activation state with its epoch, and the error list. Owned by the runtime, which outlives
// its executors. The flags are written by the runtime's caller and read by the executors;
// report() may be called from any thread.
#pragma once

#include "tempest/common/log.h"
#include "tempest/worker/stats.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace tempest::worker {

struct shared_state {
    std::atomic<bool> stop{false};
    std::atomic<bool> active{true};
    std::atomic<std::uint64_t> epoch{0};

    std::mutex errors_mu;  // guards errors and reported
    std::deque<error_record> errors;
    std::uint64_t reported = 0;

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
        if (errors.size() > 1000) {
            errors.pop_front();
        }
    }
};

}  // namespace tempest::worker
