// SPDX-License-Identifier: Apache-2.0
// User metrics, as Storm's metrics v2 (registerCounter, registerGauge, registerMeter,
// registerHistogram on the TopologyContext):
//
//   auto& processed = ctx.register_counter("processed");     // in prepare()/open()
//   processed.inc();                                          // in execute()
//
// Each metric belongs to one task and is named as Storm names it: topology, component, task,
// worker and the name the component gave. The runtime owns them: a handle stays valid for the
// task's lifetime. Update a metric from its task's own thread (execute, next_tuple, ack, fail,
// and the open/prepare that registered it): updates are single-writer stores (no locked
// instruction on the hot path), so updates from several threads at once may be lost, never
// torn. Any thread may read; the worker reads them once per heartbeat to report them. A gauge's
// function is called on that reporting thread, so it must be safe to call from there.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tempest {

// A count that only goes up (or down by inc(-n)).
class metric_counter {
  public:
    void inc(std::int64_t n = 1) noexcept {
        _v.store(_v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::int64_t get() const noexcept { return _v.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::int64_t> _v{0};
};

// Marks events; whoever reports derives rates from the count over time.
class metric_meter {
  public:
    void mark(std::int64_t n = 1) noexcept { _count.inc(n); }
    std::int64_t count() const noexcept { return _count.get(); }

  private:
    metric_counter _count;
};

// A distribution of non-negative values (negative ones count as 0) in log-linear buckets:
// exact below 16, within 1/16 (6.25%) above. Fixed size; no allocation per update.
class metric_histogram {
  public:
    static constexpr int sub_bits = 4;
    static constexpr std::size_t num_buckets = (64 - sub_bits + 1) << sub_bits;

    void update(std::int64_t v) noexcept;

    struct snapshot {
        std::uint64_t count = 0;
        std::int64_t min = 0;
        std::int64_t max = 0;
        double mean = 0;
        // Value at quantile q (0..1): the upper edge of the bucket holding it, clamped to max.
        double quantile(double q) const;
        std::vector<std::uint64_t> buckets;  // empty when count == 0
    };
    snapshot read() const;

    // The bucket of `v` and the largest value a bucket holds (exposed for tests).
    static std::size_t bucket_of(std::uint64_t v) noexcept;
    static std::uint64_t bucket_upper(std::size_t b) noexcept;

  private:
    std::array<std::atomic<std::uint64_t>, num_buckets> _buckets{};
    std::atomic<std::uint64_t> _count{0};
    std::atomic<std::int64_t> _sum{0};
    std::atomic<std::int64_t> _min{INT64_MAX};
    std::atomic<std::int64_t> _max{0};
};

enum class metric_type : std::uint8_t { counter, gauge, meter, histogram };

// Every user metric of the tasks of one worker. Thread-safe: registration takes a lock (it
// happens in open/prepare); updates go to the metric objects, which never move.
class metric_registry {
  public:
    struct entry {
        std::string component;
        int task = 0;
        std::string name;
        metric_type type = metric_type::counter;
        metric_counter* counter = nullptr;
        metric_meter* meter = nullptr;
        metric_histogram* histogram = nullptr;
        std::function<double()> gauge;
    };

    // Registering a name a task already registered with the same type returns the same metric;
    // with another type it throws std::invalid_argument naming it.
    metric_counter& counter(std::string_view component, int task, std::string_view name);
    metric_meter& meter(std::string_view component, int task, std::string_view name);
    metric_histogram& histogram(std::string_view component, int task, std::string_view name);
    void gauge(std::string_view component, int task, std::string_view name,
               std::function<double()> read);

    // Calls `fn(const entry&)` for every metric, in (task, name) order, under the lock.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        std::scoped_lock lock(_mu);
        for (const auto& [key, e] : _entries) {
            fn(*e);
        }
    }
    std::size_t size() const;

  private:
    entry& find_or_add(std::string_view component, int task, std::string_view name,
                       metric_type type);

    mutable std::mutex _mu;  // guards _entries (not the metrics' values)
    std::map<std::pair<int, std::string>, std::unique_ptr<entry>> _entries;
    std::vector<std::unique_ptr<metric_counter>> _counters;
    std::vector<std::unique_ptr<metric_meter>> _meters;
    std::vector<std::unique_ptr<metric_histogram>> _histograms;
};

// Storm's reporter name of a task's metric:
// "storm.topology.<topology>.<host>.<component>.<task>.<port>-<name>".
std::string storm_metric_name(std::string_view topology, std::string_view host,
                              std::string_view component, int task, int port,
                              std::string_view name);

}  // namespace tempest
