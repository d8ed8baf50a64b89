// SPDX-License-Identifier: Apache-2.0
// failing_cluster_state: a cluster_state that passes every call to another one and makes the
// N-th write (create, set or remove) from when it is armed fail with connection_lost, the error
// a ZooKeeper client gives when it cannot tell whether the write happened. Two ways: the write
// is refused (not applied), or it is applied and still reported as failed (the reply was lost).
// It counts writes, so that a test can run an operation once to learn how many writes it makes
// and then fail each of them in turn, and records the paths whose data were read (get()).
// Test-only: Nimbus' code knows nothing of it. Thread-safe (the counters are under a mutex; the
// inner state is thread-safe itself).
#pragma once

#include "tempest/common/cluster_state.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tempest::nimbus::testing {

class failing_cluster_state final : public common::cluster_state {
  public:
    enum class failure : std::uint8_t {
        refused,         // not applied, reported as connection_lost
        applied_anyway,  // applied, reported as connection_lost
    };

    explicit failing_cluster_state(common::cluster_state& inner) : _inner(inner) {}

    // Fails the `n`-th write from now (1 = the next one), once; writes are counted from now.
    void fail_write(int n, failure how) {
        std::scoped_lock lock(_mu);
        _writes = 0;
        _paths.clear();
        _fail_at = n;
        _how = how;
    }
    // Counts from now without failing.
    void count_writes() {
        std::scoped_lock lock(_mu);
        _writes = 0;
        _paths.clear();
        _reads.clear();
        _fail_at.reset();
    }
    // The path of each get() since count_writes(), in order.
    std::vector<std::string> read_paths() const {
        std::scoped_lock lock(_mu);
        return _reads;
    }
    int writes() const {
        std::scoped_lock lock(_mu);
        return _writes;
    }
    // The path of each write since arming, in order.
    std::vector<std::string> written_paths() const {
        std::scoped_lock lock(_mu);
        return _paths;
    }
    bool failed() const {
        std::scoped_lock lock(_mu);
        return _failed;
    }

    common::result<std::string> create(std::string_view path, std::string_view data,
                                       common::create_mode mode) override {
        return write(path, [&] { return _inner.create(path, data, mode); });
    }
    common::result<common::node_data> get(std::string_view path, common::watcher w) override {
        {
            std::scoped_lock lock(_mu);
            _reads.emplace_back(path);
        }
        return _inner.get(path, std::move(w));
    }
    common::result<common::node_stat> set(std::string_view path, std::string_view data,
                                          std::int32_t expected_version) override {
        return write(path, [&] { return _inner.set(path, data, expected_version); });
    }
    common::result<std::optional<common::node_stat>> exists(std::string_view path,
                                                            common::watcher w) override {
        return _inner.exists(path, std::move(w));
    }
    common::result<std::vector<std::string>> children(std::string_view path,
                                                      common::watcher w) override {
        return _inner.children(path, std::move(w));
    }
    common::result<void> remove(std::string_view path, std::int32_t expected_version) override {
        return write(path, [&] { return _inner.remove(path, expected_version); });
    }
    std::int64_t session_id() const override { return _inner.session_id(); }
    void close() override { _inner.close(); }

  private:
    template <typename Op>
    auto write(std::string_view path, Op&& op) -> decltype(op()) {
        bool fail = false;
        failure how = failure::refused;
        {
            std::scoped_lock lock(_mu);
            ++_writes;
            _paths.emplace_back(path);
            if (_fail_at && *_fail_at == _writes) {
                fail = true;
                how = _how;
                _failed = true;
                _fail_at.reset();
            }
        }
        if (!fail) {
            return op();
        }
        if (how == failure::applied_anyway) {
            (void)op();
        }
        return common::errc::connection_lost;
    }

    common::cluster_state& _inner;
    mutable std::mutex _mu;
    int _writes = 0;
    std::optional<int> _fail_at;
    failure _how = failure::refused;
    bool _failed = false;
    std::vector<std::string> _paths;
    std::vector<std::string> _reads;
};

}  // namespace tempest::nimbus::testing
