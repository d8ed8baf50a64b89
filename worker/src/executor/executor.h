// SPDX-License-Identifier: Apache-2.0
// executor: one executor thread of a topology_runtime. It runs the tasks of one plan executor,
// plus the tasks of the executors chained into it (topology_plan::chain), which it calls
// directly. Its concerns live in parts of their own, each with its own unit tests:
//   routing.h          which tasks an emitted tuple goes to (task_routes, for_each_target)
//   output_links.h     the rings it writes, batching, overflow and backpressure
//   pending_messages.h a spout task's messages in flight and their timeout sweep
//   acker_table.h      an acker task's XOR bookkeeping
// What is left here is the glue: the collectors' calls (executor_emit.cc) and the loop with
// its timers, activation and idle parking (executor.cc).
//
// Why one executor type rather than spout / bolt / acker executors: a role belongs to a task,
// not to a thread. A spout's thread also runs the bolts chained into it, and every thread takes
// any message kind from its input rings (data for its bolts, acks for its acker tasks, ack_done
// for its spouts), so the dispatch is per message and per task, which task_state already
// carries. Separate types would need the same mix inside each of them.
//
// Owned by the topology_runtime. Lifecycle: constructed (tasks built) and wired (add_*) on the
// runtime's thread before start; run() on its own thread until shared_state::stop; the tasks'
// close()/cleanup() run at the end of run(). The collectors call back into it on that thread.
#pragma once

#include "executor/output_links.h"
#include "executor/shared_state.h"
#include "executor/task_state.h"
#include "tempest/topology_api/component_registry.h"
#include "tempest/worker/hash.h"
#include "tempest/worker/parker.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/topology_plan.h"
#include "tuple_access.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tempest::worker {

class executor {
  public:
    using ring_t = spsc_ring<tuple>;

    // `execs`: plan executor indices, the thread's own first, then those chained into it.
    // Builds every task's component from `registry`; throws what the registry throws.
    executor(shared_state& shared, const topology_plan& plan, std::vector<int> execs,
             const component_registry& registry);
    executor(const executor&) = delete;
    executor& operator=(const executor&) = delete;

    parker& park() { return _park; }
    const component_plan& comp() const { return _comp; }
    std::uint64_t seen_epoch() const { return _seen_epoch.load(std::memory_order_acquire); }
    const std::vector<std::unique_ptr<task_state>>& tasks() const { return _tasks; }
    // The tasks this thread runs, chained ones included.
    std::vector<int> task_ids() const;

    // ---- wiring, before start ----
    // This executor sends to `consumer` over `ring` (chained tasks are reached by direct calls,
    // never through a ring).
    void add_output(ring_t* ring, const executor& consumer);
    // Tuples for tasks outside this worker go into `ring` (remote_io).
    void add_remote_output(ring_t* ring);
    void add_input(ring_t* ring) { _inputs.push_back(ring); }

    // The thread's body: starts the tasks, loops until shared_state::stop, stops the tasks.
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
    // ---- the emit path (executor_emit.cc) ----
    // Builds one tuple with fill(tuple&) for `target`: in its ring's next slot, or for a chained
    // task in this depth's slot, then executes it by a direct call.
    template <typename Fill>
    void send(int target, Fill&& fill);
    void send_system(int target, detail::message_kind kind, std::uint64_t root, std::uint64_t val,
                     int source_task);
    int acker_for(std::uint64_t root) const {
        const auto& a = _plan.acker_tasks();
        return a[root % a.size()];
    }
    task_state& task(int id) { return *_task_index[id]; }
    void execute_bolt(task_state& t, tuple& m);
    // Takes up to 512 messages from each input ring; true when it took any. With handle() in
    // the same file, so that the ring's consume loop inlines it.
    bool drain_inputs();
    // One message from an input ring; false (not consumed) under backpressure.
    bool handle(tuple& m);
    void handle_acker(task_state& t, const tuple& m);
    void handle_spout_done(task_state& t, const tuple& m);

    // ---- the loop (executor.cc) ----
    bool run_spouts();
    void timers();
    void apply_control();
    void idle_wait();
    void start_tasks();
    void stop_tasks();
    // Runs fn(); an exception from the user's code becomes a reported error naming `what`.
    template <typename Fn>
    void guarded(task_state& t, const char* what, Fn&& fn) {
        worker::guarded(_shared, t, what, std::forward<Fn>(fn));
    }

    shared_state& _shared;
    const topology_plan& _plan;
    const component_plan& _comp;  // of the thread's own executor
    bool _is_spout = false;
    bool _has_ackers = false;
    bool _active = false;
    std::int64_t _timeout_ns = 0;
    std::int64_t _spout_wait_ns = 0;
    std::uint64_t _batch = 64;
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
    output_links _out;
    std::vector<task_state*> _task_index;               // index = task id; tasks run by this thread
    std::vector<std::unique_ptr<tuple>> _direct_slots;  // one per chaining depth
    std::vector<detail::anchor> _scratch_anchors;
    std::vector<int> _scratch_targets;
};

}  // namespace tempest::worker
