// SPDX-License-Identifier: Apache-2.0
// zk_paths: where each piece of cluster state lives, under storm.zookeeper.root (DESIGN.md):
//
//   <root>/storms/<topology-id>                    topology record (name, status, owner, launch)
//   <root>/assignments/<topology-id>               executor -> node+port, node -> host, starts
//   <root>/routes/<topology-id>                    executor -> slot, compact: what workers read
//                                                  (Tempest's addition to DESIGN.md's layout)
//   <root>/supervisors/<supervisor-id>             supervisor info (ephemeral)
//   <root>/workerbeats/<topology-id>/<node>-<port> worker heartbeat and stats
//   <root>/errors/<topology-id>/<component>        errors reported by a component
//   <root>/nimbuses/<nimbus-id>                    Nimbus instances and their addresses
//   <root>/leader                                  leader election: ephemeral sequential
//                                                  children, the lowest one leads
//
// Only Nimbus writes storms/, assignments/ and routes/. Plain value type; thread-safe to share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tempest::common {

class zk_paths {
  public:
    // `root` is an absolute path such as "/tempest" (a trailing slash is dropped). Throws
    // std::invalid_argument for a malformed root.
    explicit zk_paths(std::string_view root = "/tempest");

    const std::string& root() const noexcept { return _root; }

    std::string storms() const;
    std::string storm(std::string_view topology_id) const;
    std::string assignments() const;
    std::string assignment(std::string_view topology_id) const;
    std::string routes() const;
    std::string routes(std::string_view topology_id) const;
    std::string supervisors() const;
    std::string supervisor(std::string_view supervisor_id) const;
    std::string workerbeats() const;
    std::string workerbeats(std::string_view topology_id) const;
    std::string workerbeat(std::string_view topology_id, std::string_view node, int port) const;
    std::string errors() const;
    std::string errors(std::string_view topology_id) const;
    std::string error(std::string_view topology_id, std::string_view component) const;
    std::string nimbuses() const;
    std::string nimbus(std::string_view nimbus_id) const;
    std::string leader() const;

    // The directories a fresh cluster needs (root, then each top-level folder), parents first.
    std::vector<std::string> top_level() const;

  private:
    std::string _root;
};

// "<node>-<port>", the name of a worker's heartbeat node.
std::string worker_beat_name(std::string_view node, int port);

}  // namespace tempest::common
