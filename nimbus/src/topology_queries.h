// SPDX-License-Identifier: Apache-2.0
// topology_queries: the read-only half of the Thrift layer — builds the Thrift summaries
// (TopologySummary, TopologyInfo, SupervisorSummary, NimbusSummary lists) from nimbus_service's
// records, the worker heartbeats and the reported errors. Part of the Thrift adapter (its
// implementation is topology_queries_thrift.cc), so it may use generated types.
//
// Owned by nimbus_handler; called from Thrift server threads. Holds no state of its own beyond
// the service reference (whose methods are thread-safe), so it is thread-safe. The service must
// outlive it. No threads, no start/stop.
#pragma once

#include "nimbus_service.h"
#include "tempest/thrift/Nimbus.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tempest::nimbus {

class topology_queries {
  public:
    explicit topology_queries(nimbus_service& service);

    std::vector<tempest::thrift::TopologySummary> summaries();
    // Throws nimbus_error(not_alive) when no topology has that name.
    tempest::thrift::TopologySummary summary_by_name(const std::string& name);
    // Throws nimbus_error(not_alive) when no topology has that id.
    tempest::thrift::TopologySummary summary_by_id(const std::string& id);
    // An executor listed by its worker's heartbeat carries the worker's uptime and, when
    // present, its stats; otherwise its uptime counts from its start time. Errors per
    // component as `options` asks (all by default, oldest first).
    tempest::thrift::TopologyInfo info(const std::string& id, const storm_base& base,
                                       const tempest::thrift::GetInfoOptions& options);
    std::vector<tempest::thrift::SupervisorSummary> supervisors();

    // The page-info calls (Storm's UI pages; page_info_thrift.cc). `window` is one of Storm's
    // "600", "10800", "86400", ":all-time" (empty: all time; another: nimbus_error(bad_request)).
    // Counts come from the assignment and the layout; figures (emitted, acked, latencies,
    // capacity) from the workers' heartbeats, aggregated with common's stats_aggregate, and stay
    // unset where no executor concerned has reported any. Components and streams named "__..."
    // are left out unless `include_sys`.
    tempest::thrift::TopologyPageInfo topology_page(const std::string& id, const storm_base& base,
                                                    const std::string& window, bool include_sys);
    // Throws nimbus_error(bad_request) when the topology has no such component.
    tempest::thrift::ComponentPageInfo component_page(const std::string& id, const storm_base& base,
                                                      const std::string& component,
                                                      const std::string& window, bool include_sys);
    // The supervisor with id `id`, else (id empty) every supervisor on `host`, with the workers
    // assigned to them. Throws nimbus_error(not_alive) when there is none.
    tempest::thrift::SupervisorPageInfo supervisor_page(const std::string& id,
                                                        const std::string& host, bool include_sys);
    // The registered Nimbus hosts (nimbuses/), `leader` marked; just `leader` when none is.
    std::vector<tempest::thrift::NimbusSummary> nimbuses(
        const tempest::thrift::NimbusSummary& leader);

  private:
    // The workers (slots) `id` is assigned, on `nodes` only when given; the components' task
    // counts without system components unless `include_sys`.
    std::vector<tempest::thrift::WorkerSummary> workers_of(
        const std::string& id, const storm_base& base,
        const std::optional<std::set<std::string>>& nodes, bool include_sys);

    nimbus_service& _service;
};

}  // namespace tempest::nimbus
