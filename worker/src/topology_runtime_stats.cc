// SPDX-License-Identifier: Apache-2.0
// topology_runtime's statistics: the executors' counters summed per executor, per component and
// per stream (Storm's acking streams named as Storm names them), the latency histograms merged,
// the errors, the metrics and the transport's connections. Runs on the caller's thread; reads
// counters the executor threads write (relaxed atomics).
#include "executor/executor.h"
#include "tempest/worker/latency_histogram.h"
#include "tempest/worker/topology_runtime.h"
#include "topology_runtime_impl.h"

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tempest::worker {

namespace {

using common::stat_kind;

// Storm's stream names of the acking messages, by message kind - 1 (task_state::acking_sent).
constexpr std::array<const char*, 5> acking_streams = {
    ack_init_stream_id, ack_ack_stream_id,  ack_fail_stream_id,  // to ackers
    ack_ack_stream_id,  ack_fail_stream_id,                      // from ackers to spouts
};

// The running totals of one plan executor, keyed while they are summed over its tasks.
class totals_builder {
  public:
    void add(stat_kind kind, const common::stream_key& key, std::uint64_t v) {
        if (v != 0) {
            _figures[{kind, key}] += v;
        }
    }
    std::vector<figure_total> take() {
        std::vector<figure_total> out;
        out.reserve(_figures.size());
        for (auto& [id, total] : _figures) {
            out.push_back({id.first, id.second, total});
        }
        return out;
    }

  private:
    std::map<std::pair<stat_kind, common::stream_key>, std::uint64_t> _figures;
};

// Adds task `t`'s counters to `b`.
void add_task(totals_builder& b, const task_state& t) {
    const component_plan& c = *t.comp;
    for (const stream_route& r : t.routes.streams()) {
        const common::stream_key key{"", r.plan->schema->stream};
        const output_stats& s = r.stats;
        const std::uint64_t one = s.sent_one.get();
        b.add(stat_kind::emitted, key, s.emitted.get() + one);
        b.add(stat_kind::transferred, key, s.transferred.get() + one);
        if (c.is_spout) {
            b.add(stat_kind::acked, key, s.acked.get());
            b.add(stat_kind::failed, key, s.failed.get());
            b.add(stat_kind::complete_latency_us, key, s.complete_ns.get() / 1000);
            b.add(stat_kind::complete_samples, key, s.complete_samples.get());
        }
    }
    for (std::size_t k = 0; k < t.acking_sent.size(); ++k) {
        const common::stream_key key{"", acking_streams[k]};
        b.add(stat_kind::emitted, key, t.acking_sent[k].get());
        b.add(stat_kind::transferred, key, t.acking_sent[k].get());
    }
    for (std::size_t slot = 0; slot < c.inputs.size(); ++slot) {
        const common::stream_key& key = c.inputs[slot];
        if (key.stream.empty()) {
            continue;  // no subscription explains it (never written in practice)
        }
        const input_stats& in = t.inputs[slot];
        std::uint64_t executed = in.executed.get();
        std::uint64_t execute_us = in.execute_ns.get() / 1000;
        std::uint64_t execute_samples = in.execute_samples.get();
        b.add(stat_kind::executed, key, executed);
        b.add(stat_kind::execute_latency_us, key, execute_us);
        b.add(stat_kind::execute_samples, key, execute_samples);
        if (c.is_acker) {
            // The acker acks each input as soon as it has applied it (Storm's Acker).
            b.add(stat_kind::acked, key, executed);
            b.add(stat_kind::process_latency_us, key, execute_us);
            b.add(stat_kind::process_samples, key, execute_samples);
        } else {
            b.add(stat_kind::acked, key, in.acked.get());
            b.add(stat_kind::failed, key, in.failed.get());
            b.add(stat_kind::process_latency_us, key, in.process_us.get());
            b.add(stat_kind::process_samples, key, in.process_samples.get());
        }
    }
}

// component_stats' counts from an executor's totals: user streams only (for the acker, whose
// streams are all system streams, every stream); spouts' acked/failed from their output
// streams, bolts' from their inputs.
void add_counts(component_stats& s, const executor_totals& t, bool acker) {
    for (const figure_total& f : t.figures) {
        if (!acker && common::is_system_stream(f.key.stream)) {
            continue;
        }
        const bool own = f.key.component.empty();
        switch (f.kind) {
            case stat_kind::emitted:
                s.emitted += f.total;
                break;
            case stat_kind::executed:
                s.executed += f.total;
                break;
            case stat_kind::acked:
                s.acked += own == t.is_spout ? f.total : 0;
                break;
            case stat_kind::failed:
                s.failed += own == t.is_spout ? f.total : 0;
                break;
            default:
                break;
        }
    }
}

void set_latency(component_stats& s, const latency_histogram& lat) {
    if (lat.count() > 0) {
        s.complete_latency_p50_us = lat.quantile(0.5);
        s.complete_latency_p99_us = lat.quantile(0.99);
        s.complete_latency_mean_us = lat.mean();
    }
}

// Per executor of this worker, in plan order: its totals, and (spouts) the complete latencies
// of its tasks merged into `lat` (one histogram per entry of the result) when `lat` is given.
std::vector<executor_totals> collect_totals(const topology_plan& p,
                                            const std::vector<std::unique_ptr<executor>>& threads,
                                            std::vector<std::unique_ptr<latency_histogram>>* lat) {
    std::vector<const task_state*> by_task(static_cast<std::size_t>(p.num_tasks()) + 1, nullptr);
    std::vector<const executor*> thread_of(by_task.size(), nullptr);
    for (const auto& ex : threads) {
        for (const auto& t : ex->tasks()) {
            by_task[t->id] = t.get();
            thread_of[t->id] = ex.get();
        }
    }
    std::vector<executor_totals> out;
    for (const executor_plan& e : p.executors()) {
        if (!p.in_worker(e.first_task) || thread_of[e.first_task] == nullptr) {
            continue;
        }
        const component_plan& c = p.components()[e.component];
        executor_totals et;
        et.first_task = e.first_task;
        et.last_task = e.last_task;
        et.component = c.id;
        et.is_spout = c.is_spout;
        totals_builder b;
        auto hist = std::make_unique<latency_histogram>();
        for (int task = e.first_task; task <= e.last_task; ++task) {
            if (const task_state* t = by_task[task]) {
                add_task(b, *t);
                if (c.is_spout && lat != nullptr) {
                    hist->add(t->latency);
                }
            }
        }
        et.figures = b.take();
        // A chained executor, or an acker on a spout's thread, shares its host's thread:
        // backpressured when it is; no queue of its own (its messages are counted there).
        const executor& thread = *thread_of[e.first_task];
        et.backpressure_ns = thread.backpressure_ns();
        et.idle_ns = thread.idle_ns();
        et.own_thread = e.host < 0;
        if (e.host < 0) {
            et.queue_population = thread.queue_population();
            et.queue_capacity = thread.queue_capacity();
        }
        out.push_back(std::move(et));
        if (lat != nullptr) {
            lat->push_back(std::move(hist));
        }
    }
    return out;
}

}  // namespace

std::vector<component_stats> topology_runtime::stats() const {
    const topology_plan& p = *_impl->plan;
    std::vector<std::unique_ptr<latency_histogram>> lat;
    std::vector<executor_totals> all = collect_totals(p, _impl->executors, &lat);
    std::vector<component_stats> out;
    for (const component_plan& c : p.components()) {
        component_stats s;
        s.component = c.id;
        s.is_spout = c.is_spout;
        latency_histogram merged;
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (all[i].component == c.id) {
                add_counts(s, all[i], c.is_acker);
                merged.add(*lat[i]);
            }
        }
        set_latency(s, merged);
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<executor_stats> topology_runtime::stats_by_executor() const {
    const topology_plan& p = *_impl->plan;
    std::vector<std::unique_ptr<latency_histogram>> lat;
    std::vector<executor_totals> all = collect_totals(p, _impl->executors, &lat);
    std::vector<executor_stats> out;
    for (std::size_t i = 0; i < all.size(); ++i) {
        executor_stats es;
        es.first_task = all[i].first_task;
        es.last_task = all[i].last_task;
        es.stats.component = all[i].component;
        es.stats.is_spout = all[i].is_spout;
        add_counts(es.stats, all[i], all[i].component == acker_component_id);
        set_latency(es.stats, *lat[i]);
        out.push_back(std::move(es));
    }
    return out;
}

std::vector<executor_totals> topology_runtime::totals() const {
    return collect_totals(*_impl->plan, _impl->executors, nullptr);
}

std::vector<error_record> topology_runtime::errors() const {
    std::scoped_lock lock(_impl->shared.errors_mu);
    return {_impl->shared.errors.begin(), _impl->shared.errors.end()};
}

std::shared_ptr<metric_registry> topology_runtime::metrics() const {
    return _impl->shared.metrics;
}

topology_runtime::error_batch topology_runtime::errors_since(std::uint64_t cursor) const {
    auto b = _impl->shared.errors_since(cursor);
    return {std::move(b.errors), b.cursor, b.missed};
}

std::vector<connection_stats> topology_runtime::connections() const {
    if (!_impl->remote) {
        return {};
    }
    return _impl->remote->connections();
}

}  // namespace tempest::worker
