// SPDX-License-Identifier: Apache-2.0
// routing: where a task's emitted tuple goes. Per (task, stream) the edges of the stream, and per
// edge the grouping's choice of target tasks. No thread of its own: each task's routes are owned
// by its task_state and used only on the thread of the executor that runs the task.
//
//   emit(stream, values) ─▶ task_routes::resolve(stream) ─▶ stream_route
//                                   for each edge_route: for_each_target(values) ─▶ fn(task)
//
// The per-tuple part (resolve's remembered stream, pick_one for the one-target groupings and
// for_each_target) is inline: no map lookup, no virtual call (except a user's custom grouping,
// which is one by nature), no allocation.
#pragma once

#include "executor/stat_counters.h"
#include "tempest/topology_api/component.h"
#include "tempest/worker/hash.h"
#include "tempest/worker/topology_plan.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::worker {

// a == b for stream names, inline: names up to 16 bytes are compared with two overlapping
// loads per side instead of a call to memcmp (this runs on every emit).
inline bool same_name(std::string_view a, std::string_view b) noexcept {
    std::size_t n = a.size();
    if (n != b.size()) {
        return false;
    }
    auto load = [](const char* p, auto word) {
        std::memcpy(&word, p, sizeof(word));
        return word;
    };
    if (n >= 8 && n <= 16) {
        return load(a.data(), std::uint64_t{}) == load(b.data(), std::uint64_t{}) &&
               load(a.data() + n - 8, std::uint64_t{}) == load(b.data() + n - 8, std::uint64_t{});
    }
    if (n >= 4 && n < 8) {
        return load(a.data(), std::uint32_t{}) == load(b.data(), std::uint32_t{}) &&
               load(a.data() + n - 4, std::uint32_t{}) == load(b.data() + n - 4, std::uint32_t{});
    }
    return a == b;
}

// One edge (a subscription to the stream) as one producing task routes it: the plan's targets
// plus the grouping's per-task state (shuffle order and position, partial-key load, the custom
// grouping instance).
struct edge_route {
    const edge_plan* plan = nullptr;
    std::vector<int> order;  // shuffle family: targets in a per-task shuffled order
    std::uint32_t next = 0;
    std::unique_ptr<custom_stream_grouping> custom;
    std::vector<std::uint64_t> load;  // partial key: tuples sent per target position
    // fields / partial key on the first value alone: its hash is read from the encoded bytes
    // (hash_first_value) instead of locating the value by position.
    bool first_value_key = false;
};

// Builds the route of edge `e` for producing task `task`. `same_thread`: the targets that run on
// the producer's own thread (chained), which local_or_shuffle prefers to the other targets of
// this worker (e.local_targets) and those to all targets. `custom`: the grouping instance, for a
// custom grouping only. The shuffle family's order is shuffled with a seed of `task`, so one task
// always gets the same order.
edge_route make_edge_route(const edge_plan& e, int task, std::span<const int> same_thread,
                           std::unique_ptr<custom_stream_grouping> custom = nullptr);

// Throws std::invalid_argument: a custom grouping chose `target`, which the edge does not feed.
[[noreturn]] void throw_bad_custom_target(const edge_plan& e, int target);

// key_hash's general case, out of line: each field position located in turn.
std::uint64_t key_hash_by_position(const edge_route& e, const values& v, std::uint64_t seed);

// The fields-grouping hash of `v` for edge `e`: hash_value over the edge's field positions in
// order, chained from `seed`.
[[gnu::always_inline]] inline std::uint64_t key_hash(const edge_route& e, const values& v,
                                                     std::uint64_t seed) {
    if (e.first_value_key) [[likely]] {
        return hash_first_value(v, seed);
    }
    return key_hash_by_position(e, v, seed);
}

// True for the groupings that send each tuple to exactly one target, chosen by pick_one().
inline bool picks_one(grouping_type type) noexcept {
    switch (type) {
        case grouping_type::shuffle:
        case grouping_type::none:
        case grouping_type::local_or_shuffle:
        case grouping_type::fields:
        case grouping_type::global:
        case grouping_type::partial_key:
            return true;
        case grouping_type::all:
        case grouping_type::direct:
        case grouping_type::custom:
            return false;
    }
    return false;
}

// pick_one for global and partial_key, out of line.
int pick_one_other(edge_route& e, const values& v);

// The one target edge `e` sends `v` to. Requires: picks_one(e's grouping).
//   shuffle, none, local_or_shuffle: the next task of the per-task shuffled order (round robin);
//   fields: targets[hash of the field positions' values], the same task for equal keys;
//   global: the lowest target;
//   partial_key: the less loaded of the key's two hash choices.
// Inline for fields and the shuffle family, the per-tuple groupings of most topologies.
[[gnu::always_inline]] inline int pick_one(edge_route& e, const values& v) {
    const edge_plan& p = *e.plan;
    switch (p.group.type) {
        case grouping_type::fields:
            // One target takes every key: no hash (a key on the first value needs one value,
            // as the hash would; other keys are hashed, which checks their positions).
            if (p.targets.size() == 1 && e.first_value_key && !v.empty()) {
                return p.targets[0];
            }
            return p.targets[reduce_range(key_hash(e, v, 0), p.targets.size())];
        case grouping_type::shuffle:
        case grouping_type::none:
        case grouping_type::local_or_shuffle: {
            int target = e.order[e.next];
            if (++e.next == e.order.size()) {
                e.next = 0;
            }
            return target;
        }
        default:
            return pick_one_other(e, v);
    }
}

// Calls fn(target task) for each task edge `e` sends `v` to, as its grouping chooses:
//   shuffle, none, local_or_shuffle, fields, global, partial_key: pick_one's target;
//   all: every target, ascending;
//   direct: `direct` when it is a target, nothing otherwise;
//   custom: what the instance chooses (all checked before fn is called; throws
//           std::invalid_argument for a task that is not a target).
// `scratch` is a vector the caller lends for the custom grouping's choice; it is swapped out while
// fn runs, so fn may route again (a chained consumer emits from inside fn).
// Returns how many times it called fn (the tuples the edge transfers), known per grouping
// without counting inside fn.
// Requires: on the producing task's thread.
template <typename Fn>
inline std::size_t for_each_target(edge_route& e, int source_task, const values& v, int direct,
                                   std::vector<int>& scratch, Fn&& fn) {
    const edge_plan& p = *e.plan;
    switch (p.group.type) {
        case grouping_type::shuffle:
        case grouping_type::none:
        case grouping_type::local_or_shuffle:
        case grouping_type::fields:
        case grouping_type::global:
        case grouping_type::partial_key:
            fn(pick_one(e, v));
            return 1;
        case grouping_type::all:
            for (int target : p.targets) {
                fn(target);
            }
            return p.targets.size();
        case grouping_type::direct:
            if (direct >= p.targets.front() && direct <= p.targets.back()) {
                fn(direct);
                return 1;
            }
            return 0;
        case grouping_type::custom: {
            // Swapped out while in use: a chained consumer may emit through a custom grouping
            // from inside fn().
            std::vector<int> chosen;
            chosen.swap(scratch);
            chosen.clear();
            e.custom->choose_tasks(source_task, v, chosen);
            for (int target : chosen) {
                if (target < p.targets.front() || target > p.targets.back()) {
                    chosen.swap(scratch);
                    throw_bad_custom_target(p, target);
                }
            }
            for (int target : chosen) {
                fn(target);
            }
            std::size_t n = chosen.size();
            chosen.swap(scratch);
            return n;
        }
    }
    return 0;
}

// A stream of one task: its plan, one route per edge, and the stream's counters (resolved with
// the route, so that counting an emit costs no lookup). Aligned to a cache line.
struct alignas(64) stream_route {
    const stream_plan* plan = nullptr;
    std::vector<edge_route> edges;
    output_stats stats;
    // Exactly one edge, whose grouping sends each tuple to one target (picks_one): an emit
    // takes pick_one_target() without the general loop. Set by task_routes::add and refresh.
    bool one_target = false;
    // one_target on a task whose emits are neither logged (topology.debug) nor captured (a
    // shell component's need_task_ids): the one test of the emits' fast path. Set with
    // one_target.
    bool fast = false;
    // With one_target, when that edge has a single target task and its grouping needs nothing
    // of the tuple to pick it (the shuffle family, global): that task, taken without pick_one;
    // otherwise 0 (task ids start at 1). Set by task_routes::add and refresh.
    int fixed_target = 0;

    // The tuple's one target when one_target: fixed_target, or the grouping's pick.
    [[gnu::always_inline]] int pick_one_target(const values& v) {
        return fixed_target != 0 ? fixed_target : pick_one(edges.front(), v);
    }
};

// The routes of every stream one task declares, found by name on each emit. Owned by the
// task's task_state; used on the thread that runs the task.
class task_routes {
  public:
    // Wiring, before start: the next declared stream (in plan order).
    void add(stream_route s) {
        refresh(s);
        _streams.push_back(std::move(s));
        _last = nullptr;  // the vector may have moved
        _default = nullptr;
        _default_fast = nullptr;
    }
    // Before the first add(): false for a task whose emits are logged or captured (task_state),
    // which then take the general route on every emit (stream_route::fast).
    void set_plain(bool plain) noexcept { _plain = plain; }
    // Recomputes what add() derives from a route's edges (one_target, fast, fixed_target);
    // called after the edges are rebuilt for new targets (rebind_task_state).
    void refresh(stream_route& s) const noexcept {
        s.one_target = s.edges.size() == 1 && picks_one(s.edges.front().plan->group.type);
        s.fast = s.one_target && _plain;
        s.fixed_target = 0;
        if (s.one_target) {
            const edge_plan& p = *s.edges.front().plan;
            const bool needs_tuple =
                p.group.type == grouping_type::fields || p.group.type == grouping_type::partial_key;
            if (!needs_tuple && p.targets.size() == 1) {
                s.fixed_target = p.targets.front();
            }
        }
    }
    std::vector<stream_route>& streams() noexcept { return _streams; }
    // Forgets the last stream resolved: called when the plan the routes point into is replaced
    // (rebind_task_state), since the remembered name is the old plan's string.
    void forget_last() noexcept {
        _last = nullptr;
        _default = nullptr;
        _default_fast = nullptr;
    }
    const std::vector<stream_route>& streams() const noexcept { return _streams; }

    // The stream named `stream`, checked against how it is emitted (`direct` >= 0: emit_direct).
    // The last stream resolved is kept with its name and direct flag, so that an emit on the
    // same stream as the one before costs one inline compare of the name (its bytes, not its
    // address: a caller may reuse a buffer for another name). Throws std::invalid_argument
    // naming `component` for an undeclared stream or a direct/non-direct mismatch.
    stream_route& resolve(std::string_view stream, int direct, const std::string& component) {
        if (_last != nullptr && (direct >= 0) == _last_direct && same_name(_last_name, stream))
            [[likely]] {
            return *_last;
        }
        return resolve_slow(stream, direct, component);
    }
    // resolve(default_stream, ...), for the emits that name no stream: the default stream's
    // route is kept from the first such emit on, so these cost no compare of the name.
    // The default stream's route for an emit that names no stream and no task, when it is
    // resolved and fast (stream_route::fast, not declared direct): the collectors' first test.
    stream_route* fast_default() const noexcept { return _default_fast; }
    stream_route& resolve_default(int direct, const std::string& component) {
        if (_default != nullptr && (direct >= 0) == _default_direct) [[likely]] {
            return *_default;
        }
        return resolve_default_slow(direct, component);
    }

  private:
    // The slow path: searches, checks, remembers the stream; throws for an undeclared stream
    // or a direct/non-direct mismatch (remembering nothing then).
    stream_route& resolve_slow(std::string_view stream, int direct, const std::string& component);
    stream_route& resolve_default_slow(int direct, const std::string& component);
    [[noreturn]] static void throw_direct_mismatch(std::string_view stream, int direct,
                                                   const std::string& component);

    std::vector<stream_route> _streams;
    bool _plain = true;                     // set_plain()
    stream_route* _last = nullptr;          // the last stream resolved; null before the first
    std::string_view _last_name;            // its name (the plan's string)
    bool _last_direct = false;              // whether it is declared direct
    stream_route* _default = nullptr;       // the default stream, once resolved (resolve_default)
    bool _default_direct = false;           // whether it is declared direct
    stream_route* _default_fast = nullptr;  // fast_default()
};

}  // namespace tempest::worker
