// SPDX-License-Identifier: Apache-2.0
#include "idle_mode.h"

#include "components.h"
#include "report.h"
#include "tempest/worker/local_cluster.h"
#include "workloads.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace tempest::bench {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr const char* topology_name = "bench-idle";
// After deactivate(): spouts stop within one pass, queues drain, timers settle.
constexpr auto settle = std::chrono::seconds(1);
constexpr std::size_t busiest_shown = 5;

clock_type::duration seconds(double s) {
    return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
}

// utime + stime of a /proc/.../stat line; -1 when unreadable.
long long stat_ticks(const std::filesystem::path& stat) {
    std::ifstream in(stat);
    std::string line;
    if (!std::getline(in, line)) {
        return -1;
    }
    // The name in parentheses may hold spaces: fields 14 and 15 count from after its ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos) {
        return -1;
    }
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    long long utime = 0;
    long long stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) {
            utime = std::stoll(field);
        } else if (i == 15) {
            stime = std::stoll(field);
        }
    }
    return utime + stime;
}

struct usage_sample {
    clock_type::time_point at;
    double cpu_s = 0;  // process utime + stime
    long long voluntary = 0;
    long long involuntary = 0;
};

usage_sample sample_usage() {
    usage_sample s;
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    s.at = clock_type::now();
    s.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
              static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    s.voluntary = ru.ru_nvcsw;
    s.involuntary = ru.ru_nivcsw;
    return s;
}

}  // namespace

std::vector<thread_ticks> read_thread_ticks() {
    std::vector<thread_ticks> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
        thread_ticks t;
        try {
            t.tid = std::stoi(entry.path().filename().string());
        } catch (const std::exception&) {
            continue;
        }
        t.ticks = stat_ticks(entry.path() / "stat");
        if (t.ticks < 0) {
            continue;
        }
        std::ifstream comm(entry.path() / "comm");
        std::getline(comm, t.name);
        out.push_back(std::move(t));
    }
    return out;
}

int run_idle(const bench_options& o) {
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
    cluster.submit_topology(topology_name, w.conf, w.topo);
    std::this_thread::sleep_for(seconds(o.warmup_s));
    cluster.deactivate(topology_name);
    std::this_thread::sleep_for(settle);

    const auto before = read_thread_ticks();
    const usage_sample u0 = sample_usage();
    std::this_thread::sleep_for(seconds(o.duration_s));
    const usage_sample u1 = sample_usage();
    const auto after = read_thread_ticks();
    const double rss_mib = proc_status_mib("VmRSS");
    auto errors = cluster.errors(topology_name);
    latency_board::instance().clear();  // the spouts' histograms end with their tasks
    cluster.kill_topology(topology_name);
    if (!errors.empty()) {
        std::fprintf(stderr, "tempest-bench: %zu error(s) reported by components, first: %s: %s\n",
                     errors.size(), errors.front().component.c_str(),
                     errors.front().message.c_str());
        return 1;
    }

    const double dt = std::chrono::duration<double>(u1.at - u0.at).count();
    const double cpu_percent = (u1.cpu_s - u0.cpu_s) / dt * 100;
    const double switches_per_s =
        static_cast<double>((u1.voluntary - u0.voluntary) + (u1.involuntary - u0.involuntary)) / dt;
    const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
    std::map<int, long long> ticks0;
    for (const auto& t : before) {
        ticks0[t.tid] = t.ticks;
    }
    std::vector<thread_ticks> used;
    for (const auto& t : after) {
        auto it = ticks0.find(t.tid);
        thread_ticks d = t;
        d.ticks = t.ticks - (it == ticks0.end() ? 0 : it->second);
        if (d.ticks > 0) {
            used.push_back(std::move(d));
        }
    }
    std::sort(used.begin(), used.end(),
              [](const thread_ticks& a, const thread_ticks& b) { return a.ticks > b.ticks; });

    std::printf(
        "%s idle%s: %d executors, %zu threads, CPU %.3f%% of one core over %.1f s "
        "(%.1f us/s per executor), %.0f context switches/s, RSS %.1f MiB\n",
        w.name.c_str(),
        o.pipelines > 1 ? (" pipelines=" + std::to_string(o.pipelines)).c_str() : "", w.executors,
        after.size(), cpu_percent, dt, (u1.cpu_s - u0.cpu_s) / dt * 1e6 / std::max(1, w.executors),
        switches_per_s, rss_mib);
    std::printf("  threads that used CPU: %zu of %zu%s", used.size(), after.size(),
                used.empty() ? "\n" : ";");
    for (std::size_t i = 0; i < used.size() && i < busiest_shown; ++i) {
        std::printf(" %s %.2f%%%s", used[i].name.c_str(),
                    static_cast<double>(used[i].ticks) / hz / dt * 100,
                    i + 1 < std::min(used.size(), busiest_shown) ? "," : "\n");
    }

    if (json.is_open()) {
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "{\"workload\": \"%s\", \"mode\": \"idle\", \"pipelines\": %d, "
                      "\"executors\": %d, \"threads\": %zu, \"threads_using_cpu\": %zu, "
                      "\"duration_s\": %.3f, \"cpu_percent\": %.3f, "
                      "\"context_switches_per_s\": %.1f, \"rss_mib\": %.1f}\n",
                      w.name.c_str(), o.pipelines, w.executors, after.size(), used.size(), dt,
                      cpu_percent, switches_per_s, rss_mib);
        json << buf;
        json.close();
        if (!json) {
            std::fprintf(stderr, "tempest-bench: writing --json file '%s' failed\n",
                         o.json_path.c_str());
            return 1;
        }
    }
    return 0;
}

}  // namespace tempest::bench
