// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/file_util.h"
#include "tempest/common/stormdist.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/stored_topology.h"
#include "tempest/thrift/topology_convert.h"

#include <stdexcept>
#include <string>

namespace tempest::thrift {

stored_topology decode_stored_topology(std::string_view stormcode,
                                       std::string_view stormconf_json) {
    auto code = from_binary<StormTopology>(stormcode);
    if (!code) {
        throw std::runtime_error(std::string("corrupt ") + common::stormdist::code_file + ": " +
                                 code.error().message());
    }
    stored_topology out;
    out.topo = from_thrift(*code);
    out.conf = config_from_json(stormconf_json);
    return out;
}

stored_topology read_stored_topology(const std::filesystem::path& topology_dir) {
    return decode_stored_topology(common::read_file(topology_dir / common::stormdist::code_file),
                                  common::read_file(topology_dir / common::stormdist::conf_file));
}

}  // namespace tempest::thrift
