// SPDX-License-Identifier: Apache-2.0
// executor_core: the per-tuple half of an executor thread. It owns the thread's tasks and its
// output links, and runs everything a tuple goes through: the collectors' emit/ack/fail (route →
// ring slot, or a direct call into a chained task), and the messages taken from the input rings
// (data for bolts, acking messages for acker tasks, ack_done/fail_done for spout tasks).
//
//   collector.emit ─▶ emit_one / emit_one_anchored (stream_route::fast; untracked, or anchored
//        │              to one input with one root) ─▶ ring slot; a spout's emit with a message
//        │              id: emit_one_with_id ─▶ emit_tracked
//        │              ├ chained target ─▶ send_one
//        │              └ no room, overflow, heap-sized ─▶ emit_one_rest ─▶ put_in_ring / send_one
//        └ else ─▶ spout_emit/bolt_emit ─┬▶ emit_one(_anchored), or for a tracked spout tuple
//                 (one edge, one target) │  emit_tracked ─▶ put_in_ring, else send_one ─▶ send
//                                        └▶ route_*_tuple ─▶ for_each_target ─▶ send
//   send ─▶ output_links (ring, or its overflow) └─▶ execute_bolt (chained)
//   input rings ─▶ drain_inputs ─▶ handle ─▶ execute_bolt / handle_acker / handle_spout_done
//
// Owned by its executor (executor.h), which runs the loop around it. Built and wired on the
// runtime's thread before start; every other method runs on the executor's thread.
//
// One class in four files by concern (as rocksdb's db_impl_*.cc): executor_core.cc (building and
// wiring), executor_core_emit.cc (the emits and the collectors' emit), executor_core_acking.cc
// (acking messages, ack and fail, acker and spout tasks' messages), executor_core_receive.cc
// (the input rings and execute()); executor_core_inline.h holds what more than one of them
// inlines.
#pragma once

#include "executor/output_links.h"
#include "executor/shared_state.h"
#include "executor/task_state.h"
#include "tempest/topology_api/component_registry.h"
#include "tempest/worker/hash.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/topology_plan.h"
#include "tuple_access.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tempest::worker {

class executor_core {
  public:
    using ring_t = spsc_ring<tuple>;

    // `execs`: plan executor indices, the thread's own first, then those chained into it.
    // Builds every task's component from `registry`; throws what the registry throws. With
    // `handover` (topology_runtime::reassign), a task listed there is taken from it instead:
    // kept ones rebound (rebind_task_state), prebuilt components used.
    executor_core(shared_state& shared, const topology_plan& plan, const std::vector<int>& execs,
                  const component_registry& registry, task_handover* handover = nullptr);
    executor_core(const executor_core&) = delete;
    executor_core& operator=(const executor_core&) = delete;

    const std::vector<std::unique_ptr<task_state>>& tasks() const { return _tasks; }
    // The tasks this thread runs, chained ones included.
    std::vector<int> task_ids() const;
    // Gives up the tasks (for the next generation, or to be destroyed there). Requires: the
    // executor's thread has ended.
    std::vector<std::unique_ptr<task_state>> release_tasks();
    output_links& out() { return _out; }
    const std::vector<ring_t*>& inputs() const { return _inputs; }
    // topology.producer.batch.size: tuples per ring publication, next_tuple() calls per pass.
    std::uint64_t batch() const { return _batch; }
    // The loop's clock: a new root's start in the acker's table, a pending message's emit time
    // for its timeout.
    void set_now(std::int64_t now_ns) { _now = now_ns; }

    // ---- wiring, before start ----
    // Sends to `consumer` over `ring` (chained tasks are reached by direct calls, never through
    // a ring).
    void add_output(ring_t* ring, const executor_core& consumer);
    // Tuples for tasks outside this worker go into `stage` (remote_io sends from it).
    void add_remote_output(remote_stage* stage);
    void add_input(ring_t* ring) { _inputs.push_back(ring); }

    // Takes up to 512 messages from each input ring; true when it took any. Takes none from a
    // ring while backpressured (output overflowed), except on a spout's thread, which keeps
    // taking acks so that the spout ↔ acker cycle cannot deadlock.
    bool drain_inputs();

    // ---- called by the collectors ----
    // The common emit, inline into the collectors: an untracked tuple of a stream_route::fast
    // stream into its target's ring. What it cannot finish there (no ring or an overflow, a
    // ring to look at again or full, a batch to publish, a link to list) is a call in tail
    // position, so that the path itself saves no register. Counts the emit.
    void emit_one(task_state& t, stream_route& s, const values& v);
    // emit_one for a bolt's emit anchored to one input `a` with one root (a bolt anchoring its
    // output to its input, in a topology with ackers): tracked under a fresh edge id, which `a`
    // remembers for its ack. Requires: anchor_count(a) == 1.
    // Out of line: the collector's test and a jump.
    [[gnu::noinline]] void emit_one_anchored(task_state& t, stream_route& s, const tuple& a,
                                             const values& v);
    // emit_one for a spout's emit with message id `id` (Storm's reliable emit): tracked under a
    // fresh root when the topology has ackers (emit_tracked), else acked once next_tuple()
    // returns. Out of line: the collector's test and a jump.
    [[gnu::noinline]] void emit_one_with_id(task_state& t, stream_route& s, const values& v,
                                            message_id id);
    // An emit on stream `s` of task `t`, resolved by the caller (task_routes::resolve, or
    // resolve_default for the emits that name no stream).
    void spout_emit(task_state& t, stream_route& s, const values& v, const message_id* id,
                    int direct);
    void bolt_emit(task_state& t, stream_route& s, std::span<const tuple* const> anchors,
                   const values& v, int direct);
    // bolt_emit in a topology without ackers (bolt_collector_unacked).
    void bolt_emit_unacked(task_state& t, stream_route& s, std::span<const tuple* const> anchors,
                           const values& v, int direct);
    void bolt_ack(task_state& t, const tuple& in);
    void bolt_fail(task_state& t, const tuple& in);
    void report(const task_state& t, std::string message) {
        _shared.report(t.comp->id, t.id, std::move(message));
    }
    shared_state& shared() const noexcept { return _shared; }

    // ---- called by the loop ----
    // Sends the acking messages held back (hold_system, below), if any. The loop calls it
    // before it publishes its rings at the end of a pass, and before it parks.
    void flush_held_ack() {
        if (_pack.n != 0) {
            send_pack();
        }
    }
    // After a batch of next_tuple() calls: a tracked emit an exception left (before its
    // pend_spout_tuple) leaves its tree open; closed here, so that no later ack of that root is
    // folded (its tree has no pending entry: nothing waits for it).
    void close_open_tree() { _open.root = 0; }
    // A tick tuple for bolt task `t`, executed and counted as any input (on __system/__tick).
    void execute_tick(task_state& t, tuple& tick);

  private:
    // Builds one tuple with fill(tuple&) for `target`: in its ring's next slot, or for a chained
    // task in this depth's slot, then executes it by a direct call.
    template <typename Fill>
    void send(int target, Fill&& fill);
    // emit_one for a grouping that picks the target (no stream_route::fixed_target).
    [[gnu::noinline]] void emit_one_picked(task_state& t, stream_route& s, const values& v);
    // emit_one's path once the target is known, anchored to (root, edge) unless root is 0.
    void emit_one_to(task_state& t, const detail::stream_schema* schema, int target,
                     const values& v, std::uint64_t root, std::uint64_t edge);
    // emit_one's rest once the target is picked: put_in_ring, else send_one.
    [[gnu::noinline]] void emit_one_rest(int source, int target,
                                         const detail::stream_schema* schema, const values& v,
                                         std::uint64_t root, std::uint64_t edge);
    // The common emit: a data tuple of `source` for `target` (anchored to (root, edge) unless
    // root is 0) built in place in the next slot of the target's ring. False, doing nothing,
    // when it cannot: a chained target, or a full or overflowed ring; send_one() then.
    bool put_in_ring(int source, int target, const detail::stream_schema* schema, const values& v,
                     std::uint64_t root, std::uint64_t edge);
    void send_one(int source, int target, const detail::stream_schema* schema, const values& v,
                  std::uint64_t root, std::uint64_t edge);
    // One data tuple of task `t` for `target`, anchored to `anchors` when `track`.
    void send_data(task_state& t, int target, const detail::stream_schema* schema,
                   std::span<const tuple* const> anchors, const values& v, bool track);
    // The emits the fast path of spout_emit / bolt_emit does not take: several edges or
    // targets, tracked spout tuples, topology.debug, a shell component's capture. Each counts
    // its emit (the fast paths count theirs in output_stats::sent_one).
    void route_spout_tuple(task_state& t, stream_route& s, const values& v, const message_id* id,
                           int direct);
    void route_bolt_tuple(task_state& t, stream_route& s, std::span<const tuple* const> anchors,
                          const values& v, int direct);
    // After a spout's emit with a message id: pending until acked (root != 0: tracked, the
    // acker told its first edges' XOR by ack_init) or acked at once (root 0: no ackers).
    void pend_spout_tuple(task_state& t, message_id id, const detail::stream_schema* schema,
                          std::uint64_t root, std::uint64_t xor_all);
    // pend_spout_tuple's tracked case (root != 0).
    void pend_tracked(task_state& t, message_id id, const detail::stream_schema* schema,
                      std::uint64_t root, std::uint64_t xor_all);
    // spout_emit's one-target emit of a tracked tuple, out of line: inline, the tracking made
    // the untracked emit spill registers.
    [[gnu::noinline]] void emit_tracked(task_state& t, const detail::stream_schema* schema,
                                        int target, const values& v, message_id id);
    // An acking message sent now, after the held ones (a fail, or one hold_system cannot hold).
    void send_system(int target, detail::message_kind kind, std::uint64_t root, std::uint64_t val,
                     int source_task);
    // An acking message (ack_init, ack, ack_done, fail_done) held back to share one ring slot
    // with the next ones of the same kind from the same task to the same task (a pack of up to
    // tuple_access::sys_max_entries; the receiver applies them in order and counts each). The
    // pack is sent when full, before a message of another kind, source or target, before any
    // message send_system sends, and at the end of the pass (flush_held_ack). Only messages to
    // an executor of this worker are held (between workers a frame carries one message); others
    // go out at once. Per root, one task's messages reach the acker in the order sent.
    // Counted in src's acking_sent when the pack is sent (send_pack) or, when not held, here.
    void hold_system(int target, detail::message_kind kind, std::uint64_t root, std::uint64_t val,
                     task_state& src);
    // The acker task `target` when it runs on this thread and takes acking messages by direct
    // application (hold_in_new_pack), else null.
    task_state* local_acker(int target) const;
    // Opens _open for a tracked spout tuple's `root` (root 0 there when its acker is elsewhere).
    void open_tree_for(std::uint64_t root);
    // An ack of the open tree's root by task `src` (a bolt chained into the spout's emit):
    // counted as sent and as executed by the acker, its value kept for the ack_init.
    void fold_into_open(task_state& src, std::uint64_t val);
    // The open tree's ack_init from spout task `t`, its value `xor_all` ^ the folded acks,
    // applied to the acker's table now; closes _open.
    [[gnu::noinline]] void init_open_tree(task_state& t, std::uint64_t xor_all);
    // An ack message to `acker`. Consecutive acks of one task for one root (a bolt acking the
    // ten words of one sentence) merge into the pack's last entry, the XOR of their values,
    // counted in the pack's merged figure (the acker counts each as executed).
    void send_ack(int acker, std::uint64_t root, std::uint64_t val, task_state& src);
    // hold_system's start of a pack (out of line): sends the held one, if any, then holds this
    // message alone, or sends it at once when it cannot be held.
    [[gnu::noinline]] void hold_in_new_pack(int target, detail::message_kind kind,
                                            std::uint64_t root, std::uint64_t val, task_state& src);
    // Writes the held pack into its ring. Requires: _pack.n != 0.
    [[gnu::noinline]] void send_pack();
    // The acker of `root`: root modulo the number of ackers (no division with one acker).
    int acker_for(std::uint64_t root) const {
        const auto& a = _plan.acker_tasks();
        return a.size() == 1 ? a[0] : a[root % a.size()];
    }
    // bolt_ack of a tuple with several anchors, or none (kept out of line).
    [[gnu::noinline]] void bolt_ack_anchors(task_state& t, const tuple& in);
    // bolt_ack of a tuple whose process latency is sampled: the sample ended, then
    // ack_unsampled (kept out of line, so that the common ack keeps no stack frame).
    [[gnu::noinline]] void bolt_ack_sampled(task_state& t, const tuple& in);
    // bolt_ack but for the process latency's sample.
    void ack_unsampled(task_state& t, const tuple& in);
    // Counts `m` on its input slot and runs execute(), timed when the task's sampler picks it.
    void execute_bolt(task_state& t, tuple& m);
    // execute_bolt's body, inline into handle().
    void run_bolt(task_state& t, tuple& m);
    // The user's execute(); an exception is reported and fails the tuple.
    void call_execute(task_state& t, tuple& m);
    // What an exception out of execute() (`what`, or null for one not from std::exception)
    // leads to: reported, and the tuple failed. Out of line, off the inlined loop.
    [[gnu::noinline, gnu::cold]] void execute_threw(task_state& t, tuple& m, const char* what);
    // Sampled tuples only (kept out of line): execute() timed, the process latency's start
    // marked; and at the ack, the process latency.
    [[gnu::noinline]] void execute_sampled(task_state& t, input_stats& st, tuple& m);
    [[gnu::noinline]] static void end_process_sample(input_stats& st, const tuple& in);
    // One message from an input ring; false (not consumed) under backpressure.
    bool handle(tuple& m);
    void handle_acker(task_state& t, const tuple& m);
    void apply_acker(task_state& t, const tuple& m);
    // One acking message applied to acker task t's table. A tree it finishes goes to its spout
    // task: at once when that task runs on this thread and the message came from an input ring
    // (`from_ring`: drain_inputs, never inside the spout's own calls); otherwise held for the
    // spout (hold_system), which takes it from its ring after next_tuple() has returned.
    void apply_acker_entry(task_state& t, detail::message_kind kind, std::uint64_t root,
                           std::uint64_t val, int source, bool from_ring);
    // apply_acker_entry for a tree whose XOR lives in _fuse_spout's pending entry (val != 0
    // there): applied to that entry, and a tree it finishes completed as the table's answer
    // would be (from_ring: the spout's ack() or fail() now; otherwise through its ring). False,
    // doing nothing, for any other root.
    bool apply_fused(task_state& t, detail::message_kind kind, std::uint64_t root,
                     std::uint64_t val, bool from_ring);
    // An acking message of `kind` from task `src` applied by `acker` on this thread without a
    // ring: counted as sent by src and as executed by the acker, as if it had gone through one.
    static void count_applied_here(task_state& acker, task_state& src, detail::message_kind kind);
    // Acker task t's statistics for the messages of `kind` from task `source`.
    static input_stats& acking_input(task_state& t, int source, detail::message_kind kind) {
        return t.inputs[t.input_base[source] + static_cast<std::uint32_t>(kind) - 1];
    }
    [[gnu::noinline]] void handle_acker_sampled(task_state& t, input_stats& st, const tuple& m);
    void handle_spout_done(task_state& t, const tuple& m);
    // One tree of spout task `t` done: the spout's ack() (`acked`) or fail().
    void complete_spout_tuple(task_state& t, std::uint64_t root, bool acked);
    // complete_spout_tuple for the pending message in slot `i` (pending_messages::index_of).
    void complete_spout_at(task_state& t, std::size_t i, bool acked);

    shared_state& _shared;
    const topology_plan& _plan;
    bool _is_spout = false;  // the thread's own executor is a spout's
    bool _has_ackers = false;
    std::uint64_t _batch = 64;
    std::int64_t _now = 0;
    int _depth = 0;  // nesting of direct calls into chained tasks
    fast_random _rng;

    std::vector<std::unique_ptr<task_state>> _tasks;
    std::vector<ring_t*> _inputs;
    output_links _out;
    std::vector<task_state*> _task_index;               // index = task id; tasks run by this thread
    std::vector<std::unique_ptr<tuple>> _direct_slots;  // one per chaining depth
    std::vector<detail::anchor> _scratch_anchors;
    // The acking messages held back (hold_system): (root, value) pairs in `words`.
    struct held_pack {
        std::uint32_t n = 0;        // entries held; 0 = none
        task_state* src = nullptr;  // the task sending them
        // Kind ack: the last entry's root, which the same task's next ack of that root merges
        // into (bolt_ack); 0 otherwise.
        std::uint64_t ack_root = 0;
        std::uint32_t merged = 0;  // acks merged into entries, besides one per entry
        detail::message_kind kind = detail::message_kind::ack;
        int target = 0;
        out_link* link = nullptr;
        std::uint64_t words[2 * detail::tuple_access::sys_max_entries] = {};
    };
    held_pack _pack;
    // The tracked spout tuple whose emit runs now (from its root's draw in spout_emit to
    // pend_spout_tuple), when its acker runs on this thread; root 0 otherwise (also after an
    // emit an exception left: close_open_tree). The acks that
    // bolts chained into that emit send for the root meanwhile (a split acking its sentence)
    // are counted as sent and executed but folded into `val`, and the spout's ack_init carries
    // them: one update of the acker's table for the tree's first edges instead of one per
    // message. The acker table's answer is the same (it XORs, and completes only after
    // ack_init); a fail is not folded.
    struct open_tree {
        std::uint64_t root = 0;
        std::uint64_t val = 0;
        task_state* acker = nullptr;
    };
    open_tree _open;
    // The one spout task of this thread when an acker runs here too, else null. A tree of that
    // spout whose acker is here and that is still open after its ack_init keeps its XOR in the
    // spout's pending entry rather than in the acker's table: one table, one insert and one
    // lookup-and-erase per tree instead of two (pend_spout_tuple, apply_fused).
    task_state* _fuse_spout = nullptr;
    std::vector<int> _scratch_targets;
};

}  // namespace tempest::worker
