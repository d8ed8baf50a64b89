// SPDX-License-Identifier: Apache-2.0
// topology_context: what a running task may ask about the topology it is part of (its own task
// id, the tasks of every component, declared output fields), as Storm's TopologyContext. Built by
// the runtime for each task; valid for the task's lifetime. A task registers its user metrics
// here (metrics.h), as with Storm's TopologyContext.registerCounter and friends.
#pragma once

#include "tempest/topology_api/fields.h"
#include "tempest/topology_api/metrics.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tempest {

// A stream of a component, as Storm's GlobalStreamId.
struct global_stream_id {
    std::string component;
    std::string stream;
    friend bool operator==(const global_stream_id&, const global_stream_id&) = default;
};

namespace detail {
// The shared, immutable task layout of one topology in one worker.
struct task_layout {
    std::string topology_id;
    std::vector<std::string> task_component;  // index = task id; [0] unused
    std::map<std::string, std::vector<int>, std::less<>> component_tasks;  // ascending task ids
    // component -> stream -> fields
    std::map<std::string, std::map<std::string, fields, std::less<>>, std::less<>> streams;
    std::vector<int> worker_tasks;  // tasks that run in this process, ascending
    // component -> the streams it subscribes to, in declaration order
    std::map<std::string, std::vector<global_stream_id>, std::less<>> sources;
};
}  // namespace detail

class topology_context {
  public:
    // `metrics`: the worker's registry of user metrics; null gives the task one of its own.
    topology_context(std::shared_ptr<const detail::task_layout> layout, int task_id,
                     std::shared_ptr<metric_registry> metrics = nullptr)
        : _layout(std::move(layout)),
          _task(task_id),
          _metrics(metrics ? std::move(metrics) : std::make_shared<metric_registry>()) {}

    const std::string& get_topology_id() const { return _layout->topology_id; }
    int get_this_task_id() const noexcept { return _task; }
    const std::string& get_this_component_id() const { return get_component_id(_task); }
    // Position of this task among its component's tasks (0-based); -1 if the layout does not
    // list this task.
    int get_this_task_index() const;
    // Task ids of `component`, ascending; empty for an unknown component.
    const std::vector<int>& get_component_tasks(std::string_view component) const;
    // The component a task id belongs to; empty string for an unknown task.
    const std::string& get_component_id(int task) const;
    // Declared fields of `component`'s `stream`; empty for an unknown stream.
    const fields& get_component_output_fields(std::string_view component,
                                              std::string_view stream) const;
    // The streams this task's component subscribes to (Storm's getThisSources); empty for a
    // spout.
    const std::vector<global_stream_id>& get_this_sources() const;
    // Tasks running in this worker process.
    const std::vector<int>& get_this_worker_tasks() const { return _layout->worker_tasks; }

    // User metrics of this task (valid for the task's lifetime). Registering a name again with
    // the same type returns the same metric; with another type throws std::invalid_argument.
    metric_counter& register_counter(std::string_view name) {
        return _metrics->counter(get_this_component_id(), _task, name);
    }
    metric_meter& register_meter(std::string_view name) {
        return _metrics->meter(get_this_component_id(), _task, name);
    }
    metric_histogram& register_histogram(std::string_view name) {
        return _metrics->histogram(get_this_component_id(), _task, name);
    }
    // `read` is called on the thread that reports metrics, not the task's: it must be safe there.
    void register_gauge(std::string_view name, std::function<double()> read) {
        _metrics->gauge(get_this_component_id(), _task, name, std::move(read));
    }
    metric_registry& metrics() const noexcept { return *_metrics; }

  private:
    std::shared_ptr<const detail::task_layout> _layout;
    int _task;
    std::shared_ptr<metric_registry> _metrics;
};

}  // namespace tempest
