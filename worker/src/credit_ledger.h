// SPDX-License-Identifier: Apache-2.0
// credit_ledger: the receiving worker's side of credit flow control (tcp_transport.h): the
// credits it owes each inbound connection, by destination task, for tuples that have left its
// hands (are in their executor's ring, or were dropped), and when to grant them back.
//
// A connection's credits are granted once one of its tasks is owed a quarter of the window (so
// the sender gets credit back well before it runs dry), or on grant(all = true). Owned by the
// remote_receiver and used only on the transport server's I/O thread; no thread or start/stop
// of its own.
#pragma once

#include "tempest/worker/transport/credit_grant.h"

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <vector>

namespace tempest::worker {

class credit_ledger {
  public:
    // Sends one grant frame to a connection.
    using grant_fn =
        std::function<void(std::uint32_t connection, std::span<const transport::credit_grant>)>;

    // Task ids are below `task_limit`; `window` is the senders' credit window.
    credit_ledger(std::uint32_t task_limit, std::uint32_t window, grant_fn grant);

    // `connection` delivered a frame: credits may be owed to it from now on (until forget()).
    void open(std::uint32_t connection);
    // `count` tuples that came by `connection` for `task` have left the receiver's hands. Nothing
    // is owed to a connection that is not open (it closed while its tuples waited in an overflow).
    // Requires: task < task_limit.
    void owe(std::uint32_t connection, std::uint32_t task, std::uint32_t count = 1);
    // Grants what is owed to the connections with a task past the threshold, or with `all` to
    // every connection owed anything. Returns the credits granted.
    std::uint64_t grant(bool all);
    // True when some credit is owed and not yet granted.
    bool owes() const noexcept { return _owing > 0; }
    // The connection closed: what it was owed is void (its client starts a fresh window).
    void forget(std::uint32_t connection);

  private:
    struct owed {
        std::vector<std::uint32_t> by_task;
        std::vector<std::uint32_t> tasks;  // tasks with a non-zero entry
        bool due = false;                  // some task reached the threshold
    };
    owed* find(std::uint32_t connection);

    std::uint32_t _task_limit;
    std::uint32_t _threshold;
    grant_fn _grant;
    std::map<std::uint32_t, owed> _by_connection;
    std::uint32_t _last_id = 0;
    owed* _last = nullptr;                         // cache: tuples come in runs from one connection
    std::size_t _owing = 0;                        // connections with a non-empty `tasks`
    std::vector<transport::credit_grant> _grants;  // scratch
};

}  // namespace tempest::worker
