// SPDX-License-Identifier: Apache-2.0
#include "error_writer.h"

#include "tempest/common/log.h"

#include <algorithm>
#include <stdexcept>

namespace tempest::worker {

namespace {

spdlog::logger& log() {
    return common::logger("worker");
}

// "e" + 10 digits: a node this writer (or Storm's) made.
bool is_error_node(std::string_view name) {
    return name.size() == 11 && name[0] == 'e' &&
           std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

error_writer::error_writer(common::zk_paths paths, error_writer_options options,
                           const std::vector<common::executor_info>& executors)
    : _paths(std::move(paths)), _options(std::move(options)), _executors(executors) {
    std::sort(_executors.begin(), _executors.end());
}

void error_writer::set_executors(std::vector<common::executor_info> executors) {
    _executors = std::move(executors);
    std::sort(_executors.begin(), _executors.end());
}

common::result<void> error_writer::start(common::cluster_state& state) {
    return common::ensure_path(state, _paths.errors(_options.topology_id));
}

error_throttle& error_writer::throttle_of(int task) {
    // The executor whose range holds `task`: the last one starting at or before it.
    common::executor_info key{task, task};
    auto it =
        std::upper_bound(_executors.begin(), _executors.end(), task,
                         [](int t, const common::executor_info& e) { return t < e.task_start; });
    if (it != _executors.begin() && std::prev(it)->task_end >= task) {
        key = *std::prev(it);
    }
    return _throttles.try_emplace(key, _options.throttle_interval_ms, _options.max_per_interval)
        .first->second;
}

std::size_t error_writer::write(common::cluster_state& state,
                                const std::vector<error_record>& errors) {
    std::size_t n = 0;
    std::set<std::string> touched;
    for (const error_record& e : errors) {
        if (!throttle_of(e.task).admit(e.time_ms)) {
            ++_suppressed;
            continue;
        }
        if (_gone) {
            continue;
        }
        std::string dir;
        try {
            dir = _paths.error(_options.topology_id, e.component);
        } catch (const std::invalid_argument& ex) {
            log().warn("not reporting an error of component '{}': {}", e.component, ex.what());
            continue;
        }
        if (!_dirs.contains(e.component)) {
            auto c = state.create(dir, "");
            if (!c && c.error() == common::errc::no_node) {
                // errors/<topology> is gone: Nimbus removed the topology.
                _gone = true;
                continue;
            }
            if (!c && c.error() != common::errc::node_exists) {
                log().warn("creating {}: {}", dir, c.error().message());
                continue;
            }
            _dirs.insert(e.component);
        }
        error_node node;
        node.error = e.message;
        node.error_time_secs = static_cast<std::int32_t>(e.time_ms / 1000);
        node.host = _options.host;
        node.port = _options.port;
        node.task = e.task;
        auto c = state.create(common::join_path(dir, "e"), encode_error_node(node),
                              common::create_mode::persistent_sequential);
        if (!c) {
            if (c.error() == common::errc::no_node) {
                _dirs.erase(e.component);  // removed under us; made again next time
            }
            log().warn("writing an error of component '{}' to {}: {}", e.component, dir,
                       c.error().message());
            continue;
        }
        ++n;
        ++_written;
        touched.insert(dir);
    }
    for (const std::string& dir : touched) {
        prune(state, dir);
    }
    return n;
}

void error_writer::prune(common::cluster_state& state, const std::string& dir) {
    auto names = state.children(dir);
    if (!names) {
        log().warn("listing {}: {}", dir, names.error().message());
        return;
    }
    std::vector<std::string> nodes;
    for (auto& name : *names) {
        if (is_error_node(name)) {
            nodes.push_back(std::move(name));
        }
    }
    if (nodes.size() <= _options.keep) {
        return;
    }
    // Same width: the names sort as their sequence numbers.
    std::sort(nodes.begin(), nodes.end());
    for (std::size_t i = 0; i + _options.keep < nodes.size(); ++i) {
        auto r = state.remove(common::join_path(dir, nodes[i]));
        if (!r && r.error() != common::errc::no_node) {
            log().warn("removing an old error {}/{}: {}", dir, nodes[i], r.error().message());
        }
    }
}

}  // namespace tempest::worker
