// SPDX-License-Identifier: Apache-2.0
// zk_cluster_state: the ZooKeeper backend of cluster_state, one object = one ZooKeeper session,
// on the multi-threaded ZooKeeper C client (whose headers stay in the .cc).
//
//   caller threads ──sync call──▶ C client IO thread ──TCP──▶ ZooKeeper ensemble
//   user watchers  ◀──────────── C client completion thread (watch and session events)
//
// Semantics are cluster_state's (ZooKeeper's own). What only this backend has:
// - `root`: a path prefix ("/tempest-test-1") under which every path of the session lives; it is
//   created when missing. "/" names the root itself, created paths and watch events come back
//   without the prefix. Empty (or "/") means no prefix.
// - The session can expire: when the client was cut off from ZooKeeper for longer than the session
//   timeout, the ensemble drops the session and its ephemeral nodes. The client only learns it
//   when it reaches a server again; then session_state() turns `expired`, `on_session_state`
//   fires, watches are dropped and every operation returns errc::session_expired. An expired
//   object cannot recover: close it and construct a new zk_cluster_state (a new session), then
//   re-create the ephemeral nodes and re-read with watches.
// - While disconnected (session_state() `connecting`), operations fail with
//   errc::connection_lost once the client gives up on the current connection attempt; the session
//   and its watches survive a reconnection within the session timeout.
//
// Threads: every method may be called from any thread, including from a watcher. Watchers and
// `on_session_state` run on the C client's completion thread, never while this object holds a
// lock; a watcher that throws is logged and ignored. close() (also run by the destructor) waits
// for callbacks running on other threads and for operations in flight (at most about the session
// timeout while disconnected), then ends the session.
#pragma once

#include "tempest/common/cluster_state.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tempest::common {

enum class zk_session_state : std::uint8_t {
    connecting,  // not connected now (first connection or after a disconnection); retrying
    connected,
    expired,  // the ensemble expired the session (or refused its credentials); final
    closed,   // close() was called; final
};

std::string_view to_string(zk_session_state s) noexcept;

struct zk_options {
    // "host:port[,host:port...]", e.g. "127.0.0.1:2181".
    std::string servers;
    // Path prefix of every path of this session; "" or "/" for none. Created if missing.
    std::string root;
    // Requested session timeout; the server bounds it to [2, 20] ticks unless configured
    // otherwise (minSessionTimeout / maxSessionTimeout).
    std::chrono::milliseconds session_timeout{20000};
    // How long the constructor waits for the first connection.
    std::chrono::milliseconds connection_timeout{15000};
    // Called on each session state change after the first connection (connecting, connected,
    // expired), on the C client's completion thread. Optional.
    std::function<void(zk_session_state)> on_session_state;
};

class zk_cluster_state final : public cluster_state {
  public:
    // Opens a session and, with a root, creates the root. Throws std::invalid_argument naming the
    // bad option (empty servers, malformed root, non-positive timeout) and std::system_error
    // holding errc::connection_lost (or the error of creating the root) with a message naming the
    // servers when no session could be established within options.connection_timeout. This is a
    // startup edge, so it throws: the message must name the servers, which an errc cannot.
    explicit zk_cluster_state(zk_options options);
    ~zk_cluster_state() override;
    zk_cluster_state(const zk_cluster_state&) = delete;
    zk_cluster_state& operator=(const zk_cluster_state&) = delete;

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

    zk_session_state session_state() const noexcept;
    bool expired() const noexcept { return session_state() == zk_session_state::expired; }
    // The session timeout the server granted (may differ from the requested one).
    std::chrono::milliseconds negotiated_session_timeout() const noexcept;
    const zk_options& options() const noexcept;

    class impl;  // implementation detail, public for the C callbacks' bookkeeping

  private:
    std::shared_ptr<impl> _impl;
};

}  // namespace tempest::common
