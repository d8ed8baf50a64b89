// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/stats_aggregate.h"

#include <algorithm>
#include <array>

namespace tempest::common {

namespace {

using counts = std::array<std::uint64_t, num_stat_kinds>;

std::uint64_t at(const counts& c, stat_kind k) {
    return c[static_cast<std::size_t>(k)];
}

// Every key's figures of one window.
std::map<std::uint32_t, counts> by_key(const stats_record& r, std::size_t window) {
    std::map<std::uint32_t, counts> out;
    for (const auto& e : r.entries) {
        out[e.key][static_cast<std::size_t>(e.kind)] += e.values[window];
    }
    return out;
}

// Weighted averages: sum of (average × weight) and of weights.
struct weighted {
    double sum = 0;
    std::uint64_t weight = 0;
    void add(std::uint64_t latency_us, std::uint64_t samples, std::uint64_t w) {
        if (samples == 0 || w == 0) {
            return;
        }
        double avg_ms = static_cast<double>(latency_us) / static_cast<double>(samples) / 1000.0;
        sum += avg_ms * static_cast<double>(w);
        weight += w;
    }
    double value() const { return weight == 0 ? 0.0 : sum / static_cast<double>(weight); }
};

struct accumulator {
    aggregate a;
    weighted complete, execute, process;

    void add(const counts& c, bool is_spout) {
        a.emitted += at(c, stat_kind::emitted);
        a.transferred += at(c, stat_kind::transferred);
        a.acked += at(c, stat_kind::acked);
        a.failed += at(c, stat_kind::failed);
        a.executed += at(c, stat_kind::executed);
        if (is_spout) {
            complete.add(at(c, stat_kind::complete_latency_us), at(c, stat_kind::complete_samples),
                         at(c, stat_kind::acked));
        } else {
            execute.add(at(c, stat_kind::execute_latency_us), at(c, stat_kind::execute_samples),
                        at(c, stat_kind::executed));
            process.add(at(c, stat_kind::process_latency_us), at(c, stat_kind::process_samples),
                        at(c, stat_kind::acked));
        }
    }
    aggregate done() {
        a.complete_latency_ms = complete.value();
        a.execute_latency_ms = execute.value();
        a.process_latency_ms = process.value();
        return a;
    }
};

bool counted(const stats_record& r, std::uint32_t key, bool include_system) {
    return include_system || !is_system_stream(r.keys[key].stream);
}

}  // namespace

double executor_capacity(const stats_record& r, int uptime_secs) {
    int window = std::min(uptime_secs, 600);
    if (window <= 0) {
        return 0.0;
    }
    accumulator acc;
    for (const auto& [key, c] : by_key(r, 0)) {
        acc.add(c, false);
    }
    aggregate a = acc.done();
    return static_cast<double>(a.executed) * a.execute_latency_ms / (1000.0 * window);
}

aggregate aggregate_executors(std::span<const executor_figures> executors, std::size_t window,
                              bool include_system) {
    accumulator acc;
    double capacity = 0;
    for (const auto& ex : executors) {
        if (ex.stats == nullptr) {
            continue;
        }
        for (const auto& [key, c] : by_key(*ex.stats, window)) {
            if (counted(*ex.stats, key, include_system)) {
                acc.add(c, ex.is_spout);
            }
        }
        if (!ex.is_spout) {
            capacity = std::max(capacity, executor_capacity(*ex.stats, ex.uptime_secs));
        }
    }
    aggregate a = acc.done();
    a.capacity = capacity;
    return a;
}

std::map<stream_key, aggregate> aggregate_by_stream(std::span<const executor_figures> executors,
                                                    std::size_t window, bool include_system) {
    std::map<stream_key, accumulator> acc;
    for (const auto& ex : executors) {
        if (ex.stats == nullptr) {
            continue;
        }
        for (const auto& [key, c] : by_key(*ex.stats, window)) {
            if (counted(*ex.stats, key, include_system)) {
                acc[ex.stats->keys[key]].add(c, ex.is_spout);
            }
        }
    }
    std::map<stream_key, aggregate> out;
    for (auto& [k, a] : acc) {
        out.emplace(k, a.done());
    }
    return out;
}

aggregate aggregate_topology(std::span<const executor_figures> executors, std::size_t window,
                             bool include_system) {
    accumulator spouts;
    aggregate all;
    for (const auto& ex : executors) {
        if (ex.stats == nullptr) {
            continue;
        }
        for (const auto& [key, c] : by_key(*ex.stats, window)) {
            if (!counted(*ex.stats, key, include_system)) {
                continue;
            }
            all.emitted += at(c, stat_kind::emitted);
            all.transferred += at(c, stat_kind::transferred);
            if (ex.is_spout) {
                spouts.add(c, true);
            }
        }
    }
    aggregate s = spouts.done();
    all.acked = s.acked;
    all.failed = s.failed;
    all.complete_latency_ms = s.complete_latency_ms;
    return all;
}

}  // namespace tempest::common
