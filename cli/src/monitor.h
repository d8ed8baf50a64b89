// SPDX-License-Identifier: Apache-2.0
// monitor: the parts of `tempest monitor` that do not talk to Nimbus, as Storm's `storm monitor`
// (org.apache.storm.utils.Monitor) does it: each interval it polls getTopologyInfo, sums the
// watched component's all-time count of the watched stream over the component's executors and
// prints the difference to the previous poll with the throughput it makes.
//
//   tempest monitor NAME [-m emitted|transferred|acked] [-c COMPONENT] [-s STREAM] [-i SECS]
//
// Defaults as Storm's: emitted, stream "default", every 4 s. Without -c, Storm lists the
// components and asks for one; so do we, in one error line. Output is Storm's tab-separated
// columns (topology, component, parallelism, stream, time-diff ms, the count, throughput in
// Kt/s, i.e. tuples per ms), plus a note when some executors have not reported yet or are late
// (their worker's heartbeat is older than nimbus.task.timeout.secs: their counts are frozen).
//
// Pure functions and a loop whose polling, waiting and clock are injected (cluster_commands.cc
// runs it against Nimbus until SIGINT/SIGTERM; tests run it against fakes). Main thread only.
#pragma once

#include "tempest/common/nimbus_client.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

enum class monitor_metric { emitted, transferred, acked };

const char* to_string(monitor_metric m) noexcept;

// "emitted", "transferred" or "acked"; throws cli_error (usage) naming the bad text.
monitor_metric parse_monitor_metric(const std::string& text);

// SECS, a number above 0 (fractions allowed); throws cli_error (usage) naming the bad text.
std::chrono::milliseconds parse_monitor_interval(const std::string& text);

struct monitor_request {
    std::string topology;
    std::optional<std::string> component;
    std::string stream = "default";
    monitor_metric metric = monitor_metric::emitted;
    std::chrono::milliseconds interval{4000};
};

// One poll's figure of the watched component and stream.
struct monitor_sample {
    std::int64_t total = 0;  // all-time count on the stream, summed over the executors
    int parallelism = 0;     // executors of the component
    int reporting = 0;       // executors with figures
    int late = 0;            // executors whose worker is late
};

// The components of `info` a user may watch (system components "__..." left out), sorted.
std::vector<std::string> watchable_components(const common::topology_info& info);

// The watched figure in `info`. Throws cli_error naming an unknown component (with the known
// ones), or a stream that no reporting executor of the component has figures for (with the
// streams they have). Executors without figures count 0.
monitor_sample sample_component(const common::topology_info& info, const std::string& component,
                                const std::string& stream, monitor_metric metric);

std::string monitor_header(monitor_metric metric);
// The line for the change from `before` to `now` over `elapsed`.
std::string monitor_line(const monitor_request& r, const monitor_sample& before,
                         const monitor_sample& now, std::chrono::milliseconds elapsed);

// Polls (`poll`) at once and then on every interval tick from the first poll, printing the
// header, then one line per tick, until `wait` (which waits until the time it is given) returns
// false. The first poll checks the request: without a component it throws cli_error (usage)
// listing the components. Errors of `poll` propagate.
using monitor_poll = std::function<common::topology_info()>;
using monitor_wait = std::function<bool(std::chrono::steady_clock::time_point until)>;
using monitor_clock = std::function<std::chrono::steady_clock::time_point()>;
void monitor_loop(const monitor_request& r, const monitor_poll& poll, const monitor_wait& wait,
                  const monitor_clock& now, std::FILE* out);

}  // namespace tempest::cli
