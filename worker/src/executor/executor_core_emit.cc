// SPDX-License-Identifier: Apache-2.0
// executor_core's emit path (executor's thread): the collectors' emit, routed to ring slots or
// by a direct call into a chained task, and a spout's tracked emit (its root, its pending
// entry). The emits are inline into the collectors' virtual calls at the end of this file.
#include "executor/anchoring.h"
#include "executor/collectors.h"
#include "executor/executor_core_inline.h"
#include "tempest/common/log.h"

namespace tempest::worker {

using detail::message_kind;
using detail::tuple_access;
using executor_detail::now_ns;

namespace {

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
    // The fill inline into each of send's three paths (the chained call is the common one of a
    // chained topology); left to itself, GCC made it a call once send() moved into a header.
    // (clang-format cannot lay out an attribute after a lambda's parameters.)
    // clang-format off
    send(target, [&](tuple& slot) __attribute__((always_inline)) {
        fill_data(slot, schema, source, target, v);
        if (root == 0) {
            tuple_access::clear_anchors(slot);
        } else {
            tuple_access::set_anchor(slot, root, edge);
        }
    });
    // clang-format on
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
        return emit_one_with_id(t, s, v, *id);
    }
    route_spout_tuple(t, s, v, id, direct);
}

void executor_core::emit_one_with_id(task_state& t, stream_route& s, const values& v,
                                     message_id id) {
    s.stats.sent_one.add();
    const detail::stream_schema* schema = s.plan->schema.get();
    const int target = s.pick_one_target(v);
    if (_has_ackers) [[likely]] {
        return emit_tracked(t, schema, target, v, id);
    }
    if (!put_in_ring(t.id, target, schema, v, 0, 0)) [[unlikely]] {
        send_one(t.id, target, schema, v, 0, 0);
    }
    t.pending.add_immediate(id, schema->stream_index);  // no ackers: acked at once
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

// ---------------------------------------------------------------- collectors
// After the emit path, so that spout_emit and bolt_emit inline into do_emit: an emit is one
// virtual call.

void spout_collector_impl::do_emit(std::string_view stream, const values& v, const message_id* id,
                                   int direct_task) {
    _ex->spout_emit(_t, _t.routes.resolve(stream, direct_task, _t.comp->id), v, id, direct_task);
}
void spout_collector_impl::do_emit_default(const values& v, const message_id* id, int direct_task) {
    if (stream_route* s = _t.routes.fast_default(); s != nullptr && direct_task < 0) [[likely]] {
        ++_t.emit_calls;
        if (id == nullptr) {
            return _ex->emit_one(_t, *s, v);
        }
        return _ex->emit_one_with_id(_t, *s, v, *id);  // a reliable spout's emit
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

}  // namespace tempest::worker
