// SPDX-License-Identifier: Apache-2.0
// throughput-vs-latency on a cluster (`tempest-bench throughput-vs-latency --cluster`): each
// offered rate is a fresh topology `tvl-WORKLOAD-PID-STEP` of --workers workers submitted
// through the leader Nimbus (the package uploaded with each), measured from its workers' heartbeats
// as the cluster mode does (cluster_figures.h), killed, and waited for until Nimbus no longer lists
// it (its slots free for the next step).
//
// Per step, summed over workers, each from its first heartbeat after the warm-up to its last
// before the end: achieved = spout trees acked per second, the last bolt's executed/s, failed
// trees. Latency: the spout tasks' `complete-latency-us` histograms (tuples due after the
// warm-up), the worst task's percentiles. Behind: how far the spouts fell behind their schedule
// during the measured window, (offered × window − emitted) / offered: unlike local mode, the
// lag before the window is not known (the spouts' open time is not reported).
#include "cluster_figures.h"
#include "report.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/nimbus_client.h"
#include "throughput_vs_latency.h"
#include "workloads.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tempest::bench {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr auto call_timeout = 30s;
constexpr auto poll_interval = 500ms;
constexpr auto start_timeout = 180s;
constexpr auto gone_timeout = 60s;

double since(clock_type::time_point t) {
    return std::chrono::duration<double>(clock_type::now() - t).count();
}

std::string first_error(const topology_poll& p) {
    for (const auto& [component, errors] : p.errors) {
        if (!errors.empty()) {
            return component + ": " + errors.front();
        }
    }
    return {};
}

bool listed(common::nimbus_client& client, const std::string& name) {
    for (const auto& t : client.list()) {
        if (t.name == name) {
            return true;
        }
    }
    return false;
}

// Kills the step's topology however the step ends, and waits until Nimbus no longer lists it.
class step_topology {
  public:
    step_topology(common::nimbus_client& c, std::string name) : _c(c), _name(std::move(name)) {}
    ~step_topology() {
        try {
            _c.kill(_name, 0);
            const auto killed = clock_type::now();
            while (listed(_c, _name) && clock_type::now() - killed < gone_timeout) {
                std::this_thread::sleep_for(poll_interval);
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "tempest-bench: could not kill topology '%s': %s\n", _name.c_str(),
                         e.what());
        }
    }
    step_topology(const step_topology&) = delete;
    step_topology& operator=(const step_topology&) = delete;

  private:
    common::nimbus_client& _c;
    std::string _name;
};

struct timed_sample {
    double t = 0;  // seconds since the topology ran, when the heartbeat was first seen
    worker_sample s;
};

tvl_step run_cluster_step(common::nimbus_client& client, const std::string& package,
                          const bench_options& o, double rate, int index, std::string& unit) {
    bench_options step = o;
    step.rate = rate;
    step.throughput_vs_latency = false;
    workload w = make_workload(step);
    unit = w.unit;
    w.conf.set_num_workers(o.workers);
    const std::string name =
        "tvl-" + w.name + "-" + std::to_string(::getpid()) + "-" + std::to_string(index);
    // Nimbus takes an upload with the submit that names it: one upload per step.
    const std::string location = client.upload_package(package, {});
    client.submit(name, location, w.conf, w.topo);
    step_topology killer(client, name);

    cluster_figures figures(client.endpoint(), call_timeout);
    const std::string id = figures.id_of(name);
    const auto submitted = clock_type::now();
    topology_poll p;
    while (true) {
        p = figures.poll(id, w.spout);
        if (auto e = first_error(p); !e.empty()) {
            throw std::runtime_error("topology '" + name + "' reported an error: " + e);
        }
        if (p.status == "ACTIVE" && p.reporting > 0 && p.reporting == p.executors) {
            break;
        }
        if (clock_type::now() - submitted > start_timeout) {
            throw std::runtime_error(
                "topology '" + name + "' not running after 180 s: " + p.status + ", " +
                std::to_string(p.reporting) + " of " + std::to_string(p.executors) +
                " executors reporting (free slots?)");
        }
        std::this_thread::sleep_for(poll_interval);
    }
    const auto running = clock_type::now();
    const double running_s = std::chrono::duration<double>(running.time_since_epoch()).count();
    std::map<std::string, std::vector<timed_sample>> series;
    const double t_begin = o.warmup_s;
    const double t_end = o.warmup_s + o.duration_s;
    while (true) {
        const double now_s = since(running);
        p = figures.poll(id, w.spout);
        if (auto e = first_error(p); !e.empty()) {
            throw std::runtime_error("topology '" + name + "' reported an error: " + e);
        }
        for (const auto& [worker, s] : p.workers) {
            auto& v = series[worker];
            if (v.empty() || v.back().s.heartbeat_secs < s.heartbeat_secs) {
                v.push_back({(s.seen_after + s.seen_by) / 2 - running_s, s});
            }
        }
        if (now_s >= t_end) {
            break;
        }
        std::this_thread::sleep_for(poll_interval);
    }

    tvl_step out;
    out.offered = rate;
    double emitted_rate = 0;
    double window = 0;
    for (const std::string& worker : p.assigned) {
        const auto it = series.find(worker);
        const timed_sample* a = nullptr;
        const timed_sample* b = nullptr;
        if (it != series.end()) {
            for (const auto& ts : it->second) {
                if (ts.t >= t_begin && a == nullptr) {
                    a = &ts;
                }
                if (ts.t <= t_end) {
                    b = &ts;
                }
            }
        }
        if (a == nullptr || b == nullptr || b->t <= a->t) {
            throw std::runtime_error("worker " + worker +
                                     " reported fewer than two heartbeats in the measured window "
                                     "(make --duration longer than two heartbeat periods)");
        }
        const double dt = b->t - a->t;
        auto delta = [&](const std::string& component) {
            auto n1 = b->s.counts.find(component);
            auto n0 = a->s.counts.find(component);
            const std::uint64_t v1 = n1 == b->s.counts.end() ? 0 : n1->second;
            const std::uint64_t v0 = n0 == a->s.counts.end() ? 0 : n0->second;
            return static_cast<double>(v1 - std::min(v0, v1));
        };
        out.achieved += static_cast<double>(b->s.spout_acked - a->s.spout_acked) / dt;
        out.last_bolt_rate += delta(w.last_bolt) / dt;
        emitted_rate += delta(w.spout) / dt;
        out.failed += b->s.spout_failed - a->s.spout_failed;
        window = std::max(window, dt);
    }
    out.behind_s = std::max(0.0, (rate - emitted_rate) * window / rate);
    const double unknown = std::numeric_limits<double>::quiet_NaN();
    out.p50_us = out.p99_us = out.p999_us = out.max_us = unknown;
    double samples = 0;
    for (const auto& t : p.latencies) {
        if (t.count <= 0) {
            continue;
        }
        samples += t.count;
        auto worst = [](double& have, double v) {
            have = std::isnan(have) ? v : std::max(have, v);
        };
        worst(out.p50_us, t.p50);
        worst(out.p99_us, t.p99);
        worst(out.p999_us, t.p999);
        worst(out.max_us, t.max);
    }
    out.samples = static_cast<std::uint64_t>(samples);
    return out;
}

}  // namespace

int run_throughput_vs_latency_cluster(const bench_options& o) {
    std::ofstream json;
    if (!open_tvl_json(o, json)) {
        return 2;
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
    std::string unit = make_workload(o).unit;
    const std::string where = " cluster workers=" + std::to_string(o.workers) +
                              " executors=" + std::to_string(o.executors.value_or(o.workers));
    print_tvl_header(o, unit, where + " (Nimbus at " + client.endpoint() + ")");
    std::vector<tvl_step> steps;
    for (std::size_t i = 0; i < o.rates.size(); ++i) {
        tvl_step s = run_cluster_step(client, package, o, o.rates[i], static_cast<int>(i), unit);
        print_tvl_row(s);
        steps.push_back(s);
    }
    return finish_tvl(o, unit, steps, json, "," + where);
}

}  // namespace tempest::bench
