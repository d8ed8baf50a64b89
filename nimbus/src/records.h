// SPDX-License-Identifier: Apache-2.0
// records: Nimbus' use of common's cluster records (tempest/common/cluster_records.h, whose
// bytes tempest/thrift/cluster_records_codec.h makes and reads): the names Nimbus' parts use,
// the conversion between an assignments/<id> record and the scheduler's view of it, and the
// topology conf's JSON form (stormconf.json, the one adapter left: conf_json_thrift.cc). Plain
// values and pure functions; thread-safe.
#pragma once

#include "tempest/common/cluster_records.h"
#include "tempest/nimbus/scheduler.h"
#include "tempest/topology_api/config.h"

#include <string>
#include <string_view>

namespace tempest::nimbus {

using common::rebalance_options;
using common::storm_base;
using common::supervisor_record;
using common::topology_status;

// "ACTIVE", "INACTIVE", "REBALANCING", "KILLED".
inline std::string status_string(topology_status s) {
    return std::string(common::to_string(s));
}

inline executor_id to_executor_id(const common::executor_info& e) {
    return {e.task_start, e.task_end};
}

// The scheduler's view of an assignments/<id> record, and the record of a scheduled assignment
// (`code_dir`: where Nimbus keeps the package).
assignment to_schedule(const common::assignment& r);
common::assignment to_record(const assignment& a, const std::string& code_dir);

// stormconf.json and back (common/thrift's JSON form of a config). conf_from_json throws
// invalid_topology or type_error for JSON that is not an object of supported values.
config conf_from_json(std::string_view json);
std::string conf_to_json(const config& conf);

}  // namespace tempest::nimbus
