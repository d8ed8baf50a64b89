// SPDX-License-Identifier: Apache-2.0
#include "metric_points.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>

namespace tempest::worker {

namespace {

void add(std::vector<common::metric_point>& out, std::string name, std::string_view component,
         int task, double value) {
    out.push_back({std::move(name), std::string(component), task, value});
}

constexpr std::array<std::pair<std::string_view, double>, 5> percentiles{{
    {"p50", 0.50},
    {"p75", 0.75},
    {"p95", 0.95},
    {"p99", 0.99},
    {"p999", 0.999},
}};

}  // namespace

double metric_reporter::meter_rate(std::int64_t now_ms, const metric_registry::entry& e,
                                   std::int64_t count) {
    // A meter first seen now starts from 0 (default state): it was registered after the
    // previous call, so its whole count belongs to this interval.
    meter_state& m = _meters[{e.task, e.name}];
    m.seen = true;
    if (_last_ms < 0 || now_ms <= _last_ms) {
        // No interval to measure over yet: the count is the baseline.
        m.count = count;
        return m.rate;
    }
    const double dt = static_cast<double>(now_ms - _last_ms) / 1000.0;
    const double delta = static_cast<double>(count >= m.count ? count - m.count : count);
    const double instant = delta / dt;
    if (!m.seeded) {
        m.rate = instant;
        m.seeded = true;
    } else {
        m.rate += (1.0 - std::exp(-dt / 60.0)) * (instant - m.rate);
    }
    m.count = count;
    return m.rate;
}

void metric_reporter::add_user_points(std::int64_t now_ms, const metric_registry::entry& e,
                                      std::vector<common::metric_point>& out) {
    switch (e.type) {
        case metric_type::counter:
            add(out, e.name, e.component, e.task, static_cast<double>(e.counter->get()));
            break;
        case metric_type::gauge:
            if (e.gauge) {
                try {
                    add(out, e.name, e.component, e.task, e.gauge());
                } catch (const std::exception&) {
                    // (void): a broken gauge loses its point, not the heartbeat
                }
            }
            break;
        case metric_type::meter: {
            const std::int64_t count = e.meter->count();
            add(out, e.name + ".count", e.component, e.task, static_cast<double>(count));
            add(out, e.name + ".m1_rate", e.component, e.task, meter_rate(now_ms, e, count));
            break;
        }
        case metric_type::histogram: {
            const auto s = e.histogram->read();
            add(out, e.name + ".count", e.component, e.task, static_cast<double>(s.count));
            add(out, e.name + ".min", e.component, e.task, static_cast<double>(s.min));
            add(out, e.name + ".max", e.component, e.task, static_cast<double>(s.max));
            add(out, e.name + ".mean", e.component, e.task, s.mean);
            for (const auto& [suffix, q] : percentiles) {
                add(out, e.name + "." + std::string(suffix), e.component, e.task, s.quantile(q));
            }
            break;
        }
    }
}

std::vector<common::metric_point> metric_reporter::points(
    std::int64_t now_ms, const metric_registry* registry,
    const std::vector<executor_totals>& totals, const worker_figures& worker,
    const std::vector<int>* tasks) {
    std::vector<common::metric_point> out;
    if (registry != nullptr) {
        // Copied under the registry's lock, read outside it: a gauge's function may take locks
        // of its own (or even register a metric) without deadlocking the registry.
        std::vector<metric_registry::entry> entries;
        registry->for_each([&](const metric_registry::entry& e) { entries.push_back(e); });
        for (auto& [key, m] : _meters) {
            m.seen = false;
        }
        for (const auto& e : entries) {
            if (tasks == nullptr || std::binary_search(tasks->begin(), tasks->end(), e.task)) {
                add_user_points(now_ms, e, out);
            }
        }
        std::erase_if(_meters, [](const auto& m) { return !m.second.seen; });
    }
    _last_ms = now_ms;

    for (const executor_totals& t : totals) {
        add(out, "__receive.population", t.component, t.first_task,
            static_cast<double>(t.queue_population));
        add(out, "__receive.capacity", t.component, t.first_task,
            static_cast<double>(t.queue_capacity));
        add(out, "__backpressure.seconds", t.component, t.first_task,
            static_cast<double>(t.backpressure_ns) / 1e9);
        add(out, "__idle.seconds", t.component, t.first_task, static_cast<double>(t.idle_ns) / 1e9);
    }

    const std::string_view sys = system_component;
    if (worker.usage) {
        add(out, "worker.rss_bytes", sys, -1, static_cast<double>(worker.usage->rss_bytes));
        add(out, "worker.cpu_seconds", sys, -1, worker.usage->cpu_seconds);
    }
    add(out, "worker.errors_suppressed", sys, -1, static_cast<double>(worker.errors_suppressed));
    add(out, "worker.errors_missed", sys, -1, static_cast<double>(worker.errors_missed));
    for (const connection_stats& c : worker.connections) {
        const std::string prefix = (c.outbound ? "transport.out." : "transport.in.") + c.peer;
        add(out, prefix + ".bytes", sys, -1, static_cast<double>(c.bytes));
        add(out, prefix + ".tuples", sys, -1, static_cast<double>(c.tuples));
        if (c.outbound) {
            add(out, prefix + ".credit_waits", sys, -1, static_cast<double>(c.credit_waits));
        }
    }
    add(out, "transport.dropped", sys, -1, static_cast<double>(worker.remote.dropped));
    add(out, "transport.rejected_frames", sys, -1,
        static_cast<double>(worker.remote.rejected_frames));
    return out;
}

}  // namespace tempest::worker
