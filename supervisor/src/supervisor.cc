// SPDX-License-Identifier: Apache-2.0
// supervisor: the daemon (see supervisor.h for the loops, the local state and the threads; the
// implementation is split by concern, see supervisor_impl.h). This file: the config checks,
// start/stop and the public getters.
#include "tempest/supervisor/supervisor.h"

#include "logger.h"
#include "nimbus_fetcher.h"
#include "supervisor_impl.h"
#include "tempest/common/config_keys.h"
#include "tempest/supervisor/worker_launcher.h"

#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace tempest::supervisor {

namespace fs = std::filesystem;
using detail::log;
using steady = std::chrono::steady_clock;

namespace detail {

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

}  // namespace detail

namespace {

std::chrono::milliseconds positive_secs(const config& conf, const char* key) {
    auto s = common::conf_int(conf, key);
    if (s <= 0) {
        throw std::invalid_argument(std::string("supervisor: ") + key +
                                    " must be a positive number of seconds, got " +
                                    std::to_string(s));
    }
    return std::chrono::seconds(s);
}

std::vector<int> slot_ports(const config& conf) {
    const value* v = conf.find(common::keys::supervisor_slots_ports);
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
    auto h = common::conf_string_or_empty(conf, common::keys::storm_local_hostname);
    if (!h.empty()) {
        return h;
    }
    char buf[256] = {};
    if (gethostname(buf, sizeof(buf) - 1) != 0) {
        return "localhost";
    }
    return buf;
}

}  // namespace

supervisor::supervisor(config daemon_conf, supervisor_options options)
    : _impl(std::make_unique<impl>()) {
    impl& im = *_impl;
    im.conf = std::move(daemon_conf);
    im.options = std::move(options);
    const config& conf = im.conf;
    im.slots = slot_ports(conf);
    im.heartbeat_period = positive_secs(conf, common::keys::supervisor_heartbeat_frequency_secs);
    im.sync_period = positive_secs(conf, common::keys::supervisor_sync_frequency_secs);
    im.monitor_period = positive_secs(conf, common::keys::supervisor_monitor_frequency_secs);
    detail::worker_processes::settings ws;
    ws.timeouts.heartbeat = positive_secs(conf, common::keys::supervisor_worker_timeout_secs);
    ws.timeouts.start = positive_secs(conf, common::keys::supervisor_worker_start_timeout_secs);
    auto shutdown = common::conf_int(conf, common::keys::supervisor_worker_shutdown_sleep_secs);
    if (shutdown < 0) {
        throw std::invalid_argument(
            "supervisor: supervisor.worker.shutdown.sleep.secs must not be negative");
    }
    ws.shutdown_sleep = std::chrono::seconds(shutdown);
    auto local = common::conf_string(conf, common::keys::storm_local_dir);
    if (local.empty()) {
        throw std::invalid_argument("supervisor: storm.local.dir is empty");
    }
    im.local_dir = fs::absolute(local).lexically_normal();
    im.state_dir = im.local_dir / "supervisor";
    im.stormdist_dir = im.state_dir / "stormdist";
    im.assignment_file = im.state_dir / "local-assignment.json";
    ws.local_dir = im.local_dir;
    ws.workers_dir = im.local_dir / "workers";
    ws.log_dir =
        fs::absolute(common::conf_string(conf, common::keys::tempest_log_dir)).lexically_normal();
    ws.worker_command = im.options.worker_command;
    ws.config_file = im.options.config_file;
    ws.overrides = im.options.overrides;
    im.processes.emplace(std::move(ws));
    im.hostname = local_hostname(conf);
    im.zk = common::zookeeper_options(conf);
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
        if (im->processes->worker_command().empty()) {
            im->processes->set_worker_command(default_worker_command());
        }
        fs::create_directories(im->stormdist_dir);
        fs::create_directories(im->local_dir / "workers");
        im->id = im->load_or_create_id();
        im->processes->set_supervisor_id(im->id);
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
        im->processes->find_existing();
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
               im->hostname, detail::join_ints(im->slots), im->state_dir.string(), im->zk.servers,
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
