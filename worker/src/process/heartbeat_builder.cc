// SPDX-License-Identifier: Apache-2.0
#include "heartbeat_builder.h"

#include <set>

namespace tempest::worker {

std::map<common::executor_info, common::stats_record> executor_windows::sample(
    std::int64_t now_ms, const std::vector<executor_totals>& totals) {
    std::map<common::executor_info, common::stats_record> out;
    std::set<common::executor_info> seen;
    for (const executor_totals& t : totals) {
        const common::executor_info e{t.first_task, t.last_task};
        seen.insert(e);
        auto it = _windows.try_emplace(e, _buckets).first;
        for (const figure_total& f : t.figures) {
            it->second.sample(now_ms, f.kind, f.key, f.total);
        }
        out.emplace(e, it->second.record(now_ms));
    }
    std::erase_if(_windows, [&](const auto& w) { return !seen.contains(w.first); });
    return out;
}

common::worker_heartbeat heartbeat_builder::build(const heartbeat_input& in) {
    common::worker_heartbeat beat;
    beat.topology_id = in.topology_id;
    beat.executors = in.executors;
    beat.time_secs = in.now_ms / 1000;
    beat.uptime_secs = in.uptime_secs;
    beat.host = in.host;
    beat.port = in.port;
    beat.sample_rate = in.sample_rate;
    static const std::vector<executor_totals> none;
    const std::vector<executor_totals>& totals = in.totals ? *in.totals : none;
    beat.records = _windows.sample(in.now_ms, totals);
    beat.metrics = _metrics.points(in.now_ms, in.metrics, totals, in.worker, in.tasks);
    return beat;
}

}  // namespace tempest::worker
