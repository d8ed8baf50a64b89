// SPDX-License-Identifier: Apache-2.0
// prometheus_exporter: GET /metrics — the cluster, its topologies, components, streams, workers
// and user metrics in Prometheus' text format (0.0.4), from one round of Nimbus calls:
// getClusterInfo, then per topology getTopologyPageInfo (window 600: latencies, capacity,
// workers, metric points) and getTopologyInfo (all-time per-stream counts, so counters only
// grow while workers live). Names and labels are listed in ui/README.md ("Prometheus").
//
// A scrape is kept for `ttl` (about a second): scrapes within it get the same text, and
// concurrent scrapes wait for the one round in flight instead of each asking Nimbus (a mutex
// held while building). When Nimbus cannot be reached the scrape still answers, with
// tempest_nimbus_leader_up 0 and nothing else.
//
//   GET /metrics ─▶ prometheus_exporter::scrape ─(cached? ─▶ text)─▶ nimbus_access ─▶ writer
#pragma once

#include "nimbus_access.h"
#include "router.h"

#include <chrono>
#include <mutex>
#include <string>

namespace tempest::ui {

class prometheus_exporter {
  public:
    // `nimbus` must outlive the exporter.
    explicit prometheus_exporter(nimbus_access& nimbus,
                                 std::chrono::milliseconds ttl = std::chrono::seconds(1));

    // The text of a scrape, fresh or at most `ttl` old. Safe from several threads.
    std::string scrape();

  private:
    std::string build();

    nimbus_access& _nimbus;
    const std::chrono::milliseconds _ttl;
    std::mutex _mu;  // guards the cache below; held while a scrape is built
    std::string _text;
    std::chrono::steady_clock::time_point _built_at;
    bool _have = false;
};

// GET /metrics on `r`, answered by `exporter` (which must outlive the router).
void add_prometheus_route(router& r, prometheus_exporter& exporter);

}  // namespace tempest::ui
