// SPDX-License-Identifier: Apache-2.0
// executor_core: building the tasks and wiring (runtime's thread), then the per-tuple paths
// (executor's thread): the collectors' emit/ack/fail and the messages of the input rings.
#include "executor/executor_core.h"

#include "executor/anchoring.h"
#include "executor/collectors.h"
#include "executor/config_defaults.h"
#include "executor/sample_clock.h"
#include "tempest/common/log.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

namespace tempest::worker {

using detail::message_kind;
using detail::tuple_access;

namespace {

// steady_clock: a pending message's emit time, which its timeout compares with the loop's clock
// (the sampled latencies of bolts and ackers read sample_clock).
std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::uint64_t elapsed_ns(std::int64_t since) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ns() - since));
}

// Counts one acking message of `kind` sent by task `t`.
inline void count_acking(task_state& t, message_kind kind) noexcept {
    t.acking_sent[static_cast<std::size_t>(kind) - 1].add();
}

inline void fill_data(tuple& slot, const detail::stream_schema* schema, int source, int target,
                      const values& v) {
    tuple_access::set_header(slot, schema, source, target, message_kind::data);
    auto enc = v.encoded();
    tuple_access::vals(slot).assign_trusted(enc.data(), static_cast<std::uint32_t>(enc.size()),
                                            static_cast<std::uint16_t>(v.size()));
}

// topology.debug, as Storm: one info line per emitted tuple.
void log_emit(const task_state& t, std::string_view stream, const values& v) {
    common::logger("worker").info("{} task {} emitting on '{}': {}", t.comp->id, t.id, stream,
                                  v.to_string());
}

}  // namespace

// ---------------------------------------------------------------- building and wiring

executor_core::executor_core(shared_state& shared, const topology_plan& plan,
                             const std::vector<int>& execs, const component_registry& registry,
                             task_handover* handover)
    : _shared(shared),
      _plan(plan),
      _is_spout(plan.components()[plan.executors()[execs.front()].component].is_spout),
      _has_ackers(!plan.acker_tasks().empty()),
      _batch(static_cast<std::uint64_t>(
          std::max<std::int64_t>(1, conf_int(plan.conf(), config::topology_producer_batch_size)))),
      _rng(std::random_device{}() ^ (static_cast<std::uint64_t>(execs.front()) << 32)),
      _out(plan.num_tasks(), _batch),
      _task_index(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr) {
    sample_clock::calibrate();  // before any sampled tuple; once per process
    int self = execs.front();
    for (int ei : execs) {
        const executor_plan& ep = plan.executors()[ei];
        const component_plan& comp = plan.components()[ep.component];
        // Called directly by its producer on this thread; an acker hosted here is not (it takes
        // its messages from the rings, or at once from this thread: hold_in_new_pack).
        const bool chained = ei != self && !comp.is_acker;
        for (int id = ep.first_task; id <= ep.last_task; ++id) {
            std::unique_ptr<task_state> t;
            prebuilt_component* pre = nullptr;
            if (handover != nullptr) {
                if (auto kept = handover->kept.find(id); kept != handover->kept.end()) {
                    t = std::move(kept->second);
                    handover->kept.erase(kept);
                    rebind_task_state(*t, *this, plan, comp, chained, self);
                } else if (auto built = handover->built.find(id); built != handover->built.end()) {
                    pre = &built->second;
                }
            }
            if (!t) {
                t = make_task_state(*this, plan, comp, id, chained, self, registry, pre);
            }
            _task_index[id] = t.get();
            _tasks.push_back(std::move(t));
        }
    }
    // The one spout task here, when an acker runs here too: its trees' XOR may live in its
    // pending table (pend_spout_tuple, apply_fused).
    int spouts = 0;
    bool acker = false;
    task_state* spout = nullptr;
    for (const auto& t : _tasks) {
        if (t->sp != nullptr) {
            ++spouts;
            spout = t.get();
        }
        acker = acker || t->comp->is_acker;
    }
    _fuse_spout = spouts == 1 && acker ? spout : nullptr;
}

std::vector<std::unique_ptr<task_state>> executor_core::release_tasks() {
    std::fill(_task_index.begin(), _task_index.end(), nullptr);
    _fuse_spout = nullptr;
    return std::exchange(_tasks, {});
}

std::vector<int> executor_core::task_ids() const {
    std::vector<int> ids;
    for (const auto& t : _tasks) {
        ids.push_back(t->id);
    }
    return ids;
}

void executor_core::add_output(ring_t* ring, const executor_core& consumer) {
    std::vector<int> tasks;
    for (const auto& t : consumer._tasks) {
        if (!t->chained) {
            tasks.push_back(t->id);
        }
    }
    _out.add(ring, tasks);
}

void executor_core::add_remote_output(remote_stage* stage) {
    std::vector<int> tasks;
    for (int task = 1; task <= _plan.num_tasks(); ++task) {
        if (!_plan.in_worker(task)) {
            tasks.push_back(task);
        }
    }
    _out.add_remote(stage, tasks);
}

// ---------------------------------------------------------------- emit path

template <typename Fill>
void executor_core::send(int target, Fill&& fill) {
    out_link* l = _out.link_for(target);
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
    if (l->remote) [[unlikely]] {
        fill(_out.scratch());
        _out.stage_scratch(*l);
        return;
    }
    _out.send(*l, fill);
}

void executor_core::send_system(int target, message_kind kind, std::uint64_t root,
                                std::uint64_t val, int source_task) {
    flush_held_ack();  // the acker sees one task's messages for a root in the order sent
    send(target, [&](tuple& slot) {
        tuple_access::set_header(slot, nullptr, source_task, target, kind);
        tuple_access::set_system(slot, root, val);
    });
}

[[gnu::always_inline]] inline void executor_core::hold_system(int target, message_kind kind,
                                                              std::uint64_t root, std::uint64_t val,
                                                              task_state& src) {
    held_pack& p = _pack;
    // 1 <= n < the most a pack holds, and the same kind, source and target: appended.
    if (p.n - 1 < detail::tuple_access::sys_max_entries - 1 && p.target == target &&
        p.kind == kind && p.src == &src) [[likely]] {
        p.words[2 * p.n] = root;
        p.words[2 * p.n + 1] = val;
        ++p.n;
        p.ack_root = kind == message_kind::ack ? root : 0;
        return;
    }
    hold_in_new_pack(target, kind, root, val, src);
}

void executor_core::hold_in_new_pack(int target, message_kind kind, std::uint64_t root,
                                     std::uint64_t val, task_state& src) {
    held_pack& p = _pack;
    if (p.n != 0) {
        send_pack();
    }
    out_link* l = _out.link_for(target);
    if (l == nullptr || l->remote) [[unlikely]] {
        // Chained, or to another worker (whose frames carry one message): sent as it is.
        count_acking(src, kind);
        send_system(target, kind, root, val, src.id);
        return;
    }
    if (task_state* a = local_acker(target); a != nullptr) {
        // An acker on this thread (topology_plan::host_ackers): applied now, no slot. A tree it
        // completes here (inside an emit) is held for its spout like any acking message, and
        // reaches the spout through a ring into this thread, so a spout never sees ack() inside
        // its own emit (apply_acker_entry).
        count_applied_here(*a, src, kind);
        apply_acker_entry(*a, kind, root, val, src.id, false);
        return;
    }
    p.link = l;
    p.target = target;
    p.kind = kind;
    p.src = &src;
    p.merged = 0;
    p.words[0] = root;
    p.words[1] = val;
    p.n = 1;
    p.ack_root = kind == message_kind::ack ? root : 0;
}

[[gnu::always_inline]] inline void executor_core::count_applied_here(task_state& acker,
                                                                     task_state& src,
                                                                     message_kind kind) {
    count_acking(src, kind);
    acking_input(acker, src.id, kind).executed.add();
}

[[gnu::always_inline]] inline task_state* executor_core::local_acker(int target) const {
    const out_link* l = _out.link_for(target);
    if (l == nullptr || l->remote) {
        return nullptr;
    }
    task_state* a = _task_index[target];
    return a != nullptr && a->comp->is_acker ? a : nullptr;
}

[[gnu::always_inline]] inline void executor_core::open_tree_for(std::uint64_t root) {
    task_state* a = local_acker(acker_for(root));
    _open.acker = a;
    _open.root = a != nullptr ? root : 0;
    _open.val = 0;
}

[[gnu::always_inline]] inline void executor_core::fold_into_open(task_state& src,
                                                                 std::uint64_t val) {
    count_applied_here(*_open.acker, src, message_kind::ack);
    _open.val ^= val;
}

void executor_core::init_open_tree(task_state& t, std::uint64_t xor_all) {
    const std::uint64_t root = _open.root;
    _open.root = 0;
    task_state& a = *_open.acker;
    count_applied_here(a, t, message_kind::ack_init);
    apply_acker_entry(a, message_kind::ack_init, root, xor_all ^ _open.val, t.id, false);
}

void executor_core::send_ack(int acker, std::uint64_t root, std::uint64_t val, task_state& src) {
    if (_pack.ack_root == root && _pack.src == &src) {
        _pack.words[2 * _pack.n - 1] ^= val;
        ++_pack.merged;
        return;
    }
    if (root == _open.root && _open.root != 0) {
        fold_into_open(src, val);
        return;
    }
    hold_system(acker, message_kind::ack, root, val, src);
}

void executor_core::send_pack() {
    held_pack& p = _pack;
    const std::uint32_t n = p.n;
    p.n = 0;
    p.ack_root = 0;
    // The messages it stands for are counted as sent here, not one by one as they are held.
    p.src->acking_sent[static_cast<std::size_t>(p.kind) - 1].add(n + p.merged);
    _out.send(*p.link, [&](tuple& slot) {
        tuple_access::set_header(slot, nullptr, p.src->id, p.target, p.kind);
        tuple_access::set_system_entries(slot, p.words, n);
        tuple_access::set_sys_merged(slot, n - 1 + p.merged);
    });
}

[[gnu::always_inline]] inline bool executor_core::put_in_ring(int source, int target,
                                                              const detail::stream_schema* schema,
                                                              const values& v, std::uint64_t root,
                                                              std::uint64_t edge) {
    out_link* l = _out.link_for(target);
    if (l == nullptr) {
        return false;
    }
    tuple* slot = _out.try_claim(*l);
    if (slot == nullptr) [[unlikely]] {
        if (l->remote) {  // tasks in other workers: no ring, the stage
            _out.stage_data(*l, source, target, schema, v, root, edge);
            return true;
        }
        return false;
    }
    fill_data(*slot, schema, source, target, v);
    if (root == 0) {
        tuple_access::clear_anchors(*slot);
    } else {
        tuple_access::set_anchor(*slot, root, edge);
    }
    // The lines written, as send() takes them (filled_lines): the header's line holds the one
    // anchor, so a tracked word is one line like an untracked one.
    _out.commit(*l, tuple_access::filled_lines(*slot));
    return true;
}

[[gnu::always_inline]] inline void executor_core::emit_one(task_state& t, stream_route& s,
                                                           const values& v) {
    s.stats.sent_one.add();
    if (s.fixed_target == 0) {
        // The grouping picks (the pick may call: out of this path).
        return emit_one_picked(t, s, v);
    }
    emit_one_to(t, s.plan->schema.get(), s.fixed_target, v, 0, 0);
}

void executor_core::emit_one_picked(task_state& t, stream_route& s, const values& v) {
    emit_one_to(t, s.plan->schema.get(), pick_one(s.edges.front(), v), v, 0, 0);
}

void executor_core::emit_one_anchored(task_state& t, stream_route& s, const tuple& a,
                                      const values& v) {
    s.stats.sent_one.add();
    const int target = s.pick_one_target(v);
    // A fresh edge id, which the anchor remembers for its ack (anchor_child's result for one
    // anchor with one root, without its scratch vector).
    const std::uint64_t edge = _rng.next_id();
    tuple_access::xor_ack_val(a, edge);
    emit_one_to(t, s.plan->schema.get(), target, v, tuple_access::anchor_at(a, 0).root, edge);
}

[[gnu::always_inline]] inline void executor_core::emit_one_to(task_state& t,
                                                              const detail::stream_schema* schema,
                                                              int target, const values& v,
                                                              std::uint64_t root,
                                                              std::uint64_t edge) {
    out_link* l = _out.link_for(target);
    if (l == nullptr) {
        return send_one(t.id, target, schema, v, root, edge);  // chained: a call into the target
    }
    if (l->has_overflow()) [[unlikely]] {
        return emit_one_rest(t.id, target, schema, v, root, edge);
    }
    tuple* slot = l->ring->try_claim_quick();
    if (slot == nullptr) [[unlikely]] {
        return emit_one_rest(t.id, target, schema, v, root, edge);
    }
    const std::uint32_t lines =
        tuple_access::fill_small(*slot, schema, t.id, target, v, root, edge);
    if (lines == 0) [[unlikely]] {
        return emit_one_rest(t.id, target, schema, v, root, edge);
    }
    if (!_out.commit_quick(*l, lines)) [[unlikely]] {
        return _out.commit_rest(*l);
    }
}

void executor_core::emit_one_rest(int source, int target, const detail::stream_schema* schema,
                                  const values& v, std::uint64_t root, std::uint64_t edge) {
    if (!put_in_ring(source, target, schema, v, root, edge)) {
        send_one(source, target, schema, v, root, edge);
    }
}

void executor_core::send_one(int source, int target, const detail::stream_schema* schema,
                             const values& v, std::uint64_t root, std::uint64_t edge) {
    send(target, [&](tuple& slot) {
        fill_data(slot, schema, source, target, v);
        if (root == 0) {
            tuple_access::clear_anchors(slot);
        } else {
            tuple_access::set_anchor(slot, root, edge);
        }
    });
}

void executor_core::send_data(task_state& t, int target, const detail::stream_schema* schema,
                              std::span<const tuple* const> anchors, const values& v, bool track) {
    if (!track) {
        send(target, [&](tuple& slot) {
            fill_data(slot, schema, t.id, target, v);
            tuple_access::clear_anchors(slot);
        });
        return;
    }
    // A fresh edge id per (target, anchor); the anchor remembers it for its ack.
    if (anchors.size() == 1 && tuple_access::anchor_count(*anchors[0]) == 1) [[likely]] {
        // One anchor with one root (a bolt anchoring to its input): anchor_child's result
        // without its scratch vector.
        const tuple& a = *anchors[0];
        const std::uint64_t edge = _rng.next_id();
        tuple_access::xor_ack_val(a, edge);
        const std::uint64_t root = tuple_access::anchor_at(a, 0).root;
        send(target, [&](tuple& slot) {
            fill_data(slot, schema, t.id, target, v);
            tuple_access::set_anchor(slot, root, edge);
        });
        return;
    }
    anchor_child(anchors, _rng, _scratch_anchors);
    send(target, [&](tuple& slot) {
        fill_data(slot, schema, t.id, target, v);
        tuple_access::set_anchors(slot, _scratch_anchors.data(),
                                  static_cast<std::uint32_t>(_scratch_anchors.size()));
    });
}

// Inline into the spout's emit: it runs once per tracked tuple.
[[gnu::always_inline]] inline void executor_core::pend_spout_tuple(
    task_state& t, message_id id, const detail::stream_schema* schema, std::uint64_t root,
    std::uint64_t xor_all) {
    if (root == 0) {
        t.pending.add_immediate(id, schema->stream_index);
        return;
    }
    pend_tracked(t, id, schema, root, xor_all);
}

[[gnu::always_inline]] inline void executor_core::pend_tracked(task_state& t, message_id id,
                                                               const detail::stream_schema* schema,
                                                               std::uint64_t root,
                                                               std::uint64_t xor_all) {
    // The loop's clock (refreshed before next_tuple() runs) is precise enough for the
    // timeout; a sampled message's complete latency needs the exact emit time.
    bool sampled = t.sample.next();
    const std::int64_t emit_ns = sampled ? now_ns() : _now;
    // The acker runs here (open_tree_for): the ack_init, with the acks folded meanwhile, is
    // applied now; when the tree stays open and this is the thread's one spout, its XOR is kept
    // in the pending entry instead of the acker's table (apply_fused).
    const bool here = _open.root == root;
    const std::uint64_t val = here ? xor_all ^ _open.val : 0;
    if (val != 0 && &t == _fuse_spout) [[likely]] {
        t.pending.add(root, id.id, emit_ns, schema->stream_index, sampled, val);
        _open.root = 0;
        count_applied_here(*_open.acker, t, message_kind::ack_init);
        return;
    }
    t.pending.add(root, id.id, emit_ns, schema->stream_index, sampled);
    if (here) {
        init_open_tree(t, xor_all);
    } else {
        hold_system(acker_for(root), message_kind::ack_init, root, xor_all, t);
    }
}

// Inline into the collector's do_emit, as bolt_emit: a spout's emit is one virtual call.
[[gnu::always_inline]] inline void executor_core::spout_emit(task_state& t, stream_route& s,
                                                             const values& v, const message_id* id,
                                                             int direct) {
    ++t.emit_calls;
    if (s.fast) [[likely]] {
        // One target, nothing to log or capture: no loop over edges.
        if (id == nullptr) {
            return emit_one(t, s, v);
        }
        s.stats.sent_one.add();
        const detail::stream_schema* schema = s.plan->schema.get();
        const int target = s.pick_one_target(v);
        if (_has_ackers) {
            emit_tracked(t, schema, target, v, *id);
            return;
        }
        if (!put_in_ring(t.id, target, schema, v, 0, 0)) [[unlikely]] {
            send_one(t.id, target, schema, v, 0, 0);
        }
        t.pending.add_immediate(*id, schema->stream_index);  // no ackers: acked at once
        return;
    }
    route_spout_tuple(t, s, v, id, direct);
}

void executor_core::emit_tracked(task_state& t, const detail::stream_schema* schema, int target,
                                 const values& v, message_id id) {
    // Drawn in the general path's order: the root, then the edge.
    const std::uint64_t root = _rng.next_id();
    const std::uint64_t edge = _rng.next_id();
    open_tree_for(root);
    if (!put_in_ring(t.id, target, schema, v, root, edge)) [[unlikely]] {
        send_one(t.id, target, schema, v, root, edge);
    }
    pend_tracked(t, id, schema, root, edge);
}

void executor_core::route_spout_tuple(task_state& t, stream_route& s, const values& v,
                                      const message_id* id, int direct) {
    s.stats.emitted.add();
    const detail::stream_schema* schema = s.plan->schema.get();
    if (t.debug) [[unlikely]] {
        log_emit(t, schema->stream, v);
    }
    bool track = id != nullptr && _has_ackers;
    std::uint64_t root = track ? _rng.next_id() : 0;
    if (track) {
        open_tree_for(root);
    }
    std::uint64_t xor_all = 0;
    std::uint64_t sent = 0;
    for (edge_route& e : s.edges) {
        sent += for_each_target(e, t.id, v, direct, _scratch_targets, [&](int target) {
            if (t.capture_targets != nullptr) [[unlikely]] {
                t.capture_targets->push_back(target);  // a shell spout's need_task_ids
            }
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
    s.stats.transferred.add(sent);
    if (id != nullptr) {
        pend_spout_tuple(t, *id, schema, root, xor_all);
    }
}

[[gnu::always_inline]] inline void executor_core::bolt_emit(task_state& t, stream_route& s,
                                                            std::span<const tuple* const> anchors,
                                                            const values& v, int direct) {
    if (s.fast) [[likely]] {
        // One target, nothing to log or capture: no loop over edges.
        if (_has_ackers && !anchors.empty()) {
            if (anchors.size() == 1 && tuple_access::anchor_count(*anchors[0]) == 1) [[likely]] {
                return emit_one_anchored(t, s, *anchors[0], v);  // anchored to its input
            }
            if (any_tracked(anchors)) {
                s.stats.sent_one.add();
                return send_data(t, s.pick_one_target(v), s.plan->schema.get(), anchors, v, true);
            }
        }
        return emit_one(t, s, v);
    }
    route_bolt_tuple(t, s, anchors, v, direct);
}

// bolt_emit without ackers (bolt_collector_unacked): no emit is tracked, the anchors are not
// looked at. Inline into the collector's emit.
[[gnu::always_inline]] inline void executor_core::bolt_emit_unacked(
    task_state& t, stream_route& s, std::span<const tuple* const> anchors, const values& v,
    int direct) {
    if (s.fast) [[likely]] {
        return emit_one(t, s, v);
    }
    route_bolt_tuple(t, s, anchors, v, direct);  // untracked: no ackers
}

void executor_core::route_bolt_tuple(task_state& t, stream_route& s,
                                     std::span<const tuple* const> anchors, const values& v,
                                     int direct) {
    s.stats.emitted.add();
    const detail::stream_schema* schema = s.plan->schema.get();
    if (t.debug) [[unlikely]] {
        log_emit(t, schema->stream, v);
    }
    bool track = _has_ackers && any_tracked(anchors);
    std::uint64_t sent = 0;
    for (edge_route& e : s.edges) {
        sent += for_each_target(e, t.id, v, direct, _scratch_targets, [&](int target) {
            if (t.capture_targets != nullptr) [[unlikely]] {
                t.capture_targets->push_back(target);  // a shell bolt's need_task_ids
            }
            send_data(t, target, schema, anchors, v, track);
        });
    }
    s.stats.transferred.add(sent);
}

// Inline into the collector's ack() below, as bolt_emit into do_emit: a bolt's ack is one
// virtual call, and the common ack (one anchor, merged into the held ack) makes no other call
// and keeps no stack frame (its other cases are calls in tail position).
[[gnu::always_inline]] inline void executor_core::bolt_ack(task_state& t, const tuple& in) {
    if (tuple_access::process_sampled(in)) [[unlikely]] {
        return bolt_ack_sampled(t, in);
    }
    ack_unsampled(t, in);
}

void executor_core::bolt_ack_sampled(task_state& t, const tuple& in) {
    end_process_sample(acked_input_of(t, in), in);
    ack_unsampled(t, in);
}

[[gnu::always_inline]] inline void executor_core::ack_unsampled(task_state& t, const tuple& in) {
    acked_input_of(t, in).acked.add();
    const std::uint32_t n = tuple_access::anchor_count(in);
    if (n != 1) [[unlikely]] {
        // None (untracked, or no ackers: nothing to send) or several roots.
        return bolt_ack_anchors(t, in);
    }
    const detail::anchor& a = tuple_access::anchor_at(in, 0);
    const std::uint64_t val = a.edge ^ tuple_access::ack_val(in);
    // A held ack's root (non-zero) means ackers; the merge needs no other test.
    if (_pack.ack_root == a.root && _pack.src == &t) [[likely]] {
        // The same task's ack of the same root as the last one: merged (send_ack).
        _pack.words[2 * _pack.n - 1] ^= val;
        ++_pack.merged;
        return;
    }
    if (a.root == _open.root && _open.root != 0) {  // an ack inside the spout's emit of its root
        fold_into_open(t, val);
        return;
    }
    if (_has_ackers) [[likely]] {  // only tuples of a topology with ackers have anchors
        hold_system(acker_for(a.root), message_kind::ack, a.root, val, t);  // a new entry
    }
}

void executor_core::bolt_ack_anchors(task_state& t, const tuple& in) {
    const std::uint32_t n = tuple_access::anchor_count(in);
    if (!_has_ackers || n == 0) {
        return;
    }
    std::uint64_t ack_val = tuple_access::ack_val(in);
    for (std::uint32_t i = 0; i < n; ++i) {
        const detail::anchor& a = tuple_access::anchor_at(in, i);
        send_ack(acker_for(a.root), a.root, a.edge ^ ack_val, t);
    }
}

// ---------------------------------------------------------------- collectors
// After the emit path, so that bolt_emit inlines into do_emit: a bolt's emit is one virtual
// call.

void spout_collector_impl::do_emit(std::string_view stream, const values& v, const message_id* id,
                                   int direct_task) {
    _ex->spout_emit(_t, _t.routes.resolve(stream, direct_task, _t.comp->id), v, id, direct_task);
}
void spout_collector_impl::do_emit_default(const values& v, const message_id* id, int direct_task) {
    if (stream_route* s = _t.routes.fast_default();
        s != nullptr && id == nullptr && direct_task < 0) [[likely]] {
        ++_t.emit_calls;
        return _ex->emit_one(_t, *s, v);
    }
    emit_default_general(v, id, direct_task);
}
void spout_collector_impl::emit_default_general(const values& v, const message_id* id,
                                                int direct_task) {
    _ex->spout_emit(_t, _t.routes.resolve_default(direct_task, _t.comp->id), v, id, direct_task);
}
void spout_collector_impl::report_error(std::string_view message) {
    _ex->report(_t, std::string(message));
}
std::size_t spout_collector_impl::get_pending_count() const {
    return _t.pending.size();
}
void bolt_collector_impl::do_emit(std::string_view stream, std::span<const tuple* const> anchors,
                                  const values& v, int direct_task) {
    _ex->bolt_emit(_t, _t.routes.resolve(stream, direct_task, _t.comp->id), anchors, v,
                   direct_task);
}
void bolt_collector_impl::do_emit_default(std::span<const tuple* const> anchors, const values& v,
                                          int direct_task) {
    if (stream_route* s = _t.routes.fast_default(); s != nullptr && direct_task < 0) [[likely]] {
        // Anchored to one input with one root (a bolt anchoring its output to its input): the
        // common emit of a topology with ackers. (Unanchored emits, several anchors, or one with
        // several roots take bolt_emit's path; an input that is not tracked has no anchor.)
        if (anchors.size() == 1 && tuple_access::anchor_count(*anchors[0]) == 1) [[likely]] {
            return _ex->emit_one_anchored(_t, *s, *anchors[0], v);
        }
    }
    emit_default_general(anchors, v, direct_task);
}
void bolt_collector_impl::emit_default_general(std::span<const tuple* const> anchors,
                                               const values& v, int direct_task) {
    _ex->bolt_emit(_t, _t.routes.resolve_default(direct_task, _t.comp->id), anchors, v,
                   direct_task);
}
void bolt_collector_unacked::do_emit(std::string_view stream, std::span<const tuple* const> anchors,
                                     const values& v, int direct_task) {
    _ex->bolt_emit_unacked(_t, _t.routes.resolve(stream, direct_task, _t.comp->id), anchors, v,
                           direct_task);
}
void bolt_collector_unacked::do_emit_default(std::span<const tuple* const> anchors, const values& v,
                                             int direct_task) {
    if (stream_route* s = _t.routes.fast_default(); s != nullptr && direct_task < 0) [[likely]] {
        return _ex->emit_one(_t, *s, v);
    }
    emit_default_general(anchors, v, direct_task);
}
void bolt_collector_unacked::emit_default_general(std::span<const tuple* const> anchors,
                                                  const values& v, int direct_task) {
    _ex->bolt_emit_unacked(_t, _t.routes.resolve_default(direct_task, _t.comp->id), anchors, v,
                           direct_task);
}
void bolt_collector_impl::ack(const tuple& input) {
    _ex->bolt_ack(_t, input);
}
void bolt_collector_impl::fail(const tuple& input) {
    _ex->bolt_fail(_t, input);
}
void bolt_collector_impl::report_error(std::string_view message) {
    _ex->report(_t, std::string(message));
}

void executor_core::bolt_fail(task_state& t, const tuple& in) {
    acked_input_of(t, in).failed.add();
    if (!_has_ackers) {
        return;
    }
    for (std::uint32_t i = 0; i < tuple_access::anchor_count(in); ++i) {
        std::uint64_t root = tuple_access::anchor_at(in, i).root;
        count_acking(t, message_kind::fail);
        send_system(acker_for(root), message_kind::fail, root, 0, t.id);
    }
}

// ---------------------------------------------------------------- receive path

// Inline into drain_inputs' loop: a data message costs no call of the runtime's own before the
// user's execute() (and no prologue saving registers per message).
[[gnu::always_inline]] inline bool executor_core::handle(tuple& m) {
    message_kind kind = tuple_access::kind(m);
    if (_out.overflowed() && !_is_spout) {
        // Backpressure: stop taking work until our own output has drained.
        return false;
    }
    task_state& t = *_task_index[tuple_access::dest_task(m)];
    switch (kind) {
        case message_kind::data:
            run_bolt(t, m);
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

// Inline into both callers below: the unsampled path keeps no more registers live across the
// user's execute() than it did before statistics (this, t, m).
[[gnu::always_inline]] inline void executor_core::call_execute(task_state& t, tuple& m) {
    try {
        t.bl->execute(m);
    } catch (const std::exception& e) {
        execute_threw(t, m, e.what());
    } catch (...) {
        execute_threw(t, m, nullptr);
    }
}

void executor_core::execute_threw(task_state& t, tuple& m, const char* what) {
    report(t, what != nullptr ? std::string("exception in execute: ") + what
                              : std::string("unknown exception in execute"));
    bolt_fail(t, m);
}

[[gnu::always_inline]] inline void executor_core::run_bolt(task_state& t, tuple& m) {
    input_stats& st = input_of(t, m);
    st.executed.add();
    if (t.sample.next()) [[unlikely]] {
        execute_sampled(t, st, m);
        return;
    }
    call_execute(t, m);
}

void executor_core::execute_bolt(task_state& t, tuple& m) {
    run_bolt(t, m);
}

bool executor_core::drain_inputs() {
    bool work = false;
    for (ring_t* r : _inputs) {
        // A one-line tuple's reader may read into its unwritten second line (spsc_ring).
        if (r->consume(
                512, [this](tuple& m) { return handle(m); },
                [](const tuple& m) { return tuple_access::values_end_in_first_line(m); }) > 0) {
            work = true;
        }
    }
    return work;
}

void executor_core::execute_sampled(task_state& t, input_stats& st, tuple& m) {
    const std::int64_t start = sample_clock::now_ns();
    // Process latency runs from here to the ack (Storm's definition), maybe of a later copy.
    tuple_access::mark_process_sample(m, static_cast<std::uint64_t>(start) / 1000);
    call_execute(t, m);
    st.execute_ns.add(sample_clock::elapsed_ns(start));
    st.execute_samples.add();
}

void executor_core::end_process_sample(input_stats& st, const tuple& in) {
    st.process_us.add(tuple_access::process_elapsed_us(in, sample_clock::now_us()));
    st.process_samples.add();
}

void executor_core::execute_tick(task_state& t, tuple& tick) {
    execute_bolt(t, tick);
}

// One (root, value) of an acking message to acker task `t`; a tree it completes is held for its
// spout (hold_system). Inline into apply_acker and hold_in_new_pack.
[[gnu::always_inline]] inline void executor_core::apply_acker_entry(task_state& t,
                                                                    message_kind kind,
                                                                    std::uint64_t root,
                                                                    std::uint64_t val, int source,
                                                                    bool from_ring) {
    if (_fuse_spout != nullptr && apply_fused(t, kind, root, val, from_ring)) {
        return;
    }
    if (auto done = t.acks.apply(kind, root, val, source, _now)) {
        if (from_ring) {
            if (task_state* s = _task_index[done->spout_task]; s != nullptr && s->sp != nullptr) {
                // The spout shares this thread (host_ackers): no ack_done through its ring.
                count_acking(t, done->kind);
                complete_spout_tuple(*s, done->root, done->kind == message_kind::ack_done);
                return;
            }
        }
        hold_system(done->spout_task, done->kind, done->root, 0, t);
    }
}

// Inline into apply_acker_entry.
[[gnu::always_inline]] inline bool executor_core::apply_fused(task_state& t, message_kind kind,
                                                              std::uint64_t root, std::uint64_t val,
                                                              bool from_ring) {
    task_state& s = *_fuse_spout;
    const std::size_t i = s.pending.index_of(root);
    if (i == pending_messages::npos) {
        return false;
    }
    pending_messages::message& m = s.pending.at(i);
    if (m.val == 0 || kind == message_kind::ack_init) [[unlikely]] {
        return false;  // a tree the acker's table holds
    }
    if (kind == message_kind::ack) {
        m.val ^= val;
        if (m.val != 0) {
            return true;
        }
    } else {
        m.val = 0;  // failed: done, as the table's answer once ack_init has come
    }
    const bool acked = kind == message_kind::ack;
    const message_kind done = acked ? message_kind::ack_done : message_kind::fail_done;
    if (from_ring) {
        count_acking(t, done);
        complete_spout_at(s, i, acked);
    } else {
        // Inside the spout's own calls, maybe its emit: through its ring, as the table's answer
        // (the entry, val 0 now, waits for it there).
        hold_system(s.id, done, root, 0, t);
    }
    return true;
}

// Inline into both callers below, as call_execute.
[[gnu::always_inline]] inline void executor_core::apply_acker(task_state& t, const tuple& m) {
    const message_kind kind = tuple_access::kind(m);
    const int source = m.get_source_task();
    const std::uint32_t n = tuple_access::sys_entries(m);  // 1 unless a pack
    for (std::uint32_t i = 0; i < n; ++i) {
        apply_acker_entry(t, kind, tuple_access::sys_root_at(m, i), tuple_access::sys_val_at(m, i),
                          source, true);
    }
}

void executor_core::handle_acker(task_state& t, const tuple& m) {
    // The acker acks every input once it has applied it (Storm's Acker): executed stands for
    // acked, and the execute latency for the process latency (topology_runtime::totals()).
    input_stats& st = acking_input(t, m.get_source_task(), tuple_access::kind(m));
    st.executed.add(1 + tuple_access::sys_merged(m));
    if (t.sample.next()) [[unlikely]] {
        handle_acker_sampled(t, st, m);
        return;
    }
    apply_acker(t, m);
}

void executor_core::handle_acker_sampled(task_state& t, input_stats& st, const tuple& m) {
    const std::int64_t start = sample_clock::now_ns();
    apply_acker(t, m);
    st.execute_ns.add(sample_clock::elapsed_ns(start));
    st.execute_samples.add();
}

[[gnu::always_inline]] inline void executor_core::complete_spout_tuple(task_state& t,
                                                                       std::uint64_t root,
                                                                       bool acked) {
    const std::size_t i = t.pending.index_of(root);
    if (i == pending_messages::npos) {
        return;  // already timed out and failed
    }
    complete_spout_at(t, i, acked);
}

[[gnu::always_inline]] inline void executor_core::complete_spout_at(task_state& t, std::size_t i,
                                                                    bool acked) {
    const pending_messages::message p = t.pending.take_at(i);
    message_id id{p.msg};
    output_stats& st = t.routes.streams()[p.stream].stats;
    if (acked) {
        if (p.sampled) {
            std::uint64_t ns = elapsed_ns(p.emit_ns);
            st.complete_ns.add(ns);
            st.complete_samples.add();
            t.latency.record(ns / 1000);
        }
        st.acked.add();
        guarded(_shared, t, "ack", [&] { t.sp->ack(id); });
    } else {
        st.failed.add();
        guarded(_shared, t, "fail", [&] { t.sp->fail(id); });
    }
}

void executor_core::handle_spout_done(task_state& t, const tuple& m) {
    const std::uint32_t n = tuple_access::sys_entries(m);  // 1 unless a pack
    const bool acked = tuple_access::kind(m) == message_kind::ack_done;
    for (std::uint32_t i = 0; i < n; ++i) {
        complete_spout_tuple(t, tuple_access::sys_root_at(m, i), acked);
    }
}

}  // namespace tempest::worker
