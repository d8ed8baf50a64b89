// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/topology_context.h"

#include <algorithm>

namespace tempest {

int topology_context::get_this_task_index() const {
    const std::vector<int>& tasks = get_component_tasks(get_this_component_id());
    auto it = std::find(tasks.begin(), tasks.end(), _task);
    return it == tasks.end() ? -1 : static_cast<int>(it - tasks.begin());
}

const std::vector<int>& topology_context::get_component_tasks(std::string_view component) const {
    static const std::vector<int> none;
    auto it = _layout->component_tasks.find(component);
    return it == _layout->component_tasks.end() ? none : it->second;
}

const std::string& topology_context::get_component_id(int task) const {
    static const std::string none;
    if (task < 0 || static_cast<std::size_t>(task) >= _layout->task_component.size()) {
        return none;
    }
    return _layout->task_component[static_cast<std::size_t>(task)];
}

const std::vector<global_stream_id>& topology_context::get_this_sources() const {
    static const std::vector<global_stream_id> none;
    auto it = _layout->sources.find(get_this_component_id());
    return it == _layout->sources.end() ? none : it->second;
}

const fields& topology_context::get_component_output_fields(std::string_view component,
                                                            std::string_view stream) const {
    static const fields none;
    auto c = _layout->streams.find(component);
    if (c == _layout->streams.end()) {
        return none;
    }
    auto s = c->second.find(stream);
    return s == c->second.end() ? none : s->second;
}

}  // namespace tempest
