// SPDX-License-Identifier: Apache-2.0
// nimbus_leader_client: the UI's Nimbus client (nimbus_access over Thrift: framed transport,
// binary protocol). It follows the leader: on its first call, and whenever the connection it has
// fails or Nimbus answers that it is not the leader, it looks for a Nimbus again, trying in turn
// the last leader it knew, the other Nimbus hosts Nimbus last listed (getClusterInfo) and the
// seeds (nimbus.seeds with nimbus.thrift.port); at the first that answers it asks getLeader and
// moves to the leader when that is another host. A failed call is retried once on the Nimbus
// found, so a failover costs one request at most a timeout or two, not the daemon.
//
// Every connect and call is bounded by `timeout`. One connection, one call at a time: calls from
// several threads wait for each other (a mutex), each at most for the calls before it.
// When no Nimbus answered, calls within `retry_after` of that fail at once with the same error
// instead of trying every host again, so an unreachable Nimbus does not make each request wait.
//
//   api_v1 ──▶ nimbus_leader_client ──Thrift──▶ leader Nimbus
//                     └─ seeds / known Nimbus hosts, when that fails
#pragma once

#include "nimbus_access.h"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tempest::ui {

struct nimbus_endpoint {
    std::string host;
    int port = 0;
    friend bool operator==(const nimbus_endpoint&, const nimbus_endpoint&) = default;
    std::string text() const { return host + ":" + std::to_string(port); }
};

class nimbus_leader_client final : public nimbus_access {
  public:
    nimbus_leader_client(std::vector<nimbus_endpoint> seeds, std::chrono::milliseconds timeout,
                         std::chrono::milliseconds retry_after = std::chrono::seconds(1));
    ~nimbus_leader_client() override;
    nimbus_leader_client(const nimbus_leader_client&) = delete;
    nimbus_leader_client& operator=(const nimbus_leader_client&) = delete;

    std::string conf_json() override;
    cluster_info cluster() override;
    supervisor_page supervisor(const std::string& id, const std::string& host,
                               bool include_sys) override;
    topology_page topology(const std::string& id, const std::string& window,
                           bool include_sys) override;
    component_page component(const std::string& id, const std::string& component,
                             const std::string& window, bool include_sys) override;
    topology_graph graph(const std::string& id) override;
    std::vector<executor_stream_counts> executor_counts(const std::string& id) override;
    void activate(const std::string& name) override;
    void deactivate(const std::string& name) override;
    void kill(const std::string& name, int wait_secs) override;
    void rebalance(const std::string& name, const rebalance_options& options) override;

    // The Nimbus the client is connected to ("host:port"), empty when none.
    std::string current() const;

  private:
    struct connection;
    // Runs `call` on the leader's connection (finding it first if needed); see the class
    // comment for the retry. Requires: _mu not held.
    void with_leader(const char* what, const std::function<void(connection&)>& call);
    // Requires: _mu held.
    void find_leader();

    const std::vector<nimbus_endpoint> _seeds;
    const std::chrono::milliseconds _timeout;
    const std::chrono::milliseconds _retry_after;

    mutable std::mutex _mu;  // guards everything below; held for the length of a call
    std::unique_ptr<connection> _conn;
    nimbus_endpoint _connected;
    std::vector<nimbus_endpoint> _known;  // Nimbus hosts from the last getClusterInfo
    nimbus_endpoint _last_leader;
    // The last failed search for a Nimbus and its error (empty: none since the last success).
    std::chrono::steady_clock::time_point _failed_at;
    std::string _failure;
};

}  // namespace tempest::ui
