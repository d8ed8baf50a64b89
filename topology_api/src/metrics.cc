// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/metrics.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace tempest {

std::size_t metric_histogram::bucket_of(std::uint64_t v) noexcept {
    constexpr std::uint64_t linear = 1u << sub_bits;
    if (v < linear) {
        return static_cast<std::size_t>(v);
    }
    int msb = 63 - std::countl_zero(v);  // >= sub_bits
    int shift = msb - sub_bits;
    std::uint64_t sub = (v >> shift) & (linear - 1);
    return static_cast<std::size_t>((static_cast<std::uint64_t>(shift + 1) << sub_bits) + sub);
}

std::uint64_t metric_histogram::bucket_upper(std::size_t b) noexcept {
    constexpr std::uint64_t linear = 1u << sub_bits;
    if (b < linear) {
        return b;
    }
    std::uint64_t shift = (b >> sub_bits) - 1;
    std::uint64_t sub = b & (linear - 1);
    std::uint64_t low = (linear | sub) << shift;
    return low + ((std::uint64_t{1} << shift) - 1);
}

void metric_histogram::update(std::int64_t v) noexcept {
    if (v < 0) {
        v = 0;
    }
    auto& b = _buckets[bucket_of(static_cast<std::uint64_t>(v))];
    b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    _sum.store(_sum.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
    if (v < _min.load(std::memory_order_relaxed)) {
        _min.store(v, std::memory_order_relaxed);
    }
    if (v > _max.load(std::memory_order_relaxed)) {
        _max.store(v, std::memory_order_relaxed);
    }
    // The count last, so a reader that sees it sees (almost always) the bucket too.
    _count.store(_count.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

metric_histogram::snapshot metric_histogram::read() const {
    snapshot s;
    s.count = _count.load(std::memory_order_acquire);
    if (s.count == 0) {
        return s;
    }
    s.buckets.resize(num_buckets);
    std::uint64_t in_buckets = 0;
    for (std::size_t i = 0; i < num_buckets; ++i) {
        s.buckets[i] = _buckets[i].load(std::memory_order_relaxed);
        in_buckets += s.buckets[i];
    }
    s.count = std::max(s.count, in_buckets);  // updates that raced this read
    s.min = _min.load(std::memory_order_relaxed);
    s.max = _max.load(std::memory_order_relaxed);
    s.mean =
        static_cast<double>(_sum.load(std::memory_order_relaxed)) / static_cast<double>(s.count);
    return s;
}

double metric_histogram::snapshot::quantile(double q) const {
    if (count == 0 || buckets.empty()) {
        return 0;
    }
    q = std::clamp(q, 0.0, 1.0);
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        seen += buckets[i];
        if (seen >= rank) {
            return static_cast<double>(
                std::min<std::uint64_t>(bucket_upper(i), static_cast<std::uint64_t>(max)));
        }
    }
    return static_cast<double>(max);
}

metric_registry::entry& metric_registry::find_or_add(std::string_view component, int task,
                                                     std::string_view name, metric_type type) {
    auto key = std::pair{task, std::string(name)};
    auto it = _entries.find(key);
    if (it != _entries.end()) {
        if (it->second->type != type) {
            throw std::invalid_argument("metric '" + std::string(name) + "' of task " +
                                        std::to_string(task) +
                                        " is already registered with another type");
        }
        return *it->second;
    }
    auto e = std::make_unique<entry>();
    e->component = std::string(component);
    e->task = task;
    e->name = std::string(name);
    e->type = type;
    switch (type) {
        case metric_type::counter:
            e->counter = _counters.emplace_back(std::make_unique<metric_counter>()).get();
            break;
        case metric_type::meter:
            e->meter = _meters.emplace_back(std::make_unique<metric_meter>()).get();
            break;
        case metric_type::histogram:
            e->histogram = _histograms.emplace_back(std::make_unique<metric_histogram>()).get();
            break;
        case metric_type::gauge:
            break;
    }
    return *_entries.emplace(std::move(key), std::move(e)).first->second;
}

metric_counter& metric_registry::counter(std::string_view component, int task,
                                         std::string_view name) {
    std::scoped_lock lock(_mu);
    return *find_or_add(component, task, name, metric_type::counter).counter;
}

metric_meter& metric_registry::meter(std::string_view component, int task, std::string_view name) {
    std::scoped_lock lock(_mu);
    return *find_or_add(component, task, name, metric_type::meter).meter;
}

metric_histogram& metric_registry::histogram(std::string_view component, int task,
                                             std::string_view name) {
    std::scoped_lock lock(_mu);
    return *find_or_add(component, task, name, metric_type::histogram).histogram;
}

void metric_registry::gauge(std::string_view component, int task, std::string_view name,
                            std::function<double()> read) {
    std::scoped_lock lock(_mu);
    find_or_add(component, task, name, metric_type::gauge).gauge = std::move(read);
}

std::size_t metric_registry::size() const {
    std::scoped_lock lock(_mu);
    return _entries.size();
}

std::string storm_metric_name(std::string_view topology, std::string_view host,
                              std::string_view component, int task, int port,
                              std::string_view name) {
    std::string out = "storm.topology.";
    out.append(topology).append(".").append(host).append(".").append(component);
    out.append(".").append(std::to_string(task)).append(".").append(std::to_string(port));
    out.append("-").append(name);
    return out;
}

}  // namespace tempest
