// SPDX-License-Identifier: Apache-2.0
// pending_messages: one spout task's messages in flight. With ackers, each message emitted with
// an id waits here under its root id until the acker's ack_done/fail_done, or until the periodic
// sweep finds it older than the message timeout (then it fails). Without ackers a message counts
// as acked once next_tuple() has returned ("immediate acks", at-most-once). Also what
// topology.max.spout.pending limits.
//
// Owned by the spout task's task_state; used only on the thread of the executor running the
// spout. The callbacks it makes (ack/fail of the user's spout, through the caller) may emit, and
// so add messages: every method below allows that.
#pragma once

#include "tempest/topology_api/collectors.h"
#include "tempest/worker/id_map.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace tempest::worker {

class pending_messages {
  public:
    struct message {
        std::uint64_t msg = 0;     // the spout's message id
        std::int64_t emit_ns = 0;  // when it was emitted (complete latency, timeout)
        std::uint32_t stream = 0;  // index of the stream it was emitted on (its stats)
        bool sampled = false;      // its complete latency is measured
        // Non-zero: the tree's XOR, kept here instead of in its acker's table (an acker on the
        // spout's thread, executor_core::pend_spout_tuple); 0 for a tree an acker table holds.
        std::uint64_t val = 0;
    };
    // A message acked without an acker.
    struct immediate {
        message_id id;
        std::uint32_t stream = 0;
    };

    // `max_pending`: the most messages in flight (topology.max.spout.pending); 0 = unbounded.
    explicit pending_messages(std::int64_t max_pending = 0) : _max_pending(max_pending) {}

    // A message emitted with id `msg` on stream index `stream` under `root` (tracked by an
    // acker); `sampled`: its complete latency is to be measured.
    // `val`: see message::val.
    void add(std::uint64_t root, std::uint64_t msg, std::int64_t now_ns, std::uint32_t stream = 0,
             bool sampled = false, std::uint64_t val = 0) {
        _pending.get_or_insert(root) = {msg, now_ns, stream, sampled, val};
    }
    // The message of `root`, removed; nothing when it is not pending (it has timed out already).
    std::optional<message> complete(std::uint64_t root) {
        const std::size_t i = _pending.index_of(root);
        if (i == npos) {
            return std::nullopt;
        }
        return take_at(i);  // found above: no second probe
    }
    // By slot, for a caller that looks at a message before it completes it (one probe): the slot
    // of `root`'s message or npos, the message there, and that message removed. A slot stays
    // valid until the next add or removal.
    static constexpr std::size_t npos = id_map<message>::npos;
    std::size_t index_of(std::uint64_t root) const noexcept { return _pending.index_of(root); }
    message& at(std::size_t i) noexcept { return _pending.value_at(i); }
    message take_at(std::size_t i) noexcept {
        message m = _pending.value_at(i);
        _pending.erase_at(i);
        return m;
    }
    // Messages tracked by ackers and not yet completed.
    std::size_t size() const noexcept { return _pending.size(); }
    // True when the spout may not emit more: max_pending reached.
    bool full() const noexcept {
        return _max_pending > 0 && static_cast<std::int64_t>(_pending.size()) >= _max_pending;
    }

    // Removes every message emitted before `cutoff_ns`, then calls fail(const message&) for
    // each (after removing all, so that fail may emit).
    template <typename Fail>
    void expire(std::int64_t cutoff_ns, Fail&& fail) {
        if (_pending.empty()) {
            return;
        }
        _expired.clear();
        _pending.erase_if([&](std::uint64_t, message& p) {
            if (p.emit_ns < cutoff_ns) {
                _expired.push_back(p);
                return true;
            }
            return false;
        });
        for (const message& m : _expired) {
            fail(m);
        }
    }

    // No ackers: `id`, emitted on stream index `stream`, is acked at the end of this
    // next_tuple() batch.
    void add_immediate(message_id id, std::uint32_t stream = 0) {
        _immediate.push_back({id, stream});
    }
    // Calls ack(const immediate&) for every immediate ack, including those added by ack itself,
    // then forgets them.
    template <typename Ack>
    void ack_immediate(Ack&& ack) {
        if (_immediate.empty()) {
            return;
        }
        for (std::size_t i = 0; i < _immediate.size(); ++i) {
            immediate m = _immediate[i];
            ack(m);
        }
        _immediate.clear();
    }
    std::size_t immediate_count() const noexcept { return _immediate.size(); }

  private:
    id_map<message> _pending{64};
    std::vector<immediate> _immediate;
    std::vector<message> _expired;  // the sweep's scratch
    std::int64_t _max_pending = 0;
};

}  // namespace tempest::worker
