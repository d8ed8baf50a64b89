// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/topology_plan.h"

#include "tempest/common/task_layout.h"

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>

namespace tempest::worker {

int component_plan::stream_index(std::string_view stream) const {
    for (std::size_t i = 0; i < streams.size(); ++i) {
        if (streams[i].schema->stream == stream) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

topology_plan::topology_plan(std::string topology_id, topology t, config conf,
                             std::vector<int> worker_tasks)
    : _topology(std::move(t)), _conf(std::move(conf)) {
    _topology.validate();
    std::sort(_topology.components.begin(), _topology.components.end(),
              [](const component_def& a, const component_def& b) { return a.id < b.id; });

    auto layout = std::make_shared<detail::task_layout>();
    layout->topology_id = std::move(topology_id);
    layout->task_component.emplace_back();
    _task_component.push_back(-1);

    // Task ids and executors come from common::compute_task_layout, which Nimbus uses too.
    std::vector<common::component_layout> task_layout =
        common::compute_task_layout(_topology, _conf);
    auto add_tasks = [&](component_plan& cp, int n) {
        for (int i = 0; i < n; ++i) {
            int task = static_cast<int>(_task_component.size());
            cp.tasks.push_back(task);
            _task_component.push_back(static_cast<int>(_components.size()));
            layout->task_component.push_back(cp.id);
        }
        layout->component_tasks[cp.id] = cp.tasks;
    };

    for (const component_def& def : _topology.components) {
        component_plan cp;
        cp.id = def.id;
        cp.is_spout = def.kind == component_kind::spout;
        cp.def = &def;
        cp.conf = _conf;
        cp.conf.merge(def.conf);
        add_tasks(cp, def.num_tasks);
        auto& streams = layout->streams[cp.id];
        for (const stream_def& s : def.outputs) {
            stream_plan sp;
            sp.schema = std::make_unique<detail::stream_schema>();
            sp.schema->component = def.id;
            sp.schema->stream = s.id;
            sp.schema->fields = s.fields;
            sp.schema->direct = s.direct;
            sp.schema->stream_index = static_cast<std::uint16_t>(cp.streams.size());
            cp.streams.push_back(std::move(sp));
            streams[s.id] = s.fields;
        }
        for (const input_def& in : def.inputs) {
            layout->sources[cp.id].push_back({in.component, in.stream});
        }
        _components.push_back(std::move(cp));
    }

    int ackers = common::acker_count(_conf);
    if (ackers > 0) {
        component_plan cp;
        cp.id = acker_component_id;
        cp.is_acker = true;
        cp.conf = _conf;
        add_tasks(cp, ackers);
        _acker_tasks = cp.tasks;
        _components.push_back(std::move(cp));
    }

    // Which tasks run here.
    _in_worker.assign(_task_component.size(), worker_tasks.empty());
    _in_worker[0] = false;
    for (int task : worker_tasks) {
        if (task < 1 || task >= static_cast<int>(_in_worker.size())) {
            throw invalid_topology("worker task " + std::to_string(task) + " does not exist");
        }
        _in_worker[task] = true;
    }
    for (int task = 1; task < static_cast<int>(_in_worker.size()); ++task) {
        if (_in_worker[task]) {
            layout->worker_tasks.push_back(task);
        }
    }

    // Subscriptions become edges on the producer's stream.
    for (int ci = 0; ci < static_cast<int>(_components.size()); ++ci) {
        const component_plan& consumer = _components[ci];
        if (consumer.def == nullptr) {
            continue;
        }
        for (const input_def& in : consumer.def->inputs) {
            component_plan& producer = _components[component_index(in.component)];
            int si = producer.stream_index(in.stream);
            stream_plan& sp = producer.streams[si];
            edge_plan e;
            e.consumer = ci;
            e.group = in.grouping;
            e.targets = consumer.tasks;
            for (int task : e.targets) {
                if (_in_worker[task]) {
                    e.local_targets.push_back(task);
                }
            }
            for (const std::string& f : in.grouping.fields) {
                e.field_positions.push_back(sp.schema->fields.index_of(f));
            }
            sp.edges.push_back(std::move(e));
        }
    }

    // Executors, as compute_task_layout split them.
    _task_executor.assign(_task_component.size(), -1);
    for (int ci = 0; ci < static_cast<int>(_components.size()); ++ci) {
        const common::component_layout& cl = task_layout[ci];
        if (cl.id != _components[ci].id || cl.first_task != _components[ci].tasks.front()) {
            // Workers and Nimbus would disagree about which executor runs which task.
            throw std::logic_error("topology_plan disagrees with compute_task_layout");
        }
        for (const common::executor_range& r : cl.executors) {
            executor_plan ep;
            ep.component = ci;
            ep.first_task = r.first_task;
            ep.last_task = r.last_task;
            for (int task = ep.first_task; task <= ep.last_task; ++task) {
                _task_executor[task] = static_cast<int>(_executors.size());
            }
            _executors.push_back(ep);
        }
    }

    const bool ackers_on_spouts = _conf.get_bool("topology.acker.on.spout.thread", true);
    if (_conf.get_bool("topology.chaining", true)) {
        chain(!_acker_tasks.empty() && !ackers_on_spouts);
    }
    if (!_acker_tasks.empty() && ackers_on_spouts) {
        host_ackers();
    }

    _tick_schema = std::make_unique<detail::stream_schema>();
    _tick_schema->component = system_component_id;
    _tick_schema->stream = tick_stream_id;
    _tick_schema->fields = fields{"rate_secs"};
    _layout = std::move(layout);
    plan_inputs();
}

void topology_plan::plan_inputs() {
    std::size_t max_streams = 3;  // the acker's three acking streams
    for (const component_plan& c : _components) {
        max_streams = std::max(max_streams, c.streams.size());
    }
    const std::size_t num_task_ids = _task_component.size();
    for (component_plan& c : _components) {
        if (c.is_spout) {
            continue;
        }
        // Slots that no subscription explains come first (never reported).
        c.inputs.assign(max_streams, common::stream_key{});
        c.input_base.assign(num_task_ids, 0);
        auto add_source = [&](const component_plan& from, std::span<const char* const> names) {
            auto base = static_cast<std::uint32_t>(c.inputs.size());
            for (int task : from.tasks) {
                c.input_base[task] = base;
            }
            if (names.empty()) {
                for (const stream_plan& s : from.streams) {
                    c.inputs.push_back({from.id, s.schema->stream});
                }
            } else {
                for (const char* n : names) {
                    c.inputs.push_back({from.id, n});
                }
            }
        };
        if (c.is_acker) {
            static constexpr const char* acking[] = {ack_init_stream_id, ack_ack_stream_id,
                                                     ack_fail_stream_id};
            for (const component_plan& from : _components) {
                if (!from.is_acker) {
                    add_source(from, acking);
                }
            }
            continue;
        }
        c.input_base[0] = static_cast<std::uint32_t>(c.inputs.size());
        c.inputs.push_back({system_component_id, tick_stream_id});
        std::vector<bool> seen(_components.size(), false);
        for (const input_def& in : c.def->inputs) {
            int pi = component_index(in.component);
            if (!seen[pi]) {
                seen[pi] = true;
                add_source(_components[pi], {});
            }
        }
    }
}

void topology_plan::chain(bool spouts_alone) {
    // First executor index of each component (executors are laid out component by component).
    std::vector<int> first_exec(_components.size(), -1);
    for (int i = static_cast<int>(_executors.size()) - 1; i >= 0; --i) {
        first_exec[_executors[i].component] = i;
    }
    auto one_task_per_executor = [&](int ci) {
        const component_plan& c = _components[ci];
        return c.def != nullptr && c.def->parallelism == static_cast<int>(c.tasks.size());
    };
    // `spouts_alone`: with ackers on threads of their own (topology.acker.on.spout.thread
    // false) a spout's thread also takes its acks and fails back, times pending tuples out and
    // holds max.spout.pending, and a bolt chained onto it made that thread the pipeline's
    // bottleneck (word count 12.7M words/s chained against 16M unchained, session 12; again
    // 16M against 20M in session 17). Then no bolt is chained onto a spout; bolts still chain
    // onto bolts. With the acker on the spout's thread (host_ackers) chaining onto the spout
    // is what measured best: two threads for word count instead of four (docs/PERFORMANCE.md,
    // session 17).
    // Repeat until nothing changes so that chains of any length settle (a -> b -> c).
    for (bool changed = true; changed;) {
        changed = false;
        for (int ci = 0; ci < static_cast<int>(_components.size()); ++ci) {
            const component_plan& c = _components[ci];
            if (c.is_spout || c.is_acker || c.def == nullptr || c.def->inputs.size() != 1)
                continue;
            const input_def& in = c.def->inputs[0];
            if (in.grouping.type != grouping_type::local_or_shuffle)
                continue;
            int pi = component_index(in.component);
            if (pi == ci || (spouts_alone && _components[pi].is_spout) ||
                !one_task_per_executor(ci) || !one_task_per_executor(pi) ||
                _components[pi].tasks.size() != c.tasks.size()) {
                continue;
            }
            for (std::size_t k = 0; k < c.tasks.size(); ++k) {
                executor_plan& consumer = _executors[first_exec[ci] + static_cast<int>(k)];
                const executor_plan& producer = _executors[first_exec[pi] + static_cast<int>(k)];
                // Pair by pair: in a worker that runs only some of the executors (a cluster
                // worker, `tempest-bench --workers 2`) the pairs whose two executors are both
                // here chain; a pair split between workers goes through the transport as
                // before. (Until session 13 one executor elsewhere kept the whole component
                // unchained: word count on two workers ran split on threads of its own.)
                if (!_in_worker[consumer.first_task] || !_in_worker[producer.first_task]) {
                    continue;
                }
                int host =
                    producer.host >= 0 ? producer.host : first_exec[pi] + static_cast<int>(k);
                if (host == first_exec[ci] + static_cast<int>(k) || consumer.host == host) {
                    continue;  // a cycle, or already settled
                }
                consumer.host = host;
                changed = true;
            }
        }
    }
    // A consumer chained before its producer was: point it at the final host.
    for (executor_plan& e : _executors) {
        while (e.host >= 0 && _executors[e.host].host >= 0) {
            e.host = _executors[e.host].host;
        }
    }
}

void topology_plan::host_ackers() {
    // Acker executor k of this worker runs on the thread of spout executor k of this worker;
    // ackers beyond the spout executors keep threads of their own.
    std::vector<int> spouts;
    for (int i = 0; i < static_cast<int>(_executors.size()); ++i) {
        const executor_plan& e = _executors[i];
        if (_components[e.component].is_spout && e.host < 0 && _in_worker[e.first_task]) {
            spouts.push_back(i);
        }
    }
    std::size_t k = 0;
    for (executor_plan& e : _executors) {
        if (k < spouts.size() && _components[e.component].is_acker && _in_worker[e.first_task]) {
            e.host = spouts[k++];
        }
    }
}

int topology_plan::component_index(std::string_view id) const {
    for (std::size_t i = 0; i < _components.size(); ++i) {
        if (_components[i].id == id) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

}  // namespace tempest::worker
