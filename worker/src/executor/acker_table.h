// SPDX-License-Identifier: Apache-2.0
// acker_table: the bookkeeping of one acker task, as Storm's acker (and Heron's xor-manager):
// per spout tuple tree (root id) the XOR of every edge id seen so far. The tree is complete when
// the XOR returns to zero after the spout's ack_init, failed when any task failed it; either way
// the table answers with the message to send to the spout task and forgets the root. Entries
// older than the message timeout are dropped (the spout fails those messages by its own sweep).
//
//   ack_init(root, x0, spout) ─┐
//   ack(root, x1) ... ─────────┼─▶ val ^= x ─▶ val == 0 && init ─▶ ack_done(root) to spout
//   fail(root) ────────────────┘   failed && init ──────────────▶ fail_done(root) to spout
//
// Owned by the acker task's task_state; used only on the thread of the executor running the
// acker task. No allocation per message once the table has grown to the number of open trees.
#pragma once

#include "tempest/worker/id_map.h"
#include "tuple_access.h"

#include <cstdint>
#include <optional>

namespace tempest::worker {

class acker_table {
  public:
    // What the acker sends back when a tree is done: `kind` (ack_done or fail_done) for `root`
    // to the spout task `spout_task`.
    struct reply {
        int spout_task = 0;
        detail::message_kind kind = detail::message_kind::ack_done;
        std::uint64_t root = 0;
    };

    // Applies one message for `root`: ack_init (`val` = the XOR of the spout's edges,
    // `source_task` = the spout task), ack (`val` = edge ^ ack value) or fail (`val` unused).
    // Messages may come in any order; a root first seen at `now_ns` starts its timeout then.
    // Returns the reply once the spout's ack_init has arrived and the tree is complete or failed
    // (the root is forgotten then); nothing otherwise.
    // Requires: kind is ack_init, ack or fail; root != 0.
    std::optional<reply> apply(detail::message_kind kind, std::uint64_t root, std::uint64_t val,
                               int source_task, std::int64_t now_ns) {
        bool inserted = false;
        const std::size_t slot = _entries.slot_of(root, inserted);
        entry& e = _entries.value_at(slot);
        if (inserted) {
            e.start_ns = now_ns;
        }
        switch (kind) {
            case detail::message_kind::ack_init:
                e.val ^= val;
                e.spout_task = source_task;
                e.init = true;
                break;
            case detail::message_kind::ack:
                e.val ^= val;
                break;
            default:
                e.failed = true;
                break;
        }
        if (!e.init || (!e.failed && e.val != 0)) {
            return std::nullopt;
        }
        reply r{e.spout_task,
                e.failed ? detail::message_kind::fail_done : detail::message_kind::ack_done, root};
        _entries.erase_at(slot);  // found above: no second probe
        return r;
    }

    // Forgets every tree first seen before `cutoff_ns` (no reply: its spout has timed it out).
    void expire(std::int64_t cutoff_ns) {
        if (!_entries.empty()) {
            _entries.erase_if([&](std::uint64_t, entry& e) { return e.start_ns < cutoff_ns; });
        }
    }

    std::size_t size() const noexcept { return _entries.size(); }
    bool empty() const noexcept { return _entries.empty(); }

  private:
    struct entry {
        std::uint64_t val = 0;
        std::int64_t start_ns = 0;
        std::int32_t spout_task = 0;
        bool init = false;
        bool failed = false;
    };
    id_map<entry> _entries{64};
};

}  // namespace tempest::worker
