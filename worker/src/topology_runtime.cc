// SPDX-License-Identifier: Apache-2.0
// The executors of a topology_runtime. One executor = one thread; see topology_runtime.h for
// the picture. Everything in this file except the topology_runtime methods and
// shared_state::report runs on an executor's own thread.
#include "tempest/worker/topology_runtime.h"

#include "remote_io.h"
#include "tempest/common/log.h"
#include "tempest/common/thread_name.h"
#include "tempest/worker/hash.h"
#include "tempest/worker/id_map.h"
#include "tempest/worker/latency_histogram.h"
#include "tempest/worker/parker.h"
#include "tempest/worker/spsc_ring.h"
#include "tuple_access.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

namespace tempest::worker {

using detail::message_kind;
using detail::tuple_access;

namespace {

using ring_t = spsc_ring<tuple>;
using clock_type = std::chrono::steady_clock;

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               clock_type::now().time_since_epoch())
        .count();
}

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// A counter written by one thread and read by others: a relaxed load and store, no lock prefix.
struct counter {
    std::atomic<std::uint64_t> v{0};
    void add(std::uint64_t n = 1) noexcept {
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
};

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

std::size_t round_pow2(std::int64_t n) {
    std::size_t c = 2;
    while (c < static_cast<std::size_t>(n))
        c <<= 1;
    return c;
}

}  // namespace

// State shared by all executors of one runtime.
struct shared_state {
    std::atomic<bool> stop{false};
    std::atomic<bool> active{true};
    std::atomic<std::uint64_t> epoch{0};

    std::mutex errors_mu;  // guards errors
    std::deque<error_record> errors;
    std::uint64_t reported = 0;

    void report(const std::string& component, int task, std::string message) {
        std::scoped_lock lock(errors_mu);
        // A component failing on every tuple must not flood the log: the first 20 errors are
        // logged, then one in every 1000 (all are kept in `errors`, the newest 1000).
        ++reported;
        if (reported <= 20 || reported % 1000 == 0) {
            common::logger("worker").warn("component '{}' task {}: {} (error #{})", component, task,
                                          message, reported);
        }
        errors.push_back({component, task, std::move(message), wall_ms()});
        if (errors.size() > 1000) {
            errors.pop_front();
        }
    }
};

namespace {

// The producer's side of one ring, plus what did not fit in it yet.
struct out_link {
    ring_t* ring = nullptr;
    // Tuples that did not fit in the ring, oldest at overflow_head. The vector is reset (not
    // freed) once drained, so a backpressured link stops allocating after it has warmed up.
    std::vector<tuple> overflow;
    std::size_t overflow_head = 0;
    bool dirty = false;

    bool has_overflow() const noexcept { return overflow_head < overflow.size(); }
};

struct pending_msg {
    std::uint64_t msg = 0;
    std::int64_t emit_ns = 0;
};

struct acker_entry {
    std::uint64_t val = 0;
    std::int64_t start_ns = 0;
    std::int32_t spout_task = 0;
    bool init = false;
    bool failed = false;
};

struct edge_state {
    const edge_plan* plan = nullptr;
    std::vector<int> order;  // shuffle family: targets in a per-task shuffled order
    std::uint32_t next = 0;
    std::unique_ptr<custom_stream_grouping> custom;
    std::vector<std::uint64_t> load;  // partial key: tuples sent per target position
};

struct stream_state {
    const stream_plan* plan = nullptr;
    std::vector<edge_state> edges;
};

class executor;

struct task_state {
    int id = 0;
    const component_plan* comp = nullptr;
    bool chained = false;      // runs by direct calls from its producer on this thread
    bool debug = false;        // topology.debug: log every emitted tuple
    std::int64_t tick_ns = 0;  // 0 = no tick tuples
    std::int64_t next_tick = 0;
    std::unique_ptr<topology_context> ctx;
    std::vector<stream_state> streams;
    int last_stream = 0;

    counter emitted, executed, acked, failed;

    std::unique_ptr<spout> sp;
    std::unique_ptr<bolt> bl;
    std::unique_ptr<spout_output_collector> spout_out;
    std::unique_ptr<output_collector> bolt_out;

    // spouts
    id_map<pending_msg> pending{64};
    std::vector<message_id> immediate_acks;
    std::int64_t max_pending = 0;  // 0 = unbounded
    latency_histogram latency;
    // ackers
    id_map<acker_entry> acks{64};
};

}  // namespace

class executor_impl;

namespace {

class spout_collector_impl final : public spout_output_collector {
  public:
    spout_collector_impl(executor_impl& ex, task_state& t) : _ex(ex), _t(t) {}
    void report_error(std::string_view message) override;
    std::size_t get_pending_count() const override { return _t.pending.size(); }

  protected:
    void do_emit(std::string_view stream, const values& v, const message_id* id,
                 int direct_task) override;

  private:
    executor_impl& _ex;
    task_state& _t;
};

class bolt_collector_impl final : public output_collector {
  public:
    bolt_collector_impl(executor_impl& ex, task_state& t) : _ex(ex), _t(t) {}
    void ack(const tuple& input) override;
    void fail(const tuple& input) override;
    void report_error(std::string_view message) override;

  protected:
    void do_emit(std::string_view stream, std::span<const tuple* const> anchors, const values& v,
                 int direct_task) override;

  private:
    executor_impl& _ex;
    task_state& _t;
};

}  // namespace

// One executor thread: the tasks of one plan executor, plus the tasks of the executors chained
// into it (topology_plan::chain), which it runs by direct calls.
// Lifecycle: constructed (tasks built) on the submitting thread; run() on its own thread until
// shared_state::stop; close()/cleanup() run at the end of run().
class executor_impl {
  public:
    // `execs`: plan executor indices, the thread's own first, then those chained into it.
    executor_impl(shared_state& shared, const topology_plan& plan, std::vector<int> execs,
                  const component_registry& registry)
        : _shared(shared),
          _plan(plan),
          _comp(plan.components()[plan.executors()[execs.front()].component]),
          _rng(std::random_device{}() ^ (static_cast<std::uint64_t>(execs.front()) << 32)) {
        _is_spout = _comp.is_spout;
        _is_acker = _comp.is_acker;
        _has_ackers = !plan.acker_tasks().empty();
        _batch = static_cast<std::uint64_t>(std::max<std::int64_t>(
            1, plan.conf().get_int(config::topology_producer_batch_size, 64)));
        _timeout_ns = std::max<std::int64_t>(
                          1, _comp.conf.get_int(config::topology_message_timeout_secs, 30)) *
                      1'000'000'000;
        _spout_wait_ns =
            std::max<std::int64_t>(1, _comp.conf.get_int("topology.spout.wait.max.micros", 1000)) *
            1000;
        _task_link.assign(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr);
        _task_index.assign(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr);
        int self = execs.front();

        for (int ei : execs) {
            const executor_plan& ep = plan.executors()[ei];
            const component_plan& comp = plan.components()[ep.component];
            std::int64_t tick = 0;
            if (const value* v = comp.conf.find(config::topology_tick_tuple_freq_secs);
                v != nullptr && !v->is_null()) {
                tick = v->as_int();
            }
            for (int id = ep.first_task; id <= ep.last_task; ++id) {
                auto t = std::make_unique<task_state>();
                t->id = id;
                t->comp = &comp;
                t->chained = ei != self;
                t->debug = comp.conf.get_bool(config::topology_debug, false);
                t->tick_ns =
                    (tick > 0 && !comp.is_spout && !comp.is_acker) ? tick * 1'000'000'000 : 0;
                t->ctx = std::make_unique<topology_context>(plan.layout(), id);
                if (comp.is_spout) {
                    t->sp = registry.make_spout(comp.def->class_name, comp.def->args);
                    t->spout_out = std::make_unique<spout_collector_impl>(*this, *t);
                    const value* mp = comp.conf.find(config::topology_max_spout_pending);
                    t->max_pending = (mp != nullptr && !mp->is_null()) ? mp->as_int() : 0;
                } else if (!comp.is_acker) {
                    t->bl = registry.make_bolt(comp.def->class_name, comp.def->args);
                    t->bolt_out = std::make_unique<bolt_collector_impl>(*this, *t);
                }
                for (const stream_plan& sp : comp.streams) {
                    stream_state ss;
                    ss.plan = &sp;
                    for (const edge_plan& e : sp.edges) {
                        ss.edges.push_back(make_edge(e, id, self, registry));
                    }
                    t->streams.push_back(std::move(ss));
                }
                _task_index[id] = t.get();
                _tasks.push_back(std::move(t));
            }
        }
    }

    parker& park() { return _park; }
    bool is_spout() const { return _is_spout; }
    const component_plan& comp() const { return _comp; }
    std::uint64_t seen_epoch() const { return _seen_epoch.load(std::memory_order_acquire); }
    const std::vector<std::unique_ptr<task_state>>& tasks() const { return _tasks; }

    // Wiring, before start: this executor sends to `consumer` over `ring`.
    // Chained tasks are reached by direct calls, never through a ring.
    void add_output(ring_t* ring, const executor_impl& consumer) {
        auto link = std::make_unique<out_link>();
        link->ring = ring;
        for (const auto& t : consumer._tasks) {
            if (!t->chained) {
                _task_link[t->id] = link.get();
            }
        }
        _links.push_back(std::move(link));
    }
    void add_input(ring_t* ring) { _inputs.push_back(ring); }
    // Wiring, before start: tuples for tasks outside this worker go into `ring` (remote_io).
    void add_remote_output(ring_t* ring) {
        auto link = std::make_unique<out_link>();
        link->ring = ring;
        for (int task = 1; task <= _plan.num_tasks(); ++task) {
            if (!_plan.in_worker(task)) {
                _task_link[task] = link.get();
            }
        }
        _links.push_back(std::move(link));
    }
    // The tasks this thread runs, chained ones included.
    std::vector<int> task_ids() const {
        std::vector<int> ids;
        for (const auto& t : _tasks) {
            ids.push_back(t->id);
        }
        return ids;
    }

    void run();

    // ---- called by the collectors, on this thread ----
    void spout_emit(task_state& t, std::string_view stream, const values& v, const message_id* id,
                    int direct);
    void bolt_emit(task_state& t, std::string_view stream, std::span<const tuple* const> anchors,
                   const values& v, int direct);
    void bolt_ack(task_state& t, const tuple& in);
    void bolt_fail(task_state& t, const tuple& in);
    void report(const task_state& t, std::string message) {
        _shared.report(t.comp->id, t.id, std::move(message));
    }

  private:
    stream_state& resolve(task_state& t, std::string_view stream, int direct);
    template <typename Fn>
    void for_each_target(task_state& t, edge_state& e, const values& v, int direct, Fn&& fn);
    template <typename Fill>
    void send(int target, Fill&& fill);
    void send_system(int target, message_kind kind, std::uint64_t root, std::uint64_t val,
                     int source_task) {
        send(target, [&](tuple& slot) {
            tuple_access::set_header(slot, nullptr, source_task, target, kind);
            tuple_access::set_system(slot, root, val);
        });
    }
    int acker_for(std::uint64_t root) const {
        const auto& a = _plan.acker_tasks();
        return a[root % a.size()];
    }
    task_state& task(int id) { return *_task_index[id]; }
    edge_state make_edge(const edge_plan& e, int task, int self,
                         const component_registry& registry) const {
        edge_state es;
        es.plan = &e;
        if (e.group.type == grouping_type::local_or_shuffle) {
            // Prefer the tasks on this very thread (chained), then those of this worker.
            for (int target : e.targets) {
                if (_plan.in_worker(target) && _plan.task_thread(target) == self) {
                    es.order.push_back(target);
                }
            }
            if (es.order.empty()) {
                es.order = e.local_targets.empty() ? e.targets : e.local_targets;
            }
        } else {
            es.order = e.targets;
        }
        std::mt19937_64 shuffle_rng(static_cast<std::uint64_t>(task) * 7919 + 17);
        std::shuffle(es.order.begin(), es.order.end(), shuffle_rng);
        if (e.group.type == grouping_type::partial_key) {
            es.load.assign(e.targets.size(), 0);
        }
        if (e.group.type == grouping_type::custom) {
            es.custom = registry.make_grouping(e.group.custom_class, e.group.custom_args);
        }
        return es;
    }
    void execute_bolt(task_state& t, tuple& m);
    // topology.debug, as Storm: one info line per emitted tuple.
    static void log_emit(const task_state& t, std::string_view stream, const values& v) {
        common::logger("worker").info("{} task {} emitting on '{}': {}", t.comp->id, t.id, stream,
                                      v.to_string());
    }

    bool handle(tuple& m);
    void handle_acker(task_state& t, const tuple& m);
    void handle_spout_done(task_state& t, const tuple& m);
    bool run_spouts();
    bool drain_overflow();
    void flush();
    void timers();
    void apply_control();
    void idle_wait();
    void start_tasks();
    void stop_tasks();
    template <typename Fn>
    void guarded(task_state& t, const char* what, Fn&& fn);

    shared_state& _shared;
    const topology_plan& _plan;
    const component_plan& _comp;  // of the thread's own executor
    bool _is_spout = false;
    bool _is_acker = false;
    bool _has_ackers = false;
    bool _active = false;
    bool _overflowed = false;
    std::uint64_t _batch = 64;
    std::int64_t _timeout_ns = 0;
    std::int64_t _spout_wait_ns = 0;
    std::int64_t _now = 0;
    std::int64_t _next_sweep = 0;
    std::int64_t _next_tick = 0;  // earliest next_tick of the tasks with tick tuples
    int _depth = 0;               // nesting of direct calls into chained tasks
    int _idle = 0;
    fast_random _rng;
    parker _park;
    std::atomic<std::uint64_t> _seen_epoch{0};

    std::vector<std::unique_ptr<task_state>> _tasks;
    std::vector<ring_t*> _inputs;
    std::vector<std::unique_ptr<out_link>> _links;
    std::vector<out_link*> _task_link;     // index = destination task id; null = chained/none
    std::vector<task_state*> _task_index;  // index = task id; tasks run by this thread
    std::vector<std::unique_ptr<tuple>> _direct_slots;  // one per chaining depth
    std::vector<out_link*> _dirty;
    std::vector<detail::anchor> _scratch_anchors;
    std::vector<int> _scratch_targets;
    std::vector<std::uint64_t> _scratch_ids;
};

// ---------------------------------------------------------------- collectors

void spout_collector_impl::do_emit(std::string_view stream, const values& v, const message_id* id,
                                   int direct_task) {
    _ex.spout_emit(_t, stream, v, id, direct_task);
}
void spout_collector_impl::report_error(std::string_view message) {
    _ex.report(_t, std::string(message));
}
void bolt_collector_impl::do_emit(std::string_view stream, std::span<const tuple* const> anchors,
                                  const values& v, int direct_task) {
    _ex.bolt_emit(_t, stream, anchors, v, direct_task);
}
void bolt_collector_impl::ack(const tuple& input) {
    _ex.bolt_ack(_t, input);
}
void bolt_collector_impl::fail(const tuple& input) {
    _ex.bolt_fail(_t, input);
}
void bolt_collector_impl::report_error(std::string_view message) {
    _ex.report(_t, std::string(message));
}

// ---------------------------------------------------------------- emit path

stream_state& executor_impl::resolve(task_state& t, std::string_view stream, int direct) {
    auto& streams = t.streams;
    int i = t.last_stream;
    if (i >= static_cast<int>(streams.size()) ||
        !same_name(streams[i].plan->schema->stream, stream)) [[unlikely]] {
        i = -1;
        for (std::size_t k = 0; k < streams.size(); ++k) {
            if (streams[k].plan->schema->stream == stream) {
                i = static_cast<int>(k);
                break;
            }
        }
        if (i < 0) {
            throw std::invalid_argument("component '" + t.comp->id +
                                        "' emitted on undeclared stream '" + std::string(stream) +
                                        "'");
        }
        t.last_stream = i;
    }
    stream_state& s = streams[i];
    if ((direct >= 0) != s.plan->schema->direct) [[unlikely]] {
        throw std::invalid_argument(
            direct >= 0 ? "emit_direct on stream '" + std::string(stream) + "' of '" + t.comp->id +
                              "', which is not declared direct"
                        : "emit on direct stream '" + std::string(stream) + "' of '" + t.comp->id +
                              "' needs emit_direct");
    }
    return s;
}

template <typename Fn>
void executor_impl::for_each_target(task_state& t, edge_state& e, const values& v, int direct,
                                    Fn&& fn) {
    const edge_plan& p = *e.plan;
    switch (p.group.type) {
        case grouping_type::shuffle:
        case grouping_type::none:
        case grouping_type::local_or_shuffle: {
            int target = e.order[e.next];
            if (++e.next == e.order.size()) {
                e.next = 0;
            }
            fn(target);
            break;
        }
        case grouping_type::fields: {
            std::uint64_t h = 0;
            for (int pos : p.field_positions) {
                h = hash_value(v, static_cast<std::size_t>(pos), h);
            }
            fn(p.targets[reduce_range(h, p.targets.size())]);
            break;
        }
        case grouping_type::all:
            for (int target : p.targets) {
                fn(target);
            }
            break;
        case grouping_type::global:
            fn(p.targets.front());
            break;
        case grouping_type::direct:
            if (direct >= p.targets.front() && direct <= p.targets.back()) {
                fn(direct);
            }
            break;
        case grouping_type::partial_key: {
            std::uint64_t h1 = 0;
            std::uint64_t h2 = 0x51ed27057d1f3a9bULL;
            for (int pos : p.field_positions) {
                h1 = hash_value(v, static_cast<std::size_t>(pos), h1);
                h2 = hash_value(v, static_cast<std::size_t>(pos), h2);
            }
            std::size_t a = reduce_range(h1, p.targets.size());
            std::size_t b = reduce_range(h2, p.targets.size());
            std::size_t pick = e.load[a] <= e.load[b] ? a : b;
            ++e.load[pick];
            fn(p.targets[pick]);
            break;
        }
        case grouping_type::custom: {
            // Swapped out while in use: a chained consumer may emit through a custom grouping
            // from inside fn().
            std::vector<int> chosen;
            chosen.swap(_scratch_targets);
            chosen.clear();
            e.custom->choose_tasks(t.id, v, chosen);
            for (int target : chosen) {
                if (target < p.targets.front() || target > p.targets.back()) {
                    throw std::invalid_argument("custom grouping " + p.group.custom_class +
                                                " chose task " + std::to_string(target) +
                                                ", which is not a target of the stream");
                }
            }
            for (int target : chosen) {
                fn(target);
            }
            chosen.swap(_scratch_targets);
            break;
        }
    }
}

template <typename Fill>
void executor_impl::send(int target, Fill&& fill) {
    out_link* l = _task_link[target];
    if (l == nullptr) {
        // A chained task on this thread: build the tuple in this depth's slot and call it.
        if (_depth == static_cast<int>(_direct_slots.size())) {
            _direct_slots.push_back(std::make_unique<tuple>());
        }
        tuple& slot = *_direct_slots[_depth];
        fill(slot);
        ++_depth;
        execute_bolt(*_task_index[target], slot);
        --_depth;
        return;
    }
    tuple* slot = l->has_overflow() ? nullptr : l->ring->try_claim();
    if (slot != nullptr) [[likely]] {
        fill(*slot);
        l->ring->commit();
        if (l->ring->unpublished() >= _batch) {
            l->ring->publish();
        } else if (!l->dirty) {
            l->dirty = true;
            _dirty.push_back(l);
        }
        return;
    }
    if (!l->has_overflow()) {
        l->overflow.clear();
        l->overflow_head = 0;
    }
    fill(l->overflow.emplace_back());
    _overflowed = true;
}

namespace {
inline void fill_data(tuple& slot, const detail::stream_schema* schema, int source, int target,
                      const values& v) {
    tuple_access::set_header(slot, schema, source, target, message_kind::data);
    auto enc = v.encoded();
    tuple_access::vals(slot).assign_trusted(enc.data(), static_cast<std::uint32_t>(enc.size()),
                                            static_cast<std::uint16_t>(v.size()));
}
}  // namespace

void executor_impl::spout_emit(task_state& t, std::string_view stream, const values& v,
                               const message_id* id, int direct) {
    stream_state& s = resolve(t, stream, direct);
    const detail::stream_schema* schema = s.plan->schema.get();
    t.emitted.add();
    if (t.debug) [[unlikely]] {
        log_emit(t, stream, v);
    }
    bool track = id != nullptr && _has_ackers;
    std::uint64_t root = track ? _rng.next_id() : 0;
    std::uint64_t xor_all = 0;
    for (edge_state& e : s.edges) {
        for_each_target(t, e, v, direct, [&](int target) {
            std::uint64_t edge = track ? _rng.next_id() : 0;
            xor_all ^= edge;
            send(target, [&](tuple& slot) {
                fill_data(slot, schema, t.id, target, v);
                if (track) {
                    tuple_access::set_anchor(slot, root, edge);
                } else {
                    tuple_access::clear_anchors(slot);
                }
            });
        });
    }
    if (id == nullptr) {
        return;
    }
    if (track) {
        t.pending.get_or_insert(root) = {id->id, now_ns()};
        send_system(acker_for(root), message_kind::ack_init, root, xor_all, t.id);
    } else {
        t.immediate_acks.push_back(*id);
    }
}

void executor_impl::bolt_emit(task_state& t, std::string_view stream,
                              std::span<const tuple* const> anchors, const values& v, int direct) {
    stream_state& s = resolve(t, stream, direct);
    const detail::stream_schema* schema = s.plan->schema.get();
    t.emitted.add();
    if (t.debug) [[unlikely]] {
        log_emit(t, stream, v);
    }
    bool track = false;
    if (_has_ackers) {
        for (const tuple* a : anchors) {
            if (tuple_access::anchor_count(*a) > 0) {
                track = true;
                break;
            }
        }
    }
    for (edge_state& e : s.edges) {
        for_each_target(t, e, v, direct, [&](int target) {
            if (!track) {
                send(target, [&](tuple& slot) {
                    fill_data(slot, schema, t.id, target, v);
                    tuple_access::clear_anchors(slot);
                });
                return;
            }
            // A fresh edge id per (target, anchor); the anchor remembers it for its ack.
            _scratch_anchors.clear();
            for (const tuple* a : anchors) {
                std::uint32_t n = tuple_access::anchor_count(*a);
                if (n == 0) {
                    continue;
                }
                std::uint64_t edge = _rng.next_id();
                tuple_access::ack_val(*a) ^= edge;
                for (std::uint32_t i = 0; i < n; ++i) {
                    std::uint64_t root = tuple_access::anchor_at(*a, i).root;
                    auto it = std::find_if(_scratch_anchors.begin(), _scratch_anchors.end(),
                                           [&](const detail::anchor& x) { return x.root == root; });
                    if (it == _scratch_anchors.end()) {
                        _scratch_anchors.push_back({root, edge});
                    } else {
                        it->edge ^= edge;
                    }
                }
            }
            send(target, [&](tuple& slot) {
                fill_data(slot, schema, t.id, target, v);
                tuple_access::set_anchors(slot, _scratch_anchors.data(),
                                          static_cast<std::uint32_t>(_scratch_anchors.size()));
            });
        });
    }
}

void executor_impl::bolt_ack(task_state& t, const tuple& in) {
    t.acked.add();
    if (!_has_ackers) {
        return;
    }
    std::uint64_t ack_val = tuple_access::ack_val(in);
    for (std::uint32_t i = 0; i < tuple_access::anchor_count(in); ++i) {
        const detail::anchor& a = tuple_access::anchor_at(in, i);
        send_system(acker_for(a.root), message_kind::ack, a.root, a.edge ^ ack_val, t.id);
    }
}

void executor_impl::bolt_fail(task_state& t, const tuple& in) {
    t.failed.add();
    if (!_has_ackers) {
        return;
    }
    for (std::uint32_t i = 0; i < tuple_access::anchor_count(in); ++i) {
        std::uint64_t root = tuple_access::anchor_at(in, i).root;
        send_system(acker_for(root), message_kind::fail, root, 0, t.id);
    }
}

// ---------------------------------------------------------------- receive path

template <typename Fn>
void executor_impl::guarded(task_state& t, const char* what, Fn&& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        report(t, std::string("exception in ") + what + ": " + e.what());
    } catch (...) {
        report(t, std::string("unknown exception in ") + what);
    }
}

bool executor_impl::handle(tuple& m) {
    message_kind kind = tuple_access::kind(m);
    if (_overflowed && !_is_spout) {
        // Backpressure: stop taking work until our own output has drained.
        return false;
    }
    task_state& t = task(tuple_access::dest_task(m));
    switch (kind) {
        case message_kind::data:
            execute_bolt(t, m);
            break;
        case message_kind::ack_init:
        case message_kind::ack:
        case message_kind::fail:
            handle_acker(t, m);
            break;
        case message_kind::ack_done:
        case message_kind::fail_done:
            handle_spout_done(t, m);
            break;
        case message_kind::flow:
            break;  // consumed by remote_io; never queued to an executor
    }
    return true;
}

void executor_impl::execute_bolt(task_state& t, tuple& m) {
    t.executed.add();
    try {
        t.bl->execute(m);
    } catch (const std::exception& e) {
        report(t, std::string("exception in execute: ") + e.what());
        bolt_fail(t, m);
    } catch (...) {
        report(t, "unknown exception in execute");
        bolt_fail(t, m);
    }
}

void executor_impl::handle_acker(task_state& t, const tuple& m) {
    std::uint64_t root = tuple_access::sys_root(m);
    bool inserted = false;
    acker_entry& e = t.acks.get_or_insert(root, &inserted);
    if (inserted) {
        e.start_ns = _now;
    }
    switch (tuple_access::kind(m)) {
        case message_kind::ack_init:
            e.val ^= tuple_access::sys_val(m);
            e.spout_task = m.get_source_task();
            e.init = true;
            break;
        case message_kind::ack:
            e.val ^= tuple_access::sys_val(m);
            break;
        default:
            e.failed = true;
            break;
    }
    if (!e.init) {
        return;
    }
    if (e.failed || e.val == 0) {
        int spout_task = e.spout_task;
        message_kind done = e.failed ? message_kind::fail_done : message_kind::ack_done;
        t.acks.erase(root);
        t.acked.add();
        send_system(spout_task, done, root, 0, t.id);
    }
}

void executor_impl::handle_spout_done(task_state& t, const tuple& m) {
    std::uint64_t root = tuple_access::sys_root(m);
    pending_msg* p = t.pending.find(root);
    if (p == nullptr) {
        return;  // already timed out and failed
    }
    message_id id{p->msg};
    std::int64_t start = p->emit_ns;
    t.pending.erase(root);
    if (tuple_access::kind(m) == message_kind::ack_done) {
        t.latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ns() - start)) /
                         1000);
        t.acked.add();
        guarded(t, "ack", [&] { t.sp->ack(id); });
    } else {
        t.failed.add();
        guarded(t, "fail", [&] { t.sp->fail(id); });
    }
}

// ---------------------------------------------------------------- loop

bool executor_impl::run_spouts() {
    bool work = false;
    for (auto& tp : _tasks) {
        task_state& t = *tp;
        if (!t.sp) {
            continue;  // a bolt chained into this spout's thread
        }
        for (std::uint64_t i = 0; i < _batch; ++i) {
            if (_overflowed || (t.max_pending > 0 &&
                                static_cast<std::int64_t>(t.pending.size()) >= t.max_pending)) {
                break;
            }
            std::uint64_t before = t.emitted.get();
            guarded(t, "next_tuple", [&] { t.sp->next_tuple(); });
            if (t.emitted.get() == before) {
                break;
            }
            work = true;
        }
        if (!t.immediate_acks.empty()) {
            // No ackers: a message counts as acked once emitted (at-most-once).
            for (std::size_t i = 0; i < t.immediate_acks.size(); ++i) {
                message_id id = t.immediate_acks[i];
                t.acked.add();
                guarded(t, "ack", [&] { t.sp->ack(id); });
            }
            t.immediate_acks.clear();
        }
    }
    return work;
}

bool executor_impl::drain_overflow() {
    bool moved = false;
    bool left = false;
    for (auto& l : _links) {
        while (l->has_overflow()) {
            tuple* slot = l->ring->try_claim();
            if (slot == nullptr) {
                break;
            }
            // Swap, not move: the slot's old buffers go back to the overflow entry for reuse.
            slot->swap(l->overflow[l->overflow_head++]);
            l->ring->commit();
            moved = true;
        }
        if (l->has_overflow()) {
            left = true;
        }
        l->ring->publish();
    }
    _overflowed = left;
    return moved;
}

void executor_impl::flush() {
    for (out_link* l : _dirty) {
        l->ring->publish();
        l->dirty = false;
    }
    _dirty.clear();
}

void executor_impl::timers() {
    if (_now >= _next_sweep) {
        _next_sweep = _now + std::min<std::int64_t>(_timeout_ns / 4 + 1, 1'000'000'000);
        std::int64_t cutoff = _now - _timeout_ns;
        for (auto& tp : _tasks) {
            task_state& t = *tp;
            if (_is_spout && !t.pending.empty()) {
                _scratch_ids.clear();
                t.pending.erase_if([&](std::uint64_t, pending_msg& p) {
                    if (p.emit_ns < cutoff) {
                        _scratch_ids.push_back(p.msg);
                        return true;
                    }
                    return false;
                });
                for (std::uint64_t msg : _scratch_ids) {
                    t.failed.add();
                    guarded(t, "fail", [&] { t.sp->fail(message_id{msg}); });
                }
            }
            if (_is_acker && !t.acks.empty()) {
                t.acks.erase_if([&](std::uint64_t, acker_entry& e) { return e.start_ns < cutoff; });
            }
        }
    }
    if (_next_tick > 0 && _now >= _next_tick) {
        _next_tick = 0;
        for (auto& tp : _tasks) {
            task_state& t = *tp;
            if (t.tick_ns == 0) {
                continue;
            }
            if (_now >= t.next_tick) {
                t.next_tick = _now + t.tick_ns;
                tuple tick;
                tuple_access::set_header(tick, _plan.tick_schema(), 0, t.id, message_kind::data);
                tuple_access::vals(tick).add_int(t.tick_ns / 1'000'000'000);
                guarded(t, "execute (tick)", [&] { t.bl->execute(tick); });
            }
            _next_tick = _next_tick == 0 ? t.next_tick : std::min(_next_tick, t.next_tick);
        }
    }
}

void executor_impl::apply_control() {
    std::uint64_t e = _shared.epoch.load(std::memory_order_acquire);
    if (e == _seen_epoch.load(std::memory_order_relaxed)) {
        return;
    }
    bool want = _shared.active.load(std::memory_order_acquire);
    if (_is_spout && want != _active) {
        for (auto& tp : _tasks) {
            if (!tp->sp) {
                continue;
            }
            if (want) {
                guarded(*tp, "activate", [&] { tp->sp->activate(); });
            } else {
                guarded(*tp, "deactivate", [&] { tp->sp->deactivate(); });
            }
        }
    }
    _active = want;
    _seen_epoch.store(e, std::memory_order_release);
}

void executor_impl::idle_wait() {
    ++_idle;
    if (_idle < 32) {
        cpu_relax();
        return;
    }
    if (_idle < 40) {
        sched_yield();
        return;
    }
    _park.announce();
    bool ready = _shared.stop.load(std::memory_order_relaxed) ||
                 _shared.epoch.load(std::memory_order_relaxed) !=
                     _seen_epoch.load(std::memory_order_relaxed);
    // A bolt whose output overflowed takes no input (handle()), so input that waits is no
    // reason to run: it waits for room, and the consumer that frees some wakes it.
    const bool takes_input = !_overflowed || _is_spout;
    for (ring_t* r : _inputs) {
        if (ready || !takes_input)
            break;
        ready = r->has_published();
    }
    for (auto& l : _links) {
        if (ready || !_overflowed)
            break;
        ready = l->has_overflow() && l->ring->free_slots() > 0;
    }
    if (ready) {
        _park.cancel();
        return;
    }
    std::int64_t timeout = 100'000'000;  // timers
    if (_overflowed) {
        timeout = 10'000'000;  // a safety net: the consumer that frees room wakes us
    } else if (_is_spout && _active) {
        timeout = _spout_wait_ns;
    }
    if (_next_tick > 0) {
        timeout = std::clamp<std::int64_t>(_next_tick - now_ns(), 1000, timeout);
    }
    _park.park(std::chrono::nanoseconds(timeout));
}

void executor_impl::start_tasks() {
    for (auto& tp : _tasks) {
        task_state& t = *tp;
        for (auto& s : t.streams) {
            for (auto& e : s.edges) {
                if (e.custom) {
                    guarded(t, "custom grouping prepare", [&] {
                        e.custom->prepare(*t.ctx, t.comp->id, s.plan->schema->stream,
                                          e.plan->targets);
                    });
                }
            }
        }
        if (t.sp) {
            guarded(t, "open", [&] { t.sp->open(t.comp->conf, *t.ctx, *t.spout_out); });
        } else if (t.bl) {
            guarded(t, "prepare", [&] { t.bl->prepare(t.comp->conf, *t.ctx, *t.bolt_out); });
        }
    }
}

void executor_impl::stop_tasks() {
    for (auto& tp : _tasks) {
        task_state& t = *tp;
        if (t.sp) {
            if (_active) {
                guarded(t, "deactivate", [&] { t.sp->deactivate(); });
            }
            guarded(t, "close", [&] { t.sp->close(); });
        } else if (t.bl) {
            guarded(t, "cleanup", [&] { t.bl->cleanup(); });
        }
    }
}

void executor_impl::run() {
    start_tasks();
    // Spouts of an active topology are activated right after open(), as in Storm.
    std::uint64_t e = _shared.epoch.load(std::memory_order_acquire);
    _active = _shared.active.load(std::memory_order_acquire);
    if (_is_spout && _active) {
        for (auto& tp : _tasks) {
            if (tp->sp) {
                guarded(*tp, "activate", [&] { tp->sp->activate(); });
            }
        }
    }
    _seen_epoch.store(e, std::memory_order_release);
    _now = now_ns();
    for (auto& tp : _tasks) {
        if (tp->tick_ns > 0) {
            tp->next_tick = _now + tp->tick_ns;
            _next_tick = _next_tick == 0 ? tp->next_tick : std::min(_next_tick, tp->next_tick);
        }
    }
    _next_sweep = _now + 1'000'000'000;
    while (!_shared.stop.load(std::memory_order_relaxed)) {
        apply_control();
        bool work = false;
        for (ring_t* r : _inputs) {
            if (r->consume(512, [this](tuple& m) { return handle(m); }) > 0) {
                work = true;
            }
        }
        if (_is_spout && _active) {
            work |= run_spouts();
        }
        if (_overflowed) {
            work |= drain_overflow();
        }
        flush();
        _now = now_ns();
        timers();
        if (work) {
            _idle = 0;
        } else {
            idle_wait();
        }
    }
    flush();
    stop_tasks();
}

// ---------------------------------------------------------------- runtime

struct topology_runtime::impl {
    std::shared_ptr<const topology_plan> plan;
    shared_state shared;
    std::vector<std::unique_ptr<ring_t>> rings;
    std::vector<std::unique_ptr<executor_impl>> executors;
    std::vector<std::thread> threads;
    std::unique_ptr<remote_io> remote;  // null in local mode
    bool started = false;
    bool stopped = false;
};

topology_runtime::topology_runtime(std::shared_ptr<const topology_plan> plan,
                                   const component_registry& registry,
                                   std::optional<remote_options> remote)
    : _impl(std::make_unique<impl>()) {
    _impl->plan = std::move(plan);
    const topology_plan& p = *_impl->plan;
    // One thread per plan executor that runs here and is not chained into another.
    std::vector<std::vector<int>> threads;  // plan executor indices, own first
    std::vector<int> thread_of(p.executors().size(), -1);
    for (std::size_t i = 0; i < p.executors().size(); ++i) {
        const executor_plan& ep = p.executors()[i];
        if (p.in_worker(ep.first_task) && ep.host < 0) {
            thread_of[i] = static_cast<int>(threads.size());
            threads.push_back({static_cast<int>(i)});
        }
    }
    for (std::size_t i = 0; i < p.executors().size(); ++i) {
        const executor_plan& ep = p.executors()[i];
        if (p.in_worker(ep.first_task) && ep.host >= 0) {
            thread_of[i] = thread_of[ep.host];
            threads[thread_of[i]].push_back(static_cast<int>(i));
        }
    }
    for (auto& execs : threads) {
        try {
            _impl->executors.push_back(
                std::make_unique<executor_impl>(_impl->shared, p, execs, registry));
        } catch (const std::exception& e) {
            throw invalid_topology("component '" +
                                   p.components()[p.executors()[execs.front()].component].id +
                                   "' cannot be built: " + e.what());
        }
    }
    std::size_t capacity =
        round_pow2(p.conf().get_int(config::topology_executor_receive_buffer_size, 1024));
    bool ackers = !p.acker_tasks().empty();
    // One ring for every ordered pair of threads that can exchange tuples: from X to Y when a
    // component running on X sends to Y's own component (chained tasks take direct calls).
    for (std::size_t x = 0; x < threads.size(); ++x) {
        std::vector<bool> to_component(p.components().size(), false);
        for (int ei : threads[x]) {
            const component_plan& from = p.components()[p.executors()[ei].component];
            for (const stream_plan& s : from.streams) {
                for (const edge_plan& e : s.edges) {
                    to_component[e.consumer] = true;
                }
            }
            for (std::size_t ci = 0; ci < p.components().size(); ++ci) {
                const component_plan& c = p.components()[ci];
                if (ackers && c.is_acker && !from.is_acker) {
                    to_component[ci] = true;
                }
                if (from.is_acker && c.is_spout) {
                    to_component[ci] = true;
                }
            }
        }
        for (std::size_t y = 0; y < threads.size(); ++y) {
            if (!to_component[p.executors()[threads[y].front()].component]) {
                continue;
            }
            executor_impl& producer = *_impl->executors[x];
            executor_impl& consumer = *_impl->executors[y];
            auto ring = std::make_unique<ring_t>(capacity, &consumer.park(), &producer.park());
            producer.add_output(ring.get(), consumer);
            consumer.add_input(ring.get());
            _impl->rings.push_back(std::move(ring));
        }
    }
    if (remote) {
        // Every thread may send to remote tasks (data, acks to remote ackers, acks back to
        // remote spouts) and receive from remote workers.
        _impl->remote = std::make_unique<remote_io>(p, *remote);
        for (auto& ex : _impl->executors) {
            ex->add_remote_output(_impl->remote->add_outbound(capacity, &ex->park()));
            auto ring = std::make_unique<ring_t>(capacity, &ex->park(), &_impl->remote->park());
            ex->add_input(ring.get());
            _impl->remote->add_inbound(ring.get(), ex->task_ids());
            _impl->rings.push_back(std::move(ring));
        }
    }
}

topology_runtime::~topology_runtime() {
    stop();
}

void topology_runtime::start() {
    if (_impl->started)
        return;
    _impl->started = true;
    if (_impl->remote) {
        _impl->remote->start();  // throws when the port cannot be bound
    }
    for (auto& ex : _impl->executors) {
        executor_impl* e = ex.get();
        // Named after its component and first task ("split:3"), as top -H and perf show it.
        std::string name = common::thread_name(e->comp().id, e->tasks().front()->id);
        _impl->threads.emplace_back([e, name] {
            common::set_thread_name(name);
            e->run();
        });
    }
}

bool topology_runtime::set_active(bool active, std::chrono::milliseconds timeout) {
    _impl->shared.active.store(active, std::memory_order_release);
    std::uint64_t e = _impl->shared.epoch.fetch_add(1, std::memory_order_acq_rel) + 1;
    if (!_impl->started || _impl->stopped) {
        return true;
    }
    for (auto& ex : _impl->executors) {
        ex->park().wake();
    }
    auto deadline = clock_type::now() + timeout;
    for (auto& ex : _impl->executors) {
        while (ex->seen_epoch() < e) {
            if (clock_type::now() > deadline) {
                return false;
            }
            ex->park().wake();
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }
    return true;
}

bool topology_runtime::active() const {
    return _impl->shared.active.load(std::memory_order_acquire);
}

void topology_runtime::stop() {
    if (_impl->stopped)
        return;
    _impl->stopped = true;
    if (_impl->remote) {
        // First stop receiving: the server's thread may be waiting for room in an executor's ring.
        _impl->remote->stop_receiving();
    }
    _impl->shared.stop.store(true, std::memory_order_release);
    for (auto& ex : _impl->executors) {
        ex->park().wake();
    }
    for (auto& t : _impl->threads) {
        t.join();
    }
    _impl->threads.clear();
    if (_impl->remote) {
        _impl->remote->stop();
    }
}

std::uint16_t topology_runtime::port() const {
    return _impl->remote ? _impl->remote->port() : 0;
}

void topology_runtime::set_task_endpoints(std::vector<task_endpoint> endpoints) {
    if (_impl->remote) {
        _impl->remote->set_task_endpoints(std::move(endpoints));
    }
}

remote_stats topology_runtime::remote() const {
    return _impl->remote ? _impl->remote->stats() : remote_stats{};
}

const topology_plan& topology_runtime::plan() const {
    return *_impl->plan;
}

std::vector<component_stats> topology_runtime::stats() const {
    std::vector<component_stats> out;
    for (const component_plan& c : _impl->plan->components()) {
        component_stats s;
        s.component = c.id;
        s.is_spout = c.is_spout;
        latency_histogram lat;
        for (const auto& ex : _impl->executors) {
            for (const auto& t : ex->tasks()) {
                if (t->comp != &c) {
                    continue;
                }
                s.emitted += t->emitted.get();
                s.executed += t->executed.get();
                s.acked += t->acked.get();
                s.failed += t->failed.get();
                if (c.is_spout)
                    lat.add(t->latency);
            }
        }
        if (lat.count() > 0) {
            s.complete_latency_p50_us = lat.quantile(0.5);
            s.complete_latency_p99_us = lat.quantile(0.99);
            s.complete_latency_mean_us = lat.mean();
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<executor_stats> topology_runtime::stats_by_executor() const {
    const topology_plan& p = *_impl->plan;
    std::vector<const task_state*> by_task(static_cast<std::size_t>(p.num_tasks()) + 1, nullptr);
    for (const auto& ex : _impl->executors) {
        for (const auto& t : ex->tasks()) {
            by_task[t->id] = t.get();
        }
    }
    std::vector<executor_stats> out;
    for (const executor_plan& e : p.executors()) {
        if (!p.in_worker(e.first_task)) {
            continue;
        }
        executor_stats es;
        es.first_task = e.first_task;
        es.last_task = e.last_task;
        const component_plan& c = p.components()[e.component];
        es.stats.component = c.id;
        es.stats.is_spout = c.is_spout;
        latency_histogram lat;
        for (int task = e.first_task; task <= e.last_task; ++task) {
            const task_state* t = by_task[task];
            if (t == nullptr) {
                continue;
            }
            es.stats.emitted += t->emitted.get();
            es.stats.executed += t->executed.get();
            es.stats.acked += t->acked.get();
            es.stats.failed += t->failed.get();
            if (c.is_spout) {
                lat.add(t->latency);
            }
        }
        if (lat.count() > 0) {
            es.stats.complete_latency_p50_us = lat.quantile(0.5);
            es.stats.complete_latency_p99_us = lat.quantile(0.99);
            es.stats.complete_latency_mean_us = lat.mean();
        }
        out.push_back(std::move(es));
    }
    return out;
}

std::vector<error_record> topology_runtime::errors() const {
    std::scoped_lock lock(_impl->shared.errors_mu);
    return {_impl->shared.errors.begin(), _impl->shared.errors.end()};
}

}  // namespace tempest::worker
