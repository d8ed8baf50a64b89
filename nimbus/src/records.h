// SPDX-License-Identifier: Apache-2.0
// records: Nimbus' own view of the cluster-state records it reads and writes (storms/<id>,
// assignments/<id>, supervisors/<id>) and of a topology's stored code, with the one adapter
// (records_thrift.cc) that turns them into the binary Thrift records of
// common/thrift/cluster_records.thrift and back. Nothing outside *_thrift.cc sees a generated
// type. Plain values; thread-safe as values are.
#pragma once

#include "tempest/common/result.h"
#include "tempest/nimbus/scheduler.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::nimbus {

enum class topology_status : std::uint8_t { active, inactive, rebalancing, killed };

// "ACTIVE", "INACTIVE", "REBALANCING", "KILLED" (Storm's names, as getTopologyInfo shows them).
std::string status_string(topology_status s);

// A pending rebalance as asked for (RebalanceOptions without what Nimbus ignores).
struct rebalance_request {
    std::optional<int> wait_secs;
    std::optional<int> num_workers;
    std::optional<std::map<std::string, int>> num_executors;  // component id -> executors
    friend bool operator==(const rebalance_request&, const rebalance_request&) = default;
};

// storms/<id> (StormBaseRecord).
struct storm_base {
    std::string name;
    topology_status status = topology_status::active;
    std::string owner;
    std::int64_t launch_time_secs = 0;
    int num_workers = 1;
    std::map<std::string, int> component_executors;
    std::optional<topology_status> prev_status;  // to return to after a rebalance
    std::optional<int> kill_wait_secs;           // set while being killed
    std::optional<rebalance_request> rebalance;  // set while rebalancing
    std::optional<std::string> topology_version;
    friend bool operator==(const storm_base&, const storm_base&) = default;
};

// supervisors/<id> (SupervisorRecord).
struct supervisor_info {
    std::string id;
    std::string hostname;
    std::int64_t time_secs = 0;
    std::int64_t uptime_secs = 0;
    std::vector<int> ports;
    std::vector<int> used_ports;
    std::string version;
};

std::string encode_storm_base(const storm_base& base);
[[nodiscard]] common::result<storm_base> decode_storm_base(std::string_view bytes);
// assignments/<id> (AssignmentRecord); `code_dir` is where Nimbus keeps the package.
std::string encode_assignment(const assignment& a, const std::string& code_dir);
[[nodiscard]] common::result<assignment> decode_assignment(std::string_view bytes);
[[nodiscard]] common::result<supervisor_info> decode_supervisor(std::string_view bytes);

// stormcode.ser (a binary StormTopology) as our topology. Throws invalid_topology or
// type_error for what tempest cannot run, std::runtime_error for bytes that do not decode.
tempest::topology decode_topology_code(std::string_view bytes);
// stormconf.json and back (common/thrift's JSON form of a config). Throws type_error for
// malformed JSON.
config conf_from_json(std::string_view json);
std::string conf_to_json(const config& conf);

}  // namespace tempest::nimbus
