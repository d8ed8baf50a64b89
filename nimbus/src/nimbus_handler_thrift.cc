// SPDX-License-Identifier: Apache-2.0
// The Nimbus Thrift layer (see nimbus_handler.h): converts, calls nimbus_service or
// topology_queries, maps nimbus_error to the IDL's exceptions.
#include "nimbus_error.h"
#include "nimbus_handler.h"
#include "nimbus_settings.h"
#include "tempest/common/config_keys.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_convert.h"
#include "tempest/thrift/topology_convert.h"

#include <unistd.h>

#include <chrono>
#include <utility>

namespace tempest::nimbus {

namespace th = tempest::thrift;

namespace {

std::int64_t now_secs() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

template <typename Exception>
[[noreturn]] void throw_as(const nimbus_error& e) {
    Exception x;
    x.msg = e.what();
    throw x;
}

// Runs `fn`, turning nimbus_error into the exception the IDL declares for its kind. The other
// kinds stay what they are (std::runtime_error): the Thrift server sends a TApplicationException.
template <typename Fn>
decltype(auto) mapped(Fn&& fn) {
    try {
        return fn();
    } catch (const nimbus_error& e) {
        switch (e.kind()) {
            case error_kind::already_alive:
                throw_as<th::AlreadyAliveException>(e);
            case error_kind::not_alive:
                throw_as<th::NotAliveException>(e);
            case error_kind::invalid_topology:
                throw_as<th::InvalidTopologyException>(e);
            case error_kind::not_leader:
            case error_kind::bad_request:
                break;
        }
        throw;
    }
}

}  // namespace

nimbus_handler::nimbus_handler(common::cluster_state& state, config daemon_conf,
                               std::optional<std::filesystem::path> local_dir,
                               common::zk_paths paths)
    : _service(state, std::move(daemon_conf), std::move(local_dir), std::move(paths)),
      _queries(_service),
      _start_secs(now_secs()) {
    _host =
        common::conf_string_or_empty(_service.daemon_conf(), common::keys::storm_local_hostname);
    char host[256] = {};
    if (_host.empty() && gethostname(host, sizeof(host) - 1) == 0) {
        _host = host;
    }
}

nimbus_handler::~nimbus_handler() {
    stop();
}

void nimbus_handler::start() {
    _service.start();
}

void nimbus_handler::stop() {
    _service.stop();
}

void nimbus_handler::set_address(std::string host, int port) {
    std::scoped_lock lock(_mu);
    if (!host.empty()) {
        _host = std::move(host);
    }
    _port = port;
}

void nimbus_handler::set_leader_check(leader_check check) {
    {
        std::scoped_lock lock(_mu);
        _leader_check = check;
    }
    if (!check) {
        _service.set_leader_check(nullptr);
        return;
    }
    _service.set_leader_check([check]() -> std::optional<leader_address> {
        if (auto leader = check()) {
            return leader_address{leader->host, leader->port};
        }
        return std::nullopt;
    });
}

nimbus_handler::leader_check nimbus_handler::current_leader_check() const {
    std::scoped_lock lock(_mu);
    return _leader_check;
}

void nimbus_handler::set_clocks(clocks c) {
    _service.set_clocks(std::move(c));
}

int nimbus_handler::run_due_actions(std::chrono::steady_clock::time_point now) {
    return _service.run_due_actions(now);
}

int nimbus_handler::monitor_once() {
    return _service.monitor_once();
}

int nimbus_handler::replicate_code(const std::string& host, int port) {
    return _service.replicate_code(host, port);
}

std::size_t nimbus_handler::pending_actions() const {
    return _service.pending_actions();
}

// ---------------------------------------------------------------------------------------------
// Topology changes

void nimbus_handler::submitTopology(const std::string& name, const std::string& uploadedJarLocation,
                                    const std::string& jsonConf,
                                    const th::StormTopology& topology) {
    th::SubmitOptions opts;
    opts.initial_status = th::TopologyInitialStatus::ACTIVE;
    submitTopologyWithOpts(name, uploadedJarLocation, jsonConf, topology, opts);
}

void nimbus_handler::submitTopologyWithOpts(const std::string& name,
                                            const std::string& uploadedJarLocation,
                                            const std::string& jsonConf,
                                            const th::StormTopology& topology,
                                            const th::SubmitOptions& options) {
    nimbus_service::submission s;
    s.name = name;
    s.uploaded_location = uploadedJarLocation;
    s.conf_json = jsonConf;
    // What does not convert is refused by the service, after the checks that come first.
    try {
        s.topology = th::from_thrift(topology);
    } catch (const invalid_topology& e) {
        s.topology_error = e.what();
    } catch (const type_error& e) {
        s.topology_error = e.what();
    }
    s.code = th::to_binary(topology);
    s.inactive = options.initial_status == th::TopologyInitialStatus::INACTIVE;
    mapped([&] { return _service.submit(s); });
}

bool nimbus_handler::isTopologyNameAllowed(const std::string& name) {
    return mapped([&] { return _service.is_name_allowed(name); });
}

void nimbus_handler::killTopology(const std::string& name) {
    killTopologyWithOpts(name, th::KillOptions());
}

void nimbus_handler::killTopologyWithOpts(const std::string& name, const th::KillOptions& options) {
    std::optional<int> wait;
    if (options.__isset.wait_secs) {
        wait = options.wait_secs;
    }
    mapped([&] { _service.kill(name, wait); });
}

void nimbus_handler::activate(const std::string& name) {
    mapped([&] { _service.set_active(name, true); });
}

void nimbus_handler::deactivate(const std::string& name) {
    mapped([&] { _service.set_active(name, false); });
}

void nimbus_handler::rebalance(const std::string& name, const th::RebalanceOptions& options) {
    // Everything the client sent but the principal (Nimbus' to set), as Storm keeps it.
    rebalance_options req = thrift::from_thrift(options);
    req.principal.reset();
    mapped([&] { _service.rebalance(name, std::move(req)); });
}

// ---------------------------------------------------------------------------------------------
// Files

void nimbus_handler::beginFileUpload(std::string& _return) {
    _return = mapped([&] { return _service.begin_upload(); });
}

void nimbus_handler::uploadChunk(const std::string& location, const std::string& chunk) {
    mapped([&] { _service.files().upload_chunk(location, chunk); });
}

void nimbus_handler::finishFileUpload(const std::string& location) {
    mapped([&] { _service.files().finish_upload(location); });
}

void nimbus_handler::beginFileDownload(std::string& _return, const std::string& file) {
    _return = mapped([&] { return _service.files().begin_download(file); });
}

void nimbus_handler::downloadChunk(std::string& _return, const std::string& id) {
    _return = mapped([&] { return _service.files().download_chunk(id); });
}

// ---------------------------------------------------------------------------------------------
// Queries

void nimbus_handler::getNimbusConf(std::string& _return) {
    // The configured nimbus.thrift.port may be 0 (any free port): report the one served on.
    config conf = _service.daemon_conf();
    // The frame limit clients must respect, also when the conf was built without it (tests).
    conf.set(keys::nimbus_thrift_max_buffer_size,
             common::conf_int(conf, keys::nimbus_thrift_max_buffer_size));
    {
        std::scoped_lock lock(_mu);
        if (_port > 0) {
            conf.set(common::keys::nimbus_thrift_port, _port);
        }
    }
    _return = th::to_json(conf);
}

void nimbus_handler::getClusterInfo(th::ClusterSummary& _return) {
    _return.topologies = _queries.summaries();
    _return.supervisors = _queries.supervisors();
    th::NimbusSummary leader;
    getLeader(leader);
    _return.nimbuses = _queries.nimbuses(leader);
}

void nimbus_handler::getLeader(th::NimbusSummary& _return) {
    if (auto check = current_leader_check()) {
        if (auto leader = check()) {
            _return = *leader;
            _return.isLeader = true;
            return;
        }
    }
    std::scoped_lock lock(_mu);
    _return.host = _host;
    _return.port = _port;
    _return.uptime_secs = static_cast<std::int32_t>(now_secs() - _start_secs);
    _return.isLeader = true;
    _return.version = TEMPEST_VERSION;
}

void nimbus_handler::getTopologySummaries(std::vector<th::TopologySummary>& _return) {
    _return = mapped([&] { return _queries.summaries(); });
}

// The IDL declares no NotAliveException for these two: an unknown topology stays a
// nimbus_error (a std::runtime_error), which the server sends as a TApplicationException. This
// is Storm's contract, not an omission: Apache Storm's storm-client/src/storm.thrift (2.x)
// declares `TopologySummary getTopologySummaryByName(1: string name) throws (1:
// AuthorizationException aze);` and the same for getTopologySummaryById, so field 1 of the
// result is AuthorizationException and a NotAliveException there would reach Storm's clients
// as an AuthorizationException. (Storm has no getTopologySummary(id); getTopologySummaryById is
// its by-id lookup.)
void nimbus_handler::getTopologySummaryByName(th::TopologySummary& _return,
                                              const std::string& name) {
    _return = _queries.summary_by_name(name);
}

void nimbus_handler::getTopologySummaryById(th::TopologySummary& _return, const std::string& id) {
    _return = _queries.summary_by_id(id);
}

void nimbus_handler::getTopologyInfo(th::TopologyInfo& _return, const std::string& id) {
    getTopologyInfoWithOpts(_return, id, th::GetInfoOptions());
}

void nimbus_handler::getTopologyInfoByName(th::TopologyInfo& _return, const std::string& name) {
    getTopologyInfoByNameWithOpts(_return, name, th::GetInfoOptions());
}

void nimbus_handler::getTopologyInfoWithOpts(th::TopologyInfo& _return, const std::string& id,
                                             const th::GetInfoOptions& options) {
    _return = mapped([&] {
        auto base = _service.topology(id);
        if (!base) {
            throw nimbus_error(error_kind::not_alive, "no topology with id '" + id + "'");
        }
        return _queries.info(id, *base, options);
    });
}

void nimbus_handler::getTopologyInfoByNameWithOpts(th::TopologyInfo& _return,
                                                   const std::string& name,
                                                   const th::GetInfoOptions& options) {
    _return = mapped([&] {
        auto [id, base] = _service.find_alive(name);
        return _queries.info(id, base, options);
    });
}

void nimbus_handler::getTopologyPageInfo(th::TopologyPageInfo& _return, const std::string& id,
                                         const std::string& window, bool is_include_sys) {
    _return = mapped([&] {
        auto base = _service.topology(id);
        if (!base) {
            throw nimbus_error(error_kind::not_alive, "no topology with id '" + id + "'");
        }
        return _queries.topology_page(id, *base, window, is_include_sys);
    });
}

void nimbus_handler::getSupervisorPageInfo(th::SupervisorPageInfo& _return, const std::string& id,
                                           const std::string& host, bool is_include_sys) {
    _return = mapped([&] { return _queries.supervisor_page(id, host, is_include_sys); });
}

void nimbus_handler::getComponentPageInfo(th::ComponentPageInfo& _return,
                                          const std::string& topology_id,
                                          const std::string& component_id,
                                          const std::string& window, bool is_include_sys) {
    _return = mapped([&] {
        auto base = _service.topology(topology_id);
        if (!base) {
            throw nimbus_error(error_kind::not_alive, "no topology with id '" + topology_id + "'");
        }
        return _queries.component_page(topology_id, *base, component_id, window, is_include_sys);
    });
}

void nimbus_handler::getTopologyConf(std::string& _return, const std::string& id) {
    _return = mapped([&] { return _service.stored(id)->conf_json; });
}

void nimbus_handler::getTopology(th::StormTopology& _return, const std::string& id) {
    getUserTopology(_return, id);
}

void nimbus_handler::getUserTopology(th::StormTopology& _return, const std::string& id) {
    auto code = mapped([&] { return _service.stored(id)->code; });
    auto topology = th::from_binary<th::StormTopology>(code);
    if (!topology) {
        throw std::runtime_error("unreadable stored topology " + id + ": " +
                                 topology.error().message());
    }
    _return = std::move(*topology);
}

}  // namespace tempest::nimbus
