// SPDX-License-Identifier: Apache-2.0
// topology_store: validates, stores and reads topologies — their code under stormdist and their
// records (storms/<id>) in the cluster state — for nimbus_service.
//
//   submit ─▶ validate() ─▶ create() ─┬─▶ <stormdist>/<id>/{stormjar.so, stormjar.so.sha256,
//                                     │                     stormcode.ser, stormconf.json}
//                                     └─▶ storms/<id>        (discard() undoes both)
//
// Every read goes to the cluster state afresh (a restarted Nimbus finds what it stored); only
// the parsed code and conf of a topology are cached, as they never change. Errors: refused
// requests throw nimbus_error (invalid_topology, already_alive, not_alive); cluster-state and
// disk failures throw std::runtime_error naming the path.
//
// Owned by nimbus_service and used under its mutex: not thread-safe by itself. The
// cluster_state must outlive it. No threads, no start/stop.
#pragma once

#include "records.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/topology_layout.h"
#include "tempest/common/zk_paths.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tempest::nimbus {

// A topology as stored under stormdist: the user topology, its conf (as parsed and as JSON) and
// stormcode.ser's bytes (the StormTopology as submitted).
struct stored_topology {
    tempest::topology topo;
    config conf;
    std::string conf_json;
    std::string code;
};

// A submission that passed validation, ready for create().
struct validated_topology {
    std::string name;
    tempest::topology topo;
    config conf;  // the topology conf with topology.name and topology.acker.executors fixed
    int num_workers = 1;
};

class topology_store {
  public:
    topology_store(common::cluster_state& state, common::zk_paths paths,
                   std::filesystem::path stormdist, config daemon_conf);

    // Storm's rule for names: not empty, no '/', '.', ':' or '\'. Empty when fine, else why not.
    static std::string name_problem(const std::string& name);

    // Checks a submission in Storm's order: the name, whether it is alive (already_alive), the
    // conf (JSON, then common::validate_topology_config), the topology (`topology_error` is
    // what converting it from the wire said, if that failed), each component's conf, then
    // topology::validate() and topology.workers >= 1 (common::submitted_conf, which also fixes
    // the stored conf). Throws nimbus_error.
    validated_topology validate(const std::string& name, const std::string& conf_json,
                                const std::optional<tempest::topology>& topo,
                                const std::string& topology_error);

    // Stores a validated topology under a new id: its code files, then the package moved from
    // `package` (an upload in the inbox), then storms/<id> with `status` and `launch_time_secs`.
    // `code` is stormcode.ser's bytes. Returns the id. On failure nothing stays (the package
    // goes back) and std::runtime_error says what failed.
    std::string create(const validated_topology& v, const std::string& code,
                       const std::filesystem::path& package, const std::string& checksum,
                       topology_status status, std::int64_t launch_time_secs);
    // Undoes create() of `id` (after a later step failed): removes its assignment and record,
    // moves the package back to `package` and removes its directory.
    void discard(const std::string& id, const std::filesystem::path& package);
    // Removes a topology: assignments/, storms/, workerbeats/ and errors/ nodes and its code.
    void remove(const std::string& id);

    // storms/ by id (unreadable records are logged and left out).
    std::map<std::string, storm_base> read_all();
    std::optional<storm_base> read(const std::string& id);
    std::optional<std::pair<std::string, storm_base>> find_by_name(const std::string& name);
    // As find_by_name; throws nimbus_error(not_alive) naming it when there is none.
    std::pair<std::string, storm_base> find_alive(const std::string& name);
    void write(const std::string& id, const storm_base& base);
    // assignments/<id>, if there is a readable one.
    std::optional<common::assignment> read_assignment(const std::string& id);

    // The stored code and conf of `id` (cached). Throws std::runtime_error when unreadable.
    std::shared_ptr<const stored_topology> load(const std::string& id);
    // The task layout of `id` as `base` sizes it (common::lay_out_topology over the stored
    // topology and conf and the daemon conf).
    common::topology_layout layout(const std::string& id, const storm_base& base);
    std::vector<executor_id> executors(const std::string& id, const storm_base& base);
    // The wait of a kill or rebalance that names none: the topology's
    // topology.message.timeout.secs (the daemon's when its code is unreadable).
    int default_wait_secs(const std::string& id);

    const std::filesystem::path& stormdist() const noexcept { return _stormdist; }
    const config& daemon_conf() const noexcept { return _conf; }
    const common::zk_paths& paths() const noexcept { return _paths; }

  private:
    common::cluster_state& _state;
    common::zk_paths _paths;
    std::filesystem::path _stormdist;
    config _conf;
    std::map<std::string, std::shared_ptr<const stored_topology>> _loaded;
    std::int64_t _next_id = 1;
};

}  // namespace tempest::nimbus
