// SPDX-License-Identifier: Apache-2.0
// report: small helpers tempest-bench's one-process and two-worker runs share to read their
// results (component stats, the process's memory) and print them.
#pragma once

#include "tempest/worker/stats.h"

#include <string>
#include <vector>

namespace tempest::bench {

// A field of /proc/self/status in kB ("VmHWM", "VmRSS"), as MiB; 0 when unavailable.
double proc_status_mib(const std::string& field);

// CPU seconds (user + system, every thread) this process has used so far.
double process_cpu_seconds();

// The stats of `component` in `all`, or nullptr.
const worker::component_stats* find_stats(const std::vector<worker::component_stats>& all,
                                          const std::string& component);

// "12.34M", "56.7k" or "890".
std::string human_rate(double per_s);

}  // namespace tempest::bench
