// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/zk_paths.h"

#include "tempest/common/cluster_state.h"

#include <fmt/format.h>

#include <stdexcept>

namespace tempest::common {
namespace {

// An id becomes one path component: it must be non-empty and contain no '/'.
std::string_view checked(std::string_view what, std::string_view id) {
    if (id.empty() || id == "." || id == ".." || id.find('/') != std::string_view::npos ||
        id.find('\0') != std::string_view::npos) {
        throw std::invalid_argument(
            fmt::format("invalid {} '{}' for a cluster-state path", what, id));
    }
    return id;
}

}  // namespace

zk_paths::zk_paths(std::string_view root) : _root(root) {
    while (_root.size() > 1 && _root.back() == '/') {
        _root.pop_back();
    }
    if (!is_valid_path(_root)) {
        throw std::invalid_argument(
            fmt::format("invalid storm.zookeeper.root '{}': expected an absolute path", root));
    }
}

std::string zk_paths::storms() const {
    return join_path(_root, "storms");
}
std::string zk_paths::storm(std::string_view id) const {
    return join_path(storms(), checked("topology id", id));
}
std::string zk_paths::assignments() const {
    return join_path(_root, "assignments");
}
std::string zk_paths::assignment(std::string_view id) const {
    return join_path(assignments(), checked("topology id", id));
}
std::string zk_paths::routes() const {
    return join_path(_root, "routes");
}
std::string zk_paths::routes(std::string_view id) const {
    return join_path(routes(), checked("topology id", id));
}
std::string zk_paths::supervisors() const {
    return join_path(_root, "supervisors");
}
std::string zk_paths::supervisor(std::string_view id) const {
    return join_path(supervisors(), checked("supervisor id", id));
}
std::string zk_paths::workerbeats() const {
    return join_path(_root, "workerbeats");
}
std::string zk_paths::workerbeats(std::string_view id) const {
    return join_path(workerbeats(), checked("topology id", id));
}
std::string zk_paths::workerbeat(std::string_view id, std::string_view node, int port) const {
    return join_path(workerbeats(id), worker_beat_name(node, port));
}
std::string zk_paths::errors() const {
    return join_path(_root, "errors");
}
std::string zk_paths::errors(std::string_view id) const {
    return join_path(errors(), checked("topology id", id));
}
std::string zk_paths::error(std::string_view id, std::string_view component) const {
    return join_path(errors(id), checked("component id", component));
}
std::string zk_paths::nimbuses() const {
    return join_path(_root, "nimbuses");
}
std::string zk_paths::nimbus(std::string_view id) const {
    return join_path(nimbuses(), checked("nimbus id", id));
}
std::string zk_paths::leader() const {
    return join_path(_root, "leader");
}

std::vector<std::string> zk_paths::top_level() const {
    return {_root,         storms(), assignments(), routes(), supervisors(),
            workerbeats(), errors(), nimbuses(),    leader()};
}

std::string worker_beat_name(std::string_view node, int port) {
    return fmt::format("{}-{}", checked("node id", node), port);
}

}  // namespace tempest::common
