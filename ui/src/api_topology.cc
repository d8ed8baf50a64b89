// SPDX-License-Identifier: Apache-2.0
// The topology routes of /api/v1 (see api_v1.h): Storm's topology and component pages, the
// visualization graph, spout lag and logconfig, from nimbus_access's page calls. Field names,
// types and meanings are those of Storm's STORM-UI-REST-API.md: counts are numbers, latencies
// and capacity strings with three decimals ("0.123"). Tempest's staleness fields sit beside
// Storm's (heartbeatAgeSecs, late, statsAgeSecs, statsLate, lateExecutors); no Storm field is
// renamed.
#include "api_util.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::ui {

using json = nlohmann::json;

namespace {

// Storm's window order on every page.
constexpr const char* windows[] = {"600", "10800", "86400", ":all-time"};

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Storm's float string: three decimals.
std::string fixed3(double v) {
    return fmt::format("{:.3f}", v);
}

std::string fixed3(const std::optional<double>& v) {
    return fixed3(v.value_or(0.0));
}

long long count(const std::optional<long long>& v) {
    return v.value_or(0);
}

// Storm's last-error fields of a spout or bolt row (empty strings and nulls when none).
void add_last_error(json& row, const std::optional<error_info>& e, const std::string& topology_id,
                    const api_options& o) {
    if (!e) {
        row["lastError"] = "";
        row["errorHost"] = "";
        row["errorPort"] = nullptr;
        row["errorTime"] = nullptr;
        row["errorLapsedSecs"] = nullptr;
        row["errorWorkerLogLink"] = "";
        return;
    }
    row["lastError"] = e->error;
    row["errorHost"] = e->host;
    row["errorPort"] = e->port ? json(*e->port) : json();
    row["errorTime"] = e->time_secs;
    row["errorLapsedSecs"] = std::max(0LL, unix_now() - e->time_secs);
    row["errorWorkerLogLink"] = worker_log_link(o, e->host, topology_id, e->port.value_or(0));
}

json spout_row(const std::string& id, const component_stats& s, const std::string& topology_id,
               const api_options& o) {
    json row = {{"spoutId", id},
                {"encodedSpoutId", url_encode(id)},
                {"executors", s.num_executors},
                {"tasks", s.num_tasks},
                {"emitted", count(s.emitted)},
                {"transferred", count(s.transferred)},
                {"completeLatency", fixed3(s.complete_latency_ms)},
                {"acked", count(s.acked)},
                {"failed", count(s.failed)},
                {"requestedMemOnHeap", 0.0},
                {"requestedMemOffHeap", 0.0},
                {"requestedCpu", 0.0},
                {"lateExecutors", s.num_late_executors}};
    add_last_error(row, s.last_error, topology_id, o);
    return row;
}

json bolt_row(const std::string& id, const component_stats& s, const std::string& topology_id,
              const api_options& o) {
    json row = {{"boltId", id},
                {"encodedBoltId", url_encode(id)},
                {"executors", s.num_executors},
                {"tasks", s.num_tasks},
                {"emitted", count(s.emitted)},
                {"transferred", count(s.transferred)},
                {"capacity", fixed3(s.capacity)},
                {"executeLatency", fixed3(s.execute_latency_ms)},
                {"executed", count(s.executed)},
                {"processLatency", fixed3(s.process_latency_ms)},
                {"acked", count(s.acked)},
                {"failed", count(s.failed)},
                {"requestedMemOnHeap", 0.0},
                {"requestedMemOffHeap", 0.0},
                {"requestedCpu", 0.0},
                {"lateExecutors", s.num_late_executors}};
    add_last_error(row, s.last_error, topology_id, o);
    return row;
}

// The topology's config as an object (Nimbus sends it as JSON text).
json configuration(const std::string& conf_json) {
    if (conf_json.empty()) {
        return json::object();
    }
    json conf = json::parse(conf_json, nullptr, false);
    return conf.is_discarded() || !conf.is_object() ? json::object() : conf;
}

int msg_timeout(const json& conf) {
    auto it = conf.find("topology.message.timeout.secs");
    return it != conf.end() && it->is_number_integer() ? it->get<int>() : 30;
}

json topology_json(const topology_page& p, const std::string& window, const api_options& o) {
    json stats = json::array();
    for (const char* w : windows) {
        auto t = p.totals.find(w);
        if (t == p.totals.end()) {
            continue;
        }
        stats.push_back({{"windowPretty", window_pretty(w)},
                         {"window", w},
                         {"emitted", t->second.emitted},
                         {"transferred", t->second.transferred},
                         {"completeLatency", fixed3(t->second.complete_latency_ms)},
                         {"acked", t->second.acked},
                         {"failed", t->second.failed}});
    }
    json spouts = json::array();
    for (const auto& [id, s] : p.spouts) {
        spouts.push_back(spout_row(id, s, p.id, o));
    }
    json bolts = json::array();
    for (const auto& [id, s] : p.bolts) {
        bolts.push_back(bolt_row(id, s, p.id, o));
    }
    json workers = json::array();
    std::optional<int> stats_age;
    for (const auto& w : p.workers) {
        workers.push_back(worker_json(w, o));
        if (w.heartbeat_age_secs) {
            stats_age = std::max(stats_age.value_or(0), *w.heartbeat_age_secs);
        }
    }
    json conf = configuration(p.conf_json);
    json j = {{"id", p.id},
              {"encodedId", url_encode(p.id)},
              {"name", p.name},
              {"status", p.status},
              {"uptime", pretty_uptime(p.uptime_secs)},
              {"uptimeSeconds", p.uptime_secs},
              {"tasksTotal", p.num_tasks},
              {"workersTotal", p.num_workers},
              {"executorsTotal", p.num_executors},
              {"msgTimeout", msg_timeout(conf)},
              {"window", window},
              {"windowHint", window_pretty(window)},
              {"schedulerDisplayResource", false},
              {"replicationCount", p.replication_count.value_or(1)},
              {"debug", false},
              {"samplingPct", 10.0},
              {"assignedMemOnHeap", 0.0},
              {"assignedMemOffHeap", 0.0},
              {"assignedTotalMem", 0.0},
              {"assignedCpu", 0.0},
              {"requestedMemOnHeap", 0.0},
              {"requestedMemOffHeap", 0.0},
              {"requestedTotalMem", 0.0},
              {"requestedCpu", 0.0},
              {"topologyStats", stats},
              {"spouts", spouts},
              {"bolts", bolts},
              {"workers", workers},
              {"configuration", conf},
              // Tempest's: the oldest worker heartbeat behind the figures, and whether some
              // executors' workers are late (their figures are left out).
              {"statsAgeSecs", stats_age ? json(*stats_age) : json()},
              {"statsLate", p.num_late_executors > 0},
              {"lateExecutors", p.num_late_executors}};
    if (p.owner) {
        j["owner"] = *p.owner;
    }
    return j;
}

// One window of a component page's spoutSummary / boltStats.
json window_row(const std::string& window, const component_stats& s) {
    json row = {{"windowPretty", window_pretty(window)},
                {"window", window},
                {"emitted", count(s.emitted)},
                {"transferred", count(s.transferred)},
                {"acked", count(s.acked)},
                {"failed", count(s.failed)}};
    if (s.is_spout) {
        row["completeLatency"] = fixed3(s.complete_latency_ms);
    } else {
        row["executeLatency"] = fixed3(s.execute_latency_ms);
        row["processLatency"] = fixed3(s.process_latency_ms);
        row["executed"] = count(s.executed);
        row["capacity"] = fixed3(s.capacity);
    }
    return row;
}

json error_json(const error_info& e, const std::string& topology_id, const api_options& o) {
    return {{"errorTime", e.time_secs},
            {"errorHost", e.host},
            {"errorPort", e.port ? json(*e.port) : json()},
            {"error", e.error},
            {"errorLapsedSecs", std::max(0LL, unix_now() - e.time_secs)},
            {"errorWorkerLogLink", worker_log_link(o, e.host, topology_id, e.port.value_or(0))},
            {"errorTask", e.task ? json(*e.task) : json()}};
}

json component_json(const component_page& p, const std::string& window, const std::string& owner,
                    const api_options& o) {
    json summary = json::array();
    for (const char* w : windows) {
        if (auto s = p.window_stats.find(w); s != p.window_stats.end()) {
            auto stats = s->second;
            stats.is_spout = p.is_spout;
            summary.push_back(window_row(w, stats));
        }
    }
    json outputs = json::array();
    for (const auto& [stream, s] : p.output_stats) {
        json row = {{"stream", stream},
                    {"emitted", count(s.emitted)},
                    {"transferred", count(s.transferred)}};
        if (p.is_spout) {
            row["completeLatency"] = fixed3(s.complete_latency_ms);
            row["acked"] = count(s.acked);
            row["failed"] = count(s.failed);
        }
        outputs.push_back(row);
    }
    json inputs = json::array();
    for (const auto& [key, s] : p.input_stats) {
        inputs.push_back({{"component", key.first},
                          {"encodedComponentId", url_encode(key.first)},
                          {"stream", key.second},
                          {"executeLatency", fixed3(s.execute_latency_ms)},
                          {"processLatency", fixed3(s.process_latency_ms)},
                          {"executed", count(s.executed)},
                          {"acked", count(s.acked)},
                          {"failed", count(s.failed)}});
    }
    json executors = json::array();
    for (const auto& e : p.executors) {
        const std::string id = fmt::format("[{}-{}]", e.task_start, e.task_end);
        json row = {{"id", id},
                    {"encodedId", url_encode(id)},
                    {"host", e.host},
                    {"port", e.port},
                    {"uptime", pretty_uptime(e.uptime_secs)},
                    {"uptimeSeconds", e.uptime_secs},
                    {"emitted", count(e.stats.emitted)},
                    {"transferred", count(e.stats.transferred)},
                    {"acked", count(e.stats.acked)},
                    {"failed", count(e.stats.failed)},
                    {"workerLogLink", worker_log_link(o, e.host, p.topology_id, e.port)},
                    {"statsAgeSecs", e.stats_age_secs ? json(*e.stats_age_secs) : json()},
                    {"late", e.late.value_or(false)}};
        if (p.is_spout) {
            row["completeLatency"] = fixed3(e.stats.complete_latency_ms);
        } else {
            row["capacity"] = fixed3(e.stats.capacity);
            row["executeLatency"] = fixed3(e.stats.execute_latency_ms);
            row["executed"] = count(e.stats.executed);
            row["processLatency"] = fixed3(e.stats.process_latency_ms);
        }
        executors.push_back(row);
    }
    json errors = json::array();
    for (const auto& e : p.errors) {
        errors.push_back(error_json(e, p.topology_id, o));
    }
    json j = {{"id", p.component_id},
              {"encodedId", url_encode(p.component_id)},
              {"name", p.topology_name},
              {"executors", p.num_executors},
              {"tasks", p.num_tasks},
              {"user", owner},
              {"topologyId", p.topology_id},
              {"encodedTopologyId", url_encode(p.topology_id)},
              {"topologyStatus", p.topology_status},
              {"window", window},
              {"windowHint", window_pretty(window)},
              {"componentType", p.is_spout ? "spout" : "bolt"},
              {"debug", false},
              {"samplingPct", 10.0},
              {"eventLogLink", ""},
              {"profilingAndDebuggingCapable", false},
              {"profileActionEnabled", false},
              {"profilerActive", json::array()},
              {"schedulerDisplayResource", false},
              {"requestedMemOnHeap", 0.0},
              {"requestedMemOffHeap", 0.0},
              {"requestedCpu", 0.0},
              {"componentErrors", errors},
              {"outputStats", outputs},
              {"executorStats", executors},
              {"lateExecutors", p.num_late_executors}};
    j[p.is_spout ? "spoutSummary" : "boltStats"] = summary;
    if (!p.is_spout) {
        j["inputStats"] = inputs;
    }
    return j;
}

// Storm's ":sani-stream": a stream id usable as a CSS class and form field name. Tempest's own
// rule: "s" + the id with every character but letters, digits, '-' and '_' replaced by '_' +
// a hash of the id (FNV-1a, decimal), so different ids never share one.
std::string sanitized_stream(const std::string& stream) {
    std::uint32_t h = 2166136261U;
    std::string out = "s";
    for (char c : stream) {
        h = (h ^ static_cast<unsigned char>(c)) * 16777619U;
        const auto u = static_cast<unsigned char>(c);
        out += std::isalnum(u) != 0 || c == '-' || c == '_' ? c : '_';
    }
    return out + std::to_string(h);
}

json visualization_json(const topology_graph& g, const topology_page& p,
                        const std::vector<executor_stream_counts>& executors, bool include_sys) {
    json out = json::object();
    for (const auto& [id, is_spout] : g.components) {
        if (!include_sys && id.starts_with("__")) {
            continue;
        }
        const auto& stats = is_spout ? p.spouts : p.bolts;
        auto s = stats.find(id);
        json node = {{":type", is_spout ? "spout" : "bolt"}};
        if (s != stats.end()) {
            node[":capacity"] = s->second.capacity.value_or(0.0);
            node[":latency"] = is_spout ? json(s->second.complete_latency_ms.value_or(0.0))
                                        : json(s->second.process_latency_ms.value_or(0.0));
            node[":transferred"] = count(s->second.transferred);
        } else {
            node[":capacity"] = 0.0;
            node[":latency"] = nullptr;
            node[":transferred"] = nullptr;
        }
        json per_executor = json::array();
        for (const auto& e : executors) {
            if (e.component != id) {
                continue;
            }
            json transferred = json::object();
            for (const auto& [window, streams] : e.transferred_by_window) {
                json by_stream = json::object();
                for (const auto& [stream, n] : streams) {
                    if (include_sys || !stream.starts_with("__")) {
                        by_stream[sanitized_stream(stream)] = n;
                    }
                }
                transferred[window] = by_stream;
            }
            per_executor.push_back({{":host", e.host},
                                    {":port", e.port},
                                    {":uptime_secs", e.uptime_secs},
                                    {":transferred", transferred}});
        }
        node[":stats"] = per_executor;
        node[":link"] = "/component.html?id=" + url_encode(id) + "&topology_id=" + url_encode(p.id);
        json inputs = json::array();
        if (auto in = g.inputs.find(id); in != g.inputs.end()) {
            for (const auto& i : in->second) {
                if (!include_sys && i.component.starts_with("__")) {
                    continue;
                }
                inputs.push_back({{":component", i.component},
                                  {":stream", i.stream},
                                  {":sani-stream", sanitized_stream(i.stream)},
                                  {":grouping", i.grouping}});
            }
        }
        node[":inputs"] = inputs;
        out[id] = node;
    }
    return out;
}

// The lag convention (README "Spout lag"): a spout task reports gauges named
// lag/<topic>/<partition> (the lag, in messages) and optionally lag/<topic>/<partition>/committed
// and lag/<topic>/<partition>/head (its committed offset and the log's head offset).
json lag_json(const topology_page& p) {
    json out = json::object();
    for (const auto& m : p.metrics) {
        if (!p.spouts.contains(m.component) || !m.name.starts_with("lag/")) {
            continue;
        }
        std::string_view rest(m.name);
        rest.remove_prefix(4);
        auto slash = rest.find('/');
        if (slash == std::string_view::npos || slash == 0) {
            continue;
        }
        const std::string topic(rest.substr(0, slash));
        rest.remove_prefix(slash + 1);
        std::string_view field = "lag";
        if (auto end = rest.find('/'); end != std::string_view::npos) {
            field = rest.substr(end + 1);
            rest = rest.substr(0, end);
        }
        const char* key = field == "lag"         ? "lag"
                          : field == "committed" ? "consumerCommittedOffset"
                          : field == "head"      ? "logHeadOffset"
                                                 : nullptr;
        if (key == nullptr || rest.empty()) {
            continue;
        }
        auto& spout = out[m.component];
        if (spout.is_null()) {
            spout = {{"spoutId", m.component},
                     {"spoutType", "tempest"},
                     {"spoutLagResult", json::object()}};
        }
        spout["spoutLagResult"][topic][std::string(rest)][key] = static_cast<long long>(m.value);
    }
    return out;
}

}  // namespace

void add_topology_routes(router& r, nimbus_access& nimbus, const api_options& options) {
    r.add("GET", "/api/v1/topology/:id",
          guarded([&nimbus, options](const http_request& req, const path_params& p) {
              const auto window = parse_window(req);
              const bool sys = parse_sys(req);
              return topology_json(nimbus.topology(p.at("id"), window, sys), window, options);
          }));
    r.add("GET", "/api/v1/topology/:id/component/:component",
          guarded([&nimbus, options](const http_request& req, const path_params& p) {
              const auto window = parse_window(req);
              const bool sys = parse_sys(req);
              const auto& id = p.at("id");
              auto page = nimbus.component(id, p.at("component"), window, sys);
              std::string owner;
              for (const auto& t : nimbus.cluster().topologies) {
                  if (t.id == id && t.owner) {
                      owner = *t.owner;
                  }
              }
              return component_json(page, window, owner, options);
          }));
    r.add("GET", "/api/v1/topology/:id/visualization",
          guarded([&nimbus](const http_request& req, const path_params& p) {
              const auto window = parse_window(req);
              const bool sys = parse_sys(req);
              const auto& id = p.at("id");
              auto page = nimbus.topology(id, window, sys);
              return visualization_json(nimbus.graph(id), page, nimbus.executor_counts(id), sys);
          }));
    r.add("GET", "/api/v1/topology/:id/lag",
          guarded([&nimbus](const http_request&, const path_params& p) {
              return lag_json(nimbus.topology(p.at("id"), ":all-time", false));
          }));
    auto no_log_levels = guarded([&nimbus](const http_request&, const path_params& p) -> json {
        nimbus.topology(p.at("id"), ":all-time", false);  // 404 for an unknown topology first
        throw api_error(501,
                        "not supported: Tempest has no dynamic log levels; set "
                        "tempest.log.level in the config and restart the workers");
    });
    r.add("GET", "/api/v1/topology/:id/logconfig", no_log_levels);
    r.add("POST", "/api/v1/topology/:id/logconfig", no_log_levels);
}

}  // namespace tempest::ui
