// SPDX-License-Identifier: Apache-2.0
// The supervisor's default way to fetch topology code (common::install_topology_code does the
// rest: temporary directory, checksum, rename): each file from Nimbus over Thrift.
#pragma once

#include "tempest/common/code_install.h"
#include "tempest/topology_api/config.h"

namespace tempest::supervisor::detail {

// Fetches each file from the leader among nimbus.seeds (common::nimbus_seeds: hosts on
// nimbus.thrift.port or HOST:PORT; the leader found as nimbus_client::connect_leader does), else
// from the first seed that serves it, starting with the one that served the previous file. A
// failure is logged at warn naming every address tried and its error, and returned as
// std::errc::host_unreachable (no usable seed at all: std::errc::invalid_argument, the log
// naming nimbus.seeds). Used by one sync pass at a time.
common::code_file_fetcher nimbus_fetcher(const config& conf);

}  // namespace tempest::supervisor::detail
