// SPDX-License-Identifier: Apache-2.0
// idle_mode: `tempest-bench WORKLOAD --idle [--executors N] [--pipelines N] [--warmup S]
// [--duration S] [--json F]`. Runs the workload in this process's local_cluster for the warm-up,
// deactivates it, lets it settle for a second, then measures over --duration what the idle
// worker costs: CPU (utime + stime of every thread, /proc/self/task/*/stat), context switches
// (getrusage: the wake-ups of all threads), threads and RSS, and names the threads that used
// the most CPU. A topology whose executors poll while there is nothing to do shows here; the
// issue's bar is a 200-executor topology on 2 cores that does not burn the CPU when idle.
#pragma once

#include "bench_options.h"

#include <string>
#include <vector>

namespace tempest::bench {

// One thread's CPU ticks (1/CLK_TCK s) and its name, from /proc/self/task/<tid>/{stat,comm}.
struct thread_ticks {
    int tid = 0;
    std::string name;
    long long ticks = 0;
};

// Every thread of this process; threads gone while read are left out.
std::vector<thread_ticks> read_thread_ticks();

// Returns the exit status: 0, or 1 when a component reported an error.
int run_idle(const bench_options& o);

}  // namespace tempest::bench
