// SPDX-License-Identifier: Apache-2.0
// Thrift summaries of topologies, supervisors and Nimbus hosts (see topology_queries.h).
#include "nimbus_error.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_convert.h"
#include "tempest/thrift/cluster_records_types.h"
#include "topology_queries.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace tempest::nimbus {

namespace th = tempest::thrift;
namespace rec = tempest::thrift::records;

namespace {

std::int64_t now_secs() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int32_t age_secs(std::int64_t since) {
    return static_cast<std::int32_t>(std::max<std::int64_t>(0, now_secs() - since));
}

th::TopologySummary summarize(const std::string& id, const storm_base& base,
                              const std::optional<common::assignment>& a) {
    th::TopologySummary s;
    s.id = id;
    s.name = base.name;
    s.status = status_string(base.status);
    s.uptime_secs = age_secs(base.launch_time_secs);
    s.num_executors = 0;
    s.num_tasks = 0;
    s.num_workers = 0;
    if (a) {
        std::set<common::node_port> slots;
        for (const auto& [e, np] : a->executor_node_port) {
            ++s.num_executors;
            s.num_tasks += e.task_end - e.task_start + 1;
            slots.insert(np);
        }
        s.num_workers = static_cast<std::int32_t>(slots.size());
    }
    if (!base.owner.empty()) {
        s.__set_owner(base.owner);
    }
    return s;
}

}  // namespace

topology_queries::topology_queries(nimbus_service& service) : _service(service) {}

std::vector<th::TopologySummary> topology_queries::summaries() {
    std::vector<th::TopologySummary> out;
    for (const auto& [id, base] : _service.topologies()) {
        out.push_back(summarize(id, base, _service.assignment_of(id)));
    }
    return out;
}

th::TopologySummary topology_queries::summary_by_name(const std::string& name) {
    for (auto& s : summaries()) {
        if (s.name == name) {
            return std::move(s);
        }
    }
    throw nimbus_error(error_kind::not_alive, "topology '" + name + "' is not alive");
}

th::TopologySummary topology_queries::summary_by_id(const std::string& id) {
    auto base = _service.topology(id);
    if (!base) {
        throw nimbus_error(error_kind::not_alive, "no topology with id '" + id + "'");
    }
    return summarize(id, *base, _service.assignment_of(id));
}

th::TopologyInfo topology_queries::info(const std::string& id, const storm_base& base,
                                        const th::GetInfoOptions& options) {
    auto& state = _service.state();
    const auto& paths = _service.paths();
    th::TopologyInfo info;
    info.id = id;
    info.name = base.name;
    info.status = status_string(base.status);
    info.uptime_secs = age_secs(base.launch_time_secs);
    std::map<int, std::string> component_of_task;
    for (const auto& c : _service.layout(id, base)) {
        info.errors[c.id];  // every component, with or without errors
        for (int t = c.first_task; t < c.first_task + c.num_tasks; ++t) {
            component_of_task[t] = c.id;
        }
    }
    if (auto a = _service.assignment_of(id)) {
        // The workers' heartbeats, by slot: uptime and stats of the executors they run.
        std::map<common::node_port, std::optional<rec::WorkerHeartbeatRecord>> beats;
        for (const auto& [e, np] : a->executor_node_port) {
            auto [it, inserted] = beats.try_emplace(np);
            if (!inserted) {
                continue;
            }
            if (auto hb = state.get(paths.workerbeat(id, np.node, np.port)); hb) {
                if (auto r = th::from_binary<rec::WorkerHeartbeatRecord>(hb->data); r) {
                    it->second = std::move(*r);
                }
            }
        }
        for (const auto& [e, np] : a->executor_node_port) {
            th::ExecutorSummary s;
            s.executor_info = th::to_thrift(e);
            auto c = component_of_task.find(e.task_start);
            s.component_id = c == component_of_task.end() ? "" : c->second;
            auto h = a->node_host.find(np.node);
            s.host = h == a->node_host.end() ? np.node : h->second;
            s.port = np.port;
            auto st = a->executor_start_time_secs.find(e);
            s.uptime_secs = st == a->executor_start_time_secs.end() ? 0 : age_secs(st->second);
            // A worker that reports this executor knows better: its own uptime and stats.
            if (const auto& hb = beats.at(np); hb) {
                auto stats = hb->executor_stats.find(s.executor_info);
                bool runs = stats != hb->executor_stats.end() ||
                            std::find(hb->executors.begin(), hb->executors.end(),
                                      s.executor_info) != hb->executors.end();
                if (runs) {
                    s.uptime_secs = hb->uptime_secs;
                }
                if (stats != hb->executor_stats.end()) {
                    s.__set_stats(stats->second);
                }
            }
            info.executors.push_back(std::move(s));
        }
    }
    auto choice =
        options.__isset.num_err_choice ? options.num_err_choice : th::NumErrorsChoice::ALL;
    if (choice == th::NumErrorsChoice::NONE) {
        return info;
    }
    auto components = state.children(paths.errors(id));
    if (!components) {
        return info;
    }
    for (const auto& component : *components) {
        auto dir = paths.errors(id) + "/" + component;
        auto names = state.children(dir);
        if (!names) {
            continue;
        }
        auto& list = info.errors[component];
        for (const auto& n : *names) {
            if (auto data = state.get(dir + "/" + n); data) {
                if (auto err = th::from_binary<th::ErrorInfo>(data->data); err) {
                    list.push_back(std::move(*err));
                }
            }
        }
        std::sort(list.begin(), list.end(), [](const th::ErrorInfo& a, const th::ErrorInfo& b) {
            return a.error_time_secs < b.error_time_secs;
        });
        if (choice == th::NumErrorsChoice::ONE && list.size() > 1) {
            list.erase(list.begin(), list.end() - 1);
        }
    }
    return info;
}

std::vector<th::SupervisorSummary> topology_queries::supervisors() {
    std::vector<th::SupervisorSummary> out;
    for (const auto& sup : _service.supervisors()) {
        th::SupervisorSummary s;
        s.host = sup.hostname;
        s.uptime_secs = static_cast<std::int32_t>(sup.uptime_secs);
        s.num_workers = static_cast<std::int32_t>(sup.ports.size());
        s.num_used_workers = static_cast<std::int32_t>(sup.used_ports.size());
        s.supervisor_id = sup.supervisor_id;
        s.__set_version(sup.version);
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<th::NimbusSummary> topology_queries::nimbuses(const th::NimbusSummary& leader) {
    auto& state = _service.state();
    const auto& paths = _service.paths();
    std::vector<th::NimbusSummary> out;
    if (auto ids = state.children(paths.nimbuses()); ids) {
        for (const auto& nid : *ids) {
            auto data = state.get(paths.nimbus(nid));
            if (!data) {
                continue;
            }
            auto n = th::from_binary<th::NimbusSummary>(data->data);
            if (!n) {
                continue;
            }
            n->isLeader = n->host == leader.host && n->port == leader.port;
            if (n->isLeader) {
                n->uptime_secs = leader.uptime_secs;
            }
            out.push_back(std::move(*n));
        }
    }
    if (out.empty()) {
        out.push_back(leader);
    }
    return out;
}

}  // namespace tempest::nimbus
