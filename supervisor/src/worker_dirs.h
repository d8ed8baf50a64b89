// SPDX-License-Identifier: Apache-2.0
// A worker's directory, <storm.local.dir>/workers/<worker-id>/: what the supervisor writes there
// when it launches a worker (launch.json, pid) and what the worker writes (heartbeat, a
// local_worker_heartbeat record, tempest/thrift/cluster_records_codec.h). Free functions over
// files; thread-safe for distinct directories.
#pragma once

#include "tempest/supervisor/worker_state.h"

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string_view>

namespace tempest::supervisor::detail {

// Reads <worker dir>/heartbeat: no heartbeat when the file does not exist, `unreadable` (logged
// at warn with `worker_id`) when it cannot be read or decoded.
heartbeat_reading read_heartbeat_file(const std::filesystem::path& file,
                                      std::string_view worker_id);

// Writes launch.json (topology id, port, launch time) into `dir`. Throws std::system_error.
void write_launch_record(const std::filesystem::path& dir, const worker_launch& launch);

// Reads launch.json of `dir`: nullopt when absent; a default record (logged at warn) when
// corrupt.
std::optional<worker_launch> read_launch_record(const std::filesystem::path& dir,
                                                std::string_view worker_id);

// Writes the pid file into `dir`. Throws std::system_error.
void write_pid_file(const std::filesystem::path& dir, pid_t pid);

// The pid of the pid file of `dir`, 0 when absent or unreadable (logged at warn).
pid_t read_pid_file(const std::filesystem::path& dir, std::string_view worker_id);

}  // namespace tempest::supervisor::detail
