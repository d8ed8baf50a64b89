// SPDX-License-Identifier: Apache-2.0
// task_state: one task run by an executor thread — its component instance and collector, its
// routes, its counters and, by role, a spout's pending messages or an acker's table — and the
// task's lifecycle around the user's component (build, open/prepare, activate/deactivate,
// close/cleanup; task_state.cc). Owned by the executor that runs the task (its own or, chained,
// its host's); touched only on that executor's thread, except the counters and the latency
// histogram, which the runtime's stats calls read from other threads.
#pragma once

#include "executor/acker_table.h"
#include "executor/pending_messages.h"
#include "executor/routing.h"
#include "executor/shared_state.h"
#include "tempest/topology_api/collectors.h"
#include "tempest/topology_api/component.h"
#include "tempest/topology_api/component_registry.h"
#include "tempest/worker/latency_histogram.h"
#include "tempest/worker/topology_plan.h"

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

namespace tempest::worker {

// A counter written by one thread and read by others: a relaxed load and store, no lock prefix.
struct counter {
    std::atomic<std::uint64_t> v{0};
    void add(std::uint64_t n = 1) noexcept {
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
};

struct task_state {
    int id = 0;
    const component_plan* comp = nullptr;
    bool chained = false;      // runs by direct calls from its producer on this thread
    bool debug = false;        // topology.debug: log every emitted tuple
    std::int64_t tick_ns = 0;  // 0 = no tick tuples
    std::int64_t next_tick = 0;
    std::unique_ptr<topology_context> ctx;
    task_routes routes;

    counter emitted, executed, acked, failed;

    std::unique_ptr<spout> sp;
    std::unique_ptr<bolt> bl;
    std::unique_ptr<spout_output_collector> spout_out;
    std::unique_ptr<output_collector> bolt_out;

    pending_messages pending;   // spouts
    latency_histogram latency;  // spouts: complete latency
    acker_table acks;           // ackers
};

class executor_core;

// Builds task `id` of `comp`: its component from `registry`, its collector (forwarding to `ex`)
// and its routes. `self`: the plan executor whose thread runs the task (local_or_shuffle prefers
// the targets on it); `chained`: the task runs by direct calls from its producer. Throws what
// the registry throws.
std::unique_ptr<task_state> make_task_state(executor_core& ex, const topology_plan& plan,
                                            const component_plan& comp, int id, bool chained,
                                            int self, const component_registry& registry);

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
// prepare() (bolts). Errors are reported, not thrown.
void start_task(task_state& t, shared_state& shared);
// Spouts only (a no-op for others): activate() or deactivate().
void set_task_active(task_state& t, bool active, shared_state& shared);
// The end of a task on its thread: deactivate() (an active spout) and close(), or cleanup().
void stop_task(task_state& t, bool active, shared_state& shared);

}  // namespace tempest::worker
