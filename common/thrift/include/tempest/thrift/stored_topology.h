// SPDX-License-Identifier: Apache-2.0
// stored_topology: a topology as Nimbus stores it in its stormdist directory
// (tempest/common/stormdist.h) — stormcode.ser (the StormTopology as submitted, binary
// protocol) and stormconf.json (the conf of common::submitted_conf) — read back as our own
// topology and config, ready for common::lay_out_topology. The Thrift decoding happens in
// stored_topology_thrift.cc; this header has no generated types. Stateless and thread-safe.
#pragma once

#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <filesystem>
#include <string_view>

namespace tempest::thrift {

struct stored_topology {
    tempest::topology topo;  // components sorted by id, as submitted (parallelism included)
    tempest::config conf;    // the stored conf
};

// Decodes the two files' bytes. Throws std::runtime_error naming the file and the codec error
// for bytes that are not a StormTopology, and tempest::invalid_topology naming the problem for a
// topology Tempest cannot run or a conf that is not a JSON object of supported values.
stored_topology decode_stored_topology(std::string_view stormcode, std::string_view stormconf_json);

// Reads and decodes <topology_dir>/stormcode.ser and stormconf.json. Throws as above, and
// std::system_error naming the file when one cannot be read.
stored_topology read_stored_topology(const std::filesystem::path& topology_dir);

}  // namespace tempest::thrift
