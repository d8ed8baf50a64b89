// SPDX-License-Identifier: Apache-2.0
// task_state: one task run by an executor thread — its component instance and collector, its
// routes, its statistics (stat_counters.h: per output stream in its routes, per input here) and,
// by role, a spout's pending messages or an acker's table — and the task's lifecycle around the
// user's component (build, open/prepare, activate/deactivate, close/cleanup; task_state.cc).
// Owned by the executor that runs the task (its own or, chained, its host's); touched only on
// that executor's thread, except the counters and the latency histogram, which the runtime's
// stats calls read from other threads.
#pragma once

#include "executor/acker_table.h"
#include "executor/pending_messages.h"
#include "executor/routing.h"
#include "executor/shared_state.h"
#include "executor/stat_counters.h"
#include "tempest/topology_api/collectors.h"
#include "tempest/topology_api/component.h"
#include "tempest/topology_api/component_registry.h"
#include "tempest/worker/latency_histogram.h"
#include "tempest/worker/topology_plan.h"
#include "tuple_access.h"

#include <array>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tempest::worker {

namespace multilang {
class polled_task;
}

struct task_state {
    int id = 0;
    const component_plan* comp = nullptr;
    bool chained = false;      // runs by direct calls from its producer on this thread
    bool debug = false;        // topology.debug: log every emitted tuple
    std::int64_t tick_ns = 0;  // 0 = no tick tuples
    std::int64_t next_tick = 0;
    std::unique_ptr<topology_context> ctx;
    task_routes routes;  // with each output stream's counters

    // Bolts and ackers: counters per input slot (component_plan::input_base, ::inputs).
    const std::uint32_t* input_base = nullptr;  // comp->input_base.data()
    std::unique_ptr<input_stats[]> inputs;
    // Acking messages sent (ack_init, ack, fail, ack_done, fail_done: index = kind - 1); each
    // goes to one task, so emitted and transferred are the same figure.
    std::array<counter, 5> acking_sent;
    sampler sample;                // picks the tuples whose latencies are timed
    std::uint64_t emit_calls = 0;  // spouts: emits so far (did next_tuple() emit?); own thread

    std::unique_ptr<spout> sp;
    std::unique_ptr<bolt> bl;
    std::unique_ptr<spout_output_collector> spout_out;
    std::unique_ptr<output_collector> bolt_out;

    // Shell components (multilang/): polled once per pass by the executor; and, while set, the
    // list an emit appends its target tasks to (need_task_ids). Null for every other component.
    multilang::polled_task* polled = nullptr;
    std::vector<int>* capture_targets = nullptr;

    pending_messages pending;   // spouts
    latency_histogram latency;  // spouts: complete latency of the sampled messages
    acker_table acks;           // ackers

    // The lifecycle, kept with the task when it moves to the next generation of executors
    // (topology_runtime::reassign): open()/prepare() ran; a spout's last call was activate()
    // rather than deactivate(); and `kept`, set by the runtime before it detaches the task's
    // executor (executor::detach), so that the executor's end() leaves the task open for the
    // next generation instead of closing it.
    bool opened = false;
    bool activated = false;
    bool kept = false;
};

// A task's spout or bolt built ahead of its task_state: topology_runtime::reassign builds the
// components of the tasks a worker gains before it stops any executor, so that one that cannot
// be built leaves the running worker as it was. Empty for the acker and shell components (those
// are built with their task).
struct prebuilt_component {
    std::unique_ptr<spout> sp;
    std::unique_ptr<bolt> bl;
};

// What one generation of a runtime's executors hands to the next, by task id: the tasks that
// stay in the worker (with their component instances, counters, pending messages and acker
// tables) and the components built ahead for the tasks it gains. The executor_core that runs a
// task takes its entry out.
struct task_handover {
    std::map<int, std::unique_ptr<task_state>> kept;
    std::map<int, prebuilt_component> built;
};

// The input slot of tuple `m` for task `t`. Requires: `m` is a data tuple the runtime built (a
// tick tuple included), so it has a schema.
inline input_stats& input_of(const task_state& t, const tuple& m) noexcept {
    std::uint32_t base = t.input_base[m.get_source_task()];
    return t.inputs[base + detail::tuple_access::schema(m)->stream_index];
}
// The same for a tuple a user acks or fails, which might be one it built itself (no schema:
// counted on the tick slot, source task 0).
inline input_stats& acked_input_of(const task_state& t, const tuple& m) noexcept {
    const detail::stream_schema* schema = detail::tuple_access::schema(m);
    std::uint32_t base = t.input_base[m.get_source_task()];
    return t.inputs[base + (schema != nullptr ? schema->stream_index : 0u)];
}

class executor_core;

// Builds task `id` of `comp`: its component from `registry` (or `pre`'s, when it holds one),
// its collector (forwarding to `ex`) and its routes. `self`: the plan executor whose thread runs
// the task (local_or_shuffle prefers the targets on it); `chained`: the task runs by direct
// calls from its producer. Throws what the registry throws.
std::unique_ptr<task_state> make_task_state(executor_core& ex, const topology_plan& plan,
                                            const component_plan& comp, int id, bool chained,
                                            int self, const component_registry& registry,
                                            prebuilt_component* pre = nullptr);

// Builds the spout or bolt of one task of `comp` ahead (prebuilt_component). Throws what the
// registry throws.
prebuilt_component prebuild_component(const component_plan& comp,
                                      const component_registry& registry);

// Moves a task of the previous generation to executor `ex` of `plan`, the next one, which must
// be a plan of the same topology (the same components, streams and tasks). What the user's code
// holds stays where it is: the component instance, its collector (now forwarding to `ex`) and
// its topology_context (now over `plan`'s layout, so get_this_worker_tasks() is the new list);
// so do the counters, pending messages, acker table and custom grouping instances. The plan
// pointers, the routes' targets and the chaining are rebuilt from `plan`. Requires: no thread
// runs the task.
void rebind_task_state(task_state& t, executor_core& ex, const topology_plan& plan,
                       const component_plan& comp, bool chained, int self);

// Runs fn(); an exception from the user's code becomes an error of task `t` naming `what`.
template <typename Fn>
void guarded(shared_state& shared, const task_state& t, const char* what, Fn&& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        shared.report(t.comp->id, t.id, std::string("exception in ") + what + ": " + e.what());
    } catch (...) {
        shared.report(t.comp->id, t.id, std::string("unknown exception in ") + what);
    }
}

// The start of a task on its thread: prepares its custom groupings, then open() (spouts) or
// prepare() (bolts). Errors are reported, not thrown. A no-op for a task already opened (one the
// previous generation of executors handed over).
void start_task(task_state& t, shared_state& shared);
// Spouts only (a no-op for others): activate() or deactivate(), unless that was the last call.
void set_task_active(task_state& t, bool active, shared_state& shared);
// The end of a task on its thread: deactivate() (an activated spout) and close(), or cleanup().
void stop_task(task_state& t, shared_state& shared);

}  // namespace tempest::worker
