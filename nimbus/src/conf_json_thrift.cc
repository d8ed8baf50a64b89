// SPDX-License-Identifier: Apache-2.0
// The topology conf's JSON form (see records.h), from common/thrift's topology_convert.
#include "records.h"
#include "tempest/thrift/topology_convert.h"

namespace tempest::nimbus {

config conf_from_json(std::string_view json) {
    return thrift::config_from_json(json);
}

std::string conf_to_json(const config& conf) {
    return thrift::to_json(conf);
}

}  // namespace tempest::nimbus
