// SPDX-License-Identifier: Apache-2.0
#include "throughput_vs_latency.h"

#include "components.h"
#include "report.h"
#include "svg_plot.h"
#include "tempest/worker/local_cluster.h"
#include "workloads.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <thread>

namespace tempest::bench {

bool keeps_up(const tvl_step& s, const tvl_step& first) {
    return s.achieved >= knee_rate_share * s.offered && s.samples > 0 &&
           s.p99_us <= knee_p99_factor * first.p99_us;
}

std::optional<std::size_t> find_knee(const std::vector<tvl_step>& steps) {
    if (steps.empty() || !keeps_up(steps.front(), steps.front())) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i < steps.size(); ++i) {
        if (!keeps_up(steps[i], steps.front())) {
            return i - 1;
        }
    }
    return std::nullopt;
}

namespace {

using clock_type = std::chrono::steady_clock;

clock_type::duration seconds(double s) {
    return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
}

struct counts {
    std::uint64_t emitted = 0;
    std::uint64_t acked = 0;
    std::uint64_t failed = 0;
    std::uint64_t executed = 0;
};

counts sample(const worker::local_cluster& c, const std::string& name, const workload& w) {
    auto all = c.stats(name);
    const auto* spout = find_stats(all, w.spout);
    const auto* last = find_stats(all, w.last_bolt);
    if (spout == nullptr || last == nullptr) {
        throw std::runtime_error("no stats for the components of topology '" + name + "'");
    }
    return {spout->emitted, spout->acked, spout->failed, last->executed};
}

// A latency in microseconds as milliseconds for the table; "-" when unknown.
std::string ms(double us) {
    if (std::isnan(us)) {
        return "-";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", us / 1e3);
    return buf;
}

// A latency for the JSON: null when unknown.
std::string json_us(double us) {
    if (std::isnan(us)) {
        return "null";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", us);
    return buf;
}

tvl_step run_step(worker::local_cluster& cluster, const bench_options& o, double rate, int index) {
    bench_options step = o;
    step.rate = rate;
    step.throughput_vs_latency = false;
    workload w = make_workload(step);
    const std::string name = "tvl-" + std::to_string(index);
    latency_board::instance().clear();
    const auto submitted = clock_type::now();
    cluster.submit_topology(name, w.conf, w.topo);
    std::this_thread::sleep_for(seconds(o.warmup_s));
    counts c0 = sample(cluster, name, w);
    auto t0 = clock_type::now();
    std::this_thread::sleep_for(seconds(o.duration_s));
    counts c1 = sample(cluster, name, w);
    auto t1 = clock_type::now();
    auto h = latency_board::instance().merged();
    auto errors = cluster.errors(name);
    latency_board::instance().clear();
    cluster.kill_topology(name);
    if (!errors.empty()) {
        throw std::runtime_error("component error in step " + std::to_string(index) + ": " +
                                 errors.front().component + ": " + errors.front().message);
    }
    const double dt = std::chrono::duration<double>(t1 - t0).count();
    tvl_step s;
    s.offered = rate;
    s.achieved = static_cast<double>(c1.acked - c0.acked) / dt;
    s.last_bolt_rate = static_cast<double>(c1.executed - c0.executed) / dt;
    s.failed = c1.failed - c0.failed;
    s.samples = h.count;
    const double unknown = std::numeric_limits<double>::quiet_NaN();
    s.p50_us = h.count > 0 ? h.quantile(0.5) : unknown;
    s.p99_us = h.count > 0 ? h.quantile(0.99) : unknown;
    s.p999_us = h.count > 0 ? h.quantile(0.999) : unknown;
    s.max_us = h.count > 0 ? static_cast<double>(h.max) : unknown;
    const double scheduled_s = static_cast<double>(c1.emitted) / rate;
    s.behind_s = std::max(0.0, std::chrono::duration<double>(t1 - submitted).count() - scheduled_s);
    return s;
}

void plot(const bench_options& o, const std::string& unit, const std::vector<tvl_step>& steps,
          std::optional<std::size_t> knee, const std::string& where) {
    plot_panel lat;
    lat.title = "Complete latency against offered rate";
    lat.x_label = "offered spout tuples/s";
    lat.y_label = "complete latency, ms";
    lat.log_x = true;
    lat.log_y = true;
    plot_series p50{"p50", "#1f77b4", {}, false};
    plot_series p99{"p99", "#ff7f0e", {}, false};
    plot_series p999{"p99.9", "#d62728", {}, false};
    plot_series max{"max", "#7f7f7f", {}, true};
    // Local mode knows the lag since the spouts opened; a cluster run only what the spouts fell
    // behind during the window, within about 0.25 s per heartbeat seen (bench/README.md).
    plot_series lag{
        o.cluster ? "spouts fell behind during the window" : "spouts behind schedule at the end",
        "#000000",
        {},
        true};
    const double lag_floor = o.cluster ? 0.25 : 0.05;
    plot_panel rate;
    rate.title = "Achieved against offered rate";
    rate.x_label = "offered spout tuples/s";
    rate.y_label = "tuples/s";
    rate.log_x = true;
    rate.log_y = true;
    plot_series achieved{"achieved (spout tuples acked/s)", "#2ca02c", {}, false};
    plot_series last{"last bolt executed/s (" + unit + ")", "#9467bd", {}, false};
    plot_series ideal{"achieved = offered", "#aaaaaa", {}, true};
    for (const tvl_step& s : steps) {
        p50.points.emplace_back(s.offered, s.p50_us / 1e3);
        p99.points.emplace_back(s.offered, s.p99_us / 1e3);
        p999.points.emplace_back(s.offered, s.p999_us / 1e3);
        max.points.emplace_back(s.offered, s.max_us / 1e3);
        if (s.behind_s >= lag_floor) {  // less is the start-up of the topology, or noise
            lag.points.emplace_back(s.offered, s.behind_s * 1e3);
        }
        achieved.points.emplace_back(s.offered, s.achieved);
        last.points.emplace_back(s.offered, s.last_bolt_rate);
        ideal.points.emplace_back(s.offered, s.offered);
    }
    lat.series = {p50, p99, p999, max};
    if (!lag.points.empty()) {
        lat.series.push_back(lag);
    }
    rate.series = {achieved, last, ideal};
    if (knee) {
        lat.marker_x = rate.marker_x = steps[*knee].offered;
        lat.marker_label = rate.marker_label = "knee " + human_rate(steps[*knee].offered) + "/s";
    }
    write_svg(o.plot_path,
              "tempest-bench throughput-vs-latency: " + o.workload + " (acking)" + where,
              {lat, rate});
}

}  // namespace

bool open_tvl_json(const bench_options& o, std::ofstream& json) {
    if (o.json_path.empty()) {
        return true;
    }
    json.open(o.json_path, std::ios::trunc);
    if (!json) {
        std::fprintf(stderr, "tempest-bench: cannot write --json file '%s'\n", o.json_path.c_str());
        return false;
    }
    return true;
}

void print_tvl_header(const bench_options& o, const std::string& unit, const std::string& where) {
    std::printf("throughput-vs-latency %s acking=on%s: %.1f s per step after %.1f s warm-up\n",
                o.workload.c_str(), where.c_str(), o.duration_s, o.warmup_s);
    std::printf("%12s %12s %14s %10s %10s %10s %10s %8s %9s\n", "offered/s", "achieved/s",
                (unit + "/s").c_str(), "p50 ms", "p99 ms", "p99.9 ms", "max ms", "failed",
                "behind s");
    std::fflush(stdout);
}

void print_tvl_row(const tvl_step& s) {
    std::printf("%12s %12s %14s %10s %10s %10s %10s %8llu %9.2f\n", human_rate(s.offered).c_str(),
                human_rate(s.achieved).c_str(), human_rate(s.last_bolt_rate).c_str(),
                ms(s.p50_us).c_str(), ms(s.p99_us).c_str(), ms(s.p999_us).c_str(),
                ms(s.max_us).c_str(), static_cast<unsigned long long>(s.failed), s.behind_s);
    std::fflush(stdout);
}

int finish_tvl(const bench_options& o, const std::string& unit, const std::vector<tvl_step>& steps,
               std::ofstream& json, const std::string& plot_where) {
    auto knee = find_knee(steps);
    if (knee) {
        std::printf(
            "knee: %s tuples/s offered (the highest rate achieved within %.0f%% with p99 "
            "at most %.0fx the first step's)\n",
            human_rate(steps[*knee].offered).c_str(), knee_rate_share * 100, knee_p99_factor);
    } else if (!steps.empty() && keeps_up(steps.front(), steps.front())) {
        std::printf("knee: beyond the highest rate offered (every step kept up)\n");
    } else {
        std::printf("knee: below the lowest rate offered (the first step did not keep up)\n");
    }
    for (const tvl_step& s : steps) {
        if (s.samples == 0) {
            std::printf(
                "at %s tuples/s offered the spouts were %.1f s behind schedule: no tuple "
                "due after the warm-up completed, latency unknown (at least that lag)\n",
                human_rate(s.offered).c_str(), s.behind_s);
        }
    }
    if (json.is_open()) {
        json << "{\"mode\": \"throughput-vs-latency\", \"cluster\": "
             << (o.cluster ? "true" : "false") << ", \"workers\": " << o.workers
             << ", \"workload\": \"" << o.workload << "\", \"duration_s\": " << o.duration_s
             << ", \"warmup_s\": " << o.warmup_s << ", \"knee_offered_per_s\": ";
        if (knee) {
            json << steps[*knee].offered;
        } else {
            json << "null";
        }
        json << ", \"steps\": [";
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const tvl_step& s = steps[i];
            char buf[512];
            std::snprintf(buf, sizeof buf,
                          "%s{\"offered_per_s\": %.1f, \"achieved_per_s\": %.1f, "
                          "\"last_bolt_per_s\": %.1f, \"latency_samples\": %llu, "
                          "\"p50_us\": %s, \"p99_us\": %s, \"p999_us\": %s, "
                          "\"max_us\": %s, \"failed\": %llu, \"behind_s\": %.3f}",
                          i == 0 ? "" : ", ", s.offered, s.achieved, s.last_bolt_rate,
                          static_cast<unsigned long long>(s.samples), json_us(s.p50_us).c_str(),
                          json_us(s.p99_us).c_str(), json_us(s.p999_us).c_str(),
                          json_us(s.max_us).c_str(), static_cast<unsigned long long>(s.failed),
                          s.behind_s);
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
    if (!o.plot_path.empty()) {
        plot(o, unit, steps, knee, plot_where);
    }
    for (const tvl_step& s : steps) {
        if (s.achieved <= 0) {
            std::fprintf(stderr, "tempest-bench: the step at %s tuples/s completed nothing\n",
                         human_rate(s.offered).c_str());
            return 1;
        }
    }
    return 0;
}

int run_throughput_vs_latency(const bench_options& o) {
    std::ofstream json;
    if (!open_tvl_json(o, json)) {
        return 2;
    }
    const std::string unit = make_workload(o).unit;
    worker::local_cluster cluster;
    std::vector<tvl_step> steps;
    print_tvl_header(o, unit, "");
    for (std::size_t i = 0; i < o.rates.size(); ++i) {
        tvl_step s = run_step(cluster, o, o.rates[i], static_cast<int>(i));
        print_tvl_row(s);
        steps.push_back(s);
    }
    return finish_tvl(o, unit, steps, json, "");
}

}  // namespace tempest::bench
