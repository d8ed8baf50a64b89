// SPDX-License-Identifier: Apache-2.0
// The Thrift side of the supervisor: AssignmentRecords -> local assignment, the worker's
// LocalWorkerHeartbeatRecord file -> worker_heartbeat, and the SupervisorRecord bytes. The
// generated types stay behind this header (private to supervisor/src; unit tests include it).
#pragma once

#include "tempest/supervisor/local_assignment.h"
#include "tempest/supervisor/worker_state.h"
#include "tempest/thrift/cluster_records_types.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::supervisor::detail {

namespace records = tempest::thrift::records;

// The slots of `supervisor_id` in `assignments` (topology id -> record): for each executor whose
// NodePort.node is `supervisor_id`, port -> (topology id, executors), executors sorted. A port
// claimed by two topologies (which Nimbus never writes) keeps the first topology id in order and
// logs an error; ports outside 1..65535 are logged and skipped.
port_assignments compute_local_assignments(
    std::string_view supervisor_id, const std::map<std::string, records::AssignmentRecord>& all);

// Reads <worker dir>/heartbeat: no heartbeat when the file does not exist, `unreadable` (logged
// at warn with `worker_id`) when it cannot be read or decoded.
heartbeat_reading read_heartbeat_file(const std::filesystem::path& file,
                                      std::string_view worker_id);

// The bytes of a LocalWorkerHeartbeatRecord (for tests and fake workers).
std::string heartbeat_bytes(const worker_heartbeat& hb);

struct supervisor_info {
    std::string id;
    std::string hostname;
    std::int64_t time_secs = 0;
    std::int64_t uptime_secs = 0;
    std::vector<int> ports;
    std::vector<int> used_ports;
    std::string version;
};

// The binary SupervisorRecord for supervisors/<id>.
std::string supervisor_record_bytes(const supervisor_info& info);

}  // namespace tempest::supervisor::detail
