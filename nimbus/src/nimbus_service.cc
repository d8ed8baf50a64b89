// SPDX-License-Identifier: Apache-2.0
// Nimbus' parts put together (see nimbus_service.h).
#include "nimbus_service.h"

#include "code_replication.h"
#include "logger.h"
#include "nimbus_error.h"
#include "package_check.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <algorithm>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace tempest::nimbus {

namespace fs = std::filesystem;

namespace {

// How long an upload may stay in the inbox without being submitted (Storm's
// nimbus.inbox.jar.expiration.secs default).
constexpr auto inbox_expiry = std::chrono::hours(1);
// How long a standby waits for the leader when fetching code.
constexpr auto fetch_timeout = std::chrono::seconds(30);

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

nimbus_service::nimbus_service(common::cluster_state& state, config daemon_conf,
                               std::optional<fs::path> local_dir, common::zk_paths paths)
    : _state(state),
      _conf(std::move(daemon_conf)),
      _paths(std::move(paths)),
      _settings(nimbus_settings::from(_conf, local_dir.value_or(fs::path()))),
      _clocks(nimbus_clocks::system()),
      _store(_state, _paths, _settings.stormdist(), _conf),
      _files(_settings.inbox(), _settings.stormdist(), _settings.max_upload_bytes),
      _monitor(_state, _store,
               {_settings.task_timeout, _settings.task_launch_secs, _settings.supervisor_timeout},
               _clocks),
      _actions(_store, _monitor),
      _replicator(_state, _paths, _settings.stormdist(), _mu) {
    std::error_code ec;
    fs::create_directories(_settings.inbox(), ec);
    if (!ec) {
        fs::create_directories(_settings.stormdist(), ec);
    }
    if (ec) {
        throw std::runtime_error("nimbus: cannot create " +
                                 (_settings.local_dir / "nimbus").string() + ": " + ec.message());
    }
    std::scoped_lock lock(_mu);
    for (const auto& dir : _paths.top_level()) {
        if (dir == "/") {
            continue;
        }
        if (auto r = common::ensure_path(_state, dir); !r) {
            throw std::runtime_error("cluster state: creating " + dir + ": " + r.error().message());
        }
    }
    _actions.recover(_store.read_all(), _clocks.steady());
}

nimbus_service::~nimbus_service() {
    stop();
}

void nimbus_service::start() {
    std::scoped_lock lock(_mu);
    if (_thread.joinable()) {
        return;
    }
    _stopping = false;
    _thread = std::thread([this] { background_loop(); });
}

void nimbus_service::stop() {
    {
        std::scoped_lock lock(_mu);
        _stopping = true;
    }
    _wake.notify_all();
    if (_thread.joinable()) {
        _thread.join();
    }
}

void nimbus_service::set_leader_check(leader_check check) {
    std::scoped_lock lock(_mu);
    _leader_check = std::move(check);
    _wake.notify_all();
}

void nimbus_service::set_clocks(nimbus_clocks clocks) {
    std::scoped_lock lock(_mu);
    if (clocks.steady) {
        _clocks.steady = clocks.steady;
    }
    if (clocks.unix_secs) {
        _clocks.unix_secs = clocks.unix_secs;
    }
    _monitor.set_clocks(std::move(clocks));
}

std::int64_t nimbus_service::unix_now_secs() const {
    std::function<std::int64_t()> clock;
    {
        std::scoped_lock lock(_mu);
        clock = _clocks.unix_secs;
    }
    return clock();
}

void nimbus_service::require_leader() {
    leader_check check;
    {
        std::scoped_lock lock(_mu);
        check = _leader_check;
    }
    if (!check) {
        return;
    }
    if (auto leader = check()) {
        throw nimbus_error(
            error_kind::not_leader,
            "this Nimbus is not the leader; the leader is " +
                (leader->host.empty() ? std::string("unknown")
                                      : leader->host + ":" + std::to_string(leader->port)));
    }
}

std::string nimbus_service::submit(const submission& s) {
    require_leader();
    const std::string source = "topology '" + s.name + "'";
    fs::path package = fs::path(s.uploaded_location).lexically_normal();
    if (_settings.package_check.enabled && s.topology && needs_package_classes(*s.topology)) {
        // The cheap checks first, then the package's classes in a child process, without the
        // mutex (it takes tens of milliseconds); the checks are repeated under it below.
        {
            std::scoped_lock lock(_mu);
            (void)_store.validate(s.name, s.conf_json, s.topology, s.topology_error);
        }
        (void)_files.claim_upload(s.uploaded_location, source);
        check_package_classes(_settings.package_check, *s.topology, package, source);
    }
    std::scoped_lock lock(_mu);
    auto v = _store.validate(s.name, s.conf_json, s.topology, s.topology_error);
    auto checksum = _files.claim_upload(s.uploaded_location, source);
    auto id =
        _store.create(v, s.code, package, checksum,
                      s.inactive ? topology_status::inactive : topology_status::active, unix_now());
    try {
        _monitor.reschedule();
    } catch (...) {
        _store.discard(id, package);
        throw;
    }
    _files.forget_upload(package.string());
    log().info("submitted topology '{}' as {} ({} components, {} workers, package sha256 {})",
               s.name, id, v.topo.components.size(), v.num_workers, checksum);
    return id;
}

bool nimbus_service::is_name_allowed(const std::string& name) {
    std::scoped_lock lock(_mu);
    return topology_store::name_problem(name).empty() && !_store.find_by_name(name);
}

void nimbus_service::kill(const std::string& name, std::optional<int> wait_secs) {
    require_leader();
    std::scoped_lock lock(_mu);
    _actions.kill(name, wait_secs, _clocks.steady());
    _wake.notify_all();
}

void nimbus_service::set_active(const std::string& name, bool active) {
    require_leader();
    std::scoped_lock lock(_mu);
    auto [id, base] = _store.find_alive(name);
    auto status = active ? topology_status::active : topology_status::inactive;
    switch (base.status) {
        case topology_status::killed:
            log().info("topology '{}' is being killed; {} ignored", name,
                       active ? "activate" : "deactivate");
            return;
        case topology_status::rebalancing:
            base.prev_status = status;  // takes effect when the rebalance ends
            break;
        default:
            base.status = status;
            break;
    }
    _store.write(id, base);
    log().info("topology '{}' ({}) {}", name, id, active ? "activated" : "deactivated");
}

void nimbus_service::rebalance(const std::string& name, rebalance_options req) {
    require_leader();
    std::scoped_lock lock(_mu);
    _actions.rebalance(name, std::move(req), _clocks.steady());
    _wake.notify_all();
}

std::string nimbus_service::begin_upload() {
    require_leader();
    return _files.begin_upload();
}

int nimbus_service::run_due_actions(std::chrono::steady_clock::time_point now) {
    std::scoped_lock lock(_mu);
    return _actions.run_due(now);
}

int nimbus_service::monitor_once() {
    std::scoped_lock lock(_mu);
    int written = _monitor.reschedule();
    // Uploads never submitted (a refused submission, a client that went away) expire.
    (void)_files.expire_uploads(fs::file_time_type::clock::now() - inbox_expiry);  // logged
    return written;
}

int nimbus_service::replicate_code(const std::string& host, int port) {
    return _replicator.replicate(nimbus_code_fetcher(host, port, fetch_timeout),
                                 host + ":" + std::to_string(port));
}

std::size_t nimbus_service::pending_actions() const {
    std::scoped_lock lock(_mu);
    return _actions.size();
}

std::map<std::string, storm_base> nimbus_service::topologies() {
    std::scoped_lock lock(_mu);
    return _store.read_all();
}

std::optional<storm_base> nimbus_service::topology(const std::string& id) {
    std::scoped_lock lock(_mu);
    return _store.read(id);
}

std::pair<std::string, storm_base> nimbus_service::find_alive(const std::string& name) {
    std::scoped_lock lock(_mu);
    return _store.find_alive(name);
}

std::optional<common::assignment> nimbus_service::assignment_of(const std::string& id) {
    std::scoped_lock lock(_mu);
    return _store.read_assignment(id);
}

std::shared_ptr<const stored_topology> nimbus_service::stored(const std::string& id) {
    std::scoped_lock lock(_mu);
    if (!_store.read(id)) {
        throw nimbus_error(error_kind::not_alive, "no topology with id '" + id + "'");
    }
    return _store.load(id);
}

std::vector<common::component_layout> nimbus_service::layout(const std::string& id,
                                                             const storm_base& base) {
    std::scoped_lock lock(_mu);
    try {
        return _store.layout(id, base).components;
    } catch (const std::exception& e) {
        log().warn("topology {}: {}", id, e.what());
        return {};
    }
}

std::vector<supervisor_record> nimbus_service::supervisors() {
    std::vector<supervisor_record> out;
    auto ids = _state.children(_paths.supervisors());
    if (!ids) {
        return out;
    }
    for (const auto& sid : *ids) {
        if (auto data = _state.get(_paths.supervisor(sid)); data) {
            if (auto sup = thrift::decode_supervisor_record(data->data); sup) {
                out.push_back(std::move(*sup));
            }
        }
    }
    return out;
}

void nimbus_service::background_loop() {
    // A standby re-checks leadership this often, so that it takes over soon after the leader
    // goes.
    constexpr auto standby_poll = std::chrono::seconds(1);
    auto next_monitor = std::chrono::steady_clock::now() + _settings.monitor_period;
    bool leading = false;
    std::unique_lock lock(_mu);
    while (!_stopping) {
        auto check = _leader_check;
        lock.unlock();
        bool leads_now = true;
        std::optional<leader_address> leader;
        try {
            if (check) {
                leader = check();
            }
            leads_now = !leader.has_value();
        } catch (const std::exception& e) {
            log().warn("leader check failed: {}", e.what());
            leads_now = false;
        }
        if (leader && !leader->host.empty() && leader->port > 0) {
            // A standby keeps a copy of every topology's code, fetched from the leader.
            try {
                replicate_code(leader->host, leader->port);
            } catch (const std::exception& e) {
                log().warn("replicating code from the leader {}:{} failed (will retry): {}",
                           leader->host, leader->port, e.what());
            }
        }
        lock.lock();
        if (leads_now && !leading) {
            try {
                auto storms = _store.read_all();
                if (check) {
                    log().info("this Nimbus is now the leader");
                    std::set<std::string> ids;
                    for (const auto& [id, base] : storms) {
                        ids.insert(id);
                    }
                    _replicator.warn_missing(ids);
                }
                _actions.recover(storms, _clocks.steady());
            } catch (const std::exception& e) {
                log().warn("resuming pending actions failed: {}", e.what());
            }
        }
        leading = leads_now;
        auto wake_at = next_monitor;
        if (leading) {
            if (auto due = _actions.next_due()) {
                wake_at = std::min(wake_at, *due);
            }
        } else {
            wake_at = std::chrono::steady_clock::now() + standby_poll;
        }
        _wake.wait_until(lock, wake_at);
        if (_stopping || !leading) {
            continue;
        }
        check = _leader_check;
        lock.unlock();
        // The lead may have gone during the wait (a kill's wait can be long): the new leader
        // owns the pending actions now, so this Nimbus must not carry them out as well.
        if (check) {
            bool still_leads = false;
            try {
                still_leads = !check().has_value();
            } catch (const std::exception& e) {
                log().warn("leader check failed: {}", e.what());
            }
            if (!still_leads) {
                lock.lock();
                continue;  // the next round sees it and stands by
            }
        }
        auto now = std::chrono::steady_clock::now();
        try {
            run_due_actions(now);
            if (now >= next_monitor) {
                monitor_once();
                next_monitor = now + _settings.monitor_period;
            }
        } catch (const std::exception& e) {
            log().warn("nimbus background work failed (will retry): {}", e.what());
            next_monitor = now + _settings.monitor_period;
        }
        lock.lock();
    }
}

}  // namespace tempest::nimbus
