// SPDX-License-Identifier: Apache-2.0
// rolling_window: a statistic over Storm's four windows — the last 600 s, 10800 s and 86400 s,
// and all time — kept as rolling buckets the way Storm keeps them (num.stat.buckets buckets per
// window), so that the 10-minute figure is the last 10 minutes, not a lifetime average.
//
//   add() ──▶ open bucket ──advance()──▶ 600 s:   [newest | ... | oldest]   (each ≈ 600/(n-1) s)
//                                  ├──▶ 10800 s: [newest | ... | oldest]   (each ≈ 10800/(n-1) s)
//                                  ├──▶ 86400 s: [newest | ... | oldest]
//                                  └──▶ all time
//
// A sample is K unsigned sums (a count; or a count and a latency sum, whose ratio is the
// window's average). advance() closes the open bucket once every 600/(n-1) seconds and adds it
// to each window's newest bucket; a window's newest bucket is sealed (a new one opened, the
// oldest dropped) once it spans its window's bucket length. read() sums, newest first, the open
// bucket and whole buckets while they fit in the window, and a pro-rated share of the bucket
// that crosses its start. Times are the caller's milliseconds (any monotonic clock), so tests
// drive it with a fake clock.
//
// Not thread-safe: one owner (a worker's stats thread) calls every method.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tempest::worker {

// Storm's window names, in the order rolling_window::read() returns them.
inline constexpr std::array<std::string_view, 4> window_names = {"600", "10800", "86400",
                                                                 ":all-time"};
inline constexpr std::array<std::int64_t, 3> window_secs = {600, 10800, 86400};
inline constexpr std::size_t all_time_window = 3;

template <std::size_t K>
class rolling_window {
  public:
    using sample = std::array<std::uint64_t, K>;

    // Requires: buckets >= 2 (Storm's num.stat.buckets, default 20).
    explicit rolling_window(std::int64_t now_ms, int buckets = 20)
        : _buckets(static_cast<std::size_t>(std::max(buckets, 2))), _open_start(now_ms) {
        for (std::size_t w = 0; w < window_secs.size(); ++w) {
            _rings[w].bucket_ms = window_secs[w] * 1000 / static_cast<std::int64_t>(_buckets - 1);
            _rings[w].slots.resize(_buckets);
        }
    }

    void add(const sample& s) noexcept {
        for (std::size_t i = 0; i < K; ++i) {
            _open[i] += s[i];
        }
    }

    // Closes the open bucket when it has lasted the shortest bucket length. Cheap otherwise.
    void advance(std::int64_t now_ms) {
        std::int64_t spent = now_ms - _open_start;
        if (spent < _rings[0].bucket_ms) {
            return;
        }
        for (auto& r : _rings) {
            r.push(spent, _open);
        }
        for (std::size_t i = 0; i < K; ++i) {
            _all[i] += _open[i];
        }
        _open = {};
        _open_start = now_ms;
    }

    // Each window's sums at `now_ms`, in window_names order.
    std::array<sample, 4> read(std::int64_t now_ms) const {
        std::array<sample, 4> out{};
        std::int64_t open_ms = std::max<std::int64_t>(now_ms - _open_start, 0);
        for (std::size_t w = 0; w < _rings.size(); ++w) {
            out[w] = _open;
            _rings[w].sum_into(out[w], window_secs[w] * 1000 - open_ms);
        }
        out[all_time_window] = _all;
        for (std::size_t i = 0; i < K; ++i) {
            out[all_time_window][i] += _open[i];
        }
        return out;
    }

  private:
    struct slot {
        std::int64_t ms = 0;
        sample sum{};
    };
    // Buckets of one window, newest at `head`, each at most about bucket_ms long.
    struct ring {
        std::int64_t bucket_ms = 0;
        std::vector<slot> slots;
        std::size_t head = 0;

        void push(std::int64_t ms, const sample& s) {
            slot* h = &slots[head];
            if (h->ms >= bucket_ms) {
                head = head == 0 ? slots.size() - 1 : head - 1;  // the oldest becomes the newest
                h = &slots[head];
                *h = slot{};
            }
            h->ms += ms;
            for (std::size_t i = 0; i < K; ++i) {
                h->sum[i] += s[i];
            }
        }

        void sum_into(sample& out, std::int64_t wanted_ms) const {
            for (std::size_t n = 0; n < slots.size() && wanted_ms > 0; ++n) {
                const slot& s = slots[(head + n) % slots.size()];
                if (s.ms == 0) {
                    break;
                }
                if (wanted_ms < s.ms) {
                    double share = static_cast<double>(wanted_ms) / static_cast<double>(s.ms);
                    for (std::size_t i = 0; i < K; ++i) {
                        out[i] += static_cast<std::uint64_t>(share * static_cast<double>(s.sum[i]));
                    }
                    return;
                }
                for (std::size_t i = 0; i < K; ++i) {
                    out[i] += s.sum[i];
                }
                wanted_ms -= s.ms;
            }
        }
    };

    std::size_t _buckets;
    std::array<ring, 3> _rings;
    sample _open{};
    std::int64_t _open_start;
    sample _all{};
};

}  // namespace tempest::worker
