// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/zk_config.h"

#include "tempest/common/config_keys.h"
#include "tempest/common/config_loader.h"

#include <vector>

namespace tempest::common {

std::string zookeeper_servers(const config& conf) {
    const value* v = conf.find(keys::storm_zookeeper_servers);
    auto port = conf_int(conf, keys::storm_zookeeper_port);
    std::vector<std::string> hosts;
    if (v != nullptr && v->type() == value_type::list) {
        for (const auto& h : v->as_list()) {
            hosts.push_back(h.as_string());
        }
    } else if (v != nullptr && v->type() == value_type::string) {
        hosts.push_back(v->as_string());
    }
    if (hosts.empty()) {
        throw config_error("storm.zookeeper.servers is empty: name at least one ZooKeeper server");
    }
    std::string out;
    for (const auto& h : hosts) {
        if (!out.empty()) {
            out += ",";
        }
        out += h.find(':') == std::string::npos ? h + ":" + std::to_string(port) : h;
    }
    return out;
}

zk_options zookeeper_options(const config& conf) {
    zk_options zk;
    zk.servers = zookeeper_servers(conf);
    zk.root = conf_string(conf, keys::storm_zookeeper_root);
    zk.session_timeout =
        std::chrono::milliseconds(conf_int(conf, keys::storm_zookeeper_session_timeout));
    zk.connection_timeout =
        std::chrono::milliseconds(conf_int(conf, keys::storm_zookeeper_connection_timeout));
    return zk;
}

}  // namespace tempest::common
