// SPDX-License-Identifier: Apache-2.0
// The parts of routing that run once per task (building routes) or only on an error.
#include "executor/routing.h"

#include <algorithm>
#include <random>
#include <stdexcept>

namespace tempest::worker {

edge_route make_edge_route(const edge_plan& e, int task, std::span<const int> same_thread,
                           std::unique_ptr<custom_stream_grouping> custom) {
    edge_route r;
    r.plan = &e;
    if (e.group.type == grouping_type::local_or_shuffle) {
        // Prefer the tasks on the producer's own thread (chained), then those of this worker.
        r.order.assign(same_thread.begin(), same_thread.end());
        if (r.order.empty()) {
            r.order = e.local_targets.empty() ? e.targets : e.local_targets;
        }
    } else {
        r.order = e.targets;
    }
    std::mt19937_64 shuffle_rng(static_cast<std::uint64_t>(task) * 7919 + 17);
    std::shuffle(r.order.begin(), r.order.end(), shuffle_rng);
    if (e.group.type == grouping_type::partial_key) {
        r.load.assign(e.targets.size(), 0);
    }
    r.first_value_key =
        (e.group.type == grouping_type::fields || e.group.type == grouping_type::partial_key) &&
        e.field_positions.size() == 1 && e.field_positions.front() == 0;
    if (e.group.type == grouping_type::custom) {
        r.custom = std::move(custom);
    }
    return r;
}

std::uint64_t key_hash_by_position(const edge_route& e, const values& v, std::uint64_t seed) {
    std::uint64_t h = seed;
    for (int pos : e.plan->field_positions) {
        h = hash_value(v, static_cast<std::size_t>(pos), h);
    }
    return h;
}

int pick_one_other(edge_route& e, const values& v) {
    const edge_plan& p = *e.plan;
    if (p.group.type == grouping_type::partial_key) {
        std::size_t a = reduce_range(key_hash(e, v, 0), p.targets.size());
        std::size_t b = reduce_range(key_hash(e, v, 0x51ed27057d1f3a9bULL), p.targets.size());
        std::size_t pick = e.load[a] <= e.load[b] ? a : b;
        ++e.load[pick];
        return p.targets[pick];
    }
    return p.targets.front();  // global
}

void throw_bad_custom_target(const edge_plan& e, int target) {
    throw std::invalid_argument("custom grouping " + e.group.custom_class + " chose task " +
                                std::to_string(target) + ", which is not a target of the stream");
}

stream_route& task_routes::resolve_slow(std::string_view stream, int direct,
                                        const std::string& component) {
    for (stream_route& s : _streams) {
        const detail::stream_schema& schema = *s.plan->schema;
        if (schema.stream == stream) {
            if ((direct >= 0) != schema.direct) {
                throw_direct_mismatch(stream, direct, component);
            }
            _last = &s;
            _last_name = schema.stream;
            _last_direct = schema.direct;
            return s;
        }
    }
    throw std::invalid_argument("component '" + component + "' emitted on undeclared stream '" +
                                std::string(stream) + "'");
}

stream_route& task_routes::resolve_default_slow(int direct, const std::string& component) {
    stream_route& s = resolve_slow(default_stream, direct, component);
    _default = &s;
    _default_direct = s.plan->schema->direct;
    _default_fast = !_default_direct && s.fast ? &s : nullptr;
    return s;
}

void task_routes::throw_direct_mismatch(std::string_view stream, int direct,
                                        const std::string& component) {
    throw std::invalid_argument(direct >= 0
                                    ? "emit_direct on stream '" + std::string(stream) + "' of '" +
                                          component + "', which is not declared direct"
                                    : "emit on direct stream '" + std::string(stream) + "' of '" +
                                          component + "' needs emit_direct");
}

}  // namespace tempest::worker
