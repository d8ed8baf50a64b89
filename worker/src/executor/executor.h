// SPDX-License-Identifier: Apache-2.0
// executor: one executor thread of a topology_runtime. It runs the tasks of one plan executor,
// plus the tasks of the executors chained into it (topology_plan::chain), which it calls
// directly. Its concerns live in parts of their own, each with its own unit tests:
//   routing.h          which tasks an emitted tuple goes to (task_routes, for_each_target)
//   output_links.h     the rings it writes, batching, overflow and backpressure
//   pending_messages.h a spout task's messages in flight and their timeout sweep
//   acker_table.h      an acker task's XOR bookkeeping; anchoring.h the emitting side of it
//   task_state.h       a task and its lifecycle (build, open/prepare, activate, close)
// executor_core.h joins them on the per-tuple path; this class is the loop around the core:
// activation, input, spouts' next_tuple, backpressure drain, flush, timers (message timeouts,
// acker expiry, tick tuples) and idle parking.
//
// Why one executor type rather than spout / bolt / acker executors: a role belongs to a task,
// not to a thread. A spout's thread also runs the bolts chained into it, and every thread takes
// any message kind from its input rings (data for its bolts, acks for its acker tasks, ack_done
// for its spouts), so the dispatch is per message and per task, which task_state already
// carries. Separate types would need the same mix inside each of them.
//
// Owned by the topology_runtime. Lifecycle: constructed (tasks built) and wired (add_*) on the
// runtime's thread before start; run() on its own thread until shared_state::stop (or detach(),
// which hands the tasks marked kept to the next generation of executors); the tasks'
// close()/cleanup() run at the end of run(). park(), comp(), seen_epoch(), backpressure_ns(),
// idle_ns(), the queue figures, tasks()' counters and detach() may be used from the runtime's
// thread at any time.
#pragma once

#include "executor/executor_core.h"
#include "executor/shared_state.h"
#include "executor/task_state.h"
#include "executor/timed_tasks.h"
#include "tempest/topology_api/component_registry.h"
#include "tempest/worker/parker.h"
#include "tempest/worker/topology_plan.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace tempest::worker {

class remote_io;
struct remote_outbound;

class executor {
  public:
    using ring_t = executor_core::ring_t;

    // `execs`: plan executor indices, the thread's own first, then those chained into it.
    // Builds every task's component from `registry`; throws what the registry throws.
    // `handover`: tasks the previous generation hands over (executor_core's constructor).
    executor(shared_state& shared, const topology_plan& plan, const std::vector<int>& execs,
             const component_registry& registry, task_handover* handover = nullptr);
    executor(const executor&) = delete;
    executor& operator=(const executor&) = delete;

    parker& park() { return _park; }
    const component_plan& comp() const { return _comp; }
    std::uint64_t seen_epoch() const { return _seen_epoch.load(std::memory_order_acquire); }
    const std::vector<std::unique_ptr<task_state>>& tasks() const { return _core.tasks(); }
    // The tasks this thread runs, chained ones included.
    std::vector<int> task_ids() const { return _core.task_ids(); }
    // Nanoseconds this thread has spent backpressured (its output overflowed: it took no new
    // work), counted at the end of each pass. Any thread.
    std::uint64_t backpressure_ns() const { return _bp_ns.get(); }
    // Nanoseconds this thread has spent idle: in passes that found nothing to do (no input,
    // nothing a spout emitted, or held back by backpressure) and waiting between them. Counted
    // from pass ends with the clock the pass reads anyway (and once after a park), so the spins
    // before a pass that finds work count as busy: a few microseconds per idle spell. Any thread.
    // A park in progress counts up to the call, so a thread parked for a second reads idle for it.
    std::uint64_t idle_ns() const;
    // Tuples waiting in its input rings, and their capacity. Any thread (approximate).
    std::uint64_t queue_population() const;
    std::uint64_t queue_capacity() const;

    // ---- wiring, before start ----
    // This executor sends to `consumer` over `ring`.
    void add_output(ring_t* ring, const executor& consumer) {
        _core.add_output(ring, consumer._core);
    }
    // Tuples for tasks outside this worker go into `out`'s ring, and this thread hands them to
    // `io`'s connections at the end of each pass (remote_io::send_outbound).
    void add_remote_output(remote_io& io, remote_outbound& out);
    void add_input(ring_t* ring) { _core.add_input(ring); }

    // The thread's body: begin(), then pass() until shared_state::stop (waiting, spinning
    // then parking, after a pass that did nothing), then end().
    void run();

    // ---- run()'s parts, which tests drive one step at a time on a single thread ----
    // Opens/prepares the tasks and activates the spouts of an active topology.
    void begin();
    // One pass of the loop without waiting: activation changes, input, the spouts'
    // next_tuple (unless backpressured or at max pending), overflow drain, flush, timers.
    // True when it moved any tuple.
    bool pass();
    // Flushes and closes/cleans up the tasks (after detach(), only those not marked kept).
    void end();

    // ---- a change of the worker's executors (topology_runtime::reassign), runtime's thread ----
    // Ends run() after the current pass as shared_state::stop does, but end() then leaves the
    // tasks marked task_state::kept open for the next generation of executors. Mark the tasks
    // before calling it.
    void detach() {
        _detach.store(true, std::memory_order_release);
        _park.wake();
    }
    // The tasks, kept and closed ones alike. Requires: run() has returned (thread joined).
    std::vector<std::unique_ptr<task_state>> release_tasks() { return _core.release_tasks(); }

  private:
    bool run_spouts();
    // The shell components' replies (multilang/): once per pass, only for their tasks.
    bool poll_tasks();
    void timers();
    void apply_control();
    void idle_wait();
    // Some task tracks messages that can time out (a spout's pending, an acker's entries): the
    // sweep in timers() has work. Requires: the executor's thread.
    bool awaits_expiry() const;
    void account_backpressure();
    // Counts the time from _mark to `now` as idle, and moves _mark there.
    void add_idle(std::int64_t now) {
        _idle_word.store(_idle_word.load(std::memory_order_relaxed) + 2 * (now - _mark),
                         std::memory_order_relaxed);
        _mark = now;
    }
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
    executor_core _core;
    bool _is_spout = false;
    bool _active = false;
    std::int64_t _timeout_ns = 0;
    std::int64_t _spout_wait_ns = 0;
    std::int64_t _now = 0;
    std::int64_t _next_sweep = 0;
    std::int64_t _next_tick = 0;  // earliest next_tick of the tasks with tick tuples
    int _idle = 0;
    std::int64_t _bp_since = 0;  // pass end at which the output was overflowed; 0 = it was not
    counter _bp_ns;
    std::int64_t _mark = 0;  // the clock up to which this thread's time is accounted
    // The thread's idle nanoseconds so far, doubled, in one word a reader loads at once: even,
    // 2 x the total while it runs; odd while it is parked, 2 x (the total at the park's start
    // minus that start) + 1, so that the reader adds its own clock (idle_ns()). Written only
    // by the executor's thread.
    std::atomic<std::int64_t> _idle_word{0};
    std::vector<task_state*> _polled;  // tasks with a polled_task; empty for C++ components
    timed_tasks _timed;                // windowed bolts' time-driven triggers (timed_tasks.h)
    parker _park;
    remote_io* _remote_io = nullptr;  // a cluster worker's; null in local mode
    remote_outbound* _remote = nullptr;
    std::atomic<std::uint64_t> _seen_epoch{0};
    std::atomic<bool> _detach{false};
};

}  // namespace tempest::worker
