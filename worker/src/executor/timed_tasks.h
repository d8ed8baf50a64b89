// SPDX-License-Identifier: Apache-2.0
// timed_tasks: the tasks of one executor whose bolt is also driven by time
// (detail::timed_component: the windowed bolt adapter's duration triggers and watermarks), and
// when each next wants its on_timer(). The executor's loop runs them from timers() and parks no
// longer than the earliest due time, so time-driven windows need no thread of their own.
// Ordinary bolts are not in the list: an executor without timed tasks pays one compare per pass.
// Owned by its executor; collect() on the runtime's thread before start, everything else on the
// executor's thread.
#pragma once

#include "executor/task_state.h"
#include "tempest/topology_api/windowing.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace tempest::worker {

class timed_tasks {
  public:
    // Finds the tasks whose bolt implements detail::timed_component.
    void collect(const std::vector<std::unique_ptr<task_state>>& tasks) {
        _entries.clear();
        for (const auto& tp : tasks) {
            if (auto* t = dynamic_cast<detail::timed_component*>(tp->bl.get())) {
                _entries.push_back({tp.get(), t, -1});
            }
        }
    }
    bool empty() const noexcept { return _entries.empty(); }

    // After the tasks' prepare(): asks each when it first wants on_timer().
    void start(std::int64_t now_ns, shared_state& shared) {
        for (entry& e : _entries) {
            schedule(e, now_ns, shared);
        }
        recompute();
    }

    // Runs the on_timer() of every task that is due at `now_ns`. Cheap when none is.
    void run(std::int64_t now_ns, shared_state& shared) {
        if (_next < 0 || now_ns < _next) {
            return;
        }
        for (entry& e : _entries) {
            if (e.due >= 0 && now_ns >= e.due) {
                guarded(shared, *e.task, "window timer", [&] { e.timer->on_timer(); });
                schedule(e, now_ns, shared);
            }
        }
        recompute();
    }

    // The earliest due time (steady clock, ns), or -1 when no task wants a call.
    std::int64_t next_due_ns() const noexcept { return _next; }

  private:
    struct entry {
        task_state* task;
        detail::timed_component* timer;
        std::int64_t due;  // -1: never
    };

    void schedule(entry& e, std::int64_t now_ns, shared_state& shared) {
        std::int64_t ms = -1;
        guarded(shared, *e.task, "window timer", [&] { ms = e.timer->next_timer_ms(); });
        e.due = ms < 0 ? -1 : now_ns + ms * 1'000'000;
    }
    void recompute() {
        _next = -1;
        for (const entry& e : _entries) {
            if (e.due >= 0 && (_next < 0 || e.due < _next)) {
                _next = e.due;
            }
        }
    }

    std::vector<entry> _entries;
    std::int64_t _next = -1;
};

}  // namespace tempest::worker
