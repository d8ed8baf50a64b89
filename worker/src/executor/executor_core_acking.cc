// SPDX-License-Identifier: Apache-2.0
// executor_core's acking (executor's thread): the acking messages a task sends (held back in
// packs, merged, or applied at once to an acker on this thread), a bolt's ack and fail, an
// acker task's messages, and a spout task's completed trees.
#include "executor/collectors.h"
#include "executor/executor_core_inline.h"
#include "executor/sample_clock.h"

namespace tempest::worker {

using detail::message_kind;
using detail::tuple_access;
using executor_detail::count_acking;
using executor_detail::elapsed_ns;

void executor_core::send_system(int target, message_kind kind, std::uint64_t root,
                                std::uint64_t val, int source_task) {
    flush_held_ack();  // the acker sees one task's messages for a root in the order sent
    send(target, [&](tuple& slot) {
        tuple_access::set_header(slot, nullptr, source_task, target, kind);
        tuple_access::set_system(slot, root, val);
    });
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

// ---------------------------------------------------------------- the collector's ack and fail
// After bolt_ack, which inlines into ack(): a bolt's ack is one virtual call.

void bolt_collector_impl::ack(const tuple& input) {
    _ex->bolt_ack(_t, input);
}
void bolt_collector_impl::fail(const tuple& input) {
    _ex->bolt_fail(_t, input);
}
void bolt_collector_impl::report_error(std::string_view message) {
    _ex->report(_t, std::string(message));
}

// ---------------------------------------------------------------- acker and spout tasks

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
