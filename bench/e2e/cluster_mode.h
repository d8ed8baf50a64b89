// SPDX-License-Identifier: Apache-2.0
// cluster_mode: `tempest-bench WORKLOAD --cluster [--config FILE] --workers N [--executors N]`.
// Uploads the workload package (bench_workloads.so, built with the project) to the Nimbus of
// the config's nimbus.seeds and submits the workload as topology `bench-WORKLOAD-PID` with
// topology.workers N, waits until every executor runs and reports, measures over the window
// after the warm-up from the figures the workers report to Nimbus (cluster_figures.h), prints
// the result (and --json, --plot), then kills the topology.
#pragma once

#include "bench_options.h"

namespace tempest::bench {

// Returns the exit status: 0, 1 when the run failed (the topology is killed all the same).
int run_cluster(const bench_options& o);

}  // namespace tempest::bench
