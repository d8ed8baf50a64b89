// SPDX-License-Identifier: Apache-2.0
// nimbus_handler: the Nimbus Thrift service (tempest::thrift::NimbusIf) over a cluster_state and
// a local directory. It validates and stores submitted topologies, answers queries, runs the
// even scheduler and carries out delayed kills and rebalances.
//
//   Thrift server threads ──▶ nimbus_handler ──▶ cluster_state (storms/, assignments/, ...)
//   background thread (start()) ──┘         └──▶ <local dir>/nimbus/{inbox,stormdist}/
//
// What lives where:
//   <local dir>/nimbus/inbox/stormjar-<upload-id>.so       an upload in progress or unused
//   <local dir>/nimbus/stormdist/<topology-id>/stormjar.so the topology package
//                                              stormjar.so.sha256  its SHA-256 (hex)
//                                              stormcode.ser       StormTopology as submitted
//                                              stormconf.json      the topology conf
//   storms/<id> StormBaseRecord and assignments/<id> AssignmentRecord, written only here.
// Every call reads the cluster state afresh, so a new handler over the same state (a restarted
// Nimbus) serves the topologies it finds there. A submission does its disk writes first, then
// its cluster-state writes, and undoes them all when a step fails.
//
// Executors of a topology: common::compute_task_layout over the stored topology with each
// component's parallelism replaced by StormBaseRecord.component_executors and the stored conf,
// in which Nimbus fixes topology.acker.executors at submission.
//
// A standby (another Nimbus leads, per the leader check) copies the leader's code into its own
// stormdist (replicate_code), so that it can serve downloads once it leads. beginFileDownload
// takes a path under stormdist, absolute or relative to it ("<topology-id>/stormjar.so").
//
// Threads: every method may be called from any thread; one mutex serializes topology changes
// and cluster-state writes, another guards uploads and downloads. start() runs one background
// thread for delayed kills/rebalances and the monitor (every nimbus.monitor.freq.secs) while
// leading, and code replication every second while standing by; tests
// leave it stopped and call run_due_actions() and monitor_once() themselves. stop() (or the
// destructor) joins it. The cluster_state must outlive the handler.
#pragma once

#include "heartbeat_tracker.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/nimbus/scheduler.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/cluster_records_types.h"
#include "tempest/topology_api/config.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
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

    // The address reported in NimbusSummary (getLeader, getClusterInfo).
    void set_address(std::string host, int port);

    // Who leads, as the leader election (nimbus_server) sees it: nullopt when this Nimbus
    // leads, else the leader's summary (an empty host when none is known). Without a check (the
    // default, and in unit tests) this Nimbus leads. A Nimbus that does not lead refuses
    // submissions, uploads and topology actions naming the leader, and runs no delayed actions
    // or monitor; when it becomes leader it resumes the pending kills and rebalances it finds.
    using leader_check = std::function<std::optional<tempest::thrift::NimbusSummary>()>;
    void set_leader_check(leader_check check);

    // The clocks the scheduling rounds read: `steady` for how long heartbeats have gone
    // unchanged, `unix_secs` for executor start times (assignments hold unix seconds). By
    // default the real ones; tests inject fake ones so that they never sleep. Call before the
    // handler is shared between threads.
    struct clocks {
        std::function<std::chrono::steady_clock::time_point()> steady;
        std::function<std::int64_t()> unix_secs;
    };
    void set_clocks(clocks c);

    // Runs the delayed kills and rebalances due at `now` (steady clock). Returns how many ran.
    int run_due_actions(std::chrono::steady_clock::time_point now);
    // Reschedules every topology against the live supervisors and the live executors; writes
    // only the assignments that change. Returns how many were written. Liveness, judged by
    // heartbeat_tracker (Nimbus' own clock, never the writers' timestamps):
    // - a supervisor is live while its supervisors/<id> node exists and has changed within
    //   nimbus.supervisor.timeout.secs; the slots of the others are not offered, so their
    //   executors move;
    // - an executor is alive while the heartbeat of its slot (workerbeats/<topology>/<node>-<port>)
    //   has changed within nimbus.task.timeout.secs, or it was placed less than
    //   nimbus.task.launch.secs ago (its start time in the assignment). A slot with a dead
    //   executor is dead for that topology in this round: all its executors move to other slots
    //   (topology_request::dead_slots), and a warning names them and why.
    int monitor_once();
    // Standby code replication: removes stormdist entries of topologies no longer in storms/
    // and fetches the code of every topology in storms/ that has none here from the Nimbus at
    // host:port (fetch_topology_code, SHA-256 checked), each moved into stormdist/<id>/ only
    // when complete. The background thread runs it every second while another Nimbus leads.
    // Returns how many topologies were fetched; throws std::runtime_error with the first
    // failure after trying them all.
    int replicate_code(const std::string& host, int port);
    // Delayed actions waiting to run.
    std::size_t pending_actions() const;

    const std::filesystem::path& stormdist_dir() const noexcept { return _stormdist; }
    const std::filesystem::path& inbox_dir() const noexcept { return _inbox; }

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
    void getTopologyInfo(tempest::thrift::TopologyInfo& _return, const std::string& id) override;
    void getTopologyInfoByName(tempest::thrift::TopologyInfo& _return,
                               const std::string& name) override;
    void getTopologyInfoWithOpts(tempest::thrift::TopologyInfo& _return, const std::string& id,
                                 const tempest::thrift::GetInfoOptions& options) override;
    void getTopologyInfoByNameWithOpts(tempest::thrift::TopologyInfo& _return,
                                       const std::string& name,
                                       const tempest::thrift::GetInfoOptions& options) override;
    void getTopologyConf(std::string& _return, const std::string& id) override;
    void getTopology(tempest::thrift::StormTopology& _return, const std::string& id) override;
    void getUserTopology(tempest::thrift::StormTopology& _return, const std::string& id) override;

    struct stored_topology;  // implementation detail
    struct upload;           // implementation detail
    struct download;         // implementation detail

  private:
    using storm_base = tempest::thrift::records::StormBaseRecord;

    enum class action_kind : std::uint8_t { kill, rebalance };
    struct pending_action {
        std::chrono::steady_clock::time_point due;
        std::string topology_id;
        action_kind kind;
    };

    // Requires: _mu held (for all helpers below that touch the cluster state).
    std::map<std::string, storm_base> read_storms();
    std::optional<storm_base> read_storm(const std::string& id);
    std::optional<std::pair<std::string, storm_base>> find_by_name(const std::string& name);
    std::pair<std::string, storm_base> find_alive(const std::string& name);
    void write_storm(const std::string& id, const storm_base& base);
    std::shared_ptr<const stored_topology> load_topology(const std::string& id);
    int reschedule(const std::string* drop_previous_of);
    // The supervisors to offer slots of: those whose record is readable and changed within
    // nimbus.supervisor.timeout.secs.
    std::vector<supervisor_offer> live_supervisors();
    // The slots of `a` (topology `id`) holding an executor that is not alive (see monitor_once),
    // among the slots of `offered` supervisors; logs each at warn.
    std::set<worker_slot> dead_slots(const std::string& id, const assignment& a,
                                     const std::set<std::string>& offered);
    void remove_topology(const std::string& id);
    void do_rebalance(const std::string& id);
    void schedule_action(const std::string& id, action_kind kind, int wait_secs);
    void recover_pending_actions();
    // Logs an error for each topology in storms/ without its package here.
    void warn_missing_code();
    int default_wait_secs(const std::string& id);
    void fill_info(tempest::thrift::TopologyInfo& info, const std::string& id,
                   const storm_base& base, const tempest::thrift::GetInfoOptions& options);
    void set_status(const std::string& name, bool active);
    void background_loop();
    // Throws std::runtime_error naming the leader when this Nimbus does not lead.
    void require_leader();

    common::cluster_state& _state;
    config _conf;
    common::zk_paths _paths;
    std::filesystem::path _local_dir;
    std::filesystem::path _inbox;
    std::filesystem::path _stormdist;
    std::int64_t _max_upload_bytes;
    std::chrono::seconds _monitor_period;
    std::chrono::seconds _task_timeout;        // nimbus.task.timeout.secs
    std::int64_t _task_launch_secs;            // nimbus.task.launch.secs
    std::chrono::seconds _supervisor_timeout;  // nimbus.supervisor.timeout.secs
    std::int64_t _start_secs;
    clocks _clocks;

    // Guards the cluster-state writes, topology changes, _loaded, _next_id, _pending, the
    // address, the clocks and the heartbeat trackers.
    mutable std::mutex _mu;
    std::map<std::string, std::shared_ptr<const stored_topology>> _loaded;
    std::int64_t _next_id = 1;
    std::vector<pending_action> _pending;
    std::string _host;
    int _port = 0;
    leader_check _leader_check;
    // Heartbeats seen by the scheduling rounds: worker slots ("<topology>/<node>-<port>") and
    // supervisors (by id), and the supervisors currently timed out (to log changes once).
    heartbeat_tracker _worker_beats;
    heartbeat_tracker _supervisor_beats;
    std::set<std::string> _timed_out_supervisors;

    // Guards _uploads and _downloads; taken after _mu when both are needed.
    std::mutex _files_mu;
    std::map<std::string, std::unique_ptr<upload>> _uploads;      // by location
    std::map<std::string, std::unique_ptr<download>> _downloads;  // by id

    std::condition_variable _wake;  // with _mu: a new action, or stop
    bool _stopping = false;
    std::thread _thread;
};

}  // namespace tempest::nimbus
