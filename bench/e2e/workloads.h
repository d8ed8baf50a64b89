// SPDX-License-Identifier: Apache-2.0
// The end-to-end workloads of tempest-bench (classes in components.h), each a topology with
// `parallelism` executors per component (1 by default; --workers 2 and --executors N change it):
//
//   const-null     const_spout ──local_or_shuffle──▶ null_bolt
//                  (storm-perf's ConstSpoutNullBoltTopo)
//   const-id-null  const_spout ──local_or_shuffle──▶ identity_bolt ──local_or_shuffle──▶ null_bolt
//                  (storm-perf's ConstSpoutIdBoltNullBoltTopo)
//   word-count     sentence_spout ──shuffle──▶ split_bolt ──fields(word)──▶ count_bolt
//                  (local_or_shuffle into split when parallelism > 1)
//   zipf-agg       zipf_spout ──fields(key)──▶ sum_bolt   (keys Zipf-distributed: --keys, --skew)
//   windowed-agg   zipf_spout ──fields(key)──▶ window_sum_bolt: a windowed bolt, sliding count
//                  window of 1000 tuples by 100 per task, summing per key (--keys, --skew)
//
// With `pipelines` P > 1 (--pipelines) the topology holds P copies of the workload's chain,
// unconnected, their component ids ending in "-0" ... "-(P-1)" ("sentences-3", "count-3"); the
// rate is the sum of the last bolts' executed counts. Spout rates (--rate) are shared by all.
//
// storm-perf's names are accepted for the workloads it has. Without acking the topology has no
// acker and spouts emit without message ids; with acking it has `parallelism` ackers, spouts
// emit with message ids and every bolt anchors its emits and acks its input. The rate is read
// from the last bolt's executed count.
#pragma once

#include "bench_options.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <cstdint>
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
    std::string spout;      // component id of the (first pipeline's) spout
    std::string last_bolt;  // component id whose executed count is the rate (first pipeline)
    std::vector<std::string> spouts;      // every pipeline's spout
    std::vector<std::string> last_bolts;  // every pipeline's last bolt: the rate is their sum
    int executors = 0;                    // executors in all, ackers included
    std::string unit;  // what the last bolt executes: "tuples", "words" or "keys"
    std::vector<std::string> components;  // every component id, spout first
};

struct workload_params {
    std::string name;  // a canonical name (canonical_workload)
    bool acking = false;
    int max_pending = default_max_spout_pending;  // used only with acking
    int parallelism = 1;
    double rate = 0;            // tuples/s offered by all spout tasks together; 0: unlimited
    double record_after_s = 0;  // spouts record latencies of tuples due this long after open
    std::int64_t keys = 10000;  // zipf-agg
    double skew = 1.0;          // zipf-agg
    int pipelines = 1;          // independent copies of the workload's chain
};

const std::vector<std::string_view>& workload_names();
// The workload's own name for `name` or its storm-perf name; empty when unknown.
std::string canonical_workload(std::string_view name);
bool is_workload(std::string_view name);
// storm-perf's name of a workload, or empty.
std::string_view storm_perf_name(std::string_view workload);

// Requires: canonical_workload(p.name) == p.name. Components are referred to by their
// registered class names; register_bench_components must have run on the registry used.
workload make_workload(const workload_params& p);

// The parameters `o` asks for (parallelism o.executors, else o.workers).
workload_params params_of(const bench_options& o);

// The workload `o` asks for, with its topology conf overrides (--queue-size, --batch-size,
// --no-chaining) applied. Requires: is_workload(o.workload).
workload make_workload(const bench_options& o);

}  // namespace tempest::bench
