// SPDX-License-Identifier: Apache-2.0
// Conversions between the generated cluster-record structs (cluster_records.thrift) and
// Tempest's own (tempest/common/cluster_records.h), for adapter code that must hand a record's
// part to the Thrift service (e.g. executor statistics into an ExecutorSummary). Everyone else
// uses tempest/thrift/cluster_records_codec.h. This header includes generated Thrift types and is
// for adapter code only (*_thrift.cc). Stateless and thread-safe.
#pragma once

#include "cluster_records_types.h"
#include "nimbus_types.h"
#include "tempest/common/cluster_records.h"
#include "tempest/common/result.h"

#include <optional>

namespace tempest::thrift {

ExecutorInfo to_thrift(const common::executor_info& e);
common::executor_info from_thrift(const ExecutorInfo& e);

// Every field the client set, the principal included.
common::rebalance_options from_thrift(const RebalanceOptions& r);

ExecutorStats to_thrift(const common::executor_stats& s);
common::executor_stats from_thrift(const ExecutorStats& s);

records::StormBaseRecord to_thrift(const common::storm_base& r);
records::AssignmentRecord to_thrift(const common::assignment& r);
// Throws std::invalid_argument for executors encode(const routes&) refuses.
records::RoutesRecord to_thrift(const common::routes& r);
records::SupervisorRecord to_thrift(const common::supervisor_record& r);
records::WorkerHeartbeatRecord to_thrift(const common::worker_heartbeat& r);
records::LocalWorkerHeartbeatRecord to_thrift(const common::local_worker_heartbeat& r);

// Errors: codec_errc::invalid_data for a status outside topology_status.
[[nodiscard]] common::result<common::storm_base> from_thrift(const records::StormBaseRecord& r);
common::assignment from_thrift(const records::AssignmentRecord& r);
// nullopt for executors decode_routes() refuses.
std::optional<common::routes> from_thrift(const records::RoutesRecord& r);
common::supervisor_record from_thrift(const records::SupervisorRecord& r);
// nullopt when an executor's stats record is malformed.
std::optional<common::worker_heartbeat> from_thrift(const records::WorkerHeartbeatRecord& r);
common::local_worker_heartbeat from_thrift(const records::LocalWorkerHeartbeatRecord& r);

}  // namespace tempest::thrift
