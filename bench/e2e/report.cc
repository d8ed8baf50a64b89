// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
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

}  // namespace tempest::bench
