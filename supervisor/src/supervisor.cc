// SPDX-License-Identifier: Apache-2.0
// supervisor: the daemon (see supervisor.h for the loops, the local state and the threads).
#include "tempest/supervisor/supervisor.h"

#include "logger.h"
#include "nimbus_fetcher.h"
#include "tempest/common/cluster_records.h"
#include "tempest/common/code_install.h"
#include "tempest/common/file_util.h"
#include "tempest/common/random_id.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_config.h"
#include "tempest/common/zk_paths.h"
#include "tempest/common/zk_session_holder.h"
#include "tempest/supervisor/worker_launcher.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "worker_dirs.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>

#ifndef TEMPEST_VERSION
#define TEMPEST_VERSION "unknown"
#endif

namespace tempest::supervisor {

namespace fs = std::filesystem;
using detail::log;
using steady = std::chrono::steady_clock;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string join_ints(const std::vector<int>& v) {
    std::string out;
    for (int p : v) {
        if (!out.empty()) {
            out += ',';
        }
        out += std::to_string(p);
    }
    return out;
}

std::chrono::milliseconds positive_secs(const config& conf, const char* key, std::int64_t dflt) {
    auto s = conf.get_int(key, dflt);
    if (s <= 0) {
        throw std::invalid_argument(std::string("supervisor: ") + key +
                                    " must be a positive number of seconds, got " +
                                    std::to_string(s));
    }
    return std::chrono::seconds(s);
}

std::vector<int> slot_ports(const config& conf) {
    const value* v = conf.find("supervisor.slots.ports");
    if (v == nullptr || v->type() != value_type::list || v->as_list().empty()) {
        throw std::invalid_argument(
            "supervisor: no slots: supervisor.slots.ports must list at least one port");
    }
    std::vector<int> ports;
    for (const auto& p : v->as_list()) {
        if (p.type() != value_type::int64 || p.as_int() < 1 || p.as_int() > 65535) {
            throw std::invalid_argument("supervisor: supervisor.slots.ports holds " +
                                        (p.type() == value_type::int64
                                             ? std::to_string(p.as_int())
                                             : std::string("a non-integer")) +
                                        ", not a port in 1..65535");
        }
        ports.push_back(static_cast<int>(p.as_int()));
    }
    std::sort(ports.begin(), ports.end());
    if (auto d = std::adjacent_find(ports.begin(), ports.end()); d != ports.end()) {
        throw std::invalid_argument("supervisor: supervisor.slots.ports lists port " +
                                    std::to_string(*d) + " twice");
    }
    return ports;
}

std::string local_hostname(const config& conf) {
    auto h = conf.get_string("storm.local.hostname", "");
    if (!h.empty()) {
        return h;
    }
    char buf[256] = {};
    if (gethostname(buf, sizeof(buf) - 1) != 0) {
        return "localhost";
    }
    return buf;
}

using session_holder = common::zk_session_holder;

// A worker this supervisor knows of (launched by it, or found in workers/ at start).
struct tracked_worker {
    std::string id;
    worker_launch launch;
    pid_t pid = 0;
    bool exited = false;
    std::optional<worker_state> last_state;
    int port = 0;  // the slot it occupies, as of the last classification
};

}  // namespace

struct supervisor::impl {
    config conf;
    supervisor_options options;

    // Settings, fixed by the constructor.
    fs::path local_dir, state_dir, stormdist_dir, workers_dir, log_dir, assignment_file;
    std::string hostname;
    std::vector<int> slots;
    std::chrono::milliseconds heartbeat_period{}, sync_period{}, monitor_period{}, shutdown_sleep{};
    worker_timeouts timeouts;
    std::vector<std::string> worker_command;
    code_fetcher fetch;
    common::zk_options zk;
    common::zk_paths paths{"/"};

    // Set by start().
    std::string id;
    steady::time_point started_at;
    session_holder state;
    bool started = false;  // guarded by the public API's caller (start/stop are not concurrent)

    // The passes' state; pass_mu serialises the passes.
    std::mutex pass_mu;
    port_assignments assigned;                      // Requires: pass_mu held
    std::map<std::string, tracked_worker> tracked;  // worker id -> ...; Requires: pass_mu held

    // What the public getters and the heartbeat read.
    mutable std::mutex status_mu;  // guards the three below
    port_assignments assigned_status;
    std::vector<worker_summary> workers_status;
    std::vector<int> used_status;

    // Watches currently armed ("c:" / "d:" + path), so each is armed once until it fires.
    std::mutex watch_mu;  // guards watched
    std::set<std::string> watched;

    // Loop control.
    std::mutex loop_mu;  // guards the three flags
    std::condition_variable loop_cv;
    bool stopping = false;
    bool sync_requested = false;
    bool renew_requested = false;
    std::thread heartbeat_thread;
    std::thread sync_thread;

    void request_sync() {
        {
            std::scoped_lock lock(loop_mu);
            sync_requested = true;
        }
        loop_cv.notify_all();
    }

    common::watcher arm(const std::string& key) {
        std::scoped_lock lock(watch_mu);
        if (!watched.insert(key).second) {
            return nullptr;
        }
        return [this, key](const common::watch_event&) {
            {
                std::scoped_lock l(watch_mu);
                watched.erase(key);
            }
            request_sync();
        };
    }
    void disarm(const std::string& key) {
        std::scoped_lock lock(watch_mu);
        watched.erase(key);
    }

    std::string load_or_create_id();
    common::supervisor_record current_info();  // the record to write now
    void register_on(common::cluster_state& s);
    void write_heartbeat();
    bool renew_session();
    void heartbeat_loop();
    void sync_loop();

    std::optional<std::map<std::string, common::assignment>> read_assignments();
    void sync_supervisor();  // Requires: pass_mu held
    void sync_processes();   // Requires: pass_mu held
    void find_existing_workers();
    bool process_alive(tracked_worker& w);
    void signal_worker(const tracked_worker& w, int sig);
    void kill_workers(const std::vector<std::string>& ids);    // Requires: pass_mu held
    void launch_worker(int port, const local_assignment& la);  // Requires: pass_mu held
    void remove_unused_code();                                 // Requires: pass_mu held
    void publish_status();                                     // Requires: pass_mu held
};

// ---- identity and registration ------------------------------------------------------------

std::string supervisor::impl::load_or_create_id() {
    const fs::path file = state_dir / "supervisor-id";
    if (auto text = common::try_read_file(file)) {
        std::string s = *text;
        s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); }),
                s.end());
        if (!s.empty() && s.find('/') == std::string::npos) {
            return s;
        }
        log().warn("{} is empty or malformed; making a new supervisor id", file.string());
    }
    std::string fresh = common::random_uuid();
    common::write_file_atomically(file, fresh + "\n", common::durability::fsync);
    return fresh;
}

common::supervisor_record supervisor::impl::current_info() {
    common::supervisor_record info;
    info.supervisor_id = id;
    info.hostname = hostname;
    info.time_secs = now_ms() / 1000;
    info.uptime_secs =
        std::chrono::duration_cast<std::chrono::seconds>(steady::now() - started_at).count();
    info.ports = slots;
    {
        std::scoped_lock lock(status_mu);
        info.used_ports = used_status;
    }
    info.version = TEMPEST_VERSION;
    return info;
}

void supervisor::impl::register_on(common::cluster_state& s) {
    for (const auto& p : paths.top_level()) {
        if (p == "/") {
            continue;
        }
        if (auto r = common::ensure_path(s, p); !r) {
            throw std::runtime_error("supervisor: cannot create " + p + ": " + r.error().message());
        }
    }
    const auto info = current_info();
    const auto bytes = thrift::encode(info);
    const auto path = paths.supervisor(id);
    auto c = s.create(path, bytes, common::create_mode::ephemeral);
    if (!c && c.error() == common::errc::node_exists) {
        // Left by our previous run's session, which has not expired yet: take it over.
        (void)s.remove(path, common::cluster_state::any_version);  // gone already is fine
        c = s.create(path, bytes, common::create_mode::ephemeral);
    }
    if (!c) {
        throw std::runtime_error("supervisor: cannot create " + path + ": " + c.error().message());
    }
}

void supervisor::impl::write_heartbeat() {
    const auto info = current_info();
    const auto path = paths.supervisor(id);
    const auto bytes = thrift::encode(info);
    auto r = state.set(path, bytes, common::cluster_state::any_version);
    if (!r && r.error() == common::errc::no_node) {
        auto c = state.create(path, bytes, common::create_mode::ephemeral);
        if (!c) {
            log().warn("cannot re-create {}: {}", path, c.error().message());
        }
        return;
    }
    if (!r) {
        log().warn("cannot write the heartbeat {}: {}", path, r.error().message());
        if (r.error() == common::errc::session_expired) {
            std::scoped_lock lock(loop_mu);
            renew_requested = true;
        }
    }
}

bool supervisor::impl::renew_session() {
    std::shared_ptr<common::zk_cluster_state> fresh;
    try {
        fresh = std::make_shared<common::zk_cluster_state>(zk);
        register_on(*fresh);
    } catch (const std::exception& e) {
        log().warn("cannot open a new ZooKeeper session yet (will retry): {}", e.what());
        if (fresh) {
            fresh->close();
        }
        return false;
    }
    auto old = state.current();
    state.replace(fresh);
    {
        std::scoped_lock lock(watch_mu);
        watched.clear();  // the old session's watches are gone
    }
    if (old) {
        old->close();
    }
    log().info("new ZooKeeper session 0x{:x}: re-registered {}", fresh->session_id(),
               paths.supervisor(id));
    request_sync();
    return true;
}

void supervisor::impl::heartbeat_loop() {
    auto next = steady::now() + heartbeat_period;
    std::unique_lock lock(loop_mu);
    while (!stopping) {
        loop_cv.wait_until(lock, std::min(next, steady::now() + std::chrono::seconds(1)),
                           [this] { return stopping || renew_requested; });
        if (stopping) {
            break;
        }
        renew_requested = false;
        lock.unlock();
        try {
            // Woken by the expiry callback, or checking each second: a failed renewal is retried.
            if (auto current = state.current(); current && current->expired()) {
                renew_session();
            }
            if (steady::now() >= next) {
                write_heartbeat();
                next = steady::now() + heartbeat_period;
            }
        } catch (const std::exception& e) {
            log().error("heartbeat: {}", e.what());
        }
        lock.lock();
    }
}

// ---- sync loop ----------------------------------------------------------------------------

void supervisor::impl::sync_loop() {
    auto next_sync = steady::now();
    auto next_monitor = steady::now() + monitor_period;
    std::unique_lock lock(loop_mu);
    while (!stopping) {
        loop_cv.wait_until(lock, std::min(next_sync, next_monitor),
                           [this] { return stopping || sync_requested; });
        if (stopping) {
            break;
        }
        const bool full = sync_requested || steady::now() >= next_sync;
        const bool monitor = steady::now() >= next_monitor;
        sync_requested = false;
        lock.unlock();
        try {
            std::scoped_lock pass(pass_mu);
            if (full) {
                sync_supervisor();
                next_sync = steady::now() + sync_period;
                next_monitor = steady::now() + monitor_period;
            } else if (monitor) {
                sync_processes();
                next_monitor = steady::now() + monitor_period;
            }
        } catch (const std::exception& e) {
            log().error("sync pass failed (retried at the next tick): {}", e.what());
        }
        lock.lock();
    }
}

std::optional<std::map<std::string, common::assignment>> supervisor::impl::read_assignments() {
    std::map<std::string, common::assignment> out;
    const auto dir = paths.assignments();
    const std::string ckey = "c:" + dir;
    auto ids = state.children(dir, arm(ckey));
    if (!ids) {
        disarm(ckey);
        log().warn("cannot list {}: {}", dir, ids.error().message());
        return std::nullopt;
    }
    for (const auto& tid : *ids) {
        const auto path = paths.assignment(tid);
        const std::string dkey = "d:" + path;
        auto data = state.get(path, arm(dkey));
        if (!data) {
            disarm(dkey);
            if (data.error() == common::errc::no_node) {
                continue;  // removed since the listing
            }
            log().warn("cannot read {}: {}", path, data.error().message());
            return std::nullopt;
        }
        auto record = thrift::decode_assignment(data->data);
        if (!record) {
            log().error("assignment {} is unreadable ({}); ignoring it", path,
                        record.error().message());
            continue;
        }
        out.emplace(tid, std::move(*record));
    }
    return out;
}

void supervisor::impl::sync_supervisor() {
    auto all = read_assignments();
    if (all) {
        auto wanted = compute_local_assignments(id, *all);
        std::map<std::string, bool> code_ready;
        for (const auto& [port, la] : wanted) {
            if (!code_ready.contains(la.topology_id)) {
                auto installed =
                    common::install_topology_code(stormdist_dir, la.topology_id, fetch);
                if (!installed) {
                    log().warn(
                        "cannot download the code of topology {} (will retry at the next sync): "
                        "{}",
                        la.topology_id, installed.error().message());
                }
                code_ready[la.topology_id] = installed.has_value();
            }
        }
        port_assignments ready;
        for (auto& [port, la] : wanted) {
            if (!std::binary_search(slots.begin(), slots.end(), port)) {
                log().warn(
                    "topology {} is assigned port {}, which is not one of this node's "
                    "slots ({}); running it anyway",
                    la.topology_id, port, join_ints(slots));
            }
            if (code_ready[la.topology_id]) {
                ready.emplace(port, std::move(la));
            }
        }
        if (ready != assigned) {
            for (const auto& [port, la] : ready) {
                auto old = assigned.find(port);
                if (old == assigned.end() || old->second != la) {
                    log().info("port {}: assigned topology {} ({} executors)", port, la.topology_id,
                               la.executors.size());
                }
            }
            for (const auto& [port, la] : assigned) {
                if (!ready.contains(port)) {
                    log().info("port {}: no longer assigned (was topology {})", port,
                               la.topology_id);
                }
            }
            assigned = std::move(ready);
            if (auto w = write_local_assignments(assignment_file, assigned); !w) {
                log().error("cannot write {}: {}", assignment_file.string(), w.error().message());
            }
        }
    }
    sync_processes();
    remove_unused_code();
}

// ---- processes ----------------------------------------------------------------------------

void supervisor::impl::find_existing_workers() {
    std::error_code ec;
    fs::create_directories(workers_dir, ec);
    for (const auto& entry : fs::directory_iterator(workers_dir, ec)) {
        if (!entry.is_directory()) {
            continue;
        }
        tracked_worker w;
        w.id = entry.path().filename().string();
        w.pid = detail::read_pid_file(entry.path(), w.id);
        if (auto launch = detail::read_launch_record(entry.path(), w.id)) {
            w.launch = std::move(*launch);
        }
        w.port = w.launch.port;
        log().info("found worker {} from an earlier run (topology {}, port {}, pid {})", w.id,
                   w.launch.topology_id, w.launch.port, w.pid);
        tracked.emplace(w.id, std::move(w));
    }
}

bool supervisor::impl::process_alive(tracked_worker& w) {
    if (w.exited || w.pid <= 0) {
        return false;
    }
    int status = 0;
    pid_t r = waitpid(w.pid, &status, WNOHANG);
    if (r == w.pid) {
        w.exited = true;
        if (WIFEXITED(status)) {
            log().info("worker {} (pid {}) exited with status {}", w.id, w.pid,
                       WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
            log().info("worker {} (pid {}) was killed by signal {}", w.id, w.pid, WTERMSIG(status));
        }
        return false;
    }
    if (r == 0) {
        return true;  // our child, running
    }
    // Not our child (adopted from an earlier run): the pid must exist and still be that worker.
    if (kill(w.pid, 0) != 0 && errno == ESRCH) {
        w.exited = true;
        return false;
    }
    auto cmdline = common::try_read_file(fs::path("/proc") / std::to_string(w.pid) / "cmdline");
    if (!cmdline || cmdline->find(w.id) == std::string::npos) {
        w.exited = true;  // gone (a zombie has an empty cmdline) or the pid was reused
        return false;
    }
    return true;
}

void supervisor::impl::signal_worker(const tracked_worker& w, int sig) {
    if (w.pid <= 0) {
        return;
    }
    // A worker leads its own process group (setsid): signal the group, so that processes the
    // worker started (multilang subprocesses) go too.
    if (getpgid(w.pid) == w.pid) {
        (void)kill(-w.pid, sig);  // ESRCH: gone meanwhile, which is what we want
    } else {
        (void)kill(w.pid, sig);  // as above
    }
}

void supervisor::impl::kill_workers(const std::vector<std::string>& ids) {
    if (ids.empty()) {
        return;
    }
    for (const auto& wid : ids) {
        signal_worker(tracked.at(wid), SIGTERM);
    }
    auto all_gone = [&] {
        bool gone = true;
        for (const auto& wid : ids) {
            gone = !process_alive(tracked.at(wid)) && gone;
        }
        return gone;
    };
    auto deadline = steady::now() + shutdown_sleep;
    while (!all_gone() && steady::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const auto& wid : ids) {
        auto& w = tracked.at(wid);
        if (process_alive(w)) {
            log().warn("worker {} (pid {}) still runs {} ms after SIGTERM; sending SIGKILL", wid,
                       w.pid, shutdown_sleep.count());
            signal_worker(w, SIGKILL);
        }
    }
    deadline = steady::now() + std::chrono::seconds(5);
    while (!all_gone() && steady::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const auto& wid : ids) {
        if (process_alive(tracked.at(wid))) {
            log().error("worker {} (pid {}) survived SIGKILL; forgetting it", wid,
                        tracked.at(wid).pid);
        }
        std::error_code ec;
        fs::remove_all(workers_dir / wid, ec);
        tracked.erase(wid);
    }
}

void supervisor::impl::launch_worker(int port, const local_assignment& la) {
    tracked_worker w;
    w.id = common::random_uuid();
    w.launch = {.topology_id = la.topology_id, .port = port, .launched_ms = now_ms()};
    w.port = port;
    const fs::path dir = workers_dir / w.id;
    const fs::path log_file =
        log_dir / "workers-artifacts" / la.topology_id / std::to_string(port) / "worker.log";
    try {
        fs::create_directories(dir);
        detail::write_launch_record(dir, w.launch);
        worker_launch_args args;
        args.command = worker_command;
        args.topology_id = la.topology_id;
        args.supervisor_id = id;
        args.port = port;
        args.worker_id = w.id;
        args.config_file = options.config_file;
        args.overrides = options.overrides;
        args.local_dir = local_dir;
        w.pid = spawn_worker(worker_argv(args), log_file);
        detail::write_pid_file(dir, w.pid);
    } catch (const std::exception& e) {
        log().error(
            "cannot launch a worker for topology {} on port {} (retried at the next "
            "tick): {}",
            la.topology_id, port, e.what());
        if (w.pid > 0) {
            tracked.emplace(w.id, std::move(w));  // it runs: track it, sync-processes decides
        } else {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
        return;
    }
    log().info("launched worker {} for topology {} on port {} (pid {}, log {})", w.id,
               la.topology_id, port, w.pid, log_file.string());
    w.last_state = worker_state::not_started;
    tracked.emplace(w.id, std::move(w));
}

void supervisor::impl::sync_processes() {
    const auto now = now_ms();
    std::vector<std::string> dead, to_kill;
    std::set<int> occupied;
    for (auto& [wid, w] : tracked) {
        if (!process_alive(w)) {
            log().warn("worker {} (topology {}, port {}, pid {}) is gone; cleaning up", wid,
                       w.launch.topology_id, w.port, w.pid);
            dead.push_back(wid);
            continue;
        }
        auto hb = detail::read_heartbeat_file(workers_dir / wid / "heartbeat", wid);
        auto st = classify_worker(hb, w.launch, assigned, now, timeouts);
        if (hb.heartbeat) {
            w.port = hb.heartbeat->port;
            if (w.launch.topology_id.empty()) {
                w.launch.topology_id = hb.heartbeat->topology_id;
            }
        }
        if (w.last_state != st) {
            auto level = st == worker_state::valid || st == worker_state::not_started
                             ? spdlog::level::info
                             : spdlog::level::warn;
            log().log(level, "worker {} (topology {}, port {}, pid {}) is {}", wid,
                      w.launch.topology_id, w.port, w.pid, to_string(st));
        }
        w.last_state = st;
        if (st == worker_state::disallowed || st == worker_state::timed_out) {
            to_kill.push_back(wid);
        } else if (occupied.contains(w.port)) {
            log().warn("worker {} duplicates port {}; stopping it", wid, w.port);
            to_kill.push_back(wid);
        } else {
            occupied.insert(w.port);
        }
    }
    for (const auto& wid : dead) {
        std::error_code ec;
        fs::remove_all(workers_dir / wid, ec);
        tracked.erase(wid);
    }
    kill_workers(to_kill);
    for (const auto& [port, la] : assigned) {
        if (!occupied.contains(port)) {
            launch_worker(port, la);
        }
    }
    publish_status();
}

void supervisor::impl::remove_unused_code() {
    std::set<std::string> in_use;
    for (const auto& [port, la] : assigned) {
        in_use.insert(la.topology_id);
    }
    for (const auto& [wid, w] : tracked) {
        in_use.insert(w.launch.topology_id);
    }
    common::remove_partial_installs(stormdist_dir);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(stormdist_dir, ec)) {
        const auto name = entry.path().filename().string();
        if (entry.is_directory() && !in_use.contains(name)) {
            std::error_code rm;
            fs::remove_all(entry.path(), rm);
            log().info("removed the code of topology {}, no longer assigned here", name);
        }
    }
}

void supervisor::impl::publish_status() {
    std::vector<worker_summary> ws;
    std::set<int> used;
    for (const auto& [wid, w] : tracked) {
        auto st = w.last_state.value_or(worker_state::not_started);
        ws.push_back({.worker_id = wid,
                      .topology_id = w.launch.topology_id,
                      .port = w.port,
                      .pid = w.pid,
                      .state = st});
        if (st == worker_state::valid || st == worker_state::not_started) {
            used.insert(w.port);
        }
    }
    std::sort(ws.begin(), ws.end(), [](const auto& a, const auto& b) {
        return std::tie(a.port, a.worker_id) < std::tie(b.port, b.worker_id);
    });
    std::scoped_lock lock(status_mu);
    workers_status = std::move(ws);
    used_status.assign(used.begin(), used.end());
    assigned_status = assigned;
}

// ---- public API ---------------------------------------------------------------------------

supervisor::supervisor(config daemon_conf, supervisor_options options)
    : _impl(std::make_unique<impl>()) {
    impl& im = *_impl;
    im.conf = std::move(daemon_conf);
    im.options = std::move(options);
    const config& conf = im.conf;
    im.slots = slot_ports(conf);
    im.heartbeat_period = positive_secs(conf, "supervisor.heartbeat.frequency.secs", 15);
    im.sync_period = positive_secs(conf, "supervisor.sync.frequency.secs", 10);
    im.monitor_period = positive_secs(conf, "supervisor.monitor.frequency.secs", 3);
    im.timeouts.heartbeat = positive_secs(conf, "supervisor.worker.timeout.secs", 30);
    im.timeouts.start = positive_secs(conf, "supervisor.worker.start.timeout.secs", 120);
    auto shutdown = conf.get_int("supervisor.worker.shutdown.sleep.secs", 3);
    if (shutdown < 0) {
        throw std::invalid_argument(
            "supervisor: supervisor.worker.shutdown.sleep.secs must not be negative");
    }
    im.shutdown_sleep = std::chrono::seconds(shutdown);
    auto local = conf.get_string("storm.local.dir", "tempest-local");
    if (local.empty()) {
        throw std::invalid_argument("supervisor: storm.local.dir is empty");
    }
    im.local_dir = fs::absolute(local).lexically_normal();
    im.state_dir = im.local_dir / "supervisor";
    im.stormdist_dir = im.state_dir / "stormdist";
    im.workers_dir = im.local_dir / "workers";
    im.assignment_file = im.state_dir / "local-assignment.json";
    im.log_dir = fs::absolute(conf.get_string("tempest.log.dir", "logs")).lexically_normal();
    im.hostname = local_hostname(conf);
    im.zk = common::zookeeper_options(conf);
    im.worker_command = im.options.worker_command;
    im.fetch = im.options.fetch_code ? im.options.fetch_code : detail::nimbus_fetcher(conf);
}

supervisor::~supervisor() {
    stop();
}

void supervisor::start() {
    impl* im = _impl.get();
    if (im->started) {
        return;
    }
    try {
        if (im->worker_command.empty()) {
            im->worker_command = default_worker_command();
        }
        fs::create_directories(im->stormdist_dir);
        fs::create_directories(im->workers_dir);
        im->id = im->load_or_create_id();
    } catch (const std::exception& e) {
        throw std::runtime_error("supervisor: cannot set up the local state in " +
                                 im->state_dir.string() + ": " + e.what());
    }
    im->started_at = steady::now();
    {
        std::scoped_lock pass(im->pass_mu);
        auto saved = read_local_assignments(im->assignment_file);
        if (saved) {
            im->assigned = std::move(*saved);
        } else {
            log().error("cannot read the local assignment {} ({}); starting from none",
                        im->assignment_file.string(), saved.error().message());
        }
        im->tracked.clear();
        im->find_existing_workers();
        im->publish_status();
    }
    im->zk.on_session_state = [im](common::zk_session_state s) {
        if (s == common::zk_session_state::expired) {
            log().error("ZooKeeper session expired: opening a new one and re-registering");
            {
                std::scoped_lock lock(im->loop_mu);
                im->renew_requested = true;
            }
            im->loop_cv.notify_all();
        } else {
            log().info("ZooKeeper session {}", common::to_string(s));
        }
    };
    try {
        im->state.replace(std::make_shared<common::zk_cluster_state>(im->zk));
        im->register_on(im->state);
    } catch (const std::exception& e) {
        im->state.close();
        throw std::runtime_error(std::string("supervisor: cannot register in ZooKeeper: ") +
                                 e.what());
    }
    log().info("supervisor {} on host {}: slots [{}], state in {}, ZooKeeper {} root {}", im->id,
               im->hostname, join_ints(im->slots), im->state_dir.string(), im->zk.servers,
               im->zk.root);
    {
        std::scoped_lock lock(im->loop_mu);
        im->stopping = false;
        im->sync_requested = false;
        im->renew_requested = false;
    }
    im->heartbeat_thread = std::thread([im] { im->heartbeat_loop(); });
    im->sync_thread = std::thread([im] { im->sync_loop(); });
    im->started = true;
}

void supervisor::stop() {
    impl* im = _impl.get();
    if (!im->started) {
        return;
    }
    {
        std::scoped_lock lock(im->loop_mu);
        im->stopping = true;
    }
    im->loop_cv.notify_all();
    if (im->heartbeat_thread.joinable()) {
        im->heartbeat_thread.join();
    }
    if (im->sync_thread.joinable()) {
        im->sync_thread.join();
    }
    im->state.close();
    im->started = false;
    std::size_t left = 0;
    {
        std::scoped_lock lock(im->status_mu);
        left = im->workers_status.size();
    }
    log().info("supervisor {} stopped; {} worker(s) left running", im->id, left);
}

const std::string& supervisor::id() const {
    return _impl->id;
}

const std::string& supervisor::hostname() const noexcept {
    return _impl->hostname;
}

const fs::path& supervisor::local_dir() const noexcept {
    return _impl->local_dir;
}

const std::vector<int>& supervisor::slots() const noexcept {
    return _impl->slots;
}

std::vector<int> supervisor::used_ports() const {
    std::scoped_lock lock(_impl->status_mu);
    return _impl->used_status;
}

std::vector<int> supervisor::free_ports() const {
    auto used = used_ports();
    std::vector<int> out;
    std::set_difference(_impl->slots.begin(), _impl->slots.end(), used.begin(), used.end(),
                        std::back_inserter(out));
    return out;
}

port_assignments supervisor::assignment() const {
    std::scoped_lock lock(_impl->status_mu);
    return _impl->assigned_status;
}

std::vector<worker_summary> supervisor::workers() const {
    std::scoped_lock lock(_impl->status_mu);
    return _impl->workers_status;
}

void supervisor::sync_supervisor_now() {
    std::scoped_lock pass(_impl->pass_mu);
    _impl->sync_supervisor();
}

void supervisor::sync_processes_now() {
    std::scoped_lock pass(_impl->pass_mu);
    _impl->sync_processes();
}

}  // namespace tempest::supervisor
