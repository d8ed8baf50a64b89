// SPDX-License-Identifier: Apache-2.0
// topology_queries: the read-only half of the Thrift layer — builds the Thrift summaries
// (TopologySummary, TopologyInfo, SupervisorSummary, NimbusSummary lists) and the page-info
// answers from nimbus_service's records, the worker heartbeats (through executor_reports: the
// figures, their time and whether they are late) and the reported errors. Part of the Thrift
// adapter (its implementation is topology_queries_thrift.cc), so it may use generated types.
//
// Owned by nimbus_handler; called from Thrift server threads. Holds no state of its own beyond
// the service reference (whose methods are thread-safe), so it is thread-safe. The service must
// outlive it. No threads, no start/stop.
#pragma once

#include "executor_reports.h"
#include "nimbus_service.h"
#include "tempest/thrift/Nimbus.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tempest::nimbus {

namespace detail {
// The Thrift forms shared by the queries' two files.
tempest::thrift::MetricPoint to_thrift(const common::metric_point& m);
// An executor's summary: where it runs, its uptime and, when reported, its figures as Storm's
// ExecutorStats with their time, age and lateness.
tempest::thrift::ExecutorSummary executor_summary(const executor_report& r,
                                                  const common::assignment& a);
}  // namespace detail

class topology_queries {
  public:
    explicit topology_queries(nimbus_service& service);

    std::vector<tempest::thrift::TopologySummary> summaries();
    // Throws nimbus_error(not_alive) when no topology has that name.
    tempest::thrift::TopologySummary summary_by_name(const std::string& name);
    // Throws nimbus_error(not_alive) when no topology has that id.
    tempest::thrift::TopologySummary summary_by_id(const std::string& id);
    // An executor listed by its worker's heartbeat carries the worker's uptime and, when the
    // heartbeat has figures for it, Storm's ExecutorStats built from them (every window and
    // stream; an older worker's own ExecutorStats as it wrote them), with the Tempest fields
    // stats_time_secs, stats_age_secs and late; otherwise its uptime counts from its start time.
    // Errors per component as `options` asks (all by default, oldest first).
    tempest::thrift::TopologyInfo info(const std::string& id, const storm_base& base,
                                       const tempest::thrift::GetInfoOptions& options);
    std::vector<tempest::thrift::SupervisorSummary> supervisors();

    // The page-info calls (Storm's UI pages; page_info_thrift.cc). `window` is one of Storm's
    // "600", "10800", "86400", ":all-time" (empty: all time; another: nimbus_error(bad_request)).
    // Counts come from the assignment and the layout; figures (emitted, acked, latencies,
    // capacity) from the executors' stats records, aggregated with common's stats_aggregate, and
    // stay unset where no executor concerned has reported any. Executors of late workers are
    // left out of every aggregate and counted in num_late_executors (their own rows keep their
    // last figures, marked late). Metric points travel in Tempest's `metrics` fields. Components
    // and streams named "__..." are left out unless `include_sys`.
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
    // A topology as the queries see it: its layout, spouts, assignment and executor reports.
    struct topology_view {
        std::vector<common::component_layout> layout;
        std::set<std::string> spouts;
        std::map<std::string, int> component_tasks;
        std::map<int, std::string> component_of_task;
        std::optional<common::assignment> assignment;
        topology_reports reports;
    };
    topology_view view_of(const std::string& id, const storm_base& base);

    // The errors of every component of `view` (an empty list for those without), oldest first;
    // as `choice` asks.
    std::map<std::string, std::vector<tempest::thrift::ErrorInfo>> errors_of(
        const std::string& id, const topology_view& view,
        tempest::thrift::NumErrorsChoice::type choice);

    // The workers (slots) of `view`, on `nodes` only when given; the components' task counts
    // without system components unless `include_sys`; heartbeat time, age, late and the
    // worker's own metric points.
    std::vector<tempest::thrift::WorkerSummary> workers_of(
        const std::string& id, const storm_base& base, const topology_view& view,
        const std::optional<std::set<std::string>>& nodes, bool include_sys);

    nimbus_service& _service;
};

}  // namespace tempest::nimbus
