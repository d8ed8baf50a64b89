// SPDX-License-Identifier: Apache-2.0
// executor_core's inline parts that more than one of its files use (executor_core.h lists the
// files): the steady clock of pending messages, the acking counter, send(), and the fast path of
// the held acking messages. Private to executor_core_*.cc.
#pragma once

#include "executor/executor_core.h"

#include <algorithm>
#include <chrono>

namespace tempest::worker {

namespace executor_detail {

// steady_clock: a pending message's emit time, which its timeout compares with the loop's clock
// (the sampled latencies of bolts and ackers read sample_clock).
inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

inline std::uint64_t elapsed_ns(std::int64_t since) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ns() - since));
}

// Counts one acking message of `kind` sent by task `t`.
inline void count_acking(task_state& t, detail::message_kind kind) noexcept {
    t.acking_sent[static_cast<std::size_t>(kind) - 1].add();
}

}  // namespace executor_detail

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

[[gnu::always_inline]] inline void executor_core::hold_system(int target, detail::message_kind kind,
                                                              std::uint64_t root, std::uint64_t val,
                                                              task_state& src) {
    held_pack& p = _pack;
    // 1 <= n < the most a pack holds, and the same kind, source and target: appended.
    if (p.n - 1 < detail::tuple_access::sys_max_entries - 1 && p.target == target &&
        p.kind == kind && p.src == &src) [[likely]] {
        p.words[2 * p.n] = root;
        p.words[2 * p.n + 1] = val;
        ++p.n;
        p.ack_root = kind == detail::message_kind::ack ? root : 0;
        return;
    }
    hold_in_new_pack(target, kind, root, val, src);
}

[[gnu::always_inline]] inline void executor_core::count_applied_here(task_state& acker,
                                                                     task_state& src,
                                                                     detail::message_kind kind) {
    executor_detail::count_acking(src, kind);
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
    count_applied_here(*_open.acker, src, detail::message_kind::ack);
    _open.val ^= val;
}

}  // namespace tempest::worker
