// SPDX-License-Identifier: Apache-2.0
// local_assignment: what this supervisor must run, slot by slot — port -> (topology id, the
// executors of that topology assigned to the port). sync-supervisor computes it from the
// assignments in ZooKeeper (keeping only the executors whose node is this
// supervisor) and persists it in <storm.local.dir>/supervisor/local-assignment.json, so that a
// restarted supervisor knows its slots before it reaches ZooKeeper again. sync-processes reads it
// to classify workers.
//
// Plain value types and free functions; thread-safe as values are.
#pragma once

#include "tempest/common/cluster_records.h"
#include "tempest/common/result.h"

#include <compare>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::supervisor {

// An executor: the tasks [task_start, task_end] of one component (Storm's ExecutorInfo).
using executor_range = common::executor_info;

// One slot's assignment. `executors` is kept sorted (normalize()) so that two assignments compare
// equal whatever order they were read in.
struct local_assignment {
    std::string topology_id;
    std::vector<executor_range> executors;
    friend bool operator==(const local_assignment&, const local_assignment&) = default;
};

// port -> what runs there.
using port_assignments = std::map<int, local_assignment>;

// The slots of `supervisor_id` in `all` (topology id -> assignment): for each executor whose
// node is `supervisor_id`, port -> (topology id, executors), executors sorted. A port claimed by
// two topologies (which Nimbus never writes) keeps the first topology id in order and logs an
// error; ports outside 1..65535 are logged and skipped.
port_assignments compute_local_assignments(std::string_view supervisor_id,
                                           const std::map<std::string, common::assignment>& all);

// Sorts and deduplicates `executors`.
void normalize(std::vector<executor_range>& executors);

// Writes `a` to `path` atomically (a temporary file in the same directory, flushed, then renamed
// over `path`). Errors: the std::errc of the failed file operation.
[[nodiscard]] common::result<void> write_local_assignments(const std::filesystem::path& path,
                                                           const port_assignments& a);

// Reads a file written by write_local_assignments(). A missing file is an empty assignment.
// Errors: std::errc::io_error when unreadable, std::errc::illegal_byte_sequence when corrupt
// (not our JSON, a port out of 1..65535, an empty topology id).
[[nodiscard]] common::result<port_assignments> read_local_assignments(
    const std::filesystem::path& path);

}  // namespace tempest::supervisor
