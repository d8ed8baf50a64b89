// SPDX-License-Identifier: Apache-2.0
// zk_config: the ZooKeeper session options every daemon derives from its config
// (storm.zookeeper.servers / port / root / session.timeout / connection.timeout), so Nimbus,
// supervisors and workers connect the same way.
#pragma once

#include "tempest/common/zk_cluster_state.h"
#include "tempest/topology_api/config.h"

#include <string>

namespace tempest::common {

// "host:port,host:port" from storm.zookeeper.servers (a list or one string; a server without a
// port gets storm.zookeeper.port). Throws config_error when there is no server.
std::string zookeeper_servers(const config& conf);

// Every zk_options field from `conf` (on_session_state left empty).
zk_options zookeeper_options(const config& conf);

}  // namespace tempest::common
