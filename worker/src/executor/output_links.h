// SPDX-License-Identifier: Apache-2.0
// output_links: the producer side of every ring one executor thread writes to, by destination
// task. A tuple is built in place in the ring's next slot (claim, fill, commit); the ring is
// published once per `batch` tuples, and the rings left with unpublished tuples are published
// by flush() at the end of the executor's pass. A full ring never blocks: the tuple goes to that
// link's overflow list and the executor is "overflowed" (backpressure: it takes no new work)
// until drain_overflow() has moved every overflowed tuple into its ring.
//
//   send(task) ─▶ link_for(task) ─▶ ring slot ──(batch full / flush)──▶ publish
//                                  └─ ring full ─▶ overflow ──(drain_overflow)──▶ ring slot
//
// Tasks in other workers have one link, to the executor's remote_stage: their tuples are staged
// as bytes (remote_stage.h), and a full stage counts as overflow until remote_io has taken from
// it (stage_taken()).
//
// Owned by its executor; every method runs on the executor's thread (the producer side of each
// ring). The rings themselves belong to the topology_runtime and outlive it.
#pragma once

#include "remote_stage.h"
#include "tempest/topology_api/tuple.h"
#include "tempest/worker/spsc_ring.h"
#include "tuple_access.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tempest::worker {

// The producer's side of one ring, plus what did not fit in it yet; or, for tasks in other
// workers, the executor's remote_stage (no ring, no overflow: the stage grows, and is full()
// past its limit).
struct out_link {
    spsc_ring<tuple>* ring = nullptr;
    remote_stage* stage = nullptr;  // remote only
    // Tuples that did not fit in the ring, oldest at overflow_head. The vector is reset (not
    // freed) once drained, so a backpressured link stops allocating after it has warmed up.
    std::vector<tuple> overflow;
    std::size_t overflow_head = 0;
    bool overflowing = false;  // overflow_head < overflow.size(), kept so (read per tuple)
    bool dirty = false;        // has unpublished tuples; listed for flush()
    bool remote = false;       // the stage for remote_io (tasks outside this worker)

    bool has_overflow() const noexcept { return overflowing; }
};

class output_links {
  public:
    // `num_tasks`: the topology's task count (task ids 1..num_tasks); `batch`: tuples a ring
    // collects before it is published (topology.producer.batch.size, >= 1).
    output_links(int num_tasks, std::uint64_t batch)
        : _task_link(static_cast<std::size_t>(num_tasks) + 1, nullptr), _batch(batch) {}

    // Wiring, before start: tuples for `tasks` go into `ring`.
    void add(spsc_ring<tuple>* ring, std::span<const int> tasks, bool remote = false) {
        auto link = std::make_unique<out_link>();
        link->ring = ring;
        link->remote = remote;
        for (int task : tasks) {
            _task_link[task] = link.get();
        }
        _links.push_back(std::move(link));
    }

    // Wiring, before start: tuples for `tasks` (in other workers) go into `stage`.
    void add_remote(remote_stage* stage, std::span<const int> tasks) {
        auto link = std::make_unique<out_link>();
        link->stage = stage;
        link->remote = true;
        // No ring: try_claim() finds none, so the emit path's one test for a full ring also
        // sends it to the stage (executor_core::put_in_ring).
        link->overflowing = true;
        for (int task : tasks) {
            _task_link[task] = link.get();
        }
        _stage = stage;
        _links.push_back(std::move(link));
    }

    // A data tuple for `l`'s stage (a remote link), as put_in_ring writes one into a ring.
    [[gnu::always_inline]] void stage_data(out_link& l, int source, int dest,
                                           const detail::stream_schema* schema, const values& v,
                                           std::uint64_t root, std::uint64_t edge) {
        l.stage->add_data(source, dest, schema, v, root, edge);
        if (l.stage->full()) [[unlikely]] {
            _overflowed = true;
        }
    }

    // The link to `task`, or null when no ring leads there (a task on this thread).
    out_link* link_for(int task) const noexcept { return _task_link[task]; }

    // `l`'s next ring slot when a tuple can go there now (the ring has room and no overflow
    // waits before it), else null (always for the remote link). A slot returned must be filled
    // and then commit()ted.
    [[gnu::always_inline]] tuple* try_claim(out_link& l) noexcept {
        return l.has_overflow() ? nullptr : l.ring->try_claim();
    }
    // Adds the slot try_claim() gave to the ring's unpublished tuples: publishes the ring once
    // `batch` tuples wait; otherwise lists it for flush().
    // `lines`: the slot's lines written (spsc_ring::commit).
    [[gnu::always_inline]] void commit(out_link& l,
                                       std::uint32_t lines = spsc_ring<tuple>::all_lines) {
        l.ring->commit(lines);
        if (l.ring->unpublished() >= _batch) {
            l.ring->publish();
        } else if (!l.dirty) {
            l.dirty = true;
            _dirty.push_back(&l);
        }
    }

    // commit() split for the common emit (executor_core::emit_one): the inline part commits
    // and returns true when nothing else is due; otherwise commit_rest(), out of line, publishes
    // or lists the link.
    [[gnu::always_inline]] bool commit_quick(out_link& l, std::uint32_t lines) noexcept {
        l.ring->commit(lines);
        return l.ring->unpublished() < _batch && l.dirty;
    }
    [[gnu::noinline]] void commit_rest(out_link& l) {
        if (l.ring->unpublished() >= _batch) {
            l.ring->publish();
        } else if (!l.dirty) {
            l.dirty = true;
            _dirty.push_back(&l);
        }
    }

    // Builds one tuple with fill(tuple&) in `l`'s next ring slot, or at the end of its overflow
    // when the ring is full or already has overflow (order is kept). Requires: !l.remote (the
    // stage takes scratch() and stage_scratch()).
    template <typename Fill>
    void send(out_link& l, Fill&& fill) {
        if (tuple* slot = try_claim(l); slot != nullptr) [[likely]] {
            fill(*slot);
            commit(l, detail::tuple_access::filled_lines(*slot));
            return;
        }
        if (!l.has_overflow()) {
            l.overflow.clear();
            l.overflow_head = 0;
        }
        fill(l.overflow.emplace_back());
        l.overflowing = true;
        _overflowed = true;
    }

    // A tuple for the remote link's stage: built in scratch(), then staged as its bytes by
    // stage_scratch(). Out of line, so that the emit path around it keeps the ring path's code.
    tuple& scratch() noexcept { return _scratch; }
    [[gnu::noinline]] void stage_scratch(out_link& l) {
        l.stage->add(_scratch);
        if (l.stage->full()) [[unlikely]] {
            _overflowed = true;
        }
    }

    // Publishes every ring with unpublished tuples (the end of a pass: nothing waits for a
    // batch to fill).
    void flush() {
        for (out_link* l : _dirty) {
            l->ring->publish();
            l->dirty = false;
        }
        _dirty.clear();
    }

    // Moves overflowed tuples into their rings while there is room, and publishes every ring.
    // Returns true when it moved any; overflowed() says whether some are left.
    bool drain_overflow() {
        bool moved = false;
        bool left = _stage != nullptr && _stage->full();
        for (auto& l : _links) {
            if (l->remote) {
                continue;  // a stage: remote_io::send_outbound empties it
            }
            while (l->overflow_head < l->overflow.size()) {
                tuple* slot = l->ring->try_claim();
                if (slot == nullptr) {
                    break;
                }
                // Swap, not move: the slot's old buffers go back to the overflow entry for reuse.
                slot->swap(l->overflow[l->overflow_head++]);
                l->ring->commit();
                moved = true;
            }
            l->overflowing = l->overflow_head < l->overflow.size();
            if (l->has_overflow()) {
                left = true;
            }
            l->ring->publish();
        }
        _overflowed = left;
        return moved;
    }

    // True while some link holds overflow, or the stage is full: the executor applies
    // backpressure.
    bool overflowed() const noexcept { return _overflowed; }

    // After remote_io::send_outbound took from the stage: no longer overflowed when that was
    // all that held it.
    void stage_taken() noexcept {
        if (_overflowed && _stage != nullptr && !_stage->full()) {
            _overflowed = false;
            for (auto& l : _links) {
                _overflowed = _overflowed || (l->has_overflow() && !l->remote);
            }
        }
    }

    // The parking re-check: true when an overflowed link's ring has room again (after the
    // executor's parker.announce(), so that a consumer freeing room later wakes it). A full
    // stage is not asked: the executor has just sent from it (stage_taken()), and room for it
    // comes as a client's wake-up (remote_io::on_room).
    bool can_drain() {
        for (auto& l : _links) {
            if (l->has_overflow() && !l->remote && l->ring->free_slots() > 0) {
                return true;
            }
        }
        return false;
    }

  private:
    std::vector<std::unique_ptr<out_link>> _links;
    std::vector<out_link*> _task_link;  // index = destination task id; null = this thread / none
    std::vector<out_link*> _dirty;
    std::uint64_t _batch;
    bool _overflowed = false;
    remote_stage* _stage = nullptr;  // the remote link's, if any
    tuple _scratch;                  // a message for the stage is built here (send())
};

}  // namespace tempest::worker
