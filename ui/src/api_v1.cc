// SPDX-License-Identifier: Apache-2.0
#include "api_v1.h"

#include "api_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>
#include <mutex>
#include <utility>

namespace tempest::ui {

using json = nlohmann::json;

namespace {

double resource(const supervisor_info& s, const char* key) {
    auto it = s.total_resources.find(key);
    return it == s.total_resources.end() ? 0.0 : it->second;
}

json supervisor_json(const supervisor_info& s) {
    return {{"id", s.id},
            {"host", s.host},
            {"uptime", pretty_uptime(s.uptime_secs)},
            {"uptimeSeconds", s.uptime_secs},
            {"slotsTotal", s.slots_total},
            {"slotsUsed", s.slots_used},
            {"slotsFree", std::max(0, s.slots_total - s.slots_used)},
            {"totalMem", resource(s, "memory")},
            {"totalCpu", resource(s, "cpu")},
            {"usedMem", s.used_mem.value_or(0.0)},
            {"usedCpu", s.used_cpu.value_or(0.0)},
            {"version", s.version}};
}

json topology_json(const topology_info& t) {
    const double req_on = t.requested_mem_on_heap.value_or(0.0);
    const double req_off = t.requested_mem_off_heap.value_or(0.0);
    const double as_on = t.assigned_mem_on_heap.value_or(0.0);
    const double as_off = t.assigned_mem_off_heap.value_or(0.0);
    json j = {{"id", t.id},
              {"name", t.name},
              {"status", t.status},
              {"uptime", pretty_uptime(t.uptime_secs)},
              {"uptimeSeconds", t.uptime_secs},
              {"tasksTotal", t.num_tasks},
              {"workersTotal", t.num_workers},
              {"executorsTotal", t.num_executors},
              {"replicationCount", t.replication_count.value_or(1)},
              {"requestedMemOnHeap", req_on},
              {"requestedMemOffHeap", req_off},
              {"requestedTotalMem", req_on + req_off},
              {"requestedCpu", t.requested_cpu.value_or(0.0)},
              {"assignedMemOnHeap", as_on},
              {"assignedMemOffHeap", as_off},
              {"assignedTotalMem", as_on + as_off},
              {"assignedCpu", t.assigned_cpu.value_or(0.0)}};
    if (t.owner) {
        j["owner"] = *t.owner;
    }
    return j;
}

json cluster_summary(const cluster_info& c) {
    long long slots_total = 0;
    long long slots_used = 0;
    double total_mem = 0;
    double total_cpu = 0;
    double used_mem = 0;
    double used_cpu = 0;
    for (const auto& s : c.supervisors) {
        slots_total += s.slots_total;
        slots_used += s.slots_used;
        total_mem += resource(s, "memory");
        total_cpu += resource(s, "cpu");
        used_mem += s.used_mem.value_or(0.0);
        used_cpu += s.used_cpu.value_or(0.0);
    }
    long long executors = 0;
    long long tasks = 0;
    for (const auto& t : c.topologies) {
        executors += t.num_executors;
        tasks += t.num_tasks;
    }
    auto percent = [](double used, double total) { return total > 0 ? used * 100.0 / total : 0.0; };
    return {{"stormVersion", ui_version()},
            {"supervisors", c.supervisors.size()},
            {"topologies", c.topologies.size()},
            {"slotsTotal", slots_total},
            {"slotsUsed", slots_used},
            {"slotsFree", std::max(0LL, slots_total - slots_used)},
            {"executorsTotal", executors},
            {"tasksTotal", tasks},
            {"schedulerDisplayResource", false},
            {"totalMem", total_mem},
            {"totalCpu", total_cpu},
            {"availMem", std::max(0.0, total_mem - used_mem)},
            {"availCpu", std::max(0.0, total_cpu - used_cpu)},
            {"memAssignedPercentUtil", percent(used_mem, total_mem)},
            {"cpuAssignedPercentUtil", percent(used_cpu, total_cpu)}};
}

// The name of the topology with `id`; api_error 404 when Nimbus does not know it.
std::string topology_name(nimbus_access& nimbus, const std::string& id) {
    for (const auto& t : nimbus.cluster().topologies) {
        if (t.id == id) {
            return t.name;
        }
    }
    throw api_error(404, "no topology with id '" + id + "'");
}

json operation_done(const char* operation, const std::string& id) {
    return {{"topologyOperation", operation}, {"topologyId", id}, {"status", "success"}};
}

// Storm's optional rebalance body: {"rebalanceOptions": {"numWorkers": N, "executors":
// {"component": N, ...}}}; numbers may come as JSON numbers or numeric strings.
void read_rebalance_body(const std::string& body, rebalance_options& o) {
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return;
    }
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        throw api_error(400, "bad rebalance body: expected a JSON object");
    }
    auto positive = [](const json& v, const std::string& what) {
        long long n = 0;
        if (v.is_number_integer()) {
            n = v.get<long long>();
        } else if (v.is_string()) {
            const auto& s = v.get_ref<const std::string&>();
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
                n = 0;
            }
        }
        if (n <= 0 || n > std::numeric_limits<int>::max()) {
            throw api_error(400, "bad " + what + " " + v.dump() + ": expected a whole number > 0");
        }
        return static_cast<int>(n);
    };
    auto opts = j.find("rebalanceOptions");
    if (opts == j.end()) {
        return;
    }
    if (!opts->is_object()) {
        throw api_error(400, "bad rebalanceOptions: expected a JSON object");
    }
    if (auto w = opts->find("numWorkers"); w != opts->end()) {
        o.num_workers = positive(*w, "numWorkers");
    }
    if (auto e = opts->find("executors"); e != opts->end()) {
        if (!e->is_object()) {
            throw api_error(400, "bad executors: expected an object of component: parallelism");
        }
        for (const auto& [component, n] : e->items()) {
            o.num_executors[component] = positive(n, "parallelism of '" + component + "'");
        }
    }
}

}  // namespace

json worker_json(const worker_info& w, const api_options& links) {
    json tasks = json::object();
    for (const auto& [c, n] : w.component_num_tasks) {
        tasks[c] = n;
    }
    return {{"supervisorId", w.supervisor_id},
            {"host", w.host},
            {"port", w.port},
            {"topologyId", w.topology_id},
            {"topologyName", w.topology_name},
            {"executorsTotal", w.num_executors},
            {"assignedMemOnHeap", w.assigned_mem_on_heap.value_or(0.0)},
            {"assignedMemOffHeap", w.assigned_mem_off_heap.value_or(0.0)},
            {"assignedCpu", w.assigned_cpu.value_or(0.0)},
            {"componentNumTasks", tasks},
            {"uptime", pretty_uptime(w.uptime_secs)},
            {"uptimeSeconds", w.uptime_secs},
            {"workerLogLink", worker_log_link(links, w.host, w.topology_id, w.port)},
            {"heartbeatAgeSecs", w.heartbeat_age_secs ? json(*w.heartbeat_age_secs) : json()},
            {"late", w.late.value_or(false)}};
}

void warn_nimbus_failure(const http_request& req, const char* what) {
    using clock = std::chrono::steady_clock;
    static std::mutex mu;
    static clock::time_point next_line{};
    static std::uint64_t left_out = 0;
    std::uint64_t left_out_before = 0;
    {
        std::scoped_lock lock(mu);
        const auto now = clock::now();
        if (now < next_line) {
            ++left_out;
            return;
        }
        next_line = now + std::chrono::seconds(10);
        left_out_before = std::exchange(left_out, 0);
    }
    if (left_out_before == 0) {
        log().warn("{} {}: {}", req.method, req.path, what);
    } else {
        log().warn("{} {}: {} ({} more requests failed on Nimbus in the last 10 s)", req.method,
                   req.path, what, left_out_before);
    }
}

int status_of(nimbus_failure f) {
    switch (f) {
        case nimbus_failure::unreachable:
            return 503;
        case nimbus_failure::not_found:
            return 404;
        case nimbus_failure::invalid:
            return 400;
        case nimbus_failure::forbidden:
            return 403;
        case nimbus_failure::failed:
            return 502;
    }
    return 502;
}

namespace {

bool valid_callback(const std::string& cb) {
    return !cb.empty() && cb.size() <= 128 && std::all_of(cb.begin(), cb.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' || c == '.';
    });
}

}  // namespace

http_response json_response(const json& body, const http_request& req) {
    http_response res;
    res.body = body.dump();
    if (auto cb = req.query.find("callback"); cb != req.query.end()) {
        if (!valid_callback(cb->second)) {
            throw api_error(400, "bad callback '" + cb->second +
                                     "': expected a JavaScript name (letters, digits, _ $ .)");
        }
        res.content_type = "application/javascript";
        res.body = cb->second + "(" + res.body + ");";
    }
    return res;
}

// A whole number of seconds >= 0 (a path parameter such as wait-time).
int parse_secs(const std::string& name, const std::string& text) {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 0) {
        throw api_error(400,
                        "bad " + name + " '" + text + "': expected a whole number of seconds >= 0");
    }
    return v;
}

bool parse_sys(const http_request& req) {
    auto it = req.query.find("sys");
    if (it == req.query.end() || it->second == "0" || it->second == "false") {
        return false;
    }
    if (it->second == "1" || it->second == "true") {
        return true;
    }
    throw api_error(400, "bad sys '" + it->second + "': expected 1 or 0");
}

std::string parse_window(const http_request& req) {
    auto it = req.query.find("window");
    if (it == req.query.end() || it->second.empty()) {
        return ":all-time";
    }
    for (const char* w : {"600", "10800", "86400", ":all-time"}) {
        if (it->second == w) {
            return w;
        }
    }
    throw api_error(400, "bad window '" + it->second +
                             "': expected 600, 10800, 86400 or :all-time (seconds, or all time)");
}

std::string window_pretty(const std::string& window) {
    if (window == ":all-time") {
        return "All time";
    }
    long long secs = 0;
    auto [end, ec] = std::from_chars(window.data(), window.data() + window.size(), secs);
    return ec == std::errc() && end == window.data() + window.size() ? pretty_uptime(secs) : window;
}

std::string worker_log_link(const api_options& o, const std::string& host,
                            const std::string& topology_id, int port) {
    if (host.empty() || topology_id.empty() || port <= 0) {
        return "";
    }
    return "http://" + host + ":" + std::to_string(o.logviewer_port) +
           "/log?file=" + url_encode(topology_id + "/" + std::to_string(port) + "/worker.log");
}

const char* ui_version() {
    return TEMPEST_VERSION;
}

std::string pretty_uptime(long long secs) {
    secs = std::max(0LL, secs);
    const long long days = secs / 86400;
    const long long hours = secs / 3600 % 24;
    const long long mins = secs / 60 % 60;
    const long long s = secs % 60;
    std::string out;
    if (days > 0) {
        out += std::to_string(days) + "d ";
    }
    if (days > 0 || hours > 0) {
        out += std::to_string(hours) + "h ";
    }
    if (days > 0 || hours > 0 || mins > 0) {
        out += std::to_string(mins) + "m ";
    }
    return out + std::to_string(s) + "s";
}

void add_api_v1_routes(router& r, nimbus_access& nimbus, const api_options& options) {
    r.add("GET", "/api/v1/cluster/configuration",
          guarded([&nimbus](const http_request&, const path_params&) {
              json conf = json::parse(nimbus.conf_json(), nullptr, false);
              if (conf.is_discarded() || !conf.is_object()) {
                  throw nimbus_call_error(nimbus_failure::failed,
                                          "Nimbus sent a config that is not a JSON object");
              }
              return conf;
          }));
    r.add("GET", "/api/v1/cluster/summary",
          guarded([&nimbus](const http_request&, const path_params&) {
              return cluster_summary(nimbus.cluster());
          }));
    r.add("GET", "/api/v1/nimbus/summary",
          guarded([&nimbus](const http_request&, const path_params&) {
              json list = json::array();
              for (const auto& n : nimbus.cluster().nimbuses) {
                  list.push_back({{"host", n.host},
                                  {"port", n.port},
                                  {"status", n.is_leader ? "Leader" : "Not a Leader"},
                                  {"nimbusUpTime", pretty_uptime(n.uptime_secs)},
                                  {"nimbusUpTimeSeconds", std::to_string(n.uptime_secs)},
                                  {"version", n.version}});
              }
              return json{{"nimbuses", list}};
          }));
    r.add("GET", "/api/v1/supervisor/summary",
          guarded([&nimbus](const http_request& req, const path_params&) {
              auto id = req.query.find("id");
              json list = json::array();
              for (const auto& s : nimbus.cluster().supervisors) {
                  if (id == req.query.end() || s.id == id->second) {
                      list.push_back(supervisor_json(s));
                  }
              }
              if (id != req.query.end() && list.empty()) {
                  throw api_error(404, "no supervisor with id '" + id->second + "'");
              }
              return json{{"supervisors", list}, {"schedulerDisplayResource", false}};
          }));
    r.add("GET", "/api/v1/supervisor",
          guarded([&nimbus, options](const http_request& req, const path_params&) {
              auto id = req.query.find("id");
              auto host = req.query.find("host");
              const bool sys = parse_sys(req);
              if ((id == req.query.end() || id->second.empty()) &&
                  (host == req.query.end() || host->second.empty())) {
                  throw api_error(400, "give a supervisor id (?id=) or a host (?host=)");
              }
              auto page = nimbus.supervisor(id == req.query.end() ? "" : id->second,
                                            host == req.query.end() ? "" : host->second, sys);
              json supervisors = json::array();
              for (const auto& s : page.supervisors) {
                  supervisors.push_back(supervisor_json(s));
              }
              json workers = json::array();
              for (const auto& w : page.workers) {
                  workers.push_back(worker_json(w, options));
              }
              return json{{"supervisors", supervisors},
                          {"workers", workers},
                          {"schedulerDisplayResource", false}};
          }));
    r.add("GET", "/api/v1/topology/summary",
          guarded([&nimbus](const http_request&, const path_params&) {
              json list = json::array();
              for (const auto& t : nimbus.cluster().topologies) {
                  list.push_back(topology_json(t));
              }
              return json{{"topologies", list}, {"schedulerDisplayResource", false}};
          }));
    r.add("POST", "/api/v1/topology/:id/activate",
          guarded([&nimbus](const http_request&, const path_params& p) {
              const auto& id = p.at("id");
              nimbus.activate(topology_name(nimbus, id));
              return operation_done("activate", id);
          }));
    r.add("POST", "/api/v1/topology/:id/deactivate",
          guarded([&nimbus](const http_request&, const path_params& p) {
              const auto& id = p.at("id");
              nimbus.deactivate(topology_name(nimbus, id));
              return operation_done("deactivate", id);
          }));
    r.add("POST", "/api/v1/topology/:id/rebalance/:wait-time",
          guarded([&nimbus](const http_request& req, const path_params& p) {
              const auto& id = p.at("id");
              rebalance_options o;
              o.wait_secs = parse_secs("wait-time", p.at("wait-time"));
              read_rebalance_body(req.body, o);
              nimbus.rebalance(topology_name(nimbus, id), o);
              return operation_done("rebalance", id);
          }));
    r.add("POST", "/api/v1/topology/:id/kill/:wait-time",
          guarded([&nimbus](const http_request&, const path_params& p) {
              const auto& id = p.at("id");
              const int wait = parse_secs("wait-time", p.at("wait-time"));
              nimbus.kill(topology_name(nimbus, id), wait);
              return operation_done("kill", id);
          }));
    add_topology_routes(r, nimbus, options);
}

http_response error_response(int status, const std::string& message) {
    http_response res;
    res.status = status;
    // http_types knows the statuses the server itself answers; 501 is the API's alone.
    const std::string reason = status == 501 ? "Not Implemented" : reason_phrase(status);
    res.body = json{{"error", reason}, {"errorMessage", message}}.dump();
    return res;
}

}  // namespace tempest::ui
