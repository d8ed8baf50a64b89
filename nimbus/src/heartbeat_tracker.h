// SPDX-License-Identifier: Apache-2.0
// heartbeat_tracker: how long each heartbeat node has gone unchanged, by Nimbus' own clock.
#pragma once

#include "tempest/common/cluster_state.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace tempest::nimbus {

// Judges heartbeats as Storm's Nimbus does: the timestamps a worker or supervisor writes are
// never compared with Nimbus' clock (hosts' clocks may disagree); instead Nimbus remembers each
// node's last seen write and the steady-clock time at which it first saw that write. A node that
// keeps reading the same write for longer than a timeout belongs to a writer that stopped.
//
//   round 1 (t=0)   write A  -> first seen, unchanged for 0 s
//   round 2 (t=10)  write B  -> changed, unchanged for 0 s
//   round 3 (t=40)  write B  -> unchanged for 30 s
//
// A key seen for the first time counts as just changed, so a Nimbus that starts or takes over
// leadership gives every heartbeat a full timeout before judging it.
//
// Owned by assignment_monitor (one for worker slots, one for supervisors) and used under
// nimbus_service's mutex; not thread-safe by itself.
class heartbeat_tracker {
  public:
    using clock = std::chrono::steady_clock;

    // What tells one write of a node from another: any change means the writer is alive
    // (a re-created node has a new ctime, a rewritten one a new version). The node's stat
    // alone: Nimbus polls every worker's heartbeat each round with exists(), never its data
    // (tens of KB per worker at 100 workers).
    struct fingerprint {
        std::int64_t ctime_ms = 0;
        std::int32_t version = 0;
        std::int64_t mtime_ms = 0;
        std::int32_t data_length = 0;
        friend bool operator==(const fingerprint&, const fingerprint&) = default;
    };
    static fingerprint of(const common::node_stat& stat);
    static fingerprint of(const common::node_data& node) { return of(node.stat); }

    // Records that `key` reads `fp` at `now`; returns for how long it has read the same (zero on
    // first sight or after a change).
    clock::duration observe(const std::string& key, const fingerprint& fp, clock::time_point now);

    // Forgets the keys not observed since the previous sweep (slots and supervisors gone), so
    // that they count as new if they come back.
    void sweep();

    std::size_t size() const noexcept { return _entries.size(); }

  private:
    struct entry {
        fingerprint fp;
        clock::time_point since;  // when this fingerprint was first seen
        bool seen = false;        // observed since the last sweep
    };
    std::map<std::string, entry> _entries;
};

}  // namespace tempest::nimbus
