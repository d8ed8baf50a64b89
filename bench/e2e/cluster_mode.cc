// SPDX-License-Identifier: Apache-2.0
#include "cluster_mode.h"

#include "cluster_figures.h"
#include "report.h"
#include "svg_plot.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/nimbus_client.h"
#include "workloads.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <thread>

namespace tempest::bench {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr auto call_timeout = 30s;
constexpr auto poll_interval = 500ms;
constexpr auto start_timeout = 180s;
constexpr double plot_span_s = 2.0;

struct timed_sample {
    double t = 0;  // seconds since the topology ran, when the heartbeat was first seen
    worker_sample s;
};

// Kills the topology when the run ends, however it ends.
class kill_on_exit {
  public:
    kill_on_exit(common::nimbus_client& c, std::string name) : _c(c), _name(std::move(name)) {}
    ~kill_on_exit() {
        try {
            _c.kill(_name, 0);
            std::printf("killed topology '%s'\n", _name.c_str());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "tempest-bench: could not kill topology '%s': %s\n", _name.c_str(),
                         e.what());
        }
    }
    kill_on_exit(const kill_on_exit&) = delete;
    kill_on_exit& operator=(const kill_on_exit&) = delete;

  private:
    common::nimbus_client& _c;
    std::string _name;
};

std::string first_error(const topology_poll& p) {
    for (const auto& [component, errors] : p.errors) {
        if (!errors.empty()) {
            return component + ": " + errors.front();
        }
    }
    return {};
}

std::string host_of(const std::string& worker) {
    return worker.substr(0, worker.rfind(':'));
}

// True when a count of `later` is below the same count of `earlier`: the worker restarted.
bool went_back(const worker_sample& earlier, const worker_sample& later) {
    for (const auto& [component, n] : earlier.counts) {
        auto it = later.counts.find(component);
        if (it != later.counts.end() && it->second < n) {
            return true;
        }
    }
    return false;
}

// CPU seconds per million tuples, or "-" when no tuple was counted.
std::string cpu_per_million(double cpu, double tuples) {
    if (tuples <= 0) {
        return "-";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", cpu / tuples * 1e6);
    return buf;
}

}  // namespace

int run_cluster(const bench_options& o) {
    std::ofstream json;
    if (!o.json_path.empty()) {
        json.open(o.json_path, std::ios::trunc);
        if (!json) {
            std::fprintf(stderr, "tempest-bench: cannot write --json file '%s'\n",
                         o.json_path.c_str());
            return 2;
        }
    }
    const std::string package = TEMPEST_BENCH_PACKAGE;
    if (!std::filesystem::exists(package)) {
        std::fprintf(
            stderr, "tempest-bench: no workload package at %s (build the target bench_workloads)\n",
            package.c_str());
        return 1;
    }
    std::optional<std::filesystem::path> file;
    if (!o.config_file.empty()) {
        file = o.config_file;
    }
    const config daemon = common::load_daemon_config(file, {});
    auto client = common::nimbus_client::connect_leader(common::nimbus_seeds(daemon), call_timeout);

    workload w = make_workload(o);
    w.conf.set_num_workers(o.workers);
    const std::string name = "bench-" + w.name + "-" + std::to_string(::getpid());
    const std::string location = client.upload_package(package, {});
    client.submit(name, location, w.conf, w.topo);
    kill_on_exit killer(client, name);
    std::printf(
        "submitted topology '%s' (%s, %d workers, %d executors per component%s) to "
        "Nimbus at %s\n",
        name.c_str(), w.name.c_str(), o.workers, o.executors.value_or(o.workers),
        o.acking ? ", acking" : "", client.endpoint().c_str());
    std::fflush(stdout);

    cluster_figures figures(client.endpoint(), call_timeout);
    const std::string id = figures.id_of(name);
    // Wait until every executor runs and has reported figures.
    const auto submitted = clock_type::now();
    topology_poll p;
    while (true) {
        p = figures.poll(id, w.spout);
        if (auto e = first_error(p); !e.empty()) {
            std::fprintf(stderr, "tempest-bench: topology '%s' reported an error: %s\n",
                         name.c_str(), e.c_str());
            return 1;
        }
        if (p.status == "ACTIVE" && p.reporting > 0 && p.reporting == p.executors) {
            break;
        }
        if (clock_type::now() - submitted > start_timeout) {
            std::fprintf(stderr,
                         "tempest-bench: topology '%s' not running after %lld s: %s, %zu of %zu "
                         "executors reporting (is a supervisor with %d free slots running?)\n",
                         name.c_str(), static_cast<long long>(start_timeout.count()),
                         p.status.c_str(), p.reporting, p.executors, o.workers);
            return 1;
        }
        std::this_thread::sleep_for(poll_interval);
    }
    const auto running = clock_type::now();
    const double running_s = std::chrono::duration<double>(running.time_since_epoch()).count();
    std::printf("running after %.1f s; warm-up %.1f s, then measuring %.1f s\n",
                std::chrono::duration<double>(running - submitted).count(), o.warmup_s,
                o.duration_s);
    std::fflush(stdout);

    // Sample every worker's heartbeats until the end of the measured window.
    std::map<std::string, std::vector<timed_sample>> series;
    const double t_begin = o.warmup_s;
    const double t_end = o.warmup_s + o.duration_s;
    while (true) {
        const double now_s = std::chrono::duration<double>(clock_type::now() - running).count();
        p = figures.poll(id, w.spout);
        if (auto e = first_error(p); !e.empty()) {
            std::fprintf(stderr, "tempest-bench: topology '%s' reported an error: %s\n",
                         name.c_str(), e.c_str());
            return 1;
        }
        for (const auto& [worker, s] : p.workers) {
            auto& v = series[worker];
            if (!v.empty() && went_back(v.back().s, s)) {
                std::fprintf(stderr,
                             "tempest-bench: worker %s restarted while measured (its counts went "
                             "back); see its log\n",
                             worker.c_str());
                return 1;
            }
            if (v.empty() || v.back().s.heartbeat_secs < s.heartbeat_secs) {
                // Its executor figures were first seen between two polls: the midpoint.
                v.push_back({(s.seen_after + s.seen_by) / 2 - running_s, s});
            }
        }
        if (now_s >= t_end) {
            break;
        }
        std::this_thread::sleep_for(poll_interval);
    }

    // Per worker: from its first heartbeat seen after the warm-up to its last one before the end.
    struct worker_result {
        double dt = 0;
        std::map<std::string, double> rates;  // component -> per second
        double last_rate = 0;
        double last_tuples = 0;
        double cpu = 0;
        double acked = 0;
        double failed = 0;
        double peak_rss = 0;
    };
    std::map<std::string, worker_result> results;
    double total = 0;
    double total_tuples = 0;
    double total_cpu = 0;
    double total_acked_rate = 0;
    std::map<std::string, double> per_node;
    std::map<std::string, int> workers_per_node;
    std::map<std::string, double> per_component;
    for (const std::string& worker : p.assigned) {
        if (series.count(worker) == 0) {
            std::fprintf(stderr,
                         "tempest-bench: worker %s reported no usable heartbeat while measured\n",
                         worker.c_str());
            return 1;
        }
    }
    for (const auto& [worker, v] : series) {
        const timed_sample* a = nullptr;
        const timed_sample* b = nullptr;
        worker_result r;
        for (const auto& ts : v) {
            r.peak_rss = std::max(r.peak_rss, ts.s.rss_bytes);
            if (ts.t >= t_begin && a == nullptr) {
                a = &ts;
            }
            if (ts.t <= t_end) {
                b = &ts;
            }
        }
        if (a == nullptr || b == nullptr || b->t <= a->t) {
            std::fprintf(stderr,
                         "tempest-bench: worker %s reported fewer than two heartbeats in the "
                         "measured window (make --duration longer than two heartbeat periods)\n",
                         worker.c_str());
            return 1;
        }
        r.dt = b->t - a->t;
        for (const auto& [component, n] : b->s.counts) {
            auto it = a->s.counts.find(component);
            double d = static_cast<double>(n - (it == a->s.counts.end() ? 0 : it->second));
            r.rates[component] = d / r.dt;
            per_component[component] += d / r.dt;
        }
        r.last_rate = r.rates[w.last_bolt];
        r.last_tuples = r.last_rate * r.dt;
        r.cpu = b->s.cpu_seconds - a->s.cpu_seconds;
        r.acked = static_cast<double>(b->s.spout_acked - a->s.spout_acked) / r.dt;
        r.failed = static_cast<double>(b->s.spout_failed - a->s.spout_failed);
        total += r.last_rate;
        total_tuples += r.last_tuples;
        total_cpu += r.cpu;
        total_acked_rate += r.acked;
        per_node[host_of(worker)] += r.last_rate;
        ++workers_per_node[host_of(worker)];
        results[worker] = r;
    }

    const std::string& u = w.unit;
    std::printf(
        "%s acking=%s cluster workers=%d executors=%d: %s %s/s overall (%.1f s after "
        "%.1f s warm-up)\n",
        w.name.c_str(), o.acking ? "on" : "off", o.workers, o.executors.value_or(o.workers),
        human_rate(total).c_str(), u.c_str(), o.duration_s, o.warmup_s);
    for (const auto& [host, rate] : per_node) {
        std::printf("  node %s: %s %s/s (%d workers)\n", host.c_str(), human_rate(rate).c_str(),
                    u.c_str(), workers_per_node[host]);
    }
    for (const auto& [worker, r] : results) {
        std::printf(
            "  worker %s: %s %s/s over %.1f s, %.2f CPU s (%s per million %s), peak RSS "
            "%.1f MiB\n",
            worker.c_str(), human_rate(r.last_rate).c_str(), u.c_str(), r.dt, r.cpu,
            cpu_per_million(r.cpu, r.last_tuples).c_str(), u.c_str(), r.peak_rss / (1 << 20));
    }
    std::printf("  components:");
    for (const std::string& c : w.components) {
        std::printf(" %s %s %s/s;", c.c_str(), c == w.spout ? "emitted" : "executed",
                    human_rate(per_component[c]).c_str());
    }
    std::printf("\n  CPU: %s s per million %s (all workers)\n",
                cpu_per_million(total_cpu, total_tuples).c_str(), u.c_str());
    // Latency: the spout tasks' histograms; with several tasks, the worst task's percentiles.
    task_latency worst;
    double samples = 0;
    for (const auto& t : p.latencies) {
        samples += t.count;
        worst.p50 = std::max(worst.p50, t.p50);
        worst.p99 = std::max(worst.p99, t.p99);
        worst.p999 = std::max(worst.p999, t.p999);
        worst.max = std::max(worst.max, t.max);
    }
    if (o.acking) {
        std::printf(
            "  complete latency (spout histogram, %.0f tuples after the warm-up, worst of "
            "%zu spout tasks): p50 %.3f ms p99 %.3f ms p99.9 %.3f ms max %.3f ms; Storm's "
            "average %s ms; acked %s/s\n",
            samples, p.latencies.size(), worst.p50 / 1e3, worst.p99 / 1e3, worst.p999 / 1e3,
            worst.max / 1e3,
            p.complete_latency_ms ? std::to_string(*p.complete_latency_ms).c_str() : "-",
            human_rate(total_acked_rate).c_str());
    }
    std::fflush(stdout);

    if (!o.plot_path.empty()) {
        plot_panel panel;
        panel.title = "Throughput over time, per worker (from its heartbeats, 2 s spans)";
        panel.x_label = "seconds since the topology ran";
        panel.y_label = u + "/s executed by '" + w.last_bolt + "'";
        const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
        std::size_t k = 0;
        for (const auto& [worker, v] : series) {
            plot_series s{"worker " + worker, colors[k++ % 6], {}, false};
            // A heartbeat's time is known to within a poll interval, so each point spans at
            // least plot_span_s (error under 0.5 s / 2 s) rather than one heartbeat.
            std::size_t from = 0;
            for (std::size_t i = 1; i < v.size(); ++i) {
                double dt = v[i].t - v[from].t;
                if (dt < plot_span_s) {
                    continue;
                }
                auto n1 = v[i].s.counts.find(w.last_bolt);
                auto n0 = v[from].s.counts.find(w.last_bolt);
                if (n1 != v[i].s.counts.end() && n0 != v[from].s.counts.end()) {
                    s.points.emplace_back((v[i].t + v[from].t) / 2,
                                          static_cast<double>(n1->second - n0->second) / dt);
                }
                from = i;
            }
            panel.series.push_back(std::move(s));
        }
        panel.marker_x = t_begin;
        panel.marker_label = "end of warm-up";
        write_svg(o.plot_path,
                  w.name + (o.acking ? " (acking)" : "") + ", cluster, " +
                      std::to_string(o.workers) + (o.workers == 1 ? " worker: " : " workers: ") +
                      human_rate(total) + " " + u + "/s",
                  {panel});
    }

    if (json.is_open()) {
        std::ostringstream j;
        j << std::fixed << std::setprecision(3);
        j << "{\"workload\": \"" << w.name
          << "\", \"mode\": \"cluster\", \"acking\": " << (o.acking ? "true" : "false")
          << ", \"workers\": " << o.workers
          << ", \"executors\": " << o.executors.value_or(o.workers)
          << ", \"tuples_per_s\": " << total << ", \"duration_s\": " << o.duration_s
          << ", \"warmup_s\": " << o.warmup_s << ", \"cpu_s_per_million\": "
          << (total_tuples > 0 ? total_cpu / total_tuples * 1e6 : 0.0) << ", \"per_node\": {";
        const char* sep = "";
        for (const auto& [host, rate] : per_node) {
            j << sep << '"' << host << "\": " << rate;
            sep = ", ";
        }
        j << "}, \"per_worker\": {";
        sep = "";
        for (const auto& [worker, r] : results) {
            j << sep << '"' << worker << "\": {\"tuples_per_s\": " << r.last_rate
              << ", \"cpu_s_per_million\": "
              << (r.last_tuples > 0 ? r.cpu / r.last_tuples * 1e6 : 0.0)
              << ", \"peak_rss_mib\": " << r.peak_rss / (1 << 20) << "}";
            sep = ", ";
        }
        j << "}, \"per_component\": {";
        sep = "";
        for (const std::string& c : w.components) {
            j << sep << '"' << c << "\": " << per_component[c];
            sep = ", ";
        }
        j << "}";
        if (o.acking) {
            j << ", \"complete_latency_p50_us\": " << worst.p50
              << ", \"complete_latency_p99_us\": " << worst.p99
              << ", \"complete_latency_p999_us\": " << worst.p999
              << ", \"complete_latency_max_us\": " << worst.max
              << ", \"latency_samples\": " << samples;
        }
        j << "}\n";
        json << j.str();
        json.close();
        if (!json) {
            std::fprintf(stderr, "tempest-bench: writing --json file '%s' failed\n",
                         o.json_path.c_str());
            return 1;
        }
    }
    if (total <= 0) {
        std::fprintf(stderr, "tempest-bench: the last bolt '%s' executed nothing while measured\n",
                     w.last_bolt.c_str());
        return 1;
    }
    return 0;
}

}  // namespace tempest::bench
