// SPDX-License-Identifier: Apache-2.0
// cluster_figures: what tempest-bench's cluster mode reads of a running topology from Nimbus,
// per worker and per heartbeat. Each poll makes two Thrift calls to the same Nimbus:
//
//   getTopologyInfo(id)                    per executor: host, port, all-time counts (a bolt's
//                                          executed, a spout's emitted and acked), and the
//                                          time of the heartbeat they come from
//   getTopologyPageInfo(id, ":all-time")   per worker: heartbeat time, worker.cpu_seconds and
//                                          worker.rss_bytes; every task's user metrics (the
//                                          spouts' complete-latency-us histogram points);
//                                          the spout's average complete latency (Storm's)
//
// The two halves of a worker's sample (executor figures, worker metrics) are joined on the
// heartbeat they come from, across polls (the two calls of one poll may see different
// heartbeats of a worker). Thrift stays in cluster_figures.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tempest::bench {

// One worker's figures from one heartbeat.
struct worker_sample {
    int heartbeat_secs = 0;  // unix time of the heartbeat the figures come from
    std::map<std::string, std::uint64_t> counts;  // component -> executed (bolt) / emitted (spout)
    std::uint64_t spout_acked = 0;
    std::uint64_t spout_failed = 0;
    double cpu_seconds = 0;
    double rss_bytes = 0;
    // When its executor figures were first seen: between the poll before (seen_after) and the
    // poll that returned them (seen_by), in seconds of the steady clock.
    double seen_after = 0;
    double seen_by = 0;
};

// A spout task's latency histogram as its worker reported it (points NAME.count, .p50, ...).
struct task_latency {
    std::string component;
    int task = 0;
    double count = 0;
    double p50 = 0;
    double p99 = 0;
    double p999 = 0;
    double max = 0;
    double mean = 0;
};

struct topology_poll {
    std::string status;
    std::size_t executors = 0;
    std::size_t reporting = 0;  // executors assigned with figures from a heartbeat
    // "host:port" -> its newest complete sample (both halves of one heartbeat seen so far).
    std::map<std::string, worker_sample> workers;
    // "host:port" of every worker slot the topology's executors are assigned to.
    std::set<std::string> assigned;
    std::vector<task_latency> latencies;        // of the spouts' complete-latency-us
    std::optional<double> complete_latency_ms;  // Storm's average over all time, of `spout`
    std::map<std::string, std::vector<std::string>> errors;  // component -> error texts
};

class cluster_figures {
  public:
    // Connects to Nimbus at `endpoint` ("host:port"). Throws std::runtime_error naming it.
    cluster_figures(const std::string& endpoint, std::chrono::milliseconds timeout);
    ~cluster_figures();
    cluster_figures(const cluster_figures&) = delete;
    cluster_figures& operator=(const cluster_figures&) = delete;

    // The topology's id, looked up by name (getTopologyInfoByName).
    std::string id_of(const std::string& name);
    // One poll. `spout` names the spout component; `bolts` the components counted by executed.
    topology_poll poll(const std::string& id, const std::string& spout);

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::bench
