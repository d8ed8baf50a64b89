// SPDX-License-Identifier: Apache-2.0
// error_writer: passes the errors a worker's components report (report_error, exceptions out of
// user code) on to the cluster state, where Nimbus reads them (getTopologyInfo, page info,
// `tempest errors`), the way Storm's workers do:
//
//   runtime.errors_since(cursor) ──▶ error_throttle per executor ──▶ errors/<topology>/<component>/
//                                    (max N per interval;             e0000000041  ErrorInfo
//                                     the rest counted, dropped)      e0000000042  ...
//                                                                     (the newest 10 kept)
//
// Each error is one persistent sequential node named "e" + ZooKeeper's 10-digit sequence, so
// names sort by creation; its data is a Thrift ErrorInfo (error, error_time_secs, host, port,
// task) in the binary protocol. After writing, the component's oldest nodes beyond `keep` are
// removed (another worker of the component may remove the same ones: no_node is fine). Nimbus
// lists a component's children and sorts them by error_time_secs, so any node name works for it.
// The topology's errors folder (errors/<topology>) is made by start(); if it is gone later,
// Nimbus removed the topology and nothing is written any more (not re-created).
//
// Owned by the worker process; not thread-safe: its heartbeat thread calls every method.
#pragma once

#include "tempest/common/cluster_records.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/result.h"
#include "tempest/common/zk_paths.h"
#include "tempest/worker/error_throttle.h"
#include "tempest/worker/stats.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::worker {

struct error_writer_options {
    std::string topology_id;
    std::string host;                            // the worker's host, as its heartbeat names it
    int port = 0;                                // the worker's slot
    std::int64_t throttle_interval_ms = 10'000;  // topology.error.throttle.interval.secs
    std::uint32_t max_per_interval = 5;          // topology.max.error.report.per.interval
    std::size_t keep = 10;                       // per component
};

// The bytes of one error node (a Thrift ErrorInfo), and back (for tests and readers); decoding
// errors: the codec's. Defined in error_info_thrift.cc.
struct error_node {
    std::string error;
    std::int32_t error_time_secs = 0;
    std::string host;
    int port = 0;
    int task = 0;
};
std::string encode_error_node(const error_node& e);
[[nodiscard]] common::result<error_node> decode_error_node(std::string_view bytes);

class error_writer {
  public:
    // `executors`: this worker's, for throttling per executor (an error of a task outside them
    // is throttled on its own).
    error_writer(common::zk_paths paths, error_writer_options options,
                 const std::vector<common::executor_info>& executors);

    // This worker's executors changed (in place): throttles of executors that stay are kept.
    void set_executors(std::vector<common::executor_info> executors);

    // Makes errors/<topology> if missing. Errors: those of ensure_path.
    [[nodiscard]] common::result<void> start(common::cluster_state& state);

    // Throttles `errors` (oldest first, times from their time_ms) and writes those admitted.
    // ZooKeeper failures are logged and lose those errors (they stay in the worker's log).
    // Returns how many were written.
    std::size_t write(common::cluster_state& state, const std::vector<error_record>& errors);

    std::uint64_t suppressed() const noexcept { return _suppressed; }
    std::uint64_t written() const noexcept { return _written; }
    // True once the topology's errors folder was found gone.
    bool topology_gone() const noexcept { return _gone; }

  private:
    error_throttle& throttle_of(int task);
    // Removes the oldest error nodes of `dir` beyond _options.keep.
    void prune(common::cluster_state& state, const std::string& dir);

    common::zk_paths _paths;
    error_writer_options _options;
    std::vector<common::executor_info> _executors;               // sorted
    std::map<common::executor_info, error_throttle> _throttles;  // by executor
    std::set<std::string> _dirs;                                 // component folders known to exist
    std::uint64_t _suppressed = 0;
    std::uint64_t _written = 0;
    bool _gone = false;
};

}  // namespace tempest::worker
