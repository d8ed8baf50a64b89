// SPDX-License-Identifier: Apache-2.0
// executor_core: building the tasks and wiring, on the runtime's thread before the executor
// starts. The per-tuple paths on the executor's thread are in executor_core_emit.cc,
// executor_core_acking.cc and executor_core_receive.cc.
#include "executor/executor_core.h"

#include "executor/config_defaults.h"
#include "executor/sample_clock.h"

#include <algorithm>
#include <random>
#include <utility>

namespace tempest::worker {

executor_core::executor_core(shared_state& shared, const topology_plan& plan,
                             const std::vector<int>& execs, const component_registry& registry,
                             task_handover* handover)
    : _shared(shared),
      _plan(plan),
      _is_spout(plan.components()[plan.executors()[execs.front()].component].is_spout),
      _has_ackers(!plan.acker_tasks().empty()),
      _batch(static_cast<std::uint64_t>(
          std::max<std::int64_t>(1, conf_int(plan.conf(), config::topology_producer_batch_size)))),
      _rng(std::random_device{}() ^ (static_cast<std::uint64_t>(execs.front()) << 32)),
      _out(plan.num_tasks(), _batch),
      _task_index(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr) {
    sample_clock::calibrate();  // before any sampled tuple; once per process
    int self = execs.front();
    for (int ei : execs) {
        const executor_plan& ep = plan.executors()[ei];
        const component_plan& comp = plan.components()[ep.component];
        // Called directly by its producer on this thread; an acker hosted here is not (it takes
        // its messages from the rings, or at once from this thread: hold_in_new_pack).
        const bool chained = ei != self && !comp.is_acker;
        for (int id = ep.first_task; id <= ep.last_task; ++id) {
            std::unique_ptr<task_state> t;
            prebuilt_component* pre = nullptr;
            if (handover != nullptr) {
                if (auto kept = handover->kept.find(id); kept != handover->kept.end()) {
                    t = std::move(kept->second);
                    handover->kept.erase(kept);
                    rebind_task_state(*t, *this, plan, comp, chained, self);
                } else if (auto built = handover->built.find(id); built != handover->built.end()) {
                    pre = &built->second;
                }
            }
            if (!t) {
                t = make_task_state(*this, plan, comp, id, chained, self, registry, pre);
            }
            _task_index[id] = t.get();
            _tasks.push_back(std::move(t));
        }
    }
    // The one spout task here, when an acker runs here too: its trees' XOR may live in its
    // pending table (pend_spout_tuple, apply_fused).
    int spouts = 0;
    bool acker = false;
    task_state* spout = nullptr;
    for (const auto& t : _tasks) {
        if (t->sp != nullptr) {
            ++spouts;
            spout = t.get();
        }
        acker = acker || t->comp->is_acker;
    }
    _fuse_spout = spouts == 1 && acker ? spout : nullptr;
}

std::vector<std::unique_ptr<task_state>> executor_core::release_tasks() {
    std::fill(_task_index.begin(), _task_index.end(), nullptr);
    _fuse_spout = nullptr;
    return std::exchange(_tasks, {});
}

std::vector<int> executor_core::task_ids() const {
    std::vector<int> ids;
    for (const auto& t : _tasks) {
        ids.push_back(t->id);
    }
    return ids;
}

void executor_core::add_output(ring_t* ring, const executor_core& consumer) {
    std::vector<int> tasks;
    for (const auto& t : consumer._tasks) {
        if (!t->chained) {
            tasks.push_back(t->id);
        }
    }
    _out.add(ring, tasks);
}

void executor_core::add_remote_output(remote_stage* stage) {
    std::vector<int> tasks;
    for (int task = 1; task <= _plan.num_tasks(); ++task) {
        if (!_plan.in_worker(task)) {
            tasks.push_back(task);
        }
    }
    _out.add_remote(stage, tasks);
}

}  // namespace tempest::worker
