// SPDX-License-Identifier: Apache-2.0
// zk_session_holder: a cluster_state that forwards every call to the current ZooKeeper session,
// for daemons that replace an expired session with a new one behind the same object (Nimbus'
// keeper thread, the supervisor's heartbeat thread). Thread-safe; the session pointer is copied
// under the mutex, so a call in flight finishes on the session it started on.
#pragma once

#include "tempest/common/cluster_state.h"
#include "tempest/common/zk_cluster_state.h"

#include <memory>
#include <mutex>

namespace tempest::common {

class zk_session_holder final : public cluster_state {
  public:
    std::shared_ptr<zk_cluster_state> current() const {
        std::scoped_lock lock(_mu);
        return _session;
    }
    void replace(std::shared_ptr<zk_cluster_state> s) {
        std::scoped_lock lock(_mu);
        _session = std::move(s);
    }

    result<std::string> create(std::string_view path, std::string_view data,
                               create_mode mode) override {
        return current()->create(path, data, mode);
    }
    result<node_data> get(std::string_view path, watcher w) override {
        return current()->get(path, std::move(w));
    }
    result<node_stat> set(std::string_view path, std::string_view data,
                          std::int32_t expected_version) override {
        return current()->set(path, data, expected_version);
    }
    result<std::optional<node_stat>> exists(std::string_view path, watcher w) override {
        return current()->exists(path, std::move(w));
    }
    result<std::vector<std::string>> children(std::string_view path, watcher w) override {
        return current()->children(path, std::move(w));
    }
    result<void> remove(std::string_view path, std::int32_t expected_version) override {
        return current()->remove(path, expected_version);
    }
    std::int64_t session_id() const override { return current()->session_id(); }
    void close() override {
        if (auto s = current()) {
            s->close();
        }
    }

  private:
    mutable std::mutex _mu;  // guards _session
    std::shared_ptr<zk_cluster_state> _session;
};

}  // namespace tempest::common
