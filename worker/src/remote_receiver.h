// SPDX-License-Identifier: Apache-2.0
// remote_receiver: puts the tuples a worker receives from its peers into its executors' rings,
// on the transport server's I/O thread (its strand of the worker's I/O pool: one handler at a
// time, whichever pool thread runs it), as Storm's network thread does
// (WorkerState.transferLocalBatch): straight into the ring when it has room, else into that
// executor's overflow, retried before anything newer for it.
//
//   tcp_server I/O thread ── on_batch(connection, tuples) ──▶ ring of the task's executor
//                                      │ ring full (or overflow not empty)
//                                      ▼
//                          per-executor overflow ── retry() ──▶ ring
//
// One full executor so never holds up tuples for the others, and the I/O thread never waits on
// an executor (two workers sending to each other would wait on each other forever). The credit
// for a tuple is owed to the connection it came by once it is in its executor's ring (or
// dropped), not when it is read: a sender can thus have at most a window per task held here
// beyond the rings (credit_ledger.h). Tuples for tasks that do not run here (a sender with a
// stale assignment) and credit grants (they travel the other way) are dropped and counted.
//
// Owned by remote_io. Wired (add_inbound) before the server starts; after that every call but
// the counters is made on the server's I/O thread, the only producer of the inbound rings.
#pragma once

#include "credit_ledger.h"
#include "tempest/topology_api/tuple.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/transport/frame.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tempest::worker {

class remote_receiver {
  public:
    using ring_t = spsc_ring<tuple>;

    // Task ids are below `task_limit`; `credit_window` is the senders' window; grants go out
    // through `grant`.
    remote_receiver(std::uint32_t task_limit, std::uint32_t credit_window,
                    credit_ledger::grant_fn grant);
    remote_receiver(const remote_receiver&) = delete;
    remote_receiver& operator=(const remote_receiver&) = delete;

    // Wiring, before any frame: tuples for `tasks` go into `ring` (this is its only producer).
    void add_inbound(ring_t* ring, const std::vector<int>& tasks);

    // ---- the server's I/O thread ----
    // Takes one decoded frame's tuples (by swapping: the batch keeps the slots' old buffers)
    // into the rings or overflows, publishes the rings and grants the credits that are due.
    // Requires: every tuple's dest task is below task_limit (the decoder checks it).
    void on_batch(std::uint32_t connection, std::span<tuple> tuples);
    // The same for one frame body, decoded message by message straight into the ring slot (or
    // overflow entry) of its destination's executor: no batch and no copy. Returns what was
    // wrong with the frame (the server closes that connection); the messages before the fault
    // are delivered and owed for as usual.
    transport::frame_error on_frame(std::uint32_t connection, std::span<const std::byte> body,
                                    const transport::schema_table& schemas);
    // Moves overflowed tuples into rings that have room now, publishes and grants what is due.
    // Returns how many it moved.
    std::size_t retry();
    // Of the rings the last retry() refilled and left full (their overflow still holds
    // tuples), the largest share it refilled, in percent: how much of its ring that executor
    // took since the previous drain. 0 when none.
    unsigned last_refill_percent() const noexcept { return _refill_percent; }
    // Grants every credit owed now (the receiver is between bursts).
    void grant_all();
    // The connection closed: nothing more is owed to it.
    void on_close(std::uint32_t connection) { _ledger.forget(connection); }
    // Tuples in overflows.
    std::size_t held() const noexcept { return _held; }
    bool owes() const noexcept { return _ledger.owes(); }

    // ---- any thread ----
    std::uint64_t received() const noexcept { return _received.load(std::memory_order_relaxed); }
    std::uint64_t dropped() const noexcept { return _dropped.load(std::memory_order_relaxed); }
    std::uint64_t credits_granted() const noexcept {
        return _credits_granted.load(std::memory_order_relaxed);
    }

  private:
    struct inbound {
        ring_t* ring = nullptr;
        // Tuples waiting for room, `count` of them from the oldest at `head`, in a circle whose
        // size is zero or a power of two, and the connection each came by. The slots are reused
        // with their buffers (a tuple is decoded into one and later swapped into the ring): it
        // grows, never shrinks, and is bounded by the credits peers may use.
        std::vector<tuple> overflow;
        std::vector<std::uint32_t> origin;
        std::size_t head = 0;
        std::size_t count = 0;
        bool dirty = false;  // committed slots not yet published
        bool has_overflow() const noexcept { return count > 0; }
        // The slot the next overflowed tuple is written into; push() adds it to the overflow.
        tuple& next_slot() {
            if (count == overflow.size()) {
                grow();
            }
            return overflow[(head + count) & (overflow.size() - 1)];
        }
        void push(std::uint32_t connection) noexcept {
            origin[(head + count) & (overflow.size() - 1)] = connection;
            ++count;
        }
        void grow();
    };
    // Moves what fits of `in`'s overflow into its ring. Returns how many.
    std::size_t drain(inbound& in);
    void publish();
    void grant(bool all);
    // Drains every overflow (older tuples first, before a new frame's).
    void drain_all();
    // Owes for a tuple the receiver will not deliver and warns now and then.
    void drop(std::uint32_t connection, std::uint32_t task, bool stray_grant);

    credit_ledger _ledger;
    std::vector<std::unique_ptr<inbound>> _inbound;
    std::vector<inbound*> _task_inbound;  // index = task id; null = not in this worker
    std::size_t _held = 0;
    unsigned _refill_percent = 0;
    transport::frame_reader _reader;
    tuple _scratch;  // a dropped message is decoded (checked) here

    std::atomic<std::uint64_t> _received{0};
    std::atomic<std::uint64_t> _dropped{0};
    std::atomic<std::uint64_t> _credits_granted{0};
};

}  // namespace tempest::worker
