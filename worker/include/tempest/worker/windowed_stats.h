// SPDX-License-Identifier: Apache-2.0
// windowed_stats: turns an executor's running totals into Storm's windowed figures.
//
//   executor thread: cumulative counters ──(read every heartbeat)──▶ windowed_stats::sample()
//                                                                     │ delta into each figure's
//                                                                     ▼ rolling_window
//                                                     record() ──▶ stats_record (heartbeat)
//
// The executor only ever increments its own totals (no window arithmetic, nothing shared on the
// hot path); whoever writes heartbeats samples them and keeps the windows here. A total that
// goes down (a restarted task) starts a new run: its new value counts as the delta.
// Not thread-safe: one owner (the worker's heartbeat thread) calls every method.
#pragma once

#include "tempest/common/stats_record.h"
#include "tempest/worker/rolling_window.h"

#include <cstdint>
#include <map>
#include <utility>

namespace tempest::worker {

class windowed_stats {
  public:
    explicit windowed_stats(int buckets = 20) : _buckets(buckets) {}

    // Records that (kind, key) stood at `total` at `now_ms`.
    void sample(std::int64_t now_ms, common::stat_kind kind, const common::stream_key& key,
                std::uint64_t total) {
        auto it = _figures.find({kind, key});
        if (it == _figures.end()) {
            it = _figures.emplace(std::pair{kind, key}, figure{rolling_window<1>(now_ms, _buckets)})
                     .first;
        }
        figure& f = it->second;
        f.window.advance(now_ms);
        std::uint64_t delta = total >= f.last_total ? total - f.last_total : total;
        f.last_total = total;
        f.window.add({delta});
    }

    // Every figure's four windows at `now_ms`; figures that are zero in every window are left out.
    common::stats_record record(std::int64_t now_ms) {
        common::stats_record r;
        for (auto& [id, f] : _figures) {
            f.window.advance(now_ms);
            auto w = f.window.read(now_ms);
            common::window_values v{w[0][0], w[1][0], w[2][0], w[3][0]};
            if (v != common::window_values{}) {
                r.add(id.first, id.second, v);
            }
        }
        return r;
    }

  private:
    struct figure {
        rolling_window<1> window;
        std::uint64_t last_total = 0;
    };
    int _buckets;
    std::map<std::pair<common::stat_kind, common::stream_key>, figure> _figures;
};

}  // namespace tempest::worker
