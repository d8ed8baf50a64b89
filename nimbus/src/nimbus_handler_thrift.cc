// SPDX-License-Identifier: Apache-2.0
// The Nimbus Thrift handler (see nimbus_handler.h).
#include "code_replication.h"
#include "nimbus_handler.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/log.h"
#include "tempest/common/sha256.h"
#include "tempest/common/task_layout.h"
#include "tempest/nimbus/scheduler.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_types.h"
#include "tempest/thrift/topology_convert.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace tempest::nimbus {

namespace fs = std::filesystem;
namespace th = tempest::thrift;
namespace rec = tempest::thrift::records;

namespace {

constexpr const char* package_file = "stormjar.so";
constexpr const char* checksum_file = "stormjar.so.sha256";
constexpr const char* code_file = "stormcode.ser";
constexpr const char* conf_file = "stormconf.json";
constexpr std::size_t download_chunk_bytes = 1 << 20;
// How long an upload may stay in the inbox without being submitted (Storm's
// nimbus.inbox.jar.expiration.secs default).
constexpr auto inbox_expiry = std::chrono::hours(1);

spdlog::logger& log() {
    return common::logger("nimbus");
}

std::int64_t now_secs() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

[[noreturn]] void throw_not_alive(const std::string& msg) {
    th::NotAliveException e;
    e.msg = msg;
    throw e;
}

[[noreturn]] void throw_invalid(const std::string& msg) {
    th::InvalidTopologyException e;
    e.msg = msg;
    throw e;
}

[[noreturn]] void throw_state_error(const std::string& what, std::error_code ec) {
    throw std::runtime_error("cluster state: " + what + ": " + ec.message());
}

std::string random_hex(std::size_t n) {
    static thread_local std::mt19937_64 gen{std::random_device{}()};
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[gen() % 16]);
    }
    return out;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + p.string());
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, std::string_view data) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out) {
        throw std::runtime_error("cannot write " + p.string());
    }
}

// Storm's rule: no '/', '.', ':' or '\'; and not empty.
std::string name_problem(const std::string& name) {
    if (name.empty()) {
        return "topology name must not be empty";
    }
    if (name.find_first_of("/.:\\") != std::string::npos || name.find('\0') != std::string::npos) {
        return "topology name '" + name + "' must not contain '/', '.', ':' or '\\'";
    }
    return {};
}

std::string status_string(rec::TopologyStatus::type s) {
    switch (s) {
        case rec::TopologyStatus::ACTIVE:
            return "ACTIVE";
        case rec::TopologyStatus::INACTIVE:
            return "INACTIVE";
        case rec::TopologyStatus::REBALANCING:
            return "REBALANCING";
        case rec::TopologyStatus::KILLED:
            return "KILLED";
    }
    return "UNKNOWN";
}

assignment from_record(const rec::AssignmentRecord& r) {
    assignment a;
    for (const auto& [e, np] : r.executor_node_port) {
        a.executor_slot[{e.task_start, e.task_end}] = {np.node, np.port};
    }
    a.node_host = r.node_host;
    for (const auto& [e, t] : r.executor_start_time_secs) {
        a.start_time_secs[{e.task_start, e.task_end}] = t;
    }
    return a;
}

rec::AssignmentRecord to_record(const assignment& a, const std::string& code_dir) {
    rec::AssignmentRecord r;
    r.code_dir = code_dir;
    r.node_host = a.node_host;
    for (const auto& [e, slot] : a.executor_slot) {
        th::ExecutorInfo info;
        info.task_start = e.start_task;
        info.task_end = e.end_task;
        rec::NodePort np;
        np.node = slot.node;
        np.port = slot.port;
        r.executor_node_port[info] = np;
    }
    for (const auto& [e, t] : a.start_time_secs) {
        th::ExecutorInfo info;
        info.task_start = e.start_task;
        info.task_end = e.end_task;
        r.executor_start_time_secs[info] = t;
    }
    return r;
}

}  // namespace

// A topology as stored under stormdist: the user topology and its conf.
struct nimbus_handler::stored_topology {
    tempest::topology topo;
    config conf;
    std::string conf_json;
    th::StormTopology wire;
};

struct nimbus_handler::upload {
    std::ofstream out;
    std::int64_t bytes = 0;
    common::sha256 hash;
    bool finished = false;
    std::string checksum;
};

struct nimbus_handler::download {
    std::ifstream in;
    std::string file;
};

nimbus_handler::nimbus_handler(common::cluster_state& state, config daemon_conf,
                               std::optional<fs::path> local_dir, common::zk_paths paths)
    : _state(state), _conf(std::move(daemon_conf)), _paths(std::move(paths)) {
    _local_dir = local_dir ? *local_dir : fs::path(_conf.get_string("storm.local.dir", ""));
    if (_local_dir.empty()) {
        throw std::invalid_argument("nimbus: storm.local.dir is not set");
    }
    _local_dir = fs::absolute(_local_dir).lexically_normal();
    _inbox = _local_dir / "nimbus" / "inbox";
    _stormdist = _local_dir / "nimbus" / "stormdist";
    std::error_code ec;
    fs::create_directories(_inbox, ec);
    if (!ec) {
        fs::create_directories(_stormdist, ec);
    }
    if (ec) {
        throw std::runtime_error("nimbus: cannot create " + (_local_dir / "nimbus").string() +
                                 ": " + ec.message());
    }
    _max_upload_bytes = _conf.get_int("nimbus.file.upload.max.bytes", 512LL << 20);
    _monitor_period = std::chrono::seconds(
        std::max<std::int64_t>(1, _conf.get_int("nimbus.monitor.freq.secs", 10)));
    _task_timeout = std::chrono::seconds(_conf.get_int("nimbus.task.timeout.secs", 30));
    _task_launch_secs = _conf.get_int("nimbus.task.launch.secs", 120);
    _supervisor_timeout = std::chrono::seconds(_conf.get_int("nimbus.supervisor.timeout.secs", 60));
    _clocks = {[] { return std::chrono::steady_clock::now(); }, [] { return now_secs(); }};
    _start_secs = now_secs();
    char host[256] = {};
    _host = _conf.get_string("storm.local.hostname", "");
    if (_host.empty() && gethostname(host, sizeof(host) - 1) == 0) {
        _host = host;
    }
    std::scoped_lock lock(_mu);
    for (const auto& dir : _paths.top_level()) {
        if (dir == "/") {
            continue;
        }
        if (auto r = common::ensure_path(_state, dir); !r) {
            throw_state_error("creating " + dir, r.error());
        }
    }
    recover_pending_actions();
}

nimbus_handler::~nimbus_handler() {
    stop();
}

void nimbus_handler::start() {
    std::scoped_lock lock(_mu);
    if (_thread.joinable()) {
        return;
    }
    _stopping = false;
    _thread = std::thread([this] { background_loop(); });
}

void nimbus_handler::stop() {
    {
        std::scoped_lock lock(_mu);
        _stopping = true;
    }
    _wake.notify_all();
    if (_thread.joinable()) {
        _thread.join();
    }
}

void nimbus_handler::set_address(std::string host, int port) {
    std::scoped_lock lock(_mu);
    if (!host.empty()) {
        _host = std::move(host);
    }
    _port = port;
}

void nimbus_handler::set_clocks(clocks c) {
    std::scoped_lock lock(_mu);
    if (c.steady) {
        _clocks.steady = std::move(c.steady);
    }
    if (c.unix_secs) {
        _clocks.unix_secs = std::move(c.unix_secs);
    }
}

void nimbus_handler::set_leader_check(leader_check check) {
    std::scoped_lock lock(_mu);
    _leader_check = std::move(check);
    _wake.notify_all();
}

void nimbus_handler::require_leader() {
    leader_check check;
    {
        std::scoped_lock lock(_mu);
        check = _leader_check;
    }
    if (!check) {
        return;
    }
    if (auto leader = check()) {
        throw std::runtime_error("this Nimbus is not the leader; the leader is " +
                                 (leader->host.empty()
                                      ? std::string("unknown")
                                      : leader->host + ":" + std::to_string(leader->port)));
    }
}

void nimbus_handler::background_loop() {
    // A standby re-checks leadership this often, so that it takes over soon after the leader
    // goes.
    constexpr auto standby_poll = std::chrono::seconds(1);
    auto next_monitor = std::chrono::steady_clock::now() + _monitor_period;
    bool leading = false;
    std::unique_lock lock(_mu);
    while (!_stopping) {
        auto check = _leader_check;
        lock.unlock();
        bool leads_now = true;
        std::optional<th::NimbusSummary> leader;
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
            if (check) {
                log().info("this Nimbus is now the leader");
                warn_missing_code();
            }
            try {
                recover_pending_actions();
            } catch (const std::exception& e) {
                log().warn("resuming pending actions failed: {}", e.what());
            }
        }
        leading = leads_now;
        auto wake_at = next_monitor;
        if (leading) {
            for (const auto& a : _pending) {
                wake_at = std::min(wake_at, a.due);
            }
        } else {
            wake_at = std::chrono::steady_clock::now() + standby_poll;
        }
        _wake.wait_until(lock, wake_at);
        if (_stopping || !leading) {
            continue;
        }
        lock.unlock();
        auto now = std::chrono::steady_clock::now();
        try {
            run_due_actions(now);
            if (now >= next_monitor) {
                monitor_once();
                next_monitor = now + _monitor_period;
            }
        } catch (const std::exception& e) {
            log().warn("nimbus background work failed (will retry): {}", e.what());
            next_monitor = now + _monitor_period;
        }
        lock.lock();
    }
}

int nimbus_handler::monitor_once() {
    std::scoped_lock lock(_mu);
    int written = reschedule(nullptr);
    // Uploads never submitted (a refused submission, a client that went away) expire.
    std::scoped_lock files(_files_mu);
    std::error_code ec;
    auto cutoff = fs::file_time_type::clock::now() - inbox_expiry;
    for (const auto& entry : fs::directory_iterator(_inbox, ec)) {
        auto mtime = entry.last_write_time(ec);
        if (ec || mtime > cutoff) {
            continue;
        }
        auto path = entry.path().string();
        _uploads.erase(path);
        fs::remove(entry.path(), ec);
        log().info("removed expired upload {}", path);
    }
    return written;
}

std::size_t nimbus_handler::pending_actions() const {
    std::scoped_lock lock(_mu);
    return _pending.size();
}

int nimbus_handler::run_due_actions(std::chrono::steady_clock::time_point now) {
    std::scoped_lock lock(_mu);
    int ran = 0;
    while (true) {
        auto it = std::find_if(_pending.begin(), _pending.end(),
                               [&](const pending_action& a) { return a.due <= now; });
        if (it == _pending.end()) {
            break;
        }
        auto action = *it;
        _pending.erase(it);
        ++ran;
        if (action.kind == action_kind::kill) {
            remove_topology(action.topology_id);
        } else {
            do_rebalance(action.topology_id);
        }
    }
    return ran;
}

void nimbus_handler::schedule_action(const std::string& id, action_kind kind, int wait_secs) {
    // A newer action on a topology replaces an older one.
    std::erase_if(_pending, [&](const pending_action& a) { return a.topology_id == id; });
    _pending.push_back(
        {std::chrono::steady_clock::now() + std::chrono::seconds(std::max(0, wait_secs)), id,
         kind});
    _wake.notify_all();
}

int nimbus_handler::replicate_code(const std::string& host, int port) {
    std::vector<std::string> missing;
    {
        std::scoped_lock lock(_mu);
        // Ids, not records: an unreadable record must not cost a topology its code.
        std::set<std::string> storms;
        if (auto ids = _state.children(_paths.storms()); ids) {
            storms.insert(ids->begin(), ids->end());
        } else if (ids.error() != common::errc::no_node) {
            throw_state_error("listing " + _paths.storms(), ids.error());
        }
        fs::create_directories(_stormdist);
        // Code of topologies gone from storms/ (killed by the leader) and partial fetches go.
        std::vector<fs::path> stale;
        for (const auto& entry : fs::directory_iterator(_stormdist)) {
            if (!storms.contains(entry.path().filename().string())) {
                stale.push_back(entry.path());
            }
        }
        for (const auto& p : stale) {
            std::error_code ec;
            fs::remove_all(p, ec);
            log().info("removed {} (no such topology in the cluster state)", p.string());
        }
        for (const auto& id : storms) {
            if (!fs::exists(_stormdist / id)) {
                missing.push_back(id);
            }
        }
    }
    int fetched = 0;
    std::string first_error;
    for (const auto& id : missing) {
        auto partial = _stormdist / (".fetch-" + id);
        std::error_code ec;
        try {
            fs::remove_all(partial, ec);
            fetch_topology_code(host, port, id, partial, std::chrono::seconds(30));
        } catch (const std::exception& e) {
            fs::remove_all(partial, ec);
            if (first_error.empty()) {
                first_error = e.what();
            }
            continue;
        }
        // Moved into place under _mu, so that it never appears for a topology killed meanwhile.
        std::scoped_lock lock(_mu);
        auto still = _state.exists(_paths.storm(id));
        if (still && still->has_value() && !fs::exists(_stormdist / id)) {
            fs::rename(partial, _stormdist / id);
            ++fetched;
            log().info("replicated the code of {} from the leader {}:{} (package sha256 {})", id,
                       host, port, read_file(_stormdist / id / checksum_file).substr(0, 64));
        } else {
            fs::remove_all(partial, ec);
        }
    }
    if (!first_error.empty()) {
        throw std::runtime_error(first_error);
    }
    return fetched;
}

void nimbus_handler::warn_missing_code() {
    for (const auto& [id, base] : read_storms()) {
        if (!fs::is_regular_file(_stormdist / id / package_file)) {
            log().error(
                "no code for topology {} under {}: it was never replicated here, so "
                "this Nimbus cannot serve its package",
                id, (_stormdist / id).string());
        }
    }
}

void nimbus_handler::recover_pending_actions() {
    auto storms = read_storms();
    // Regaining the lead (after a lost ZooKeeper connection, say): actions another leader
    // carried out meanwhile go; those still recorded keep their due time.
    std::erase_if(_pending, [&](const pending_action& a) {
        auto it = storms.find(a.topology_id);
        return it == storms.end() || it->second.status != (a.kind == action_kind::kill
                                                               ? rec::TopologyStatus::KILLED
                                                               : rec::TopologyStatus::REBALANCING);
    });
    for (const auto& [id, base] : storms) {
        if (std::any_of(_pending.begin(), _pending.end(),
                        [&](const pending_action& a) { return a.topology_id == id; })) {
            continue;
        }
        if (base.status == rec::TopologyStatus::KILLED) {
            int wait = base.__isset.kill_options && base.kill_options.__isset.wait_secs
                           ? base.kill_options.wait_secs
                           : 0;
            log().info("found topology {} ('{}') being killed; removing it in {} s", id, base.name,
                       wait);
            schedule_action(id, action_kind::kill, wait);
        } else if (base.status == rec::TopologyStatus::REBALANCING) {
            int wait = base.__isset.rebalance_options && base.rebalance_options.__isset.wait_secs
                           ? base.rebalance_options.wait_secs
                           : 0;
            log().info("found topology {} ('{}') rebalancing; rebalancing it in {} s", id,
                       base.name, wait);
            schedule_action(id, action_kind::rebalance, wait);
        } else {
            log().info("found topology {} ('{}', {})", id, base.name, status_string(base.status));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cluster-state helpers. Requires: _mu held.

std::map<std::string, nimbus_handler::storm_base> nimbus_handler::read_storms() {
    std::map<std::string, storm_base> out;
    auto ids = _state.children(_paths.storms());
    if (!ids) {
        if (ids.error() == common::errc::no_node) {
            return out;
        }
        throw_state_error("listing " + _paths.storms(), ids.error());
    }
    for (const auto& id : *ids) {
        if (auto base = read_storm(id)) {
            out.emplace(id, std::move(*base));
        }
    }
    return out;
}

std::optional<nimbus_handler::storm_base> nimbus_handler::read_storm(const std::string& id) {
    std::string path;
    try {
        path = _paths.storm(id);
    } catch (const std::invalid_argument&) {
        return std::nullopt;
    }
    auto data = _state.get(path);
    if (!data) {
        if (data.error() == common::errc::no_node) {
            return std::nullopt;
        }
        throw_state_error("reading " + path, data.error());
    }
    auto base = th::from_binary<storm_base>(data->data);
    if (!base) {
        log().warn("unreadable topology record {}: {}", path, base.error().message());
        return std::nullopt;
    }
    return std::move(*base);
}

std::optional<std::pair<std::string, nimbus_handler::storm_base>> nimbus_handler::find_by_name(
    const std::string& name) {
    for (auto& [id, base] : read_storms()) {
        if (base.name == name) {
            return std::make_pair(id, std::move(base));
        }
    }
    return std::nullopt;
}

std::pair<std::string, nimbus_handler::storm_base> nimbus_handler::find_alive(
    const std::string& name) {
    auto found = find_by_name(name);
    if (!found) {
        throw_not_alive("topology '" + name + "' is not alive");
    }
    return std::move(*found);
}

void nimbus_handler::write_storm(const std::string& id, const storm_base& base) {
    auto path = _paths.storm(id);
    if (auto r = _state.set(path, th::to_binary(base)); !r) {
        throw_state_error("writing " + path, r.error());
    }
}

std::shared_ptr<const nimbus_handler::stored_topology> nimbus_handler::load_topology(
    const std::string& id) {
    if (auto it = _loaded.find(id); it != _loaded.end()) {
        return it->second;
    }
    auto dir = _stormdist / id;
    auto st = std::make_shared<stored_topology>();
    auto code = th::from_binary<th::StormTopology>(read_file(dir / code_file));
    if (!code) {
        throw std::runtime_error("unreadable " + (dir / code_file).string() + ": " +
                                 code.error().message());
    }
    st->wire = std::move(*code);
    st->topo = th::from_thrift(st->wire);
    st->conf_json = read_file(dir / conf_file);
    st->conf = th::config_from_json(st->conf_json);
    _loaded[id] = st;
    return st;
}

namespace {

std::vector<common::component_layout> layout_of(const tempest::topology& user,
                                                const config& daemon_conf, const config& topo_conf,
                                                const rec::StormBaseRecord& base) {
    tempest::topology t = user;
    for (auto& c : t.components) {
        if (auto it = base.component_executors.find(c.id); it != base.component_executors.end()) {
            c.parallelism = it->second;
        }
    }
    config effective = daemon_conf;
    effective.merge(topo_conf);
    effective.set(config::topology_workers, base.num_workers);
    return common::compute_task_layout(t, effective);
}

std::vector<executor_id> executors_of(const std::vector<common::component_layout>& layout) {
    std::vector<executor_id> out;
    for (const auto& c : layout) {
        for (const auto& e : c.executors) {
            out.push_back({e.first_task, e.last_task});
        }
    }
    return out;
}

}  // namespace

std::vector<supervisor_offer> nimbus_handler::live_supervisors() {
    std::vector<supervisor_offer> supervisors;
    auto now = _clocks.steady();
    std::set<std::string> timed_out;
    if (auto ids = _state.children(_paths.supervisors()); ids) {
        for (const auto& sid : *ids) {
            auto data = _state.get(_paths.supervisor(sid));
            if (!data) {
                if (data.error() != common::errc::no_node) {
                    throw_state_error("reading " + _paths.supervisor(sid), data.error());
                }
                continue;  // vanished meanwhile
            }
            auto unchanged = _supervisor_beats.observe(sid, heartbeat_tracker::of(*data), now);
            auto sup = th::from_binary<rec::SupervisorRecord>(data->data);
            if (!sup) {
                log().warn("unreadable supervisor record {}: {}", sid, sup.error().message());
                continue;
            }
            if (unchanged >= _supervisor_timeout) {
                timed_out.insert(sid);
                if (!_timed_out_supervisors.contains(sid)) {
                    log().warn(
                        "supervisor {} ({}) has not updated its heartbeat for {} s "
                        "(nimbus.supervisor.timeout.secs = {}): treating it as gone, its "
                        "executors move",
                        sid, sup->hostname,
                        std::chrono::duration_cast<std::chrono::seconds>(unchanged).count(),
                        _supervisor_timeout.count());
                }
                continue;
            }
            supervisors.push_back({sup->supervisor_id, sup->hostname, sup->ports});
        }
    } else if (ids.error() != common::errc::no_node) {
        throw_state_error("listing " + _paths.supervisors(), ids.error());
    }
    for (const auto& sid : _timed_out_supervisors) {
        if (!timed_out.contains(sid)) {
            log().info("supervisor {} is no longer timed out (heartbeat again, or gone)", sid);
        }
    }
    _timed_out_supervisors = std::move(timed_out);
    _supervisor_beats.sweep();
    return supervisors;
}

namespace {

std::string executor_list(const std::vector<executor_id>& executors) {
    std::string out;
    for (const auto& e : executors) {
        out += out.empty() ? "[" : ", ";
        out += std::to_string(e.start_task) + "-" + std::to_string(e.end_task);
    }
    return out + "]";
}

}  // namespace

std::set<worker_slot> nimbus_handler::dead_slots(const std::string& id, const assignment& a,
                                                 const std::set<std::string>& offered) {
    std::map<worker_slot, std::vector<executor_id>> on_slot;
    for (const auto& [e, slot] : a.executor_slot) {
        on_slot[slot].push_back(e);
    }
    auto now = _clocks.steady();
    auto now_unix = _clocks.unix_secs();
    std::set<worker_slot> dead;
    for (const auto& [slot, executors] : on_slot) {
        if (!offered.contains(slot.node)) {
            continue;  // its supervisor is gone: everything there moves anyway
        }
        auto path = _paths.workerbeat(id, slot.node, slot.port);
        std::optional<heartbeat_tracker::clock::duration> unchanged;
        if (auto data = _state.get(path); data) {
            unchanged =
                _worker_beats.observe(id + "/" + slot.node + "-" + std::to_string(slot.port),
                                      heartbeat_tracker::of(*data), now);
        } else if (data.error() != common::errc::no_node) {
            throw_state_error("reading " + path, data.error());
        }
        bool fresh = unchanged && *unchanged < _task_timeout;
        if (fresh) {
            continue;
        }
        std::vector<executor_id> expired;
        for (const auto& e : executors) {
            auto st = a.start_time_secs.find(e);
            // Without a start time the scheduler stamps it now: it counts as just placed.
            bool launching =
                st == a.start_time_secs.end() || now_unix - st->second < _task_launch_secs;
            if (!launching) {
                expired.push_back(e);
            }
        }
        if (expired.empty()) {
            continue;
        }
        dead.insert(slot);
        std::string why =
            unchanged
                ? "heartbeat unchanged for " +
                      std::to_string(
                          std::chrono::duration_cast<std::chrono::seconds>(*unchanged).count()) +
                      " s (nimbus.task.timeout.secs = " + std::to_string(_task_timeout.count()) +
                      ")"
                : std::string("no heartbeat");
        log().warn(
            "topology {}: executors {} on {}:{} ({}) are dead: {} and placed at least "
            "nimbus.task.launch.secs = {} s ago; moving all {} executors of that slot",
            id, executor_list(expired), slot.node, slot.port,
            a.node_host.contains(slot.node) ? a.node_host.at(slot.node) : slot.node, why,
            _task_launch_secs, executors.size());
    }
    return dead;
}

int nimbus_handler::reschedule(const std::string* drop_previous_of) {
    auto storms = read_storms();
    std::vector<topology_request> requests;
    for (const auto& [id, base] : storms) {
        try {
            auto st = load_topology(id);
            requests.push_back({id,
                                std::max(1, base.num_workers),
                                executors_of(layout_of(st->topo, _conf, st->conf, base)),
                                {}});
        } catch (const std::exception& e) {
            log().warn("cannot schedule topology {}: {}", id, e.what());
        }
    }
    std::vector<supervisor_offer> supervisors = live_supervisors();
    std::set<std::string> offered;
    for (const auto& s : supervisors) {
        offered.insert(s.node);
    }
    std::map<std::string, assignment> existing;
    std::set<std::string> recorded;
    for (const auto& [id, base] : storms) {
        auto data = _state.get(_paths.assignment(id));
        if (!data) {
            continue;
        }
        recorded.insert(id);
        auto r = th::from_binary<rec::AssignmentRecord>(data->data);
        if (r && (drop_previous_of == nullptr || *drop_previous_of != id)) {
            existing[id] = from_record(*r);
        }
    }
    for (auto& t : requests) {
        if (auto it = existing.find(t.id); it != existing.end()) {
            t.dead_slots = dead_slots(t.id, it->second, offered);
        }
    }
    _worker_beats.sweep();
    auto result = schedule(requests, supervisors, existing, _clocks.unix_secs());
    int written = 0;
    for (const auto& [id, a] : result) {
        auto it = existing.find(id);
        if (it != existing.end() && it->second == a && recorded.count(id) != 0) {
            continue;
        }
        auto bytes = th::to_binary(to_record(a, (_stormdist / id).string()));
        auto path = _paths.assignment(id);
        auto r = recorded.count(id) != 0 ? common::result<void>(_state.set(path, bytes).error())
                                         : common::result<void>(_state.create(path, bytes).error());
        if (!r) {
            throw_state_error("writing " + path, r.error());
        }
        log().info("assigned topology {}: {} executors on {} workers", id, a.executor_slot.size(),
                   a.slots().size());
        ++written;
    }
    return written;
}

void nimbus_handler::remove_topology(const std::string& id) {
    for (const auto& path :
         {_paths.assignment(id), _paths.storm(id), _paths.workerbeats(id), _paths.errors(id)}) {
        if (auto r = common::remove_recursive(_state, path); !r) {
            log().warn("removing {}: {}", path, r.error().message());
        }
    }
    std::error_code ec;
    fs::remove_all(_stormdist / id, ec);
    if (ec) {
        log().warn("removing {}: {}", (_stormdist / id).string(), ec.message());
    }
    _loaded.erase(id);
    log().info("topology {} removed", id);
}

int nimbus_handler::default_wait_secs(const std::string& id) {
    config effective = _conf;
    try {
        effective.merge(load_topology(id)->conf);
    } catch (const std::exception&) {
        // The daemon's default message timeout then.
    }
    return static_cast<int>(effective.get_int(config::topology_message_timeout_secs, 30));
}

// ---------------------------------------------------------------------------------------------
// Submission

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
    require_leader();
    std::scoped_lock lock(_mu);
    if (auto p = name_problem(name); !p.empty()) {
        throw_invalid(p);
    }
    if (find_by_name(name)) {
        th::AlreadyAliveException e;
        e.msg = "topology '" + name + "' is already alive";
        throw e;
    }
    const std::string source = "topology '" + name + "'";
    config conf;
    tempest::topology topo;
    std::vector<common::component_layout> layout;
    int num_workers = 1;
    try {
        conf = th::config_from_json(jsonConf);
        common::validate_topology_config(conf, source);
        topo = th::from_thrift(topology);
        for (const auto& c : topo.components) {
            common::validate_topology_config(c.conf, "component '" + c.id + "' of " + source);
        }
        topo.validate();
        config effective = _conf;
        effective.merge(conf);
        num_workers = static_cast<int>(effective.get_int(config::topology_workers, 1));
        if (num_workers < 1) {
            throw invalid_topology("topology.workers must be >= 1, got " +
                                   std::to_string(num_workers));
        }
        conf.set(config::topology_name, name);
        conf.set(config::topology_acker_executors, common::acker_count(effective));
    } catch (const invalid_topology& e) {
        throw_invalid(source + ": " + e.what());
    } catch (const common::config_error& e) {
        throw_invalid(e.what());
    } catch (const type_error& e) {
        throw_invalid(source + ": " + e.what());
    }

    // The uploaded package.
    fs::path package = fs::path(uploadedJarLocation).lexically_normal();
    std::string checksum;
    {
        std::scoped_lock files(_files_mu);
        if (package.parent_path() != _inbox || !fs::is_regular_file(package)) {
            throw_invalid(source + ": no uploaded package at '" + uploadedJarLocation + "'");
        }
        if (auto it = _uploads.find(package.string()); it != _uploads.end()) {
            if (!it->second->finished) {
                throw_invalid(source + ": the upload '" + uploadedJarLocation +
                              "' is not finished (call finishFileUpload)");
            }
            checksum = it->second->checksum;
        }
    }
    if (checksum.empty()) {
        checksum = common::sha256_of_file(package);
    }

    std::string id = name + "-" + std::to_string(_next_id++) + "-" + std::to_string(now_secs());
    fs::path dir = _stormdist / id;
    bool moved = false;
    auto undo_disk = [&] {
        std::error_code ec;
        if (moved) {
            fs::rename(dir / package_file, package, ec);
        }
        fs::remove_all(dir, ec);
    };
    try {
        fs::create_directories(dir);
        write_file(dir / code_file, th::to_binary(topology));
        write_file(dir / conf_file, th::to_json(conf));
        write_file(dir / checksum_file, checksum + "\n");
        fs::rename(package, dir / package_file);
        moved = true;
    } catch (const std::exception& e) {
        undo_disk();
        throw std::runtime_error("storing topology " + id + " under " + dir.string() + ": " +
                                 e.what());
    }

    storm_base base;
    base.name = name;
    base.status = options.initial_status == th::TopologyInitialStatus::INACTIVE
                      ? rec::TopologyStatus::INACTIVE
                      : rec::TopologyStatus::ACTIVE;
    base.owner = "";
    base.launch_time_secs = now_secs();
    base.num_workers = num_workers;
    for (const auto& c : topo.components) {
        base.component_executors[c.id] = c.parallelism;
    }
    bool storm_written = false;
    try {
        auto path = _paths.storm(id);
        if (auto r = _state.create(path, th::to_binary(base)); !r) {
            throw_state_error("creating " + path, r.error());
        }
        storm_written = true;
        reschedule(nullptr);
    } catch (...) {
        _loaded.erase(id);
        if (storm_written) {
            (void)_state.remove(_paths.assignment(id));  // may not exist; undo as far as we can
            (void)_state.remove(_paths.storm(id));
        }
        undo_disk();
        throw;
    }
    {
        std::scoped_lock files(_files_mu);
        _uploads.erase(package.string());
    }
    log().info("submitted topology '{}' as {} ({} components, {} workers, package sha256 {})", name,
               id, topo.components.size(), num_workers, checksum);
}

bool nimbus_handler::isTopologyNameAllowed(const std::string& name) {
    std::scoped_lock lock(_mu);
    return name_problem(name).empty() && !find_by_name(name);
}

// ---------------------------------------------------------------------------------------------
// Topology actions

void nimbus_handler::killTopology(const std::string& name) {
    killTopologyWithOpts(name, th::KillOptions());
}

void nimbus_handler::killTopologyWithOpts(const std::string& name, const th::KillOptions& options) {
    require_leader();
    std::scoped_lock lock(_mu);
    auto [id, base] = find_alive(name);
    int wait = options.__isset.wait_secs ? options.wait_secs : default_wait_secs(id);
    wait = std::max(0, wait);
    if (wait == 0) {
        remove_topology(id);
        log().info("killed topology '{}' ({})", name, id);
        return;
    }
    base.status = rec::TopologyStatus::KILLED;
    th::KillOptions ko;
    ko.__set_wait_secs(wait);
    base.__set_kill_options(ko);
    write_storm(id, base);
    schedule_action(id, action_kind::kill, wait);
    log().info("killing topology '{}' ({}): deactivated, removal in {} s", name, id, wait);
}

void nimbus_handler::set_status(const std::string& name, bool active) {
    require_leader();
    std::scoped_lock lock(_mu);
    auto [id, base] = find_alive(name);
    auto status = active ? rec::TopologyStatus::ACTIVE : rec::TopologyStatus::INACTIVE;
    switch (base.status) {
        case rec::TopologyStatus::KILLED:
            log().info("topology '{}' is being killed; {} ignored", name,
                       active ? "activate" : "deactivate");
            return;
        case rec::TopologyStatus::REBALANCING:
            base.__set_prev_status(status);  // takes effect when the rebalance ends
            break;
        default:
            base.status = status;
            break;
    }
    write_storm(id, base);
    log().info("topology '{}' ({}) {}", name, id, active ? "activated" : "deactivated");
}

void nimbus_handler::activate(const std::string& name) {
    set_status(name, true);
}

void nimbus_handler::deactivate(const std::string& name) {
    set_status(name, false);
}

void nimbus_handler::rebalance(const std::string& name, const th::RebalanceOptions& options) {
    require_leader();
    std::scoped_lock lock(_mu);
    auto [id, base] = find_alive(name);
    if (base.status == rec::TopologyStatus::KILLED) {
        throw_invalid("topology '" + name + "' is being killed and cannot be rebalanced");
    }
    if (options.__isset.num_workers && options.num_workers < 1) {
        throw_invalid("rebalance of '" + name + "': the number of workers must be >= 1, got " +
                      std::to_string(options.num_workers));
    }
    if (options.__isset.num_executors) {
        auto st = load_topology(id);
        for (const auto& [component, n] : options.num_executors) {
            const auto* c = st->topo.find(component);
            if (c == nullptr) {
                throw_invalid("rebalance of '" + name + "': no component '" + component + "'");
            }
            if (n < 1 || n > c->num_tasks) {
                throw_invalid("rebalance of '" + name + "': component '" + component +
                              "' can have between 1 and " + std::to_string(c->num_tasks) +
                              " executors (its task count), got " + std::to_string(n));
            }
        }
    }
    if (options.__isset.topology_conf_overrides && !options.topology_conf_overrides.empty()) {
        throw_invalid("rebalance of '" + name + "': topology_conf_overrides are not supported");
    }
    int wait = options.__isset.wait_secs ? options.wait_secs : default_wait_secs(id);
    wait = std::max(0, wait);
    if (base.status != rec::TopologyStatus::REBALANCING) {
        base.__set_prev_status(base.status);
    }
    base.status = rec::TopologyStatus::REBALANCING;
    th::RebalanceOptions ro = options;
    ro.__set_wait_secs(wait);
    ro.__isset.principal = false;
    base.__set_rebalance_options(ro);
    write_storm(id, base);
    log().info("rebalancing topology '{}' ({}) in {} s", name, id, wait);
    if (wait == 0) {
        std::erase_if(_pending, [&](const pending_action& a) { return a.topology_id == id; });
        do_rebalance(id);
    } else {
        schedule_action(id, action_kind::rebalance, wait);
    }
}

void nimbus_handler::do_rebalance(const std::string& id) {
    auto base = read_storm(id);
    if (!base || base->status != rec::TopologyStatus::REBALANCING) {
        return;
    }
    const auto& ro = base->rebalance_options;
    if (base->__isset.rebalance_options) {
        if (ro.__isset.num_workers) {
            base->num_workers = ro.num_workers;
        }
        if (ro.__isset.num_executors) {
            for (const auto& [component, n] : ro.num_executors) {
                base->component_executors[component] = n;
            }
        }
    }
    base->status = base->__isset.prev_status ? base->prev_status : rec::TopologyStatus::ACTIVE;
    base->__isset.prev_status = false;
    base->__isset.rebalance_options = false;
    base->rebalance_options = th::RebalanceOptions();
    write_storm(id, *base);
    reschedule(&id);
    log().info("rebalanced topology {}: {} workers", id, base->num_workers);
}

// ---------------------------------------------------------------------------------------------
// Files

void nimbus_handler::beginFileUpload(std::string& _return) {
    require_leader();
    auto path = _inbox / ("stormjar-" + random_hex(16) + ".so");
    auto u = std::make_unique<upload>();
    u->out.open(path, std::ios::binary | std::ios::trunc);
    if (!u->out) {
        throw std::runtime_error("cannot create upload file " + path.string());
    }
    _return = path.string();
    std::scoped_lock files(_files_mu);
    _uploads[_return] = std::move(u);
    log().debug("upload started: {}", _return);
}

void nimbus_handler::uploadChunk(const std::string& location, const std::string& chunk) {
    std::scoped_lock files(_files_mu);
    auto it = _uploads.find(location);
    if (it == _uploads.end()) {
        throw std::runtime_error("no upload in progress at '" + location + "'");
    }
    auto& u = *it->second;
    if (u.finished) {
        throw std::runtime_error("the upload at '" + location + "' is already finished");
    }
    auto size = u.bytes + static_cast<std::int64_t>(chunk.size());
    if (size > _max_upload_bytes) {
        u.out.close();
        std::error_code ec;
        fs::remove(location, ec);
        _uploads.erase(it);
        throw std::runtime_error("upload '" + location +
                                 "' exceeds nimbus.file.upload.max.bytes (" +
                                 std::to_string(_max_upload_bytes) + " bytes); upload abandoned");
    }
    u.out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!u.out) {
        throw std::runtime_error("writing the upload '" + location + "' failed");
    }
    u.hash.update(chunk);
    u.bytes = size;
}

void nimbus_handler::finishFileUpload(const std::string& location) {
    std::scoped_lock files(_files_mu);
    auto it = _uploads.find(location);
    if (it == _uploads.end()) {
        throw std::runtime_error("no upload in progress at '" + location + "'");
    }
    auto& u = *it->second;
    if (u.finished) {
        return;
    }
    u.out.close();
    if (!u.out) {
        throw std::runtime_error("closing the upload '" + location + "' failed");
    }
    u.finished = true;
    u.checksum = u.hash.hex();
    log().info("upload finished: {} ({} bytes, sha256 {})", location, u.bytes, u.checksum);
}

void nimbus_handler::beginFileDownload(std::string& _return, const std::string& file) {
    std::error_code ec;
    // A relative path names a file under stormdist ("<topology-id>/stormjar.so"): that is how a
    // standby asks the leader for code, as their stormdist paths differ.
    fs::path requested(file);
    auto path = fs::weakly_canonical(
        requested.is_relative() ? _stormdist / requested : fs::absolute(requested), ec);
    auto root = fs::weakly_canonical(_stormdist, ec);
    auto rel = path.lexically_relative(root);
    if (ec || rel.empty() || rel.begin()->string() == ".." || rel == "." ||
        !fs::is_regular_file(path)) {
        throw std::runtime_error("cannot download '" + file + "': only files under " +
                                 _stormdist.string() + " are served");
    }
    auto d = std::make_unique<download>();
    d->in.open(path, std::ios::binary);
    if (!d->in) {
        throw std::runtime_error("cannot read '" + file + "'");
    }
    d->file = path.string();
    _return = random_hex(16);
    std::scoped_lock files(_files_mu);
    _downloads[_return] = std::move(d);
}

void nimbus_handler::downloadChunk(std::string& _return, const std::string& id) {
    std::scoped_lock files(_files_mu);
    auto it = _downloads.find(id);
    if (it == _downloads.end()) {
        throw std::runtime_error("no download in progress with id '" + id + "'");
    }
    _return.resize(download_chunk_bytes);
    it->second->in.read(_return.data(), static_cast<std::streamsize>(_return.size()));
    _return.resize(static_cast<std::size_t>(it->second->in.gcount()));
    if (_return.empty()) {
        _downloads.erase(it);
    }
}

// ---------------------------------------------------------------------------------------------
// Queries

void nimbus_handler::getNimbusConf(std::string& _return) {
    _return = th::to_json(_conf);
}

namespace {

th::TopologySummary summarize(const std::string& id, const rec::StormBaseRecord& base,
                              const std::optional<rec::AssignmentRecord>& a) {
    th::TopologySummary s;
    s.id = id;
    s.name = base.name;
    s.status = status_string(base.status);
    s.uptime_secs =
        static_cast<std::int32_t>(std::max<std::int64_t>(0, now_secs() - base.launch_time_secs));
    s.num_executors = 0;
    s.num_tasks = 0;
    s.num_workers = 0;
    if (a) {
        std::set<std::pair<std::string, int>> slots;
        for (const auto& [e, np] : a->executor_node_port) {
            ++s.num_executors;
            s.num_tasks += e.task_end - e.task_start + 1;
            slots.emplace(np.node, np.port);
        }
        s.num_workers = static_cast<std::int32_t>(slots.size());
    }
    if (!base.owner.empty()) {
        s.__set_owner(base.owner);
    }
    return s;
}

}  // namespace

void nimbus_handler::getClusterInfo(th::ClusterSummary& _return) {
    getTopologySummaries(_return.topologies);
    _return.supervisors.clear();
    {
        std::scoped_lock lock(_mu);
        if (auto ids = _state.children(_paths.supervisors()); ids) {
            for (const auto& sid : *ids) {
                auto data = _state.get(_paths.supervisor(sid));
                if (!data) {
                    continue;
                }
                auto sup = th::from_binary<rec::SupervisorRecord>(data->data);
                if (!sup) {
                    continue;
                }
                th::SupervisorSummary s;
                s.host = sup->hostname;
                s.uptime_secs = static_cast<std::int32_t>(sup->uptime_secs);
                s.num_workers = static_cast<std::int32_t>(sup->ports.size());
                s.num_used_workers = static_cast<std::int32_t>(sup->used_ports.size());
                s.supervisor_id = sup->supervisor_id;
                s.__set_version(sup->version);
                _return.supervisors.push_back(std::move(s));
            }
        }
    }
    _return.nimbuses.clear();
    th::NimbusSummary leader;
    getLeader(leader);
    {
        std::scoped_lock lock(_mu);
        if (auto ids = _state.children(_paths.nimbuses()); ids) {
            for (const auto& nid : *ids) {
                auto data = _state.get(_paths.nimbus(nid));
                if (!data) {
                    continue;
                }
                auto n = th::from_binary<th::NimbusSummary>(data->data);
                if (!n) {
                    continue;
                }
                n->isLeader = n->host == leader.host && n->port == leader.port;
                if (n->isLeader) {
                    n->uptime_secs = leader.uptime_secs;
                }
                _return.nimbuses.push_back(std::move(*n));
            }
        }
    }
    if (_return.nimbuses.empty()) {
        _return.nimbuses.push_back(leader);
    }
}

void nimbus_handler::getLeader(th::NimbusSummary& _return) {
    leader_check check;
    {
        std::scoped_lock lock(_mu);
        check = _leader_check;
    }
    if (check) {
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
    std::scoped_lock lock(_mu);
    _return.clear();
    for (const auto& [id, base] : read_storms()) {
        std::optional<rec::AssignmentRecord> a;
        if (auto data = _state.get(_paths.assignment(id)); data) {
            if (auto r = th::from_binary<rec::AssignmentRecord>(data->data); r) {
                a = std::move(*r);
            }
        }
        _return.push_back(summarize(id, base, a));
    }
}

void nimbus_handler::getTopologySummaryByName(th::TopologySummary& _return,
                                              const std::string& name) {
    std::vector<th::TopologySummary> all;
    getTopologySummaries(all);
    for (auto& s : all) {
        if (s.name == name) {
            _return = std::move(s);
            return;
        }
    }
    throw_not_alive("topology '" + name + "' is not alive");
}

void nimbus_handler::fill_info(th::TopologyInfo& info, const std::string& id,
                               const storm_base& base, const th::GetInfoOptions& options) {
    info = th::TopologyInfo();
    info.id = id;
    info.name = base.name;
    info.status = status_string(base.status);
    info.uptime_secs =
        static_cast<std::int32_t>(std::max<std::int64_t>(0, now_secs() - base.launch_time_secs));
    std::map<int, std::string> component_of_task;
    try {
        auto st = load_topology(id);
        for (const auto& c : layout_of(st->topo, _conf, st->conf, base)) {
            info.errors[c.id];  // every component, with or without errors
            for (int t = c.first_task; t < c.first_task + c.num_tasks; ++t) {
                component_of_task[t] = c.id;
            }
        }
    } catch (const std::exception& e) {
        log().warn("topology {}: {}", id, e.what());
    }
    if (auto data = _state.get(_paths.assignment(id)); data) {
        if (auto a = th::from_binary<rec::AssignmentRecord>(data->data); a) {
            // The workers' heartbeats, by slot: uptime and stats of the executors they run.
            std::map<std::pair<std::string, int>, std::optional<rec::WorkerHeartbeatRecord>> beats;
            for (const auto& [e, np] : a->executor_node_port) {
                auto [it, inserted] = beats.try_emplace({np.node, np.port});
                if (!inserted) {
                    continue;
                }
                if (auto hb = _state.get(_paths.workerbeat(id, np.node, np.port)); hb) {
                    if (auto r = th::from_binary<rec::WorkerHeartbeatRecord>(hb->data); r) {
                        it->second = std::move(*r);
                    }
                }
            }
            for (const auto& [e, np] : a->executor_node_port) {
                th::ExecutorSummary s;
                s.executor_info = e;
                auto c = component_of_task.find(e.task_start);
                s.component_id = c == component_of_task.end() ? "" : c->second;
                auto h = a->node_host.find(np.node);
                s.host = h == a->node_host.end() ? np.node : h->second;
                s.port = np.port;
                auto st = a->executor_start_time_secs.find(e);
                s.uptime_secs = st == a->executor_start_time_secs.end()
                                    ? 0
                                    : static_cast<std::int32_t>(
                                          std::max<std::int64_t>(0, now_secs() - st->second));
                // A worker that reports this executor knows better: its own uptime and stats.
                if (const auto& hb = beats.at({np.node, np.port}); hb) {
                    auto stats = hb->executor_stats.find(e);
                    bool runs = stats != hb->executor_stats.end() ||
                                std::find(hb->executors.begin(), hb->executors.end(), e) !=
                                    hb->executors.end();
                    if (runs) {
                        s.uptime_secs = hb->uptime_secs;
                    }
                    if (stats != hb->executor_stats.end()) {
                        s.__set_stats(stats->second);
                    }
                }
                info.executors.push_back(std::move(s));
            }
        }
    }
    auto choice =
        options.__isset.num_err_choice ? options.num_err_choice : th::NumErrorsChoice::ALL;
    if (choice == th::NumErrorsChoice::NONE) {
        return;
    }
    auto components = _state.children(_paths.errors(id));
    if (!components) {
        return;
    }
    for (const auto& component : *components) {
        auto dir = _paths.errors(id) + "/" + component;
        auto names = _state.children(dir);
        if (!names) {
            continue;
        }
        auto& list = info.errors[component];
        for (const auto& n : *names) {
            if (auto data = _state.get(dir + "/" + n); data) {
                if (auto err = th::from_binary<th::ErrorInfo>(data->data); err) {
                    list.push_back(std::move(*err));
                }
            }
        }
        std::sort(list.begin(), list.end(), [](const th::ErrorInfo& a, const th::ErrorInfo& b) {
            return a.error_time_secs < b.error_time_secs;
        });
        if (choice == th::NumErrorsChoice::ONE && list.size() > 1) {
            list.erase(list.begin(), list.end() - 1);
        }
    }
}

void nimbus_handler::getTopologyInfo(th::TopologyInfo& _return, const std::string& id) {
    getTopologyInfoWithOpts(_return, id, th::GetInfoOptions());
}

void nimbus_handler::getTopologyInfoByName(th::TopologyInfo& _return, const std::string& name) {
    getTopologyInfoByNameWithOpts(_return, name, th::GetInfoOptions());
}

void nimbus_handler::getTopologyInfoWithOpts(th::TopologyInfo& _return, const std::string& id,
                                             const th::GetInfoOptions& options) {
    std::scoped_lock lock(_mu);
    auto base = read_storm(id);
    if (!base) {
        throw_not_alive("no topology with id '" + id + "'");
    }
    fill_info(_return, id, *base, options);
}

void nimbus_handler::getTopologyInfoByNameWithOpts(th::TopologyInfo& _return,
                                                   const std::string& name,
                                                   const th::GetInfoOptions& options) {
    std::scoped_lock lock(_mu);
    auto [id, base] = find_alive(name);
    fill_info(_return, id, base, options);
}

void nimbus_handler::getTopologyConf(std::string& _return, const std::string& id) {
    std::scoped_lock lock(_mu);
    if (!read_storm(id)) {
        throw_not_alive("no topology with id '" + id + "'");
    }
    _return = load_topology(id)->conf_json;
}

void nimbus_handler::getTopology(th::StormTopology& _return, const std::string& id) {
    getUserTopology(_return, id);
}

void nimbus_handler::getUserTopology(th::StormTopology& _return, const std::string& id) {
    std::scoped_lock lock(_mu);
    if (!read_storm(id)) {
        throw_not_alive("no topology with id '" + id + "'");
    }
    _return = load_topology(id)->wire;
}

}  // namespace tempest::nimbus
