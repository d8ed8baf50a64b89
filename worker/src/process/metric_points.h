// SPDX-License-Identifier: Apache-2.0
// metric_points: turns a worker's metrics into the heartbeat's points (common::metric_point),
// named as cluster_records.thrift's MetricPointRecord fixes and docs/METRICS.md lists.
//
//   user metrics (metric_registry)      NAME as registered, component, task:
//     counter, gauge                      one point, NAME
//     meter                               NAME.count, NAME.m1_rate
//     histogram                           NAME.count/min/max/mean/p50/p75/p95/p99/p999
//   per executor (executor_totals)       component, first task:
//                                         __receive.population, __receive.capacity,
//                                         __backpressure.seconds
//   the worker                           component "__system", task -1:
//                                         worker.rss_bytes, worker.cpu_seconds,
//                                         worker.errors_suppressed, worker.errors_missed,
//                                         transport.out.<host:port>.{bytes,tuples,credit_waits},
//                                         transport.in.<ip:port>.{bytes,tuples},
//                                         transport.dropped, transport.rejected_frames
//
// A meter's m1_rate is a one-minute exponentially weighted moving average of its rate per
// second, as Dropwizard's Meter (behind Storm's metrics v2) keeps it, updated once per
// heartbeat from the count's change since the previous heartbeat: with dt seconds between
// heartbeats, rate += (1 - e^(-dt/60)) * (delta/dt - rate); the first interval seeds it.
// Not thread-safe: one owner (the worker's heartbeat thread). Gauges' functions run on it.
#pragma once

#include "tempest/common/cluster_records.h"
#include "tempest/common/process_usage.h"
#include "tempest/topology_api/metrics.h"
#include "tempest/worker/remote_options.h"
#include "tempest/worker/stats.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tempest::worker {

inline constexpr std::string_view system_component = "__system";

// The worker-level figures of one heartbeat.
struct worker_figures {
    std::optional<common::process_usage> usage;
    std::vector<connection_stats> connections;
    remote_stats remote;
    std::uint64_t errors_suppressed = 0;  // refused by the error throttle so far
    std::uint64_t errors_missed = 0;      // reported faster than the worker kept them
};

class metric_reporter {
  public:
    // Every point at `now_ms` (any monotonic milliseconds, for meter rates): the user metrics
    // of `registry` (null: none), the built-ins of each executor in `totals`, and `worker`'s.
    // A gauge whose function throws is left out. `tasks`, when given: the user metrics of
    // other tasks are left out (tasks that left the worker in a change of its executors, whose
    // gauges must not be called any more).
    std::vector<common::metric_point> points(std::int64_t now_ms, const metric_registry* registry,
                                             const std::vector<executor_totals>& totals,
                                             const worker_figures& worker,
                                             const std::vector<int>* tasks = nullptr);

  private:
    struct meter_state {
        std::int64_t count = 0;
        double rate = 0;
        bool seeded = false;
        bool seen = false;  // in the current call
    };
    void add_user_points(std::int64_t now_ms, const metric_registry::entry& e,
                         std::vector<common::metric_point>& out);
    double meter_rate(std::int64_t now_ms, const metric_registry::entry& e, std::int64_t count);

    std::int64_t _last_ms = -1;  // the previous call's time; -1 before the first
    std::map<std::pair<int, std::string>, meter_state> _meters;  // by (task, name)
};

}  // namespace tempest::worker
