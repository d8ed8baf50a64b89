// SPDX-License-Identifier: Apache-2.0
// The page-info calls of topology_queries (see topology_queries.h): TopologyPageInfo,
// ComponentPageInfo and SupervisorPageInfo from the topology record, its layout and assignment,
// the workers' heartbeats and the supervisors' records. Figures go through common's
// stats_aggregate so that they mean what Storm's do; none is made up where no worker reported.
#include "nimbus_error.h"
#include "tempest/common/stats_aggregate.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_types.h"
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
namespace rec = tempest::thrift::records;
using common::stat_kind;

namespace {

// Storm's window names, in stats_record's window order.
constexpr std::array<std::string_view, common::num_windows> window_names{"600", "10800", "86400",
                                                                         ":all-time"};

std::size_t window_index(const std::string& window) {
    if (window.empty()) {
        return common::num_windows - 1;
    }
    for (std::size_t i = 0; i < window_names.size(); ++i) {
        if (window_names[i] == window) {
            return i;
        }
    }
    throw nimbus_error(error_kind::bad_request,
                       "unknown window '" + window + "' (expected 600, 10800, 86400 or :all-time)");
}

bool is_system_component(const std::string& id) {
    return common::is_system_stream(id);  // the same "__" rule
}

std::uint64_t count_of(std::int64_t v) {
    return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}

// Adds one figure of window `w` to `r`.
void add_at(common::stats_record& r, stat_kind kind, const common::stream_key& key, std::size_t w,
            std::uint64_t v) {
    if (v == 0) {
        return;
    }
    common::window_values values{};
    values[w] = v;
    r.add(kind, key, values);
}

// A latency average of `weight` samples, as stats_record's (sum in µs, samples), so that
// stats_aggregate weighs it by that count as Storm does.
void add_latency(common::stats_record& r, stat_kind sum_kind, stat_kind samples_kind,
                 const common::stream_key& key, std::size_t w, double avg_ms,
                 std::uint64_t weight) {
    if (weight == 0 || !(avg_ms > 0)) {
        return;
    }
    add_at(r, sum_kind, key, w,
           static_cast<std::uint64_t>(std::llround(avg_ms * 1000.0 * static_cast<double>(weight))));
    add_at(r, samples_kind, key, w, weight);
}

// An executor's heartbeat figures (Storm's ExecutorStats: per window name, per stream, latencies
// as averages) as a stats_record.
common::stats_record to_record(const th::ExecutorStats& s) {
    common::stats_record r;
    for (std::size_t w = 0; w < window_names.size(); ++w) {
        const std::string name(window_names[w]);
        auto own = [](const std::string& stream) { return common::stream_key{"", stream}; };
        if (auto it = s.emitted.find(name); it != s.emitted.end()) {
            for (const auto& [stream, v] : it->second) {
                add_at(r, stat_kind::emitted, own(stream), w, count_of(v));
            }
        }
        if (auto it = s.transferred.find(name); it != s.transferred.end()) {
            for (const auto& [stream, v] : it->second) {
                add_at(r, stat_kind::transferred, own(stream), w, count_of(v));
            }
        }
        if (s.specific.__isset.spout) {
            const auto& sp = s.specific.spout;
            std::map<std::string, std::uint64_t> acked;
            if (auto it = sp.acked.find(name); it != sp.acked.end()) {
                for (const auto& [stream, v] : it->second) {
                    acked[stream] = count_of(v);
                    add_at(r, stat_kind::acked, own(stream), w, count_of(v));
                }
            }
            if (auto it = sp.failed.find(name); it != sp.failed.end()) {
                for (const auto& [stream, v] : it->second) {
                    add_at(r, stat_kind::failed, own(stream), w, count_of(v));
                }
            }
            if (auto it = sp.complete_ms_avg.find(name); it != sp.complete_ms_avg.end()) {
                for (const auto& [stream, avg] : it->second) {
                    add_latency(r, stat_kind::complete_latency_us, stat_kind::complete_samples,
                                own(stream), w, avg, acked[stream]);
                }
            }
        } else if (s.specific.__isset.bolt) {
            const auto& b = s.specific.bolt;
            auto input = [](const th::GlobalStreamId& g) {
                return common::stream_key{g.componentId, g.streamId};
            };
            std::map<common::stream_key, std::uint64_t> acked;
            std::map<common::stream_key, std::uint64_t> executed;
            if (auto it = b.acked.find(name); it != b.acked.end()) {
                for (const auto& [g, v] : it->second) {
                    acked[input(g)] = count_of(v);
                    add_at(r, stat_kind::acked, input(g), w, count_of(v));
                }
            }
            if (auto it = b.failed.find(name); it != b.failed.end()) {
                for (const auto& [g, v] : it->second) {
                    add_at(r, stat_kind::failed, input(g), w, count_of(v));
                }
            }
            if (auto it = b.executed.find(name); it != b.executed.end()) {
                for (const auto& [g, v] : it->second) {
                    executed[input(g)] = count_of(v);
                    add_at(r, stat_kind::executed, input(g), w, count_of(v));
                }
            }
            if (auto it = b.execute_ms_avg.find(name); it != b.execute_ms_avg.end()) {
                for (const auto& [g, avg] : it->second) {
                    add_latency(r, stat_kind::execute_latency_us, stat_kind::execute_samples,
                                input(g), w, avg, executed[input(g)]);
                }
            }
            if (auto it = b.process_ms_avg.find(name); it != b.process_ms_avg.end()) {
                for (const auto& [g, avg] : it->second) {
                    add_latency(r, stat_kind::process_latency_us, stat_kind::process_samples,
                                input(g), w, avg, acked[input(g)]);
                }
            }
        }
    }
    return r;
}

// The executors of one topology as the pages need them.
struct executor_view {
    th::ExecutorSummary summary;
    bool is_spout = false;
    std::optional<common::stats_record> stats;
};

struct topology_view {
    th::TopologyInfo info;
    std::set<std::string> spouts;
    std::vector<executor_view> executors;
    std::map<std::string, int> component_tasks;

    // stats_aggregate's input over the executors `pick` accepts (pointers into `executors`).
    template <typename Pick>
    std::vector<common::executor_figures> figures(Pick&& pick) const {
        std::vector<common::executor_figures> out;
        for (const auto& e : executors) {
            if (pick(e)) {
                out.push_back({e.summary.component_id, e.is_spout, e.summary.uptime_secs,
                               e.stats ? &*e.stats : nullptr});
            }
        }
        return out;
    }
};

bool any_stats(const std::vector<common::executor_figures>& f) {
    return std::any_of(f.begin(), f.end(), [](const auto& e) { return e.stats != nullptr; });
}

std::int64_t signed_count(std::uint64_t v) {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX));
}

// One component's (or executor's) ComponentAggregateStats for `window`; figures only when some
// executor reported.
th::ComponentAggregateStats component_stats(const std::vector<common::executor_figures>& f,
                                            bool is_spout, int num_tasks, std::size_t window,
                                            bool include_sys) {
    th::ComponentAggregateStats s;
    s.__set_type(is_spout ? th::ComponentType::SPOUT : th::ComponentType::BOLT);
    th::CommonAggregateStats common;
    common.__set_num_executors(static_cast<std::int32_t>(f.size()));
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

int tasks_of(const th::ExecutorInfo& e) {
    return e.task_end - e.task_start + 1;
}

topology_view view_of(topology_queries& q, nimbus_service& service, const std::string& id,
                      const storm_base& base) {
    topology_view v;
    v.info = q.info(id, base, th::GetInfoOptions());
    if (auto stored = service.stored(id)) {
        for (const auto& c : stored->topo.components) {
            if (c.kind == component_kind::spout) {
                v.spouts.insert(c.id);
            }
        }
    }
    for (const auto& c : service.layout(id, base)) {
        v.component_tasks[c.id] = c.num_tasks;
    }
    for (const auto& s : v.info.executors) {
        executor_view e;
        e.summary = s;
        e.is_spout = v.spouts.contains(s.component_id);
        if (s.__isset.stats) {
            e.stats = to_record(s.stats);
        }
        v.executors.push_back(std::move(e));
    }
    return v;
}

const th::ErrorInfo* last_error(const th::TopologyInfo& info, const std::string& component) {
    auto it = info.errors.find(component);
    if (it == info.errors.end() || it->second.empty()) {
        return nullptr;
    }
    return &it->second.back();  // oldest first
}

}  // namespace

th::TopologyPageInfo topology_queries::topology_page(const std::string& id, const storm_base& base,
                                                     const std::string& window, bool include_sys) {
    auto w = window_index(window);
    auto v = view_of(*this, _service, id, base);
    th::TopologyPageInfo page;
    page.id = id;
    page.__set_name(base.name);
    page.__set_uptime_secs(v.info.uptime_secs);
    page.__set_status(v.info.status);
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
    std::set<std::pair<std::string, int>> slots;
    for (const auto& e : v.executors) {
        tasks += tasks_of(e.summary.executor_info);
        slots.emplace(e.summary.host, e.summary.port);
    }
    page.__set_num_executors(static_cast<std::int32_t>(v.executors.size()));
    page.__set_num_tasks(tasks);
    page.__set_num_workers(static_cast<std::int32_t>(slots.size()));

    std::map<std::string, th::ComponentAggregateStats> spouts;
    std::map<std::string, th::ComponentAggregateStats> bolts;
    for (const auto& [component, num_tasks] : v.component_tasks) {
        if (!include_sys && is_system_component(component)) {
            continue;
        }
        auto f =
            v.figures([&](const executor_view& e) { return e.summary.component_id == component; });
        bool is_spout = v.spouts.contains(component);
        auto s = component_stats(f, is_spout, num_tasks, w, include_sys);
        if (const auto* err = last_error(v.info, component)) {
            s.__set_last_error(*err);
        }
        (is_spout ? spouts : bolts)[component] = std::move(s);
    }
    page.__set_id_to_spout_agg_stats(spouts);
    page.__set_id_to_bolt_agg_stats(bolts);

    auto all = v.figures([&](const executor_view& e) {
        return include_sys || !is_system_component(e.summary.component_id);
    });
    if (any_stats(all)) {
        th::TopologyStats stats;
        for (std::size_t i = 0; i < window_names.size(); ++i) {
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

    page.__set_workers(workers_of(id, base, std::nullopt, include_sys));
    return page;
}

th::ComponentPageInfo topology_queries::component_page(const std::string& id,
                                                       const storm_base& base,
                                                       const std::string& component,
                                                       const std::string& window,
                                                       bool include_sys) {
    auto w = window_index(window);
    auto v = view_of(*this, _service, id, base);
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
    page.__set_topology_status(v.info.status);
    page.__set_num_tasks(tasks->second);

    auto f = v.figures([&](const executor_view& e) { return e.summary.component_id == component; });
    page.__set_num_executors(static_cast<std::int32_t>(f.size()));

    std::map<std::string, th::ComponentAggregateStats> by_window;
    for (std::size_t i = 0; i < window_names.size(); ++i) {
        by_window[std::string(window_names[i])] =
            component_stats(f, is_spout, tasks->second, i, include_sys);
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

    std::vector<th::ExecutorAggregateStats> executors;
    for (const auto& e : v.executors) {
        if (e.summary.component_id != component) {
            continue;
        }
        th::ExecutorAggregateStats x;
        x.__set_exec_summary(e.summary);
        std::vector<common::executor_figures> one{
            {component, is_spout, e.summary.uptime_secs, e.stats ? &*e.stats : nullptr}};
        x.__set_stats(
            component_stats(one, is_spout, tasks_of(e.summary.executor_info), w, include_sys));
        executors.push_back(std::move(x));
    }
    page.__set_exec_stats(executors);
    auto errors = v.info.errors.find(component);
    page.__set_errors(errors == v.info.errors.end() ? std::vector<th::ErrorInfo>{}
                                                    : errors->second);
    return page;
}

std::vector<th::WorkerSummary> topology_queries::workers_of(
    const std::string& id, const storm_base& base,
    const std::optional<std::set<std::string>>& nodes, bool include_sys) {
    std::vector<th::WorkerSummary> out;
    auto a = _service.assignment_of(id);
    if (!a) {
        return out;
    }
    std::map<int, std::string> component_of_task;
    for (const auto& c : _service.layout(id, base)) {
        for (int t = c.first_task; t < c.first_task + c.num_tasks; ++t) {
            component_of_task[t] = c.id;
        }
    }
    std::map<common::node_port, th::WorkerSummary> slots;
    for (const auto& [e, np] : a->executor_node_port) {
        if (nodes && !nodes->contains(np.node)) {
            continue;
        }
        auto [it, inserted] = slots.try_emplace(np);
        auto& w = it->second;
        if (inserted) {
            w.__set_supervisor_id(np.node);
            auto h = a->node_host.find(np.node);
            w.__set_host(h == a->node_host.end() ? np.node : h->second);
            w.__set_port(np.port);
            w.__set_topology_id(id);
            w.__set_topology_name(base.name);
            w.__set_num_executors(0);
            w.__isset.component_to_num_tasks = true;
            if (!base.owner.empty()) {
                w.__set_owner(base.owner);
            }
            auto hb = _service.state().get(_service.paths().workerbeat(id, np.node, np.port));
            if (hb) {
                if (auto r = th::from_binary<rec::WorkerHeartbeatRecord>(hb->data); r) {
                    w.__set_time_secs(static_cast<std::int32_t>(r->time_secs));
                    w.__set_uptime_secs(r->uptime_secs);
                }
            }
        }
        ++w.num_executors;
        for (int t = e.task_start; t <= e.task_end; ++t) {
            auto c = component_of_task.find(t);
            if (c != component_of_task.end() && (include_sys || !is_system_component(c->second))) {
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
        for (auto& w : workers_of(tid, base, nodes, include_sys)) {
            workers.push_back(std::move(w));
        }
    }
    page.__set_worker_summaries(workers);
    return page;
}

}  // namespace tempest::nimbus
