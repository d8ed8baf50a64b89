// SPDX-License-Identifier: Apache-2.0
// The page-info calls of topology_queries (see topology_queries.h): TopologyPageInfo,
// ComponentPageInfo and SupervisorPageInfo from the topology record, its layout and assignment,
// the executor reports (the workers' heartbeats) and the supervisors' records. Figures are the
// executors' stats records through common's stats_aggregate, so that they mean what Storm's do;
// none is made up where no worker reported, and a late worker's executors are counted as late
// instead of adding their last figures to the current ones.
#include "nimbus_error.h"
#include "tempest/common/stats_aggregate.h"
#include "topology_queries.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace tempest::nimbus {

namespace th = tempest::thrift;

namespace {

std::size_t window_index(const std::string& window) {
    if (window.empty()) {
        return common::num_windows - 1;
    }
    for (std::size_t i = 0; i < common::num_windows; ++i) {
        if (window == window_names[i]) {
            return i;
        }
    }
    throw nimbus_error(error_kind::bad_request,
                       "unknown window '" + window + "' (expected 600, 10800, 86400 or :all-time)");
}

bool is_system_component(const std::string& id) {
    return common::is_system_stream(id);  // the same "__" rule
}

// stats_aggregate's input: the executors of `view` that `pick` accepts and that have figures,
// leaving out the late ones unless `with_late`.
template <typename View, typename Pick>
std::vector<common::executor_figures> figures(const View& view, Pick&& pick,
                                              bool with_late = false) {
    std::vector<common::executor_figures> out;
    for (const auto& e : view.reports.executors) {
        if (pick(e) && (with_late || !e.late())) {
            out.push_back({e.component, e.is_spout, e.uptime_secs, e.stats ? &*e.stats : nullptr});
        }
    }
    return out;
}

bool any_stats(const std::vector<common::executor_figures>& f) {
    return std::any_of(f.begin(), f.end(), [](const auto& e) { return e.stats != nullptr; });
}

std::int64_t signed_count(std::uint64_t v) {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX));
}

// One component's (or executor's) ComponentAggregateStats for `window`; figures only when some
// executor reported.
// `num_executors` counts the late ones too; `f` holds only those whose figures count.
th::ComponentAggregateStats component_stats(const std::vector<common::executor_figures>& f,
                                            bool is_spout, int num_executors, int num_tasks,
                                            std::size_t window, bool include_sys) {
    th::ComponentAggregateStats s;
    s.__set_type(is_spout ? th::ComponentType::SPOUT : th::ComponentType::BOLT);
    th::CommonAggregateStats common;
    common.__set_num_executors(num_executors);
    common.__set_num_tasks(num_tasks);
    if (any_stats(f)) {
        auto a = common::aggregate_executors(f, window, include_sys);
        common.__set_emitted(signed_count(a.emitted));
        common.__set_transferred(signed_count(a.transferred));
        common.__set_acked(signed_count(a.acked));
        common.__set_failed(signed_count(a.failed));
        th::SpecificAggregateStats specific;
        if (is_spout) {
            th::SpoutAggregateStats spout;
            spout.__set_complete_latency_ms(a.complete_latency_ms);
            specific.__set_spout(spout);
        } else {
            th::BoltAggregateStats bolt;
            bolt.__set_execute_latency_ms(a.execute_latency_ms);
            bolt.__set_process_latency_ms(a.process_latency_ms);
            bolt.__set_executed(signed_count(a.executed));
            bolt.__set_capacity(a.capacity);
            specific.__set_bolt(bolt);
        }
        s.__set_specific_stats(specific);
    }
    s.__set_common_stats(common);
    return s;
}

std::vector<th::MetricPoint> metric_points(const std::vector<common::metric_point>& points) {
    std::vector<th::MetricPoint> out;
    out.reserve(points.size());
    for (const auto& m : points) {
        out.push_back(detail::to_thrift(m));
    }
    return out;
}

}  // namespace

th::TopologyPageInfo topology_queries::topology_page(const std::string& id, const storm_base& base,
                                                     const std::string& window, bool include_sys) {
    auto w = window_index(window);
    auto v = view_of(id, base);
    auto errors = errors_of(id, v, th::NumErrorsChoice::ONE);
    th::TopologyPageInfo page;
    page.id = id;
    page.__set_name(base.name);
    page.__set_uptime_secs(static_cast<std::int32_t>(
        std::max<std::int64_t>(0, _service.unix_now_secs() - base.launch_time_secs)));
    page.__set_status(status_string(base.status));
    if (!base.owner.empty()) {
        page.__set_owner(base.owner);
    }
    if (base.topology_version) {
        page.__set_topology_version(*base.topology_version);
    }
    if (auto stored = _service.stored(id)) {
        page.__set_topology_conf(stored->conf_json);
    }

    std::int32_t tasks = 0;
    for (const auto& e : v.reports.executors) {
        tasks += e.executor.task_end - e.executor.task_start + 1;
    }
    page.__set_num_executors(static_cast<std::int32_t>(v.reports.executors.size()));
    page.__set_num_tasks(tasks);
    page.__set_num_workers(static_cast<std::int32_t>(v.reports.workers.size()));

    std::map<std::string, th::ComponentAggregateStats> spouts;
    std::map<std::string, th::ComponentAggregateStats> bolts;
    for (const auto& [component, num_tasks] : v.component_tasks) {
        if (!include_sys && is_system_component(component)) {
            continue;
        }
        // An init-capture: clang 14 cannot capture a structured binding (C++20 allows it).
        auto of_component = [&name = component](const executor_report& e) {
            return e.component == name;
        };
        auto all = figures(v, of_component, true);
        auto f = figures(v, of_component);
        bool is_spout = v.spouts.contains(component);
        auto s =
            component_stats(f, is_spout, static_cast<int>(all.size()), num_tasks, w, include_sys);
        s.__set_num_late_executors(static_cast<std::int32_t>(all.size() - f.size()));
        if (auto err = errors.find(component); err != errors.end() && !err->second.empty()) {
            s.__set_last_error(err->second.back());
        }
        (is_spout ? spouts : bolts)[component] = std::move(s);
    }
    page.__set_id_to_spout_agg_stats(spouts);
    page.__set_id_to_bolt_agg_stats(bolts);

    auto visible = [&](const executor_report& e) {
        return include_sys || !is_system_component(e.component);
    };
    auto all = figures(v, visible);
    if (any_stats(all)) {
        th::TopologyStats stats;
        for (std::size_t i = 0; i < common::num_windows; ++i) {
            auto a = common::aggregate_topology(all, i, include_sys);
            const std::string name(window_names[i]);
            stats.window_to_emitted[name] = signed_count(a.emitted);
            stats.window_to_transferred[name] = signed_count(a.transferred);
            stats.window_to_acked[name] = signed_count(a.acked);
            stats.window_to_failed[name] = signed_count(a.failed);
            stats.window_to_complete_latencies_ms[name] = a.complete_latency_ms;
        }
        stats.__isset.window_to_emitted = true;
        stats.__isset.window_to_transferred = true;
        stats.__isset.window_to_acked = true;
        stats.__isset.window_to_failed = true;
        stats.__isset.window_to_complete_latencies_ms = true;
        page.__set_topology_stats(stats);
    }
    page.__set_num_late_executors(static_cast<std::int32_t>(
        std::count_if(v.reports.executors.begin(), v.reports.executors.end(),
                      [&](const executor_report& e) { return e.late() && visible(e); })));

    std::vector<th::MetricPoint> points;
    for (const auto& e : v.reports.executors) {
        if (!e.late() && visible(e)) {
            for (const auto& m : e.metrics) {
                points.push_back(detail::to_thrift(m));
            }
        }
    }
    for (const auto& [slot, worker] : v.reports.workers) {
        if (worker.reported && !worker.reported->late) {
            for (const auto& m : worker.metrics) {
                points.push_back(detail::to_thrift(m));
            }
        }
    }
    page.__set_metrics(points);

    page.__set_workers(workers_of(id, base, v, std::nullopt, include_sys));
    return page;
}

th::ComponentPageInfo topology_queries::component_page(const std::string& id,
                                                       const storm_base& base,
                                                       const std::string& component,
                                                       const std::string& window,
                                                       bool include_sys) {
    auto w = window_index(window);
    auto v = view_of(id, base);
    auto tasks = v.component_tasks.find(component);
    if (tasks == v.component_tasks.end()) {
        throw nimbus_error(error_kind::bad_request,
                           "topology " + id + " has no component '" + component + "'");
    }
    bool is_spout = v.spouts.contains(component);
    th::ComponentPageInfo page;
    page.component_id = component;
    page.component_type = is_spout ? th::ComponentType::SPOUT : th::ComponentType::BOLT;
    page.__set_topology_id(id);
    page.__set_topology_name(base.name);
    page.__set_topology_status(status_string(base.status));
    page.__set_num_tasks(tasks->second);

    auto of_component = [&](const executor_report& e) { return e.component == component; };
    auto all = figures(v, of_component, true);
    auto f = figures(v, of_component);
    auto num_executors = static_cast<int>(all.size());
    auto num_late = static_cast<std::int32_t>(all.size() - f.size());
    page.__set_num_executors(num_executors);
    page.__set_num_late_executors(num_late);

    std::map<std::string, th::ComponentAggregateStats> by_window;
    for (std::size_t i = 0; i < common::num_windows; ++i) {
        auto s = component_stats(f, is_spout, num_executors, tasks->second, i, include_sys);
        s.__set_num_late_executors(num_late);
        by_window[std::string(window_names[i])] = std::move(s);
    }
    page.__set_window_to_stats(by_window);

    if (any_stats(f)) {
        std::map<std::string, th::ComponentAggregateStats> outputs;
        std::map<th::GlobalStreamId, th::ComponentAggregateStats> inputs;
        for (const auto& [key, a] : common::aggregate_by_stream(f, w, include_sys)) {
            th::ComponentAggregateStats s;
            s.__set_type(page.component_type);
            th::CommonAggregateStats c;
            th::SpecificAggregateStats specific;
            if (key.component.empty()) {
                c.__set_emitted(signed_count(a.emitted));
                c.__set_transferred(signed_count(a.transferred));
                if (is_spout) {
                    c.__set_acked(signed_count(a.acked));
                    c.__set_failed(signed_count(a.failed));
                    th::SpoutAggregateStats spout;
                    spout.__set_complete_latency_ms(a.complete_latency_ms);
                    specific.__set_spout(spout);
                    s.__set_specific_stats(specific);
                }
                s.__set_common_stats(c);
                outputs[key.stream] = std::move(s);
            } else {
                c.__set_acked(signed_count(a.acked));
                c.__set_failed(signed_count(a.failed));
                th::BoltAggregateStats bolt;
                bolt.__set_executed(signed_count(a.executed));
                bolt.__set_execute_latency_ms(a.execute_latency_ms);
                bolt.__set_process_latency_ms(a.process_latency_ms);
                specific.__set_bolt(bolt);
                s.__set_specific_stats(specific);
                s.__set_common_stats(c);
                th::GlobalStreamId g;
                g.componentId = key.component;
                g.streamId = key.stream;
                inputs[g] = std::move(s);
            }
        }
        page.__set_sid_to_output_stats(outputs);
        if (!is_spout) {
            page.__set_gsid_to_input_stats(inputs);
        }
    }

    // Every executor with its own figures, the late ones too (marked in exec_summary).
    std::vector<th::ExecutorAggregateStats> executors;
    std::vector<th::MetricPoint> points;
    for (const auto& e : v.reports.executors) {
        if (e.component != component) {
            continue;
        }
        th::ExecutorAggregateStats x;
        x.__set_exec_summary(detail::executor_summary(e, *v.assignment));
        x.exec_summary.__isset.stats = false;  // the figures are in `stats`, for `window`
        x.exec_summary.stats = th::ExecutorStats();
        std::vector<common::executor_figures> one{
            {component, is_spout, e.uptime_secs, e.stats ? &*e.stats : nullptr}};
        x.__set_stats(component_stats(
            one, is_spout, 1, e.executor.task_end - e.executor.task_start + 1, w, include_sys));
        executors.push_back(std::move(x));
        if (!e.late()) {
            for (const auto& m : e.metrics) {
                points.push_back(detail::to_thrift(m));
            }
        }
    }
    page.__set_exec_stats(executors);
    page.__set_metrics(points);
    auto errors = errors_of(id, v, th::NumErrorsChoice::ALL);
    page.__set_errors(errors[component]);
    return page;
}

std::vector<th::WorkerSummary> topology_queries::workers_of(
    const std::string& id, const storm_base& base, const topology_view& view,
    const std::optional<std::set<std::string>>& nodes, bool include_sys) {
    std::vector<th::WorkerSummary> out;
    if (!view.assignment) {
        return out;
    }
    const auto& a = *view.assignment;
    std::map<common::node_port, th::WorkerSummary> slots;
    for (const auto& [e, np] : a.executor_node_port) {
        if (nodes && !nodes->contains(np.node)) {
            continue;
        }
        auto [it, inserted] = slots.try_emplace(np);
        auto& w = it->second;
        if (inserted) {
            w.__set_supervisor_id(np.node);
            auto h = a.node_host.find(np.node);
            w.__set_host(h == a.node_host.end() ? np.node : h->second);
            w.__set_port(np.port);
            w.__set_topology_id(id);
            w.__set_topology_name(base.name);
            w.__set_num_executors(0);
            w.__isset.component_to_num_tasks = true;
            if (!base.owner.empty()) {
                w.__set_owner(base.owner);
            }
            if (auto r = view.reports.workers.find(np);
                r != view.reports.workers.end() && r->second.reported) {
                const auto& rep = r->second;
                w.__set_time_secs(static_cast<std::int32_t>(rep.reported->time_secs));
                w.__set_uptime_secs(rep.uptime_secs);
                w.__set_heartbeat_age_secs(rep.reported->age_secs);
                w.__set_late(rep.reported->late);
                w.__set_metrics(metric_points(rep.metrics));
            }
        }
        ++w.num_executors;
        for (int t = e.task_start; t <= e.task_end; ++t) {
            auto c = view.component_of_task.find(t);
            if (c != view.component_of_task.end() &&
                (include_sys || !is_system_component(c->second))) {
                ++w.component_to_num_tasks[c->second];
            }
        }
    }
    for (auto& [np, w] : slots) {
        out.push_back(std::move(w));
    }
    return out;
}

th::SupervisorPageInfo topology_queries::supervisor_page(const std::string& id,
                                                         const std::string& host,
                                                         bool include_sys) {
    std::set<std::string> nodes;
    std::vector<th::SupervisorSummary> summaries;
    for (auto& s : supervisors()) {
        if (id.empty() ? s.host == host : s.supervisor_id == id) {
            nodes.insert(s.supervisor_id);
            summaries.push_back(std::move(s));
        }
    }
    if (nodes.empty()) {
        throw nimbus_error(error_kind::not_alive, id.empty()
                                                      ? "no supervisor on host '" + host + "'"
                                                      : "no supervisor with id '" + id + "'");
    }
    th::SupervisorPageInfo page;
    page.__set_supervisor_summaries(summaries);
    std::vector<th::WorkerSummary> workers;
    for (const auto& [tid, base] : _service.topologies()) {
        auto v = view_of(tid, base);
        for (auto& w : workers_of(tid, base, v, nodes, include_sys)) {
            workers.push_back(std::move(w));
        }
    }
    page.__set_worker_summaries(workers);
    return page;
}

}  // namespace tempest::nimbus
