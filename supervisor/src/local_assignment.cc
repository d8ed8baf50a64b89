// SPDX-License-Identifier: Apache-2.0
// The local assignment: computed from the assignments, and its file: JSON, {"version": 1,
// "ports": {"6700": {"topology_id": "wc-1-17", "executors": [[1, 2], [3, 3]]}}}, written to a
// temporary file, fsynced and renamed over the old one.
#include "tempest/supervisor/local_assignment.h"

#include "logger.h"
#include "tempest/common/file_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <system_error>

namespace tempest::supervisor {

namespace fs = std::filesystem;

port_assignments compute_local_assignments(std::string_view supervisor_id,
                                           const std::map<std::string, common::assignment>& all) {
    port_assignments out;
    for (const auto& [topology_id, record] : all) {
        for (const auto& [executor, slot] : record.executor_node_port) {
            if (slot.node != supervisor_id) {
                continue;
            }
            if (slot.port < 1 || slot.port > 65535) {
                detail::log().error(
                    "assignment of {} puts executor [{}-{}] on port {} of this node: not "
                    "a port; ignored",
                    topology_id, executor.task_start, executor.task_end, slot.port);
                continue;
            }
            auto [it, fresh] = out.try_emplace(slot.port);
            if (fresh) {
                it->second.topology_id = topology_id;
            } else if (it->second.topology_id != topology_id) {
                detail::log().error("port {} is assigned to both {} and {}; keeping {}", slot.port,
                                    it->second.topology_id, topology_id, it->second.topology_id);
                continue;
            }
            it->second.executors.push_back(executor);
        }
    }
    for (auto& [port, la] : out) {
        normalize(la.executors);
    }
    return out;
}

void normalize(std::vector<executor_range>& executors) {
    std::sort(executors.begin(), executors.end());
    executors.erase(std::unique(executors.begin(), executors.end()), executors.end());
}

common::result<void> write_local_assignments(const fs::path& path, const port_assignments& a) {
    nlohmann::json ports = nlohmann::json::object();
    for (const auto& [port, la] : a) {
        nlohmann::json execs = nlohmann::json::array();
        for (const auto& e : la.executors) {
            execs.push_back({e.task_start, e.task_end});
        }
        ports[std::to_string(port)] = {{"topology_id", la.topology_id}, {"executors", execs}};
    }
    const std::string text = nlohmann::json{{"version", 1}, {"ports", ports}}.dump(2) + "\n";
    // fsync: a restarted supervisor trusts this file for its slots before it reaches ZooKeeper.
    return common::try_write_file_atomically(path, text, common::durability::fsync);
}

common::result<port_assignments> read_local_assignments(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        return port_assignments{};
    }
    auto text = common::try_read_file(path);
    if (!text) {
        return std::make_error_code(std::errc::io_error);
    }
    const auto corrupt = std::make_error_code(std::errc::illegal_byte_sequence);
    nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("ports") || !j["ports"].is_object()) {
        return corrupt;
    }
    port_assignments out;
    try {
        for (const auto& [key, v] : j["ports"].items()) {
            std::size_t used = 0;
            int port = std::stoi(key, &used);
            if (used != key.size() || port < 1 || port > 65535) {
                return corrupt;
            }
            local_assignment la;
            la.topology_id = v.at("topology_id").get<std::string>();
            if (la.topology_id.empty()) {
                return corrupt;
            }
            for (const auto& e : v.at("executors")) {
                if (!e.is_array() || e.size() != 2) {
                    return corrupt;
                }
                la.executors.push_back({e[0].get<int>(), e[1].get<int>()});
            }
            normalize(la.executors);
            out.emplace(port, std::move(la));
        }
    } catch (const std::exception&) {
        return corrupt;  // a wrong type or a non-numeric port
    }
    return out;
}

}  // namespace tempest::supervisor
