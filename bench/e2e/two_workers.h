// SPDX-License-Identifier: Apache-2.0
// two_workers: tempest-bench --workers 2. One topology run by two worker processes on this node,
// joined over loopback TCP, as a two-slot cluster would run it:
//
//   tempest-bench (parent: coordinator, no threads)
//     │ fork ×2 before any thread exists; one command pipe and one reply pipe per child
//     ├── worker 0: topology_runtime with executors 0, 2, 4, … ──┐ TCP 127.0.0.1
//     └── worker 1: topology_runtime with executors 1, 3, 5, … ◀─┘ (remote_options, port 0)
//
// Each child builds the same topology_plan (parallelism 2 per component, so each worker holds a
// whole pipeline), keeps the executors the even scheduler would deal to its slot, starts a
// runtime listening on 127.0.0.1 port 0 and reports that port; the parent hands each child its
// peer's port and the child sets its task endpoints. The parent then samples the last bolt's
// executed count of both children at the end of the warm-up and of the run, and reports their
// sum per second (both processes run on this one node), the tuples sent over TCP and each
// child's peak RSS. A child that dies or stops answering fails the run; every child is reaped.
#pragma once

#include "bench_options.h"

namespace tempest::bench {

// Runs `o` (o.workers == 2) and prints the result line (and writes --json); returns the exit
// code: 0, 1 (a worker failed, a component reported an error or nothing was counted) or 2 (the
// --json file cannot be written).
// Requires: no thread other than the caller's exists (it forks).
int run_two_workers(const bench_options& o);

}  // namespace tempest::bench
