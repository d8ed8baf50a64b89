// SPDX-License-Identifier: Apache-2.0
// versioned_node: one node's data, re-read from a cluster_state only when the node changed, for
// the daemons that poll a record every few seconds (a worker its assignment and topology, a
// supervisor every assignment).
//
//   refresh() ──exists()──▶ stat only (~100 bytes)      same version and ctime: keep the copy
//             ──get()─────▶ the data (up to ~1 MB)      new version or a new node: replace it
//
// A poll of an unchanged node so costs one stat, never the data. A node removed and created again
// is told apart from the old one by its creation time. Owned and driven by one thread (not
// thread-safe); the cluster_state may be replaced between calls (a new ZooKeeper session): the
// versions are the ensemble's, not the session's.
#pragma once

#include "tempest/common/cluster_state.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tempest::common {

class versioned_node {
  public:
    explicit versioned_node(std::string path) : _path(std::move(path)) {}

    // Brings the copy up to date: one exists() (leaving `w` as a data watch when given) and,
    // when the node's version or creation time differs from the copy's or there is no copy yet,
    // one get(). Returns true when the copy changed (the first read included), false when the
    // node is as last read. Errors: no_node when the node is gone (the copy is dropped, so a
    // node created again reads as changed), and those of exists()/get() (the copy is kept).
    [[nodiscard]] result<bool> refresh(cluster_state& state, watcher w = nullptr);

    // The copy as of the last successful refresh(); nullopt before the first one or once the
    // node is gone.
    const std::optional<node_data>& current() const noexcept { return _copy; }
    const std::string& path() const noexcept { return _path; }
    // How many get()s refresh() made: the reads of the node's data.
    std::uint64_t data_reads() const noexcept { return _data_reads; }

  private:
    std::string _path;
    std::optional<node_data> _copy;
    std::uint64_t _data_reads = 0;
};

}  // namespace tempest::common
