// SPDX-License-Identifier: Apache-2.0
// tempest-bench: runs one end-to-end workload (see workloads.h) in an in-process
// tempest::worker::local_cluster (or, with --workers 2, in two worker processes: two_workers.h)
// and reports the rate at which its last bolt executes tuples,
// measured between the end of the warm-up and the end of the run, plus peak RSS and, with
// acking, the spout's complete latency.
//
// The main thread only sleeps and samples; the topology's executors are threads of their own.
#include "bench_options.h"
#include "cluster_mode.h"
#include "components.h"
#include "idle_mode.h"
#include "report.h"
#include "svg_plot.h"
#include "tempest/worker/local_cluster.h"
#include "tempest/worker/stats.h"
#include "throughput_vs_latency.h"
#include "two_workers.h"
#include "workloads.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tempest::bench {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr const char* topology_name = "bench";

// The executed counts of `components` (every pipeline's last bolt), summed.
std::uint64_t executed_by(const worker::local_cluster& cluster,
                          const std::vector<std::string>& components) {
    auto all = cluster.stats(topology_name);
    std::uint64_t n = 0;
    for (const std::string& component : components) {
        const auto* s = find_stats(all, component);
        if (s == nullptr) {
            throw std::runtime_error("no stats for component '" + component + "'");
        }
        n += s->executed;
    }
    return n;
}

// The last bolt's rate over time, for --plot: one point per plot_interval_s.
constexpr double plot_interval_s = 0.5;
struct rate_sampler {
    bool on = false;
    clock_type::time_point next;
    clock_type::time_point last_t;
    std::uint64_t last_count = 0;
    std::vector<std::pair<double, double>> points;  // (seconds since start, tuples/s)
};

// Sleeps until `until`, printing VmRSS/VmHWM every `every_s` seconds (counted from `start`)
// when every_s > 0, and sampling the rate for the plot when `plot.on`.
void wait_until(clock_type::time_point until, clock_type::time_point start, double every_s,
                clock_type::time_point& next_rss, rate_sampler& plot,
                const worker::local_cluster& cluster, const std::vector<std::string>& last_bolts) {
    while (true) {
        auto wake = until;
        if (every_s > 0 && next_rss < wake) {
            wake = next_rss;
        }
        if (plot.on && plot.next < wake) {
            wake = plot.next;
        }
        std::this_thread::sleep_until(wake);
        auto now = clock_type::now();
        if (every_s > 0 && now >= next_rss) {
            std::printf("rss t=%.1fs VmRSS=%.1f MiB VmHWM=%.1f MiB\n",
                        std::chrono::duration<double>(now - start).count(),
                        proc_status_mib("VmRSS"), proc_status_mib("VmHWM"));
            std::fflush(stdout);
            next_rss += std::chrono::duration_cast<clock_type::duration>(
                std::chrono::duration<double>(every_s));
        }
        if (plot.on && now >= plot.next) {
            std::uint64_t c = executed_by(cluster, last_bolts);
            double dt = std::chrono::duration<double>(now - plot.last_t).count();
            if (dt > 0) {
                plot.points.emplace_back(std::chrono::duration<double>(now - start).count(),
                                         static_cast<double>(c - plot.last_count) / dt);
            }
            plot.last_count = c;
            plot.last_t = now;
            plot.next += std::chrono::duration_cast<clock_type::duration>(
                std::chrono::duration<double>(plot_interval_s));
        }
        if (now >= until) {
            return;
        }
    }
}

int run(const bench_options& o) {
    const int max_pending = o.max_pending.value_or(default_max_spout_pending);
    std::ofstream json;
    if (!o.json_path.empty()) {
        json.open(o.json_path, std::ios::trunc);
        if (!json) {
            std::fprintf(stderr, "tempest-bench: cannot write --json file '%s'\n",
                         o.json_path.c_str());
            return 2;
        }
    }

    workload w = make_workload(o);
    worker::local_cluster cluster;
    auto start = clock_type::now();
    cluster.submit_topology(topology_name, w.conf, w.topo);
    auto to_duration = [](double s) {
        return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
    };
    auto next_rss = start + to_duration(o.rss_every_s);
    rate_sampler plot;
    plot.on = !o.plot_path.empty();
    plot.next = start + to_duration(plot_interval_s);
    plot.last_t = start;
    wait_until(start + to_duration(o.warmup_s), start, o.rss_every_s, next_rss, plot, cluster,
               w.last_bolts);
    std::uint64_t c0 = executed_by(cluster, w.last_bolts);
    const double cpu0 = process_cpu_seconds();
    const auto totals0 = cluster.totals(topology_name);
    auto t0 = clock_type::now();
    wait_until(t0 + to_duration(o.duration_s), start, o.rss_every_s, next_rss, plot, cluster,
               w.last_bolts);
    std::uint64_t c1 = executed_by(cluster, w.last_bolts);
    const double cpu1 = process_cpu_seconds();
    auto t1 = clock_type::now();
    const auto totals1 = cluster.totals(topology_name);
    auto stats = cluster.stats(topology_name);
    auto errors = cluster.errors(topology_name);
    double peak_rss_mib = proc_status_mib("VmHWM");
    latency_board::instance().clear();  // the spouts' histograms end with their tasks
    cluster.kill_topology(topology_name);

    if (!errors.empty()) {
        std::fprintf(stderr, "tempest-bench: %zu error(s) reported by components, first: %s: %s\n",
                     errors.size(), errors.front().component.c_str(),
                     errors.front().message.c_str());
        return 1;
    }
    const double elapsed = std::chrono::duration<double>(t1 - t0).count();
    const double warmup = std::chrono::duration<double>(t0 - start).count();
    const double rate = static_cast<double>(c1 - c0) / elapsed;
    // CPU per tuple holds still when the machine is shared (the rate does not).
    const double cpu_per_million = c1 > c0 ? (cpu1 - cpu0) / static_cast<double>(c1 - c0) * 1e6 : 0;
    const worker::component_stats* spout = find_stats(stats, w.spout);

    const std::string pipes =
        o.pipelines > 1 ? " pipelines=" + std::to_string(o.pipelines) : std::string();
    std::printf(
        "%s acking=%s%s%s: %s %s/s (%.1f s after %.1f s warm-up), %.2f CPU s per million %s, "
        "peak RSS %.1f MiB",
        w.name.c_str(), o.acking ? "on" : "off", o.no_chaining ? " chaining=off" : "",
        pipes.c_str(), human_rate(rate).c_str(), w.unit.c_str(), elapsed, warmup, cpu_per_million,
        w.unit.c_str(), peak_rss_mib);
    if (o.pipelines > 1) {
        // Each pipeline's share, so that an unfair split shows.
        std::uint64_t lo = UINT64_MAX;
        std::uint64_t hi = 0;
        for (const std::string& b : w.last_bolts) {
            const auto* s = find_stats(stats, b);
            const std::uint64_t n = s != nullptr ? s->executed : 0;
            lo = std::min(lo, n);
            hi = std::max(hi, n);
        }
        std::printf(", %d executors; pipelines' totals from %llu to %llu %s", w.executors,
                    static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi),
                    w.unit.c_str());
    }
    if (o.acking && spout != nullptr) {
        std::printf(", complete latency p50 %.0f us p99 %.0f us, max.spout.pending %d, failed %llu",
                    spout->complete_latency_p50_us, spout->complete_latency_p99_us, max_pending,
                    static_cast<unsigned long long>(spout->failed));
    }
    std::printf("\n");
    // Which thread bounds the run: the one busy all the window and not held back by its consumer.
    const auto threads = thread_shares(totals0, totals1, elapsed);
    std::printf("  threads over the window: %s\n", describe(threads).c_str());
    if (c1 == c0) {
        std::fprintf(stderr, "tempest-bench: the last bolt '%s' executed nothing while measured\n",
                     w.last_bolt.c_str());
        return 1;
    }

    if (plot.on) {
        plot_panel p;
        p.title = "Throughput over time (sampled every 0.5 s)";
        p.x_label = "seconds since submit";
        p.y_label = w.unit + "/s executed by '" + w.last_bolt + "'" +
                    (o.pipelines > 1 ? " and the other pipelines' last bolts" : "");
        p.series.push_back({"measured rate " + human_rate(rate) + "/s", "#1f77b4", plot.points});
        p.marker_x = warmup;
        p.marker_label = "end of warm-up";
        write_svg(o.plot_path,
                  "tempest-bench " + w.name + (o.acking ? " (acking)" : "") + ", local mode", {p});
    }

    if (json.is_open()) {
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "{\"workload\": \"%s\", \"acking\": %s, \"chaining\": %s, "
                      "\"tuples_per_s\": %.1f, "
                      "\"duration_s\": %.3f, \"warmup_s\": %.3f, \"tuples\": %llu, "
                      "\"peak_rss_mib\": %.1f, \"pipelines\": %d, \"executors\": %d, "
                      "\"cpu_s_per_million\": %.4f",
                      w.name.c_str(), o.acking ? "true" : "false", o.no_chaining ? "false" : "true",
                      rate, elapsed, warmup, static_cast<unsigned long long>(c1 - c0), peak_rss_mib,
                      o.pipelines, w.executors, cpu_per_million);
        json << buf;
        if (o.acking && spout != nullptr) {
            std::snprintf(buf, sizeof buf,
                          ", \"complete_latency_p50_us\": %.1f, \"complete_latency_p99_us\": %.1f, "
                          "\"max_spout_pending\": %d, \"failed\": %llu",
                          spout->complete_latency_p50_us, spout->complete_latency_p99_us,
                          max_pending, static_cast<unsigned long long>(spout->failed));
            json << buf;
        }
        json << ", \"threads\": [";
        for (std::size_t i = 0; i < threads.size(); ++i) {
            std::snprintf(buf, sizeof buf,
                          "%s{\"name\": \"%s\", \"busy\": %.3f, \"backpressured\": %.3f}",
                          i == 0 ? "" : ", ", threads[i].name.c_str(), threads[i].busy,
                          threads[i].backpressured);
            json << buf;
        }
        json << "]}\n";
        json.close();
        if (!json) {
            std::fprintf(stderr, "tempest-bench: writing --json file '%s' failed\n",
                         o.json_path.c_str());
            return 1;
        }
    }
    return 0;
}

}  // namespace

}  // namespace tempest::bench

int main(int argc, char** argv) {
    using namespace tempest::bench;
    bench_options o;
    try {
        o = parse_bench_options(argc, argv);
        if (o.help) {
            std::fputs(usage_text().c_str(), stdout);
            return 0;
        }
        if (!is_workload(o.workload)) {
            throw usage_error(
                "unknown workload '" + o.workload +
                "' (const-null, const-id-null, word-count, zipf-agg, windowed-agg, their "
                "storm-perf names or throughput-vs-latency)");
        }
        o.workload = canonical_workload(o.workload);
        if (o.cluster && o.pipelines > 1 && !o.throughput_vs_latency) {
            throw usage_error("--pipelines is for local runs (one process)");
        }
    } catch (const usage_error& e) {
        std::fprintf(stderr, "tempest-bench: %s (see --help)\n", e.what());
        return 2;
    }
    try {
        register_bench_components(tempest::component_registry::instance());
        if (o.throughput_vs_latency) {
            return o.cluster ? run_throughput_vs_latency_cluster(o) : run_throughput_vs_latency(o);
        }
        if (o.idle) {
            return run_idle(o);
        }
        if (o.cluster) {
            return run_cluster(o);
        }
        return o.workers == 2 ? run_two_workers(o) : run(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tempest-bench: %s\n", e.what());
        return 1;
    }
}
