// SPDX-License-Identifier: Apache-2.0
// components: the spouts and bolts of tempest-bench's workloads, registered under stable class
// names ("bench.const_spout", ...) so that the same classes run in-process (local mode, built
// into tempest-bench) and in cluster workers (the package bench_workloads.so, which registers
// them from tempest_register). Every class is built from its constructor arguments:
//
//   spouts  {acking: bool, rate: double, record_after_s: double[, keys: int, skew: double]}
//   bolts   {acking: bool[, keys: int]}
//
// rate: tuples per second of each spout task, 0 for as fast as the topology takes them. With a
// rate, tuple n of a task is due at open + n / rate, and its complete latency is counted from
// that due time, not from when it was emitted, so that a spout held back by backpressure shows
// the wait in the latency (no coordinated omission).
//
// With acking, each spout task records the complete latency (ack time minus due/emit time, in
// microseconds) of the tuples emitted record_after_s or more after open() into the user metric
// histogram `complete-latency-us` (docs/METRICS.md), which cluster workers report to Nimbus; in
// this process the histograms are also listed on the latency_board, so local mode reads them
// directly. The message id of a tuple is its due time in nanoseconds (steady clock), unique per
// task, so no table of in-flight tuples is kept.
#pragma once

#include "tempest/topology_api/component_registry.h"
#include "tempest/topology_api/metrics.h"

#include <mutex>
#include <string_view>
#include <vector>

namespace tempest::bench {

inline constexpr std::string_view latency_metric = "complete-latency-us";

// Registers every class of the workloads in `r`.
void register_bench_components(component_registry& r);

// The spouts' latency histograms of the topologies running in this process (local mode).
// Thread-safe. A histogram lives as long as its task: clear() before killing the topology.
class latency_board {
  public:
    static latency_board& instance();
    void add(const metric_histogram* h);
    void clear();
    // The histograms merged (buckets summed); count 0 when none recorded anything.
    metric_histogram::snapshot merged() const;

  private:
    mutable std::mutex _mu;
    std::vector<const metric_histogram*> _histograms;
};

}  // namespace tempest::bench
