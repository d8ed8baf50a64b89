// SPDX-License-Identifier: Apache-2.0
// memory_cluster_state: the in-memory cluster_state backend, for local mode and tests. It keeps
// ZooKeeper's semantics (see cluster_state.h) so that code tested against it behaves the same
// on ZooKeeper.
//
//   memory_cluster_state::store   the tree ("the ZooKeeper ensemble"), shared by sessions
//   memory_cluster_state          one session on a store ("one ZooKeeper client handle")
//
//   auto store = memory_cluster_state::make_store();
//   memory_cluster_state nimbus(store), supervisor(store);  // two sessions, one tree
//
// Ephemeral nodes belong to the session that created them; close() (or the destructor) removes
// them, firing the other sessions' watches, as a ZooKeeper session expiry would.
//
// Thread-safety: every method may be called from any thread; one mutex per store guards the
// tree and its watches. Watch callbacks run on the thread whose operation fired them, after that
// mutex is released, so a callback may call back into any session.
#pragma once

#include "tempest/common/cluster_state.h"

#include <memory>

namespace tempest::common {

class memory_cluster_state final : public cluster_state {
  public:
    class store;
    static std::shared_ptr<store> make_store();

    // A new session on `s`; by default on a store of its own.
    explicit memory_cluster_state(std::shared_ptr<store> s = make_store());
    ~memory_cluster_state() override;
    memory_cluster_state(const memory_cluster_state&) = delete;
    memory_cluster_state& operator=(const memory_cluster_state&) = delete;

    result<std::string> create(std::string_view path, std::string_view data,
                               create_mode mode = create_mode::persistent) override;
    result<node_data> get(std::string_view path, watcher w = nullptr) override;
    result<node_stat> set(std::string_view path, std::string_view data,
                          std::int32_t expected_version = any_version) override;
    result<std::optional<node_stat>> exists(std::string_view path, watcher w = nullptr) override;
    result<std::vector<std::string>> children(std::string_view path, watcher w = nullptr) override;
    result<void> remove(std::string_view path,
                        std::int32_t expected_version = any_version) override;
    std::int64_t session_id() const override;
    void close() override;

    // The store this session works on, to open more sessions on the same tree.
    const std::shared_ptr<store>& shared_store() const noexcept { return _store; }

    struct session;  // implementation detail, public for the store's bookkeeping

  private:
    std::shared_ptr<store> _store;
    std::shared_ptr<session> _session;
};

}  // namespace tempest::common
