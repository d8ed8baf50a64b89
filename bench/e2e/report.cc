// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace tempest::bench {

double proc_status_mib(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(field + ":")) {
            std::istringstream rest(line.substr(field.size() + 1));
            double kb = 0;
            rest >> kb;
            return kb / 1024.0;
        }
    }
    return 0.0;
}

double process_cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

const worker::component_stats* find_stats(const std::vector<worker::component_stats>& all,
                                          const std::string& component) {
    for (const auto& s : all) {
        if (s.component == component) {
            return &s;
        }
    }
    return nullptr;
}

std::string human_rate(double per_s) {
    char buf[64];
    if (per_s >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.2fM", per_s / 1e6);
    } else if (per_s >= 1e3) {
        std::snprintf(buf, sizeof buf, "%.1fk", per_s / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f", per_s);
    }
    return buf;
}

std::vector<thread_share> thread_shares(const std::vector<worker::executor_totals>& before,
                                        const std::vector<worker::executor_totals>& after,
                                        double elapsed_s) {
    std::map<std::string, int> threads_of;
    for (const auto& e : after) {
        threads_of[e.component] += e.own_thread ? 1 : 0;
    }
    std::vector<thread_share> out;
    for (const auto& e : after) {
        if (!e.own_thread || elapsed_s <= 0) {
            continue;
        }
        auto was = std::find_if(before.begin(), before.end(), [&](const auto& b) {
            return b.component == e.component && b.first_task == e.first_task;
        });
        const std::uint64_t idle0 = was != before.end() ? was->idle_ns : 0;
        const std::uint64_t bp0 = was != before.end() ? was->backpressure_ns : 0;
        const double idle = static_cast<double>(e.idle_ns - std::min(idle0, e.idle_ns)) / 1e9;
        const double bp =
            static_cast<double>(e.backpressure_ns - std::min(bp0, e.backpressure_ns)) / 1e9;
        thread_share t;
        t.name = threads_of[e.component] > 1 ? e.component + ":" + std::to_string(e.first_task)
                                             : e.component;
        t.busy = std::clamp(1.0 - idle / elapsed_s, 0.0, 1.0);
        t.backpressured = std::clamp(bp / elapsed_s, 0.0, 1.0);
        out.push_back(std::move(t));
    }
    return out;
}

std::string describe(const std::vector<thread_share>& threads) {
    std::string out;
    char buf[128];
    for (const auto& t : threads) {
        std::snprintf(buf, sizeof buf, "%s busy %.0f%%", t.name.c_str(), 100 * t.busy);
        out += (out.empty() ? "" : ", ") + std::string(buf);
        if (t.backpressured >= 0.005) {
            std::snprintf(buf, sizeof buf, " (backpressured %.0f%%)", 100 * t.backpressured);
            out += buf;
        }
    }
    return out;
}

}  // namespace tempest::bench
