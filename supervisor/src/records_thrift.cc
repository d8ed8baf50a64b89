// SPDX-License-Identifier: Apache-2.0
#include "records_thrift.h"

#include "logger.h"
#include "tempest/thrift/binary_codec.h"

#include <fstream>
#include <sstream>
#include <system_error>

namespace tempest::supervisor::detail {

namespace fs = std::filesystem;

port_assignments compute_local_assignments(
    std::string_view supervisor_id, const std::map<std::string, records::AssignmentRecord>& all) {
    port_assignments out;
    for (const auto& [topology_id, record] : all) {
        for (const auto& [executor, slot] : record.executor_node_port) {
            if (slot.node != supervisor_id) {
                continue;
            }
            if (slot.port < 1 || slot.port > 65535) {
                log().error(
                    "assignment of {} puts executor [{}-{}] on port {} of this node: not "
                    "a port; ignored",
                    topology_id, executor.task_start, executor.task_end, slot.port);
                continue;
            }
            auto [it, fresh] = out.try_emplace(slot.port);
            if (fresh) {
                it->second.topology_id = topology_id;
            } else if (it->second.topology_id != topology_id) {
                log().error("port {} is assigned to both {} and {}; keeping {}", slot.port,
                            it->second.topology_id, topology_id, it->second.topology_id);
                continue;
            }
            it->second.executors.push_back({executor.task_start, executor.task_end});
        }
    }
    for (auto& [port, la] : out) {
        normalize(la.executors);
    }
    return out;
}

heartbeat_reading read_heartbeat_file(const fs::path& file, std::string_view worker_id) {
    heartbeat_reading out;
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        return out;
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream bytes;
    if (in) {
        bytes << in.rdbuf();
    }
    if (!in) {
        log().warn("worker {}: cannot read its heartbeat {}; treating it as timed out", worker_id,
                   file.string());
        out.unreadable = true;
        return out;
    }
    auto r = thrift::from_binary<records::LocalWorkerHeartbeatRecord>(bytes.str());
    if (!r) {
        log().warn("worker {}: heartbeat {} is corrupt ({}); treating it as timed out", worker_id,
                   file.string(), r.error().message());
        out.unreadable = true;
        return out;
    }
    worker_heartbeat hb;
    hb.time_ms = r->time_ms;
    hb.topology_id = r->topology_id;
    hb.port = r->port;
    hb.pid = r->pid;
    for (const auto& e : r->executors) {
        hb.executors.push_back({e.task_start, e.task_end});
    }
    out.heartbeat = std::move(hb);
    return out;
}

std::string heartbeat_bytes(const worker_heartbeat& hb) {
    records::LocalWorkerHeartbeatRecord r;
    r.time_ms = hb.time_ms;
    r.topology_id = hb.topology_id;
    r.port = hb.port;
    r.pid = hb.pid;
    for (const auto& e : hb.executors) {
        tempest::thrift::ExecutorInfo ei;
        ei.task_start = e.task_start;
        ei.task_end = e.task_end;
        r.executors.push_back(ei);
    }
    return thrift::to_binary(r);
}

std::string supervisor_record_bytes(const supervisor_info& info) {
    records::SupervisorRecord r;
    r.supervisor_id = info.id;
    r.hostname = info.hostname;
    r.time_secs = info.time_secs;
    r.uptime_secs = info.uptime_secs;
    r.ports.assign(info.ports.begin(), info.ports.end());
    r.used_ports.assign(info.used_ports.begin(), info.used_ports.end());
    r.version = info.version;
    return thrift::to_binary(r);
}

}  // namespace tempest::supervisor::detail
