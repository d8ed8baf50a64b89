// SPDX-License-Identifier: Apache-2.0
// Conversion between our topology/config and Storm's wire structs, in both directions: the CLI
// converts to StormTopology + JSON conf when submitting, Nimbus converts back when it receives
// them. As Storm: num_tasks travels in each component's json_conf as "topology.tasks"; a
// component is a ComponentObject.java_object (full_class_name = registered class name,
// args_list = constructor args as JavaObjectArg); the topology conf is a JSON object.
//
// This header includes generated Thrift types and is for adapter code only (*_thrift.cc).
#pragma once

#include "nimbus_types.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <string>
#include <string_view>

namespace tempest::thrift {

StormTopology to_thrift(const tempest::topology& t);
// Throws tempest::invalid_topology naming the component for what Tempest cannot run
// (serialized_java, shell components until multilang exists, unknown grouping, bad arg types).
tempest::topology from_thrift(const StormTopology& t);

// Config <-> JSON text (values: null, bool, int64, double, string, lists). from_json throws
// tempest::invalid_topology naming the problem for malformed JSON or unsupported values
// (nested objects).
std::string to_json(const tempest::config& c);
tempest::config config_from_json(std::string_view json);

}  // namespace tempest::thrift
