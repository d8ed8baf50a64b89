// SPDX-License-Identifier: Apache-2.0
#include "monitor.h"

#include "cli_error.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <set>

namespace tempest::cli {

namespace {

bool is_system(const std::string& component) {
    return component.size() >= 2 && component[0] == '_' && component[1] == '_';
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        out += (out.empty() ? "" : ", ") + n;
    }
    return out.empty() ? "none" : out;
}

const std::map<std::string, std::int64_t>& counts_of(const common::stream_counts& c,
                                                     monitor_metric m) {
    switch (m) {
        case monitor_metric::transferred:
            return c.transferred;
        case monitor_metric::acked:
            return c.acked;
        case monitor_metric::emitted:
            break;
    }
    return c.emitted;
}

}  // namespace

const char* to_string(monitor_metric m) noexcept {
    switch (m) {
        case monitor_metric::transferred:
            return "transferred";
        case monitor_metric::acked:
            return "acked";
        case monitor_metric::emitted:
            break;
    }
    return "emitted";
}

monitor_metric parse_monitor_metric(const std::string& text) {
    for (auto m : {monitor_metric::emitted, monitor_metric::transferred, monitor_metric::acked}) {
        if (text == to_string(m)) {
            return m;
        }
    }
    throw cli_error(fmt::format("bad -m '{}': expected emitted, transferred or acked", text),
                    exit_usage);
}

std::chrono::milliseconds parse_monitor_interval(const std::string& text) {
    char* end = nullptr;
    double secs = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(secs) || secs <= 0 ||
        secs > 86400) {
        throw cli_error(
            fmt::format("bad -i '{}': expected a number of seconds above 0 (at most 86400)", text),
            exit_usage);
    }
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(secs * 1e3))));
}

std::vector<std::string> watchable_components(const common::topology_info& info) {
    std::set<std::string> names;
    for (const auto& [component, errors] : info.errors) {  // every component has an entry
        names.insert(component);
    }
    for (const auto& e : info.executors) {
        names.insert(e.component);
    }
    std::vector<std::string> out;
    for (const auto& n : names) {
        if (!is_system(n)) {
            out.push_back(n);
        }
    }
    return out;
}

monitor_sample sample_component(const common::topology_info& info, const std::string& component,
                                const std::string& stream, monitor_metric metric) {
    monitor_sample s;
    std::set<std::string> streams;
    bool found = false;
    for (const auto& e : info.executors) {
        if (e.component != component) {
            continue;
        }
        ++s.parallelism;
        s.late += e.late ? 1 : 0;
        if (!e.all_time) {
            continue;
        }
        ++s.reporting;
        const auto& counts = counts_of(*e.all_time, metric);
        for (const auto& [name, n] : counts) {
            streams.insert(name);
        }
        if (auto it = counts.find(stream); it != counts.end()) {
            found = true;
            s.total += it->second;
        }
    }
    if (s.parallelism == 0 && !info.errors.contains(component)) {
        throw cli_error(fmt::format("topology '{}' has no component '{}' (components: {})",
                                    info.name, component, joined(watchable_components(info))));
    }
    if (s.reporting > 0 && !found) {
        throw cli_error(
            fmt::format("component '{}' has no {} figures on stream '{}' (streams "
                        "with {} figures: {})",
                        component, to_string(metric), stream, to_string(metric),
                        joined({streams.begin(), streams.end()})));
    }
    return s;
}

std::string monitor_header(monitor_metric metric) {
    return fmt::format(
        "topology\tcomponent\tparallelism\tstream\ttime-diff ms\t{}\tthroughput "
        "(Kt/s)",
        to_string(metric));
}

std::string monitor_line(const monitor_request& r, const monitor_sample& before,
                         const monitor_sample& now, std::chrono::milliseconds elapsed) {
    std::string line = fmt::format("{}\t{}\t{}\t{}\t{}\t", r.topology, r.component.value_or(""),
                                   now.parallelism, r.stream, elapsed.count());
    std::int64_t delta = now.total - before.total;
    if (delta < 0) {
        // All-time counts went back: a worker restarted; this interval's count is unknown.
        line += "-\t-\t(counts restarted)";
        return line;
    }
    double throughput = elapsed.count() > 0
                            ? static_cast<double>(delta) / static_cast<double>(elapsed.count())
                            : 0.0;
    line += fmt::format("{}\t{:.3f}", delta, throughput);
    if (now.reporting < now.parallelism) {
        line += fmt::format("\t({} of {} executors without figures yet)",
                            now.parallelism - now.reporting, now.parallelism);
    }
    if (now.late > 0) {
        line += fmt::format("\t({} of {} executors late: their counts are frozen)", now.late,
                            now.parallelism);
    }
    return line;
}

void monitor_loop(const monitor_request& r, const monitor_poll& poll, const monitor_wait& wait,
                  const monitor_clock& now, std::FILE* out) {
    auto info = poll();
    if (!r.component) {
        throw cli_error(fmt::format("which component of '{}'? give -c COMPONENT, one of: {}",
                                    r.topology, joined(watchable_components(info))),
                        exit_usage);
    }
    auto last = sample_component(info, *r.component, r.stream, r.metric);
    auto start = now();
    auto last_time = start;
    fmt::print(out, "{}\n", monitor_header(r.metric));
    std::fflush(out);
    for (std::int64_t tick = 1;; ++tick) {
        auto due = start + tick * r.interval;
        // A poll that took longer than an interval skips the ticks it missed (as Storm's).
        auto t = now();
        if (due <= t) {
            tick += (t - due) / r.interval + 1;
            due = start + tick * r.interval;
        }
        if (!wait(due)) {
            return;
        }
        auto sample = sample_component(poll(), *r.component, r.stream, r.metric);
        auto at = now();
        fmt::print(
            out, "{}\n",
            monitor_line(r, last, sample,
                         std::chrono::duration_cast<std::chrono::milliseconds>(at - last_time)));
        std::fflush(out);
        last = sample;
        last_time = at;
    }
}

}  // namespace tempest::cli
