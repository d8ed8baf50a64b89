// SPDX-License-Identifier: Apache-2.0
#include "prometheus_exporter.h"

#include "logger.h"
#include "prometheus_writer.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>

namespace tempest::ui {

namespace {

using kind = prometheus_writer::kind;
using labels = prometheus_writer::labels;

labels with(labels l, std::string key, std::string value) {
    l.emplace_back(std::move(key), std::move(value));
    return l;
}

// A worker's own metric point (docs/METRICS.md, "Built-in metrics") as a family and labels.
void add_worker_metric(prometheus_writer& w, const labels& worker, const std::string& name,
                       double value) {
    if (name == "worker.rss_bytes") {
        w.add("tempest_worker_rss_bytes", kind::gauge, "Resident memory of the worker process.",
              worker, value);
    } else if (name == "worker.cpu_seconds") {
        w.add("tempest_worker_cpu_seconds_total", kind::counter,
              "User and system CPU time of the worker process.", worker, value);
    } else if (name == "worker.errors_suppressed") {
        w.add("tempest_worker_errors_suppressed_total", kind::counter,
              "Reported errors the worker's throttle kept out of the cluster state.", worker,
              value);
    } else if (name == "worker.errors_missed") {
        w.add("tempest_worker_errors_missed_total", kind::counter,
              "Errors reported faster than the worker kept them.", worker, value);
    } else if (name.starts_with("transport.out.") || name.starts_with("transport.in.")) {
        // transport.<dir>.<peer>.<what>: the peer is everything up to the last dot.
        const bool out = name.starts_with("transport.out.");
        std::string_view rest(name);
        rest.remove_prefix(out ? 14 : 13);
        auto dot = rest.rfind('.');
        if (dot == std::string_view::npos || dot == 0) {
            return;
        }
        const std::string what(rest.substr(dot + 1));
        w.add(std::string("tempest_worker_transport_") + (out ? "out_" : "in_") + what + "_total",
              kind::counter,
              out ? "What the worker sent to a peer worker (bytes, tuples or credit waits)."
                  : "What the worker received on a connection (bytes or tuples).",
              with(worker, "peer", std::string(rest.substr(0, dot))), value);
    } else if (name.starts_with("transport.")) {
        w.add("tempest_worker_" + prometheus_writer::sanitize_name(name) + "_total", kind::counter,
              "A transport count of the worker (docs/METRICS.md).", worker, value);
    } else {
        w.add("tempest_worker_" + prometheus_writer::sanitize_name(name), kind::gauge,
              "A built-in metric of the worker (docs/METRICS.md).", worker, value);
    }
}

void add_cluster(prometheus_writer& w, const cluster_info& c) {
    bool leader = false;
    for (const auto& n : c.nimbuses) {
        leader = leader || n.is_leader;
        w.add("tempest_nimbus_is_leader", kind::gauge,
              "1 for the Nimbus that leads, 0 for a standby.",
              {{"host", n.host}, {"port", std::to_string(n.port)}}, n.is_leader ? 1 : 0);
        w.add("tempest_nimbus_uptime_seconds", kind::gauge, "How long the Nimbus has run.",
              {{"host", n.host}, {"port", std::to_string(n.port)}}, n.uptime_secs);
    }
    w.add("tempest_nimbus_leader_up", kind::gauge,
          "1 when a Nimbus leader answered the UI for this scrape.", {}, leader ? 1 : 0);
    long long slots = 0;
    long long used = 0;
    for (const auto& s : c.supervisors) {
        slots += s.slots_total;
        used += s.slots_used;
        const labels l{{"supervisor", s.id}, {"host", s.host}};
        w.add("tempest_supervisor_slots", kind::gauge, "Worker slots of the supervisor.", l,
              s.slots_total);
        w.add("tempest_supervisor_slots_used", kind::gauge,
              "Worker slots of the supervisor in use.", l, s.slots_used);
        w.add("tempest_supervisor_uptime_seconds", kind::gauge, "How long the supervisor has run.",
              l, s.uptime_secs);
    }
    w.add("tempest_cluster_supervisors", kind::gauge, "Supervisors alive.", {},
          static_cast<double>(c.supervisors.size()));
    w.add("tempest_cluster_slots", kind::gauge, "Worker slots of all supervisors.", {},
          static_cast<double>(slots));
    w.add("tempest_cluster_slots_used", kind::gauge, "Worker slots in use.", {},
          static_cast<double>(used));
    w.add("tempest_cluster_slots_free", kind::gauge, "Worker slots free.", {},
          static_cast<double>(std::max(0LL, slots - used)));
    w.add("tempest_cluster_topologies", kind::gauge, "Topologies Nimbus holds.", {},
          static_cast<double>(c.topologies.size()));
}

void add_topology_summary(prometheus_writer& w, const topology_info& t) {
    const labels l{{"topology", t.name}};
    w.add("tempest_topology_info", kind::gauge, "1 per topology, naming its id.",
          {{"topology", t.name}, {"topology_id", t.id}}, 1);
    for (const char* s : {"ACTIVE", "INACTIVE", "REBALANCING", "KILLED"}) {
        w.add("tempest_topology_status", kind::gauge,
              "1 for the topology's status, 0 for the others.", with(l, "status", s),
              t.status == s ? 1 : 0);
    }
    w.add("tempest_topology_uptime_seconds", kind::gauge, "How long the topology has run.", l,
          t.uptime_secs);
    w.add("tempest_topology_workers", kind::gauge, "Workers of the topology.", l, t.num_workers);
    w.add("tempest_topology_executors", kind::gauge, "Executors of the topology.", l,
          t.num_executors);
    w.add("tempest_topology_tasks", kind::gauge, "Tasks of the topology.", l, t.num_tasks);
}

// Latencies, capacity, staleness, workers and metric points of the topology page (window 600).
void add_topology_page(prometheus_writer& w, const std::string& topology, const topology_page& p) {
    for (const auto& [id, s] : p.spouts) {
        if (s.complete_latency_ms) {
            w.add("tempest_component_complete_latency_seconds", kind::gauge,
                  "A spout's average complete latency over the last 10 minutes, in seconds.",
                  {{"topology", topology}, {"component", id}}, *s.complete_latency_ms / 1000.0);
        }
    }
    for (const auto& [id, s] : p.bolts) {
        const labels l{{"topology", topology}, {"component", id}};
        if (s.execute_latency_ms) {
            w.add("tempest_component_execute_latency_seconds", kind::gauge,
                  "A bolt's average execute latency over the last 10 minutes, in seconds.", l,
                  *s.execute_latency_ms / 1000.0);
        }
        if (s.process_latency_ms) {
            w.add("tempest_component_process_latency_seconds", kind::gauge,
                  "A bolt's average process latency over the last 10 minutes, in seconds.", l,
                  *s.process_latency_ms / 1000.0);
        }
        if (s.capacity) {
            w.add("tempest_component_capacity", kind::gauge,
                  "A bolt's capacity over the last 10 minutes (1: its busiest executor is "
                  "executing all the time).",
                  l, *s.capacity);
        }
    }
    const labels l{{"topology", topology}};
    w.add("tempest_topology_late_executors", kind::gauge,
          "Executors whose worker's heartbeat is late; their figures are left out.", l,
          p.num_late_executors);
    for (const auto& wk : p.workers) {
        const labels worker{
            {"topology", topology}, {"host", wk.host}, {"port", std::to_string(wk.port)}};
        w.add("tempest_worker_uptime_seconds", kind::gauge, "How long the worker has run.", worker,
              wk.uptime_secs);
        if (wk.heartbeat_age_secs) {
            w.add("tempest_worker_heartbeat_age_seconds", kind::gauge,
                  "Age of the worker's last heartbeat when Nimbus answered.", worker,
                  *wk.heartbeat_age_secs);
        }
        w.add("tempest_worker_late", kind::gauge,
              "1 when the worker's heartbeat is older than nimbus.task.timeout.secs.", worker,
              wk.late.value_or(false) ? 1 : 0);
        for (const auto& [name, value] : wk.metrics) {
            add_worker_metric(w, worker, name, value);
        }
    }
    for (const auto& m : p.metrics) {
        if (m.task < 0) {
            continue;  // a worker's own: above, with its host and port
        }
        const labels task{
            {"topology", topology}, {"component", m.component}, {"task", std::to_string(m.task)}};
        if (m.name.starts_with("__")) {
            w.add("tempest_executor_" + prometheus_writer::sanitize_name(m.name.substr(2)),
                  kind::gauge, "A built-in metric of an executor (docs/METRICS.md).", task,
                  m.value);
        } else {
            w.add("tempest_user_" + prometheus_writer::sanitize_name(m.name), kind::gauge,
                  "A user metric a task registered (docs/METRICS.md), by its sanitized name.", task,
                  m.value);
        }
    }
}

// The all-time per-stream counters, summed over the topology's executors.
void add_stream_counts(prometheus_writer& w, const std::string& topology,
                       const std::vector<executor_stream_counts>& executors) {
    for (const auto& e : executors) {
        for (const auto& [stream, n] : e.emitted) {
            w.add("tempest_component_emitted_total", kind::counter,
                  "Tuples a component emitted on a stream, since its workers started.",
                  {{"topology", topology}, {"component", e.component}, {"stream", stream}},
                  static_cast<double>(n));
        }
        for (const auto& [stream, n] : e.transferred) {
            w.add("tempest_component_transferred_total", kind::counter,
                  "Tuples of a component's stream sent to consuming tasks, since its workers "
                  "started.",
                  {{"topology", topology}, {"component", e.component}, {"stream", stream}},
                  static_cast<double>(n));
        }
        for (const auto& [key, c] : e.inputs) {
            // A spout's acks are per its output stream; a bolt's per input (source, stream).
            labels l{{"topology", topology}, {"component", e.component}};
            if (!key.first.empty()) {
                l.emplace_back("source_component", key.first);
            }
            l.emplace_back("stream", key.second);
            w.add("tempest_component_acked_total", kind::counter,
                  "Tuples acked: a spout's fully processed, a bolt's acked input.", l,
                  static_cast<double>(c.acked));
            w.add("tempest_component_failed_total", kind::counter,
                  "Tuples failed: a spout's failed or timed out, a bolt's failed input.", l,
                  static_cast<double>(c.failed));
            if (!e.is_spout) {
                w.add("tempest_component_executed_total", kind::counter,
                      "Input tuples a bolt executed.", l, static_cast<double>(c.executed));
            }
        }
    }
}

}  // namespace

prometheus_exporter::prometheus_exporter(nimbus_access& nimbus, std::chrono::milliseconds ttl)
    : _nimbus(nimbus), _ttl(ttl) {}

std::string prometheus_exporter::scrape() {
    std::scoped_lock lock(_mu);
    const auto now = std::chrono::steady_clock::now();
    if (!_have || now - _built_at >= _ttl) {
        _text = build();
        _built_at = std::chrono::steady_clock::now();
        _have = true;
    }
    return _text;
}

std::string prometheus_exporter::build() {
    prometheus_writer w;
    cluster_info c;
    try {
        c = _nimbus.cluster();
    } catch (const nimbus_call_error& e) {
        log().warn("/metrics: {}", e.what());
        w.add("tempest_nimbus_leader_up", kind::gauge,
              "1 when a Nimbus leader answered the UI for this scrape.", {}, 0);
        return w.text();
    }
    add_cluster(w, c);
    for (const auto& t : c.topologies) {
        add_topology_summary(w, t);
        try {
            add_topology_page(w, t.name, _nimbus.topology(t.id, "600", false));
            add_stream_counts(w, t.name, _nimbus.executor_counts(t.id));
        } catch (const nimbus_call_error& e) {
            // Killed between the calls, or Nimbus went: the rest of the scrape still counts.
            log().debug("/metrics: topology {}: {}", t.id, e.what());
        }
    }
    return w.text();
}

void add_prometheus_route(router& r, prometheus_exporter& exporter) {
    r.add("GET", "/metrics", [&exporter](const http_request&, const path_params&) {
        http_response res;
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        res.body = exporter.scrape();
        return res;
    });
}

}  // namespace tempest::ui
