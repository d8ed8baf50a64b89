// SPDX-License-Identifier: Apache-2.0
// Thrift summaries of topologies, supervisors and Nimbus hosts (see topology_queries.h).
#include "logger.h"
#include "nimbus_error.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/cluster_records_convert.h"
#include "topology_queries.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace tempest::nimbus {

namespace th = tempest::thrift;

namespace {

std::int32_t age_secs(std::int64_t now, std::int64_t since) {
    return static_cast<std::int32_t>(std::max<std::int64_t>(0, now - since));
}

th::TopologySummary summarize(const std::string& id, const storm_base& base,
                              const std::optional<common::assignment>& a, std::int64_t now) {
    th::TopologySummary s;
    s.id = id;
    s.name = base.name;
    s.status = status_string(base.status);
    s.uptime_secs = age_secs(now, base.launch_time_secs);
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
        out.push_back(summarize(id, base, _service.assignment_of(id), _service.unix_now_secs()));
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
    return summarize(id, *base, _service.assignment_of(id), _service.unix_now_secs());
}

th::MetricPoint detail::to_thrift(const common::metric_point& m) {
    th::MetricPoint p;
    p.name = m.name;
    p.component = m.component;
    p.task = m.task;
    p.value = m.value;
    return p;
}

th::ExecutorSummary detail::executor_summary(const executor_report& r,
                                             const common::assignment& a) {
    th::ExecutorSummary s;
    s.executor_info = th::to_thrift(r.executor);
    s.component_id = r.component;
    auto h = a.node_host.find(r.slot.node);
    s.host = h == a.node_host.end() ? r.slot.node : h->second;
    s.port = r.slot.port;
    s.uptime_secs = r.uptime_secs;
    if (r.storm_stats) {
        s.__set_stats(th::to_thrift(*r.storm_stats));  // an older worker's, as it wrote them
    } else if (r.stats) {
        s.__set_stats(th::to_thrift(storm_stats_from_record(*r.stats, r.is_spout, r.sample_rate)));
    }
    if (r.reported) {
        s.__set_stats_time_secs(static_cast<std::int32_t>(r.reported->time_secs));
        s.__set_stats_age_secs(r.reported->age_secs);
        s.__set_late(r.reported->late);
    }
    return s;
}

topology_queries::topology_view topology_queries::view_of(const std::string& id,
                                                          const storm_base& base) {
    topology_view v;
    v.layout = _service.layout(id, base);  // empty (and logged) when the code is unreadable
    try {
        for (const auto& c : _service.stored(id)->topo.components) {
            if (c.kind == component_kind::spout) {
                v.spouts.insert(c.id);
            }
        }
    } catch (const std::exception& e) {
        // Gone meanwhile, or its code not here (yet): figures are read as bolts'; the answer
        // stands without them rather than failing (a standby still answers queries).
        log().debug("topology {}: spouts unknown: {}", id, e.what());
    }
    for (const auto& c : v.layout) {
        v.component_tasks[c.id] = c.num_tasks;
        for (int t = c.first_task; t < c.first_task + c.num_tasks; ++t) {
            v.component_of_task[t] = c.id;
        }
    }
    v.assignment = _service.assignment_of(id);
    if (!v.assignment) {
        return v;
    }
    auto& state = _service.state();
    const auto& paths = _service.paths();
    // The workers' heartbeats, by slot; an unreadable one counts as none.
    std::map<common::node_port, std::optional<common::worker_heartbeat>> beats;
    for (const auto& [e, np] : v.assignment->executor_node_port) {
        auto [it, inserted] = beats.try_emplace(np);
        if (!inserted) {
            continue;
        }
        if (auto hb = state.get(paths.workerbeat(id, np.node, np.port)); hb) {
            if (auto r = th::decode_worker_heartbeat(hb->data); r) {
                it->second = std::move(*r);
            } else {
                log().debug("workerbeat {}-{} of {}: {}", np.node, np.port, id,
                            r.error().message());
            }
        }
    }
    report_inputs in;
    in.assignment = &*v.assignment;
    in.component_of_task = &v.component_of_task;
    in.spouts = &v.spouts;
    in.now_unix_secs = _service.unix_now_secs();
    in.task_timeout = _service.settings().task_timeout;
    v.reports = build_reports(in, beats);
    return v;
}

std::map<std::string, std::vector<th::ErrorInfo>> topology_queries::errors_of(
    const std::string& id, const topology_view& view, th::NumErrorsChoice::type choice) {
    std::map<std::string, std::vector<th::ErrorInfo>> out;
    for (const auto& c : view.layout) {
        out[c.id];  // every component, with or without errors
    }
    if (choice == th::NumErrorsChoice::NONE) {
        return out;
    }
    auto& state = _service.state();
    const auto& paths = _service.paths();
    auto components = state.children(paths.errors(id));
    if (!components) {
        return out;
    }
    for (const auto& component : *components) {
        auto dir = paths.errors(id) + "/" + component;
        auto names = state.children(dir);
        if (!names) {
            continue;
        }
        auto& list = out[component];
        for (const auto& n : *names) {
            if (auto data = state.get(dir + "/" + n); data) {
                if (auto err = th::from_binary<th::ErrorInfo>(data->data); err) {
                    list.push_back(std::move(*err));
                }
            }
        }
        std::stable_sort(list.begin(), list.end(),
                         [](const th::ErrorInfo& a, const th::ErrorInfo& b) {
                             return a.error_time_secs < b.error_time_secs;
                         });
        if (choice == th::NumErrorsChoice::ONE && list.size() > 1) {
            list.erase(list.begin(), list.end() - 1);
        }
    }
    return out;
}

th::TopologyInfo topology_queries::info(const std::string& id, const storm_base& base,
                                        const th::GetInfoOptions& options) {
    auto v = view_of(id, base);
    th::TopologyInfo info;
    info.id = id;
    info.name = base.name;
    info.status = status_string(base.status);
    info.uptime_secs = age_secs(_service.unix_now_secs(), base.launch_time_secs);
    if (v.assignment) {
        for (const auto& r : v.reports.executors) {
            info.executors.push_back(detail::executor_summary(r, *v.assignment));
        }
    }
    auto choice =
        options.__isset.num_err_choice ? options.num_err_choice : th::NumErrorsChoice::ALL;
    info.errors = errors_of(id, v, choice);
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
