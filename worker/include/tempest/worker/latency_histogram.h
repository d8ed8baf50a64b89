// SPDX-License-Identifier: Apache-2.0
// latency_histogram: a log-linear histogram of microsecond latencies (8 sub-buckets per power
// of two, so quantiles are within ~12%). One thread records with plain relaxed stores; any
// thread may read quantiles at the same time.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>

namespace tempest::worker {

class latency_histogram {
  public:
    static constexpr int sub_bits = 3;
    static constexpr int buckets = 64 << sub_bits;

    // Requires: a single recording thread.
    void record(std::uint64_t us) noexcept {
        int b = bucket_of(us);
        _counts[b].store(_counts[b].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        _sum.store(_sum.load(std::memory_order_relaxed) + us, std::memory_order_relaxed);
        _n.store(_n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    std::uint64_t count() const noexcept { return _n.load(std::memory_order_relaxed); }
    double mean() const noexcept {
        std::uint64_t n = count();
        return n == 0 ? 0.0 : static_cast<double>(_sum.load(std::memory_order_relaxed)) / n;
    }
    // The q-quantile (0 < q <= 1) in microseconds: the lower bound of its bucket.
    double quantile(double q) const noexcept {
        std::uint64_t total = 0;
        for (const auto& c : _counts)
            total += c.load(std::memory_order_relaxed);
        if (total == 0)
            return 0.0;
        auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
        if (rank >= total)
            rank = total - 1;
        std::uint64_t seen = 0;
        for (int b = 0; b < buckets; ++b) {
            seen += _counts[b].load(std::memory_order_relaxed);
            if (seen > rank)
                return static_cast<double>(lower_bound(b));
        }
        return static_cast<double>(lower_bound(buckets - 1));
    }
    // Adds another histogram's counts (for summing tasks); not concurrent with record on *this.
    void add(const latency_histogram& o) noexcept {
        for (int b = 0; b < buckets; ++b) {
            _counts[b].fetch_add(o._counts[b].load(std::memory_order_relaxed),
                                 std::memory_order_relaxed);
        }
        _sum.fetch_add(o._sum.load(std::memory_order_relaxed), std::memory_order_relaxed);
        _n.fetch_add(o.count(), std::memory_order_relaxed);
    }

    static int bucket_of(std::uint64_t v) noexcept {
        if (v < (1u << sub_bits))
            return static_cast<int>(v);
        int msb = 63 - std::countl_zero(v);
        int sub = static_cast<int>((v >> (msb - sub_bits)) & ((1u << sub_bits) - 1));
        return ((msb - sub_bits + 1) << sub_bits) + sub;
    }
    static std::uint64_t lower_bound(int b) noexcept {
        if (b < (1 << sub_bits))
            return static_cast<std::uint64_t>(b);
        int msb = (b >> sub_bits) + sub_bits - 1;
        std::uint64_t sub = static_cast<std::uint64_t>(b & ((1 << sub_bits) - 1));
        return (std::uint64_t{1} << msb) | (sub << (msb - sub_bits));
    }

  private:
    std::atomic<std::uint64_t> _counts[buckets]{};
    std::atomic<std::uint64_t> _sum{0};
    std::atomic<std::uint64_t> _n{0};
};

}  // namespace tempest::worker
