// SPDX-License-Identifier: Apache-2.0
// The end-to-end workloads of tempest-bench, each a topology with parallelism 1 everywhere
// (with --workers 2: parallelism 2 per component, 2 ackers with acking, and word-count's
// sentences go to the split of their own worker by local-or-shuffle):
//
//   const-null     const_spout ──local_or_shuffle──▶ null_bolt
//   const-id-null  const_spout ──local_or_shuffle──▶ identity_bolt ──local_or_shuffle──▶ null_bolt
//   word-count     sentence_spout ──shuffle──▶ split_bolt ──fields(word)──▶ count_bolt
//
// Without acking the topology has no acker and spouts emit without message ids; with acking it
// has one acker, spouts emit with message ids and every bolt anchors its emits and acks its
// input. The rate is read from the last bolt's executed count.
#pragma once

#include "bench_options.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <string>
#include <string_view>
#include <vector>

namespace tempest::bench {

// topology.max.spout.pending used with acking unless --max-pending says otherwise (chosen by
// measurement; see bench/README.md).
inline constexpr int default_max_spout_pending = 4096;

struct workload {
    std::string name;
    topology topo;
    config conf;
    std::string spout;      // component id of the spout
    std::string last_bolt;  // component id whose executed count is the rate
    std::string unit;       // what the last bolt executes: "tuples" or "words"
};

const std::vector<std::string_view>& workload_names();
bool is_workload(std::string_view name);

// Requires: is_workload(name). `max_pending` is used only when `acking`. Every component gets
// `parallelism` executors, and with acking there are `parallelism` ackers.
workload make_workload(std::string_view name, bool acking, int max_pending, int parallelism = 1);

// The workload `o` asks for, with its topology conf overrides (--queue-size, --batch-size,
// --no-chaining) applied and parallelism o.workers. Requires: is_workload(o.workload).
workload make_workload(const bench_options& o);

}  // namespace tempest::bench
