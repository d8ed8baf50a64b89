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

// What one executor thread did over a window: the share of it spent busy (1 - idle) and
// backpressured (its output full: it took no new work, though moving what overflowed counts as
// busy), from two snapshots of its executor's totals. `name`: the component, with ":<first task>"
// when it has several threads.
struct thread_share {
    std::string name;
    double busy = 0;
    double backpressured = 0;
};

// The threads of `after` (executors running on another's thread are left out: they share its
// figures), each against its own entry in `before`, over a window of `elapsed_s` seconds.
std::vector<thread_share> thread_shares(const std::vector<worker::executor_totals>& before,
                                        const std::vector<worker::executor_totals>& after,
                                        double elapsed_s);

// "sentences busy 100% (backpressured 31%), count busy 64%": which thread bounds the run is the
// one that is busy and not held back.
std::string describe(const std::vector<thread_share>& threads);

}  // namespace tempest::bench
