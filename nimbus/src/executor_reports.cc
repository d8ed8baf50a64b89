// SPDX-License-Identifier: Apache-2.0
#include "executor_reports.h"

#include <algorithm>
#include <cmath>

namespace tempest::nimbus {

using common::stat_kind;

namespace {

std::uint64_t count_of(std::int64_t v) {
    return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}

std::int64_t signed_count(std::uint64_t v) {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX));
}

void add_at(common::stats_record& r, stat_kind kind, const common::stream_key& key, std::size_t w,
            std::uint64_t v) {
    if (v == 0) {
        return;
    }
    common::window_values values{};
    values[w] = v;
    r.add(kind, key, values);
}

// An average of `weight` samples as (sum in µs, samples).
void add_latency(common::stats_record& r, stat_kind sum_kind, stat_kind samples_kind,
                 const common::stream_key& key, std::size_t w, double avg_ms,
                 std::uint64_t weight) {
    if (weight == 0 || !(avg_ms > 0)) {
        return;
    }
    add_at(r, sum_kind, key, w,
           static_cast<std::uint64_t>(std::llround(avg_ms * 1000.0 * static_cast<double>(weight))));
    add_at(r, samples_kind, key, w, weight);
}

template <typename Key, typename Value>
const std::map<Key, Value>* window_of(const common::executor_stats::per_window<Key, Value>& m,
                                      std::size_t w) {
    auto it = m.find(window_names[w]);
    return it == m.end() ? nullptr : &it->second;
}

common::stream_key own(const std::string& stream) {
    return {"", stream};
}

common::stream_key input(const common::stream_id& g) {
    return {g.component, g.stream};
}

staleness staleness_of(const common::worker_heartbeat& hb, const report_inputs& in) {
    staleness s;
    s.time_secs = hb.time_secs;
    auto age = std::max<std::int64_t>(0, in.now_unix_secs - hb.time_secs);
    s.age_secs = static_cast<int>(std::min<std::int64_t>(age, INT32_MAX));
    s.late = age > in.task_timeout.count();
    return s;
}

}  // namespace

int topology_reports::num_late_executors(const std::set<std::string>* components) const {
    return static_cast<int>(std::count_if(executors.begin(), executors.end(), [&](const auto& e) {
        return e.late() && (components == nullptr || components->contains(e.component));
    }));
}

topology_reports build_reports(
    const report_inputs& in,
    const std::map<common::node_port, std::optional<common::worker_heartbeat>>& beats) {
    topology_reports out;
    const auto& a = *in.assignment;
    for (const auto& [e, np] : a.executor_node_port) {
        auto [wit, inserted] = out.workers.try_emplace(np);
        auto& worker = wit->second;
        const common::worker_heartbeat* hb = nullptr;
        if (auto b = beats.find(np); b != beats.end() && b->second) {
            hb = &*b->second;
        }
        if (inserted) {
            worker.slot = np;
            if (hb != nullptr) {
                worker.reported = staleness_of(*hb, in);
                worker.uptime_secs = hb->uptime_secs;
                for (const auto& m : hb->metrics) {
                    if (m.task < 0) {
                        worker.metrics.push_back(m);
                    }
                }
            }
        }

        executor_report r;
        r.executor = e;
        r.slot = np;
        auto c = in.component_of_task->find(e.task_start);
        r.component = c == in.component_of_task->end() ? "" : c->second;
        r.is_spout = in.spouts->contains(r.component);
        auto st = a.executor_start_time_secs.find(e);
        r.uptime_secs =
            st == a.executor_start_time_secs.end()
                ? 0
                : static_cast<int>(std::max<std::int64_t>(0, in.now_unix_secs - st->second));
        if (hb != nullptr) {
            auto rec = hb->records.find(e);
            auto old = hb->stats.find(e);
            bool listed =
                rec != hb->records.end() || old != hb->stats.end() ||
                std::find(hb->executors.begin(), hb->executors.end(), e) != hb->executors.end();
            if (listed) {
                r.reported = staleness_of(*hb, in);
                r.uptime_secs = hb->uptime_secs;
                r.sample_rate = hb->sample_rate.value_or(1.0);
                if (rec != hb->records.end()) {
                    r.stats = rec->second;
                } else if (hb->records.empty() && old != hb->stats.end()) {
                    // A worker older than the records: its Storm-shaped figures.
                    r.stats = record_from_storm_stats(old->second);
                    r.storm_stats = old->second;
                    r.sample_rate = old->second.rate;
                }
                for (const auto& m : hb->metrics) {
                    if (m.task >= e.task_start && m.task <= e.task_end) {
                        r.metrics.push_back(m);
                    }
                }
            }
        }
        out.executors.push_back(std::move(r));
    }
    return out;
}

common::stats_record record_from_storm_stats(const common::executor_stats& s) {
    common::stats_record r;
    for (std::size_t w = 0; w < common::num_windows; ++w) {
        if (const auto* m = window_of(s.emitted, w)) {
            for (const auto& [stream, v] : *m) {
                add_at(r, stat_kind::emitted, own(stream), w, count_of(v));
            }
        }
        if (const auto* m = window_of(s.transferred, w)) {
            for (const auto& [stream, v] : *m) {
                add_at(r, stat_kind::transferred, own(stream), w, count_of(v));
            }
        }
        if (s.is_spout) {
            std::map<std::string, std::uint64_t> acked;
            if (const auto* m = window_of(s.spout_acked, w)) {
                for (const auto& [stream, v] : *m) {
                    acked[stream] = count_of(v);
                    add_at(r, stat_kind::acked, own(stream), w, count_of(v));
                }
            }
            if (const auto* m = window_of(s.spout_failed, w)) {
                for (const auto& [stream, v] : *m) {
                    add_at(r, stat_kind::failed, own(stream), w, count_of(v));
                }
            }
            if (const auto* m = window_of(s.complete_ms_avg, w)) {
                for (const auto& [stream, avg] : *m) {
                    add_latency(r, stat_kind::complete_latency_us, stat_kind::complete_samples,
                                own(stream), w, avg, acked[stream]);
                }
            }
            continue;
        }
        std::map<common::stream_key, std::uint64_t> acked;
        std::map<common::stream_key, std::uint64_t> executed;
        if (const auto* m = window_of(s.bolt_acked, w)) {
            for (const auto& [g, v] : *m) {
                acked[input(g)] = count_of(v);
                add_at(r, stat_kind::acked, input(g), w, count_of(v));
            }
        }
        if (const auto* m = window_of(s.bolt_failed, w)) {
            for (const auto& [g, v] : *m) {
                add_at(r, stat_kind::failed, input(g), w, count_of(v));
            }
        }
        if (const auto* m = window_of(s.executed, w)) {
            for (const auto& [g, v] : *m) {
                executed[input(g)] = count_of(v);
                add_at(r, stat_kind::executed, input(g), w, count_of(v));
            }
        }
        if (const auto* m = window_of(s.execute_ms_avg, w)) {
            for (const auto& [g, avg] : *m) {
                add_latency(r, stat_kind::execute_latency_us, stat_kind::execute_samples, input(g),
                            w, avg, executed[input(g)]);
            }
        }
        if (const auto* m = window_of(s.process_ms_avg, w)) {
            for (const auto& [g, avg] : *m) {
                add_latency(r, stat_kind::process_latency_us, stat_kind::process_samples, input(g),
                            w, avg, acked[input(g)]);
            }
        }
    }
    return r;
}

common::executor_stats storm_stats_from_record(const common::stats_record& r, bool is_spout,
                                               double rate) {
    common::executor_stats s;
    s.is_spout = is_spout;
    s.rate = rate;
    // Every window is present, as in Storm's ExecutorStats, even when it holds no stream.
    for (const char* w : window_names) {
        s.emitted[w];
        s.transferred[w];
        if (is_spout) {
            s.spout_acked[w];
            s.spout_failed[w];
            s.complete_ms_avg[w];
        } else {
            s.bolt_acked[w];
            s.bolt_failed[w];
            s.executed[w];
            s.process_ms_avg[w];
            s.execute_ms_avg[w];
        }
    }
    auto latency = [&](stat_kind sum, stat_kind samples, const common::stream_key& key,
                       std::size_t w) -> std::optional<double> {
        auto n = r.get(samples, key)[w];
        if (n == 0) {
            return std::nullopt;
        }
        return static_cast<double>(r.get(sum, key)[w]) / static_cast<double>(n) / 1000.0;
    };
    // Which (kind, key) pairs the record holds; each is reported in every window.
    std::set<std::pair<stat_kind, std::uint32_t>> present;
    for (const auto& e : r.entries) {
        present.emplace(e.kind, e.key);
    }
    for (const auto& [kind, k] : present) {
        const auto& key = r.keys[k];
        auto values = r.get(kind, key);
        bool output = key.component.empty();
        common::stream_id g{key.component, key.stream};
        for (std::size_t w = 0; w < common::num_windows; ++w) {
            const char* name = window_names[w];
            auto v = signed_count(values[w]);
            switch (kind) {
                case stat_kind::emitted:
                    if (output) {
                        s.emitted[name][key.stream] = v;
                    }
                    break;
                case stat_kind::transferred:
                    if (output) {
                        s.transferred[name][key.stream] = v;
                    }
                    break;
                case stat_kind::acked:
                    if (is_spout && output) {
                        s.spout_acked[name][key.stream] = v;
                    } else if (!is_spout && !output) {
                        s.bolt_acked[name][g] = v;
                    }
                    break;
                case stat_kind::failed:
                    if (is_spout && output) {
                        s.spout_failed[name][key.stream] = v;
                    } else if (!is_spout && !output) {
                        s.bolt_failed[name][g] = v;
                    }
                    break;
                case stat_kind::executed:
                    if (!is_spout && !output) {
                        s.executed[name][g] = v;
                    }
                    break;
                case stat_kind::complete_samples:
                    if (is_spout && output) {
                        if (auto ms = latency(stat_kind::complete_latency_us, kind, key, w)) {
                            s.complete_ms_avg[name][key.stream] = *ms;
                        }
                    }
                    break;
                case stat_kind::execute_samples:
                    if (!is_spout && !output) {
                        if (auto ms = latency(stat_kind::execute_latency_us, kind, key, w)) {
                            s.execute_ms_avg[name][g] = *ms;
                        }
                    }
                    break;
                case stat_kind::process_samples:
                    if (!is_spout && !output) {
                        if (auto ms = latency(stat_kind::process_latency_us, kind, key, w)) {
                            s.process_ms_avg[name][g] = *ms;
                        }
                    }
                    break;
                case stat_kind::complete_latency_us:
                case stat_kind::execute_latency_us:
                case stat_kind::process_latency_us:
                    break;  // with their samples above
            }
        }
    }
    return s;
}

}  // namespace tempest::nimbus
