// SPDX-License-Identifier: Apache-2.0
// The Thrift side of nimbus_leader_client: the generated NimbusClient over TSocket +
// TFramedTransport + TBinaryProtocol, the leader search, and the conversion of Nimbus' structs
// and exceptions to nimbus_access's.
#include "logger.h"
#include "nimbus_leader_client.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/nimbus_types.h"

#include <fmt/format.h>
#include <thrift/TApplicationException.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TProtocolException.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include <algorithm>
#include <limits>
#include <string_view>
#include <type_traits>

namespace tempest::ui {

namespace at = apache::thrift;
namespace th = tempest::thrift;

struct nimbus_leader_client::connection {
    nimbus_endpoint endpoint;
    std::shared_ptr<at::transport::TSocket> socket;
    std::shared_ptr<at::transport::TTransport> transport;
    std::unique_ptr<th::NimbusClient> client;

    connection(const nimbus_endpoint& e, std::chrono::milliseconds timeout) : endpoint(e) {
        auto ms = static_cast<int>(
            std::min<std::int64_t>(timeout.count(), std::numeric_limits<int>::max()));
        socket = std::make_shared<at::transport::TSocket>(e.host, e.port);
        socket->setConnTimeout(ms);
        socket->setRecvTimeout(ms);
        socket->setSendTimeout(ms);
        transport = std::make_shared<at::transport::TFramedTransport>(socket);
        transport->open();  // throws TTransportException
        client = std::make_unique<th::NimbusClient>(
            std::make_shared<at::protocol::TBinaryProtocol>(transport));
    }
    ~connection() {
        try {
            transport->close();
        } catch (const std::exception&) {
            (void)0;  // closing a broken connection: nothing left to do
        }
    }
};

namespace {

// Thrift prints its own diagnostics on stderr ("TSocket::open() error ..."); our errors carry
// the same facts, so they go to the debug log.
void quiet_thrift_output() {
    static const bool done = [] {
        at::GlobalOutput.setOutputFunction([](const char* msg) { log().debug("thrift: {}", msg); });
        return true;
    }();
    (void)done;
}

template <typename T>
std::optional<T> opt(bool isset, const T& v) {
    return isset ? std::optional<T>(v) : std::nullopt;
}

supervisor_info convert(const th::SupervisorSummary& s) {
    supervisor_info out;
    out.id = s.supervisor_id;
    out.host = s.host;
    out.uptime_secs = s.uptime_secs;
    out.slots_total = s.num_workers;
    out.slots_used = s.num_used_workers;
    out.version = s.version;
    if (s.__isset.total_resources) {
        out.total_resources = s.total_resources;
    }
    out.used_mem = opt(s.__isset.used_mem, s.used_mem);
    out.used_cpu = opt(s.__isset.used_cpu, s.used_cpu);
    return out;
}

topology_info convert(const th::TopologySummary& t) {
    topology_info out;
    out.id = t.id;
    out.name = t.name;
    out.status = t.status;
    out.uptime_secs = t.uptime_secs;
    out.num_tasks = t.num_tasks;
    out.num_executors = t.num_executors;
    out.num_workers = t.num_workers;
    out.replication_count = opt(t.__isset.replication_count, static_cast<int>(t.replication_count));
    out.owner = opt(t.__isset.owner, t.owner);
    out.requested_mem_on_heap = opt(t.__isset.requested_memonheap, t.requested_memonheap);
    out.requested_mem_off_heap = opt(t.__isset.requested_memoffheap, t.requested_memoffheap);
    out.requested_cpu = opt(t.__isset.requested_cpu, t.requested_cpu);
    out.assigned_mem_on_heap = opt(t.__isset.assigned_memonheap, t.assigned_memonheap);
    out.assigned_mem_off_heap = opt(t.__isset.assigned_memoffheap, t.assigned_memoffheap);
    out.assigned_cpu = opt(t.__isset.assigned_cpu, t.assigned_cpu);
    return out;
}

nimbus_info convert(const th::NimbusSummary& n) {
    return {.host = n.host,
            .port = n.port,
            .uptime_secs = n.uptime_secs,
            .is_leader = n.isLeader,
            .version = n.version};
}

worker_info convert(const th::WorkerSummary& w) {
    worker_info out;
    out.supervisor_id = w.supervisor_id;
    out.host = w.host;
    out.port = w.port;
    out.topology_id = w.topology_id;
    out.topology_name = w.topology_name;
    out.num_executors = w.num_executors;
    for (const auto& [c, n] : w.component_to_num_tasks) {
        out.component_num_tasks[c] = static_cast<long long>(n);
    }
    out.uptime_secs = w.uptime_secs;
    out.assigned_mem_on_heap = opt(w.__isset.assigned_memonheap, w.assigned_memonheap);
    out.assigned_mem_off_heap = opt(w.__isset.assigned_memoffheap, w.assigned_memoffheap);
    out.assigned_cpu = opt(w.__isset.assigned_cpu, w.assigned_cpu);
    out.heartbeat_age_secs = opt(w.__isset.heartbeat_age_secs, int{w.heartbeat_age_secs});
    out.late = opt(w.__isset.late, bool{w.late});
    for (const auto& m : w.metrics) {
        out.metrics[m.name] = m.value;
    }
    return out;
}

error_info convert(const th::ErrorInfo& e) {
    error_info out;
    out.error = e.error;
    out.time_secs = e.error_time_secs;
    out.host = e.__isset.host ? e.host : std::string();
    out.port = opt(e.__isset.port, int{e.port});
    out.task = opt(e.__isset.task, int{e.task});
    return out;
}

metric_point convert(const th::MetricPoint& m) {
    return {.name = m.name, .component = m.component, .task = m.task, .value = m.value};
}

std::vector<metric_point> convert(const std::vector<th::MetricPoint>& points) {
    std::vector<metric_point> out;
    out.reserve(points.size());
    for (const auto& m : points) {
        out.push_back(convert(m));
    }
    return out;
}

component_stats convert(const th::ComponentAggregateStats& a) {
    component_stats out;
    out.is_spout = a.__isset.type && a.type == th::ComponentType::SPOUT;
    if (a.__isset.common_stats) {
        const auto& c = a.common_stats;
        out.num_executors = c.__isset.num_executors ? c.num_executors : 0;
        out.num_tasks = c.__isset.num_tasks ? c.num_tasks : 0;
        out.emitted = opt(c.__isset.emitted, static_cast<long long>(c.emitted));
        out.transferred = opt(c.__isset.transferred, static_cast<long long>(c.transferred));
        out.acked = opt(c.__isset.acked, static_cast<long long>(c.acked));
        out.failed = opt(c.__isset.failed, static_cast<long long>(c.failed));
    }
    if (a.__isset.specific_stats) {
        const auto& sp = a.specific_stats;
        if (sp.__isset.spout) {
            out.complete_latency_ms =
                opt(sp.spout.__isset.complete_latency_ms, sp.spout.complete_latency_ms);
        }
        if (sp.__isset.bolt) {
            const auto& b = sp.bolt;
            out.execute_latency_ms = opt(b.__isset.execute_latency_ms, b.execute_latency_ms);
            out.process_latency_ms = opt(b.__isset.process_latency_ms, b.process_latency_ms);
            out.executed = opt(b.__isset.executed, static_cast<long long>(b.executed));
            out.capacity = opt(b.__isset.capacity, b.capacity);
        }
    }
    if (a.__isset.last_error) {
        out.last_error = convert(a.last_error);
    }
    out.num_late_executors = a.__isset.num_late_executors ? a.num_late_executors : 0;
    return out;
}

std::string grouping_name(const th::Grouping& g) {
    const auto& s = g.__isset;
    return s.fields              ? "fields"
           : s.shuffle           ? "shuffle"
           : s.all               ? "all"
           : s.none              ? "none"
           : s.direct            ? "direct"
           : s.custom_object     ? "custom_object"
           : s.custom_serialized ? "custom_serialized"
           : s.local_or_shuffle  ? "local_or_shuffle"
                                 : "unknown";
}

// The all-time figures of a window-keyed map (stream or GlobalStreamId -> count).
template <typename Map>
const typename Map::mapped_type* all_time(const Map& by_window) {
    auto it = by_window.find(":all-time");
    return it == by_window.end() ? nullptr : &it->second;
}

bool says_not_leader(const std::string& what) {
    return what.find("not the leader") != std::string::npos;
}

}  // namespace

nimbus_leader_client::nimbus_leader_client(std::vector<nimbus_endpoint> seeds,
                                           std::chrono::milliseconds timeout,
                                           std::chrono::milliseconds retry_after,
                                           std::size_t pool_size)
    : _seeds(std::move(seeds)),
      _timeout(timeout),
      _retry_after(retry_after),
      _pool_size(std::max<std::size_t>(1, pool_size)) {
    quiet_thrift_output();
}

nimbus_leader_client::~nimbus_leader_client() = default;

std::string nimbus_leader_client::current() const {
    std::scoped_lock lock(_mu);
    return _connected.host.empty() ? std::string() : _connected.text();
}

std::size_t nimbus_leader_client::open_connections() const {
    std::scoped_lock lock(_mu);
    return _open;
}

std::unique_ptr<nimbus_leader_client::connection> nimbus_leader_client::search(
    const std::vector<nimbus_endpoint>& candidates, nimbus_endpoint& chosen, bool& is_leader) {
    std::vector<std::string> failures;
    for (const auto& c : candidates) {
        std::unique_ptr<connection> conn;
        th::NimbusSummary leader;
        try {
            conn = std::make_unique<connection>(c, _timeout);
            conn->client->getLeader(leader);
        } catch (const at::TException& e) {
            log().debug("Nimbus at {} did not answer: {}", c.text(), e.what());
            failures.push_back(fmt::format("{} ({})", c.text(), e.what()));
            continue;
        }
        nimbus_endpoint named{leader.host, leader.port};
        chosen = c;
        if (!named.host.empty() && named.port > 0 && !(named == c)) {
            try {
                auto direct = std::make_unique<connection>(named, _timeout);
                conn = std::move(direct);
                chosen = named;
            } catch (const at::TException& e) {
                log().warn(
                    "Nimbus at {} names {} as leader, which does not answer ({}); asking "
                    "{} meanwhile",
                    c.text(), named.text(), e.what(), c.text());
            }
        }
        is_leader = chosen == named || named.host.empty();
        return conn;
    }
    throw nimbus_call_error(nimbus_failure::unreachable,
                            fmt::format("no Nimbus answered: {}", fmt::join(failures, "; ")));
}

nimbus_leader_client::lease nimbus_leader_client::acquire() {
    std::unique_lock lock(_mu);
    for (;;) {
        if (!_idle.empty()) {
            lease l{std::move(_idle.back()), _generation};
            _idle.pop_back();
            return l;
        }
        if (!_connected.host.empty() && _open < _pool_size) {
            // Another connection to the Nimbus followed, opened outside the lock.
            ++_open;
            const nimbus_endpoint target = _connected;
            const std::uint64_t generation = _generation;
            lock.unlock();
            try {
                return {std::make_unique<connection>(target, _timeout), generation};
            } catch (const at::TException& e) {
                log().warn("cannot open another connection to Nimbus at {}: {}", target.text(),
                           e.what());
                lock.lock();
                --_open;
                if (generation == _generation) {
                    _connected = {};  // search again, starting from the last leader
                    ++_generation;
                    _open -= _idle.size();
                    _idle.clear();
                }
                _changed.notify_all();
                continue;
            }
        }
        if (_connected.host.empty() && !_searching) {
            if (!_failure.empty() && std::chrono::steady_clock::now() - _failed_at < _retry_after) {
                throw nimbus_call_error(nimbus_failure::unreachable, _failure);
            }
            if (_open >= _pool_size) {
                // Busy connections to the Nimbus left behind still count; wait for them.
                _changed.wait(lock);
                continue;
            }
            std::vector<nimbus_endpoint> candidates;
            auto add = [&](const nimbus_endpoint& e) {
                if (e.port > 0 && !e.host.empty() &&
                    std::find(candidates.begin(), candidates.end(), e) == candidates.end()) {
                    candidates.push_back(e);
                }
            };
            add(_last_leader);
            for (const auto& e : _known) {
                add(e);
            }
            for (const auto& e : _seeds) {
                add(e);
            }
            _searching = true;
            ++_open;  // the connection the search opens
            lock.unlock();
            nimbus_endpoint chosen;
            bool is_leader = false;
            std::unique_ptr<connection> conn;
            std::string failure;
            try {
                conn = search(candidates, chosen, is_leader);
            } catch (const nimbus_call_error& e) {
                failure = e.what();
            }
            lock.lock();
            _searching = false;
            _changed.notify_all();
            if (!conn) {
                --_open;
                _failure = failure;
                _failed_at = std::chrono::steady_clock::now();
                throw nimbus_call_error(nimbus_failure::unreachable, _failure);
            }
            if (is_leader) {
                _last_leader = chosen;
            }
            if (!(chosen == _last_logged)) {
                log().info("following Nimbus at {}{}", chosen.text(),
                           is_leader ? " (the leader)" : "");
                _last_logged = chosen;
            }
            _connected = chosen;
            ++_generation;
            _failure.clear();
            return {std::move(conn), _generation};
        }
        _changed.wait(lock);
    }
}

void nimbus_leader_client::release(lease l) {
    std::scoped_lock lock(_mu);
    if (l.generation == _generation) {
        _idle.push_back(std::move(l.conn));
    } else {
        --_open;  // it went to a Nimbus no longer followed
    }
    _changed.notify_all();
}

void nimbus_leader_client::drop(lease l, bool not_leader) {
    std::scoped_lock lock(_mu);
    l.conn.reset();
    --_open;
    if (l.generation == _generation && !_connected.host.empty()) {
        if (not_leader) {
            _last_leader = {};
        }
        _connected = {};
        ++_generation;
        _open -= _idle.size();
        _idle.clear();
    }
    _changed.notify_all();
}

void nimbus_leader_client::with_leader(const char* what,
                                       const std::function<void(connection&)>& call) {
    for (int attempt = 0;; ++attempt) {
        const bool last = attempt > 0;
        lease l = acquire();
        const std::string at = l.conn->endpoint.text();
        try {
            call(*l.conn);
            release(std::move(l));
            return;
        } catch (const th::NotAliveException& e) {
            release(std::move(l));
            throw nimbus_call_error(nimbus_failure::not_found, e.msg);
        } catch (const th::InvalidTopologyException& e) {
            release(std::move(l));
            throw nimbus_call_error(nimbus_failure::invalid, e.msg);
        } catch (const th::AlreadyAliveException& e) {
            release(std::move(l));
            throw nimbus_call_error(nimbus_failure::invalid, e.msg);
        } catch (const th::AuthorizationException& e) {
            release(std::move(l));
            throw nimbus_call_error(nimbus_failure::forbidden, e.msg);
        } catch (const at::TApplicationException& e) {
            if (says_not_leader(e.what()) && !last) {
                log().info("Nimbus at {} is no longer the leader; looking for it", at);
                drop(std::move(l), true);
                continue;
            }
            release(std::move(l));
            throw nimbus_call_error(nimbus_failure::failed,
                                    fmt::format("Nimbus at {} failed {}: {}", at, what, e.what()));
        } catch (const at::transport::TTransportException& e) {
            log().warn("lost the connection to Nimbus at {} during {}: {}", at, what, e.what());
            drop(std::move(l), false);
            if (!last) {
                continue;
            }
            throw nimbus_call_error(nimbus_failure::unreachable,
                                    fmt::format("lost the connection to Nimbus at {} during {}: {}",
                                                at, what, e.what()));
        } catch (const at::TException& e) {
            // A malformed reply leaves the stream out of step: this connection goes.
            std::scoped_lock lock(_mu);
            l.conn.reset();
            --_open;
            _changed.notify_all();
            throw nimbus_call_error(
                nimbus_failure::failed,
                fmt::format("Nimbus at {} sent a bad reply to {}: {}", at, what, e.what()));
        }
    }
}

std::string nimbus_leader_client::conf_json() {
    std::string json;
    with_leader("getNimbusConf", [&](connection& c) { c.client->getNimbusConf(json); });
    return json;
}

cluster_info nimbus_leader_client::cluster() {
    th::ClusterSummary s;
    with_leader("getClusterInfo", [&](connection& c) { c.client->getClusterInfo(s); });
    cluster_info out;
    std::vector<nimbus_endpoint> known;
    for (const auto& n : s.nimbuses) {
        out.nimbuses.push_back(convert(n));
        known.push_back({n.host, n.port});
    }
    for (const auto& sv : s.supervisors) {
        out.supervisors.push_back(convert(sv));
    }
    for (const auto& t : s.topologies) {
        out.topologies.push_back(convert(t));
    }
    {
        std::scoped_lock lock(_mu);
        _known = std::move(known);
    }
    return out;
}

supervisor_page nimbus_leader_client::supervisor(const std::string& id, const std::string& host,
                                                 bool include_sys) {
    th::SupervisorPageInfo p;
    with_leader("getSupervisorPageInfo",
                [&](connection& c) { c.client->getSupervisorPageInfo(p, id, host, include_sys); });
    supervisor_page out;
    for (const auto& s : p.supervisor_summaries) {
        out.supervisors.push_back(convert(s));
    }
    for (const auto& w : p.worker_summaries) {
        out.workers.push_back(convert(w));
    }
    return out;
}

topology_page nimbus_leader_client::topology(const std::string& id, const std::string& window,
                                             bool include_sys) {
    th::TopologyPageInfo p;
    with_leader("getTopologyPageInfo",
                [&](connection& c) { c.client->getTopologyPageInfo(p, id, window, include_sys); });
    topology_page out;
    out.id = p.id;
    out.name = p.name;
    out.status = p.status;
    out.uptime_secs = p.uptime_secs;
    out.num_tasks = p.num_tasks;
    out.num_workers = p.num_workers;
    out.num_executors = p.num_executors;
    out.conf_json = p.__isset.topology_conf ? p.topology_conf : std::string();
    out.owner = opt(p.__isset.owner, p.owner);
    out.replication_count = opt(p.__isset.replication_count, int{p.replication_count});
    for (const auto& [c, a] : p.id_to_spout_agg_stats) {
        out.spouts[c] = convert(a);
        out.spouts[c].is_spout = true;
    }
    for (const auto& [c, a] : p.id_to_bolt_agg_stats) {
        out.bolts[c] = convert(a);
    }
    if (p.__isset.topology_stats) {
        const auto& t = p.topology_stats;
        for (const auto& [w, n] : t.window_to_emitted) {
            auto& totals = out.totals[w];
            totals.emitted = n;
            auto get = [&w](const auto& m) {
                auto it = m.find(w);
                return it == m.end() ? typename std::decay_t<decltype(m)>::mapped_type{}
                                     : it->second;
            };
            totals.transferred = get(t.window_to_transferred);
            totals.acked = get(t.window_to_acked);
            totals.failed = get(t.window_to_failed);
            totals.complete_latency_ms = get(t.window_to_complete_latencies_ms);
        }
    }
    for (const auto& w : p.workers) {
        out.workers.push_back(convert(w));
    }
    out.num_late_executors = p.__isset.num_late_executors ? p.num_late_executors : 0;
    out.metrics = convert(p.metrics);
    return out;
}

component_page nimbus_leader_client::component(const std::string& id, const std::string& component,
                                               const std::string& window, bool include_sys) {
    th::ComponentPageInfo p;
    try {
        with_leader("getComponentPageInfo", [&](connection& c) {
            c.client->getComponentPageInfo(p, id, component, window, include_sys);
        });
    } catch (const nimbus_call_error& e) {
        // Nimbus names an unknown component in a plain failure (its IDL declares no exception
        // for it): "topology X has no component 'Y'".
        if (e.kind() == nimbus_failure::failed &&
            std::string_view(e.what()).find("has no component") != std::string_view::npos) {
            throw nimbus_call_error(nimbus_failure::not_found,
                                    "topology " + id + " has no component '" + component + "'");
        }
        throw;
    }
    component_page out;
    out.component_id = p.component_id;
    out.is_spout = p.component_type == th::ComponentType::SPOUT;
    out.topology_id = p.topology_id;
    out.topology_name = p.topology_name;
    out.topology_status = p.topology_status;
    out.num_executors = p.num_executors;
    out.num_tasks = p.num_tasks;
    for (const auto& [w, a] : p.window_to_stats) {
        out.window_stats[w] = convert(a);
    }
    for (const auto& [g, a] : p.gsid_to_input_stats) {
        out.input_stats[{g.componentId, g.streamId}] = convert(a);
    }
    for (const auto& [s, a] : p.sid_to_output_stats) {
        out.output_stats[s] = convert(a);
    }
    for (const auto& x : p.exec_stats) {
        executor_row row;
        const auto& e = x.exec_summary;
        row.task_start = e.executor_info.task_start;
        row.task_end = e.executor_info.task_end;
        row.host = e.host;
        row.port = e.port;
        row.uptime_secs = e.uptime_secs;
        row.stats_age_secs = opt(e.__isset.stats_age_secs, int{e.stats_age_secs});
        row.late = opt(e.__isset.late, bool{e.late});
        row.stats = convert(x.stats);
        out.executors.push_back(std::move(row));
    }
    for (const auto& e : p.errors) {
        out.errors.push_back(convert(e));
    }
    out.num_late_executors = p.__isset.num_late_executors ? p.num_late_executors : 0;
    out.metrics = convert(p.metrics);
    return out;
}

topology_graph nimbus_leader_client::graph(const std::string& id) {
    th::StormTopology t;
    with_leader("getTopology", [&](connection& c) { c.client->getTopology(t, id); });
    topology_graph out;
    auto add = [&out](const std::string& cid, bool is_spout, const th::ComponentCommon& common) {
        out.components[cid] = is_spout;
        auto& inputs = out.inputs[cid];
        for (const auto& [g, grouping] : common.inputs) {
            inputs.push_back({g.componentId, g.streamId, grouping_name(grouping)});
        }
    };
    for (const auto& [cid, s] : t.spouts) {
        add(cid, true, s.common);
    }
    for (const auto& [cid, b] : t.bolts) {
        add(cid, false, b.common);
    }
    return out;
}

std::vector<executor_stream_counts> nimbus_leader_client::executor_counts(const std::string& id) {
    th::TopologyInfo info;
    with_leader("getTopologyInfo", [&](connection& c) { c.client->getTopologyInfo(info, id); });
    std::vector<executor_stream_counts> out;
    for (const auto& e : info.executors) {
        if (!e.__isset.stats) {
            continue;
        }
        executor_stream_counts x;
        x.component = e.component_id;
        x.host = e.host;
        x.port = e.port;
        x.uptime_secs = e.uptime_secs;
        const auto& st = e.stats;
        for (const auto& [window, streams] : st.transferred) {
            x.transferred_by_window[window].insert(streams.begin(), streams.end());
        }
        if (const auto* m = all_time(st.emitted)) {
            x.emitted.insert(m->begin(), m->end());
        }
        if (const auto* m = all_time(st.transferred)) {
            x.transferred.insert(m->begin(), m->end());
        }
        if (st.specific.__isset.spout) {
            x.is_spout = true;
            const auto& sp = st.specific.spout;
            if (const auto* m = all_time(sp.acked)) {
                for (const auto& [stream, n] : *m) {
                    x.inputs[{"", stream}].acked = n;
                }
            }
            if (const auto* m = all_time(sp.failed)) {
                for (const auto& [stream, n] : *m) {
                    x.inputs[{"", stream}].failed = n;
                }
            }
        } else if (st.specific.__isset.bolt) {
            const auto& b = st.specific.bolt;
            if (const auto* m = all_time(b.acked)) {
                for (const auto& [g, n] : *m) {
                    x.inputs[{g.componentId, g.streamId}].acked = n;
                }
            }
            if (const auto* m = all_time(b.failed)) {
                for (const auto& [g, n] : *m) {
                    x.inputs[{g.componentId, g.streamId}].failed = n;
                }
            }
            if (const auto* m = all_time(b.executed)) {
                for (const auto& [g, n] : *m) {
                    x.inputs[{g.componentId, g.streamId}].executed = n;
                }
            }
        }
        out.push_back(std::move(x));
    }
    return out;
}

void nimbus_leader_client::activate(const std::string& name) {
    with_leader("activate", [&](connection& c) { c.client->activate(name); });
}

void nimbus_leader_client::deactivate(const std::string& name) {
    with_leader("deactivate", [&](connection& c) { c.client->deactivate(name); });
}

void nimbus_leader_client::kill(const std::string& name, int wait_secs) {
    th::KillOptions o;
    o.__set_wait_secs(wait_secs);
    with_leader("killTopologyWithOpts",
                [&](connection& c) { c.client->killTopologyWithOpts(name, o); });
}

void nimbus_leader_client::rebalance(const std::string& name, const rebalance_options& options) {
    th::RebalanceOptions o;
    o.__set_wait_secs(options.wait_secs);
    if (options.num_workers) {
        o.__set_num_workers(*options.num_workers);
    }
    if (!options.num_executors.empty()) {
        std::map<std::string, std::int32_t> m(options.num_executors.begin(),
                                              options.num_executors.end());
        o.__set_num_executors(m);
    }
    with_leader("rebalance", [&](connection& c) { c.client->rebalance(name, o); });
}

}  // namespace tempest::ui
