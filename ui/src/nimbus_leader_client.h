// SPDX-License-Identifier: Apache-2.0
// nimbus_leader_client: the UI's Nimbus client (nimbus_access over Thrift: framed transport,
// binary protocol). It follows the leader: on its first call, and whenever the connection it has
// fails or Nimbus answers that it is not the leader, it looks for a Nimbus again, trying in turn
// the last leader it knew, the other Nimbus hosts Nimbus last listed (getClusterInfo) and the
// seeds (nimbus.seeds with nimbus.thrift.port); at the first that answers it asks getLeader and
// moves to the leader when that is another host. A failed call is retried once on the Nimbus
// found, so a failover costs one request at most a timeout or two, not the daemon.
//
// Every connect and call is bounded by `timeout`. The client keeps a pool of up to `pool_size`
// connections, all to the same Nimbus (the leader it found), so that up to `pool_size` calls
// from different threads run at once; a further caller waits for a connection to come back.
// One thread searches for the leader at a time; the others wait for its result. When a
// connection finds that Nimbus gone or no longer the leader, every connection to it is dropped
// (idle ones at once, busy ones when their calls end) and the next call searches again.
// When no Nimbus answered, calls within `retry_after` of that fail at once with the same error
// instead of trying every host again, so an unreachable Nimbus does not make each request wait.
//
//   api_v1 ──▶ nimbus_leader_client ══ pool of Thrift connections ══▶ leader Nimbus
//                     └─ seeds / known Nimbus hosts, when that fails
#pragma once

#include "nimbus_access.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
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
                         std::chrono::milliseconds retry_after = std::chrono::seconds(1),
                         std::size_t pool_size = 4);
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

    // The Nimbus the client's connections go to ("host:port"), empty when none.
    std::string current() const;
    // Connections open now (busy or idle); at most pool_size.
    std::size_t open_connections() const;

  private:
    struct connection;
    // A connection taken from the pool with the generation of the Nimbus it goes to.
    struct lease {
        std::unique_ptr<connection> conn;
        std::uint64_t generation = 0;
    };
    // Runs `call` on a connection to the leader (finding it first if needed); see the class
    // comment for the retry. Requires: _mu not held.
    void with_leader(const char* what, const std::function<void(connection&)>& call);
    // An idle connection, a new one to the Nimbus found, or the result of a search; waits
    // while the pool is full or another thread searches. Throws nimbus_call_error
    // (unreachable). Requires: _mu not held.
    lease acquire();
    // Gives a healthy connection back (dropped when its Nimbus is no longer the one followed).
    void release(lease l);
    // Drops a broken connection; when it went to the Nimbus followed now, forgets that Nimbus
    // (and with `not_leader`, that it led) so the next call searches.
    void drop(lease l, bool not_leader);
    // Tries the candidates in turn and returns a connection to the leader (or to the Nimbus
    // that answered, if the leader it names does not); sets `chosen` and `is_leader`. Throws
    // nimbus_call_error (unreachable) naming every failure. Requires: _mu not held.
    std::unique_ptr<connection> search(const std::vector<nimbus_endpoint>& candidates,
                                       nimbus_endpoint& chosen, bool& is_leader);

    const std::vector<nimbus_endpoint> _seeds;
    const std::chrono::milliseconds _timeout;
    const std::chrono::milliseconds _retry_after;
    const std::size_t _pool_size;

    mutable std::mutex _mu;  // guards everything below; never held during a call or connect
    std::condition_variable _changed;                // a connection came back, or a search ended
    std::vector<std::unique_ptr<connection>> _idle;  // connections to _connected, not in use
    std::size_t _open = 0;                           // connections in use or idle
    nimbus_endpoint _connected;     // the Nimbus the pool's connections go to (empty: search)
    nimbus_endpoint _last_logged;   // the last Nimbus logged as followed
    std::uint64_t _generation = 0;  // changes with _connected
    bool _searching = false;
    std::vector<nimbus_endpoint> _known;  // Nimbus hosts from the last getClusterInfo
    nimbus_endpoint _last_leader;
    // The last failed search for a Nimbus and its error (empty: none since the last success).
    std::chrono::steady_clock::time_point _failed_at;
    std::string _failure;
};

}  // namespace tempest::ui
