// SPDX-License-Identifier: Apache-2.0
// nimbus_handler: the Nimbus Thrift service (tempest::thrift::NimbusIf) — the thin layer that
// converts each call's generated types to ours, calls nimbus_service (which does the work; see
// nimbus_service.h for the parts and their threads) and maps nimbus_error to the exceptions the
// IDL declares: already_alive → AlreadyAliveException, not_alive → NotAliveException,
// invalid_topology → InvalidTopologyException; the rest (not the leader, a bad upload or
// download, cluster-state failures) stay std::runtime_error, which the Thrift server sends as a
// TApplicationException naming the problem. Queries are answered by topology_queries.
//
//   Thrift server threads ──▶ nimbus_handler ──▶ nimbus_service ──▶ cluster_state, local dir
//                                  └──────────▶ topology_queries ──┘
//
// What lives where: see nimbus/README.md. Every call reads the cluster state afresh, so a new
// handler over the same state (a restarted Nimbus) serves the topologies it finds there.
//
// Threads: every method may be called from any thread. start() runs nimbus_service's
// background thread (delayed actions and the monitor while leading, code replication while
// standing by); tests leave it stopped and call run_due_actions() and monitor_once()
// themselves. stop() (or the destructor) joins it. The cluster_state must outlive the handler.
#pragma once

#include "nimbus_service.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/topology_api/config.h"
#include "topology_queries.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tempest::nimbus {

class nimbus_handler final : public tempest::thrift::NimbusIf {
  public:
    // `daemon_conf`: the Nimbus daemon's config (defaults included); storm.local.dir is used
    // unless `local_dir` is given. `paths`: the layout inside `state` ("/" when the session
    // already has storm.zookeeper.root as its prefix).
    nimbus_handler(common::cluster_state& state, config daemon_conf,
                   std::optional<std::filesystem::path> local_dir = std::nullopt,
                   common::zk_paths paths = common::zk_paths("/"));
    ~nimbus_handler() override;
    nimbus_handler(const nimbus_handler&) = delete;
    nimbus_handler& operator=(const nimbus_handler&) = delete;

    // Starts / stops the background thread (delayed actions and the monitor). Idempotent.
    void start();
    void stop();

    // The address reported in NimbusSummary (getLeader, getClusterInfo); a `port` above 0 is
    // also getNimbusConf's nimbus.thrift.port (the server passes the port it is bound to).
    void set_address(std::string host, int port);

    // Who leads, as the leader election (nimbus_server) sees it: nullopt when this Nimbus
    // leads, else the leader's summary (an empty host when none is known). Without a check (the
    // default, and in unit tests) this Nimbus leads. A Nimbus that does not lead refuses
    // submissions, uploads and topology actions naming the leader, and runs no delayed actions
    // or monitor; when it becomes leader it resumes the pending kills and rebalances it finds.
    using leader_check = std::function<std::optional<tempest::thrift::NimbusSummary>()>;
    void set_leader_check(leader_check check);

    // The clocks the scheduling rounds and delayed actions read (nimbus_clocks). By default the
    // real ones; tests inject fake ones so that they never sleep.
    using clocks = nimbus_clocks;
    void set_clocks(clocks c);

    // Runs the delayed kills and rebalances due at `now` (steady clock). Returns how many ran.
    int run_due_actions(std::chrono::steady_clock::time_point now);
    // One monitor round (assignment_monitor): reschedules every topology against the live
    // supervisors and executors, writes only the assignments that change and returns how many.
    int monitor_once();
    // Standby code replication from the Nimbus at host:port (code_replicator). Returns how many
    // topologies were fetched; throws std::runtime_error with the first failure.
    int replicate_code(const std::string& host, int port);
    // Delayed actions waiting to run.
    std::size_t pending_actions() const;

    std::filesystem::path stormdist_dir() const { return _service.settings().stormdist(); }
    std::filesystem::path inbox_dir() const { return _service.settings().inbox(); }

    // tempest::thrift::NimbusIf
    void submitTopology(const std::string& name, const std::string& uploadedJarLocation,
                        const std::string& jsonConf,
                        const tempest::thrift::StormTopology& topology) override;
    void submitTopologyWithOpts(const std::string& name, const std::string& uploadedJarLocation,
                                const std::string& jsonConf,
                                const tempest::thrift::StormTopology& topology,
                                const tempest::thrift::SubmitOptions& options) override;
    bool isTopologyNameAllowed(const std::string& name) override;
    void killTopology(const std::string& name) override;
    void killTopologyWithOpts(const std::string& name,
                              const tempest::thrift::KillOptions& options) override;
    void activate(const std::string& name) override;
    void deactivate(const std::string& name) override;
    void rebalance(const std::string& name,
                   const tempest::thrift::RebalanceOptions& options) override;
    void beginFileUpload(std::string& _return) override;
    void uploadChunk(const std::string& location, const std::string& chunk) override;
    void finishFileUpload(const std::string& location) override;
    void beginFileDownload(std::string& _return, const std::string& file) override;
    void downloadChunk(std::string& _return, const std::string& id) override;
    void getNimbusConf(std::string& _return) override;
    void getClusterInfo(tempest::thrift::ClusterSummary& _return) override;
    void getLeader(tempest::thrift::NimbusSummary& _return) override;
    void getTopologySummaries(std::vector<tempest::thrift::TopologySummary>& _return) override;
    void getTopologySummaryByName(tempest::thrift::TopologySummary& _return,
                                  const std::string& name) override;
    void getTopologySummaryById(tempest::thrift::TopologySummary& _return,
                                const std::string& id) override;
    void getTopologyInfo(tempest::thrift::TopologyInfo& _return, const std::string& id) override;
    void getTopologyInfoByName(tempest::thrift::TopologyInfo& _return,
                               const std::string& name) override;
    void getTopologyInfoWithOpts(tempest::thrift::TopologyInfo& _return, const std::string& id,
                                 const tempest::thrift::GetInfoOptions& options) override;
    void getTopologyInfoByNameWithOpts(tempest::thrift::TopologyInfo& _return,
                                       const std::string& name,
                                       const tempest::thrift::GetInfoOptions& options) override;
    void getTopologyPageInfo(tempest::thrift::TopologyPageInfo& _return, const std::string& id,
                             const std::string& window, bool is_include_sys) override;
    void getSupervisorPageInfo(tempest::thrift::SupervisorPageInfo& _return, const std::string& id,
                               const std::string& host, bool is_include_sys) override;
    void getComponentPageInfo(tempest::thrift::ComponentPageInfo& _return,
                              const std::string& topology_id, const std::string& component_id,
                              const std::string& window, bool is_include_sys) override;
    void getTopologyConf(std::string& _return, const std::string& id) override;
    void getTopology(tempest::thrift::StormTopology& _return, const std::string& id) override;
    void getUserTopology(tempest::thrift::StormTopology& _return, const std::string& id) override;

  private:
    leader_check current_leader_check() const;

    nimbus_service _service;
    topology_queries _queries;

    mutable std::mutex _mu;  // guards _host, _port and _leader_check
    std::string _host;
    int _port = 0;
    std::int64_t _start_secs = 0;
    leader_check _leader_check;
};

}  // namespace tempest::nimbus
