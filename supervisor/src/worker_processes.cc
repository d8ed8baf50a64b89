// SPDX-License-Identifier: Apache-2.0
// sync-processes: the supervisor's worker processes (see worker_processes.h).
#include "worker_processes.h"

#include "logger.h"
#include "tempest/common/file_util.h"
#include "tempest/common/random_id.h"
#include "tempest/supervisor/worker_launcher.h"
#include "worker_dirs.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>

namespace tempest::supervisor::detail {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void worker_processes::find_existing() {
    _tracked.clear();
    std::error_code ec;
    fs::create_directories(_settings.workers_dir, ec);
    for (const auto& entry : fs::directory_iterator(_settings.workers_dir, ec)) {
        if (!entry.is_directory()) {
            continue;
        }
        tracked_worker w;
        w.id = entry.path().filename().string();
        w.pid = read_pid_file(entry.path(), w.id);
        if (auto launch = read_launch_record(entry.path(), w.id)) {
            w.launch = std::move(*launch);
        }
        w.port = w.launch.port;
        log().info("found worker {} from an earlier run (topology {}, port {}, pid {})", w.id,
                   w.launch.topology_id, w.launch.port, w.pid);
        _tracked.emplace(w.id, std::move(w));
    }
}

bool worker_processes::process_alive(tracked_worker& w) {
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

void worker_processes::signal_worker(const tracked_worker& w, int sig) {
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

void worker_processes::kill_workers(const std::vector<std::string>& ids) {
    if (ids.empty()) {
        return;
    }
    for (const auto& wid : ids) {
        signal_worker(_tracked.at(wid), SIGTERM);
    }
    auto all_gone = [&] {
        bool gone = true;
        for (const auto& wid : ids) {
            gone = !process_alive(_tracked.at(wid)) && gone;
        }
        return gone;
    };
    auto deadline = steady::now() + _settings.shutdown_sleep;
    while (!all_gone() && steady::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const auto& wid : ids) {
        auto& w = _tracked.at(wid);
        if (process_alive(w)) {
            log().warn("worker {} (pid {}) still runs {} ms after SIGTERM; sending SIGKILL", wid,
                       w.pid, _settings.shutdown_sleep.count());
            signal_worker(w, SIGKILL);
        }
    }
    deadline = steady::now() + std::chrono::seconds(5);
    while (!all_gone() && steady::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const auto& wid : ids) {
        if (process_alive(_tracked.at(wid))) {
            log().error("worker {} (pid {}) survived SIGKILL; forgetting it", wid,
                        _tracked.at(wid).pid);
        }
        std::error_code ec;
        fs::remove_all(_settings.workers_dir / wid, ec);
        _tracked.erase(wid);
    }
}

void worker_processes::launch_worker(int port, const local_assignment& la) {
    tracked_worker w;
    w.id = common::random_uuid();
    w.launch = {.topology_id = la.topology_id, .port = port, .launched_ms = now_ms()};
    w.port = port;
    const fs::path dir = _settings.workers_dir / w.id;
    const fs::path log_file = _settings.log_dir / "workers-artifacts" / la.topology_id /
                              std::to_string(port) / "worker.log";
    try {
        fs::create_directories(dir);
        write_launch_record(dir, w.launch);
        worker_launch_args args;
        args.command = _settings.worker_command;
        args.topology_id = la.topology_id;
        args.supervisor_id = _supervisor_id;
        args.port = port;
        args.worker_id = w.id;
        args.config_file = _settings.config_file;
        args.overrides = _settings.overrides;
        args.local_dir = _settings.local_dir;
        w.pid = spawn_worker(worker_argv(args), log_file);
        write_pid_file(dir, w.pid);
    } catch (const std::exception& e) {
        log().error(
            "cannot launch a worker for topology {} on port {} (retried at the next "
            "tick): {}",
            la.topology_id, port, e.what());
        if (w.pid > 0) {
            _tracked.emplace(w.id, std::move(w));  // it runs: track it, sync-processes decides
        } else {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
        return;
    }
    log().info("launched worker {} for topology {} on port {} (pid {}, log {})", w.id,
               la.topology_id, port, w.pid, log_file.string());
    w.last_state = worker_state::not_started;
    _tracked.emplace(w.id, std::move(w));
}

void worker_processes::sync(const port_assignments& assigned) {
    const auto now = now_ms();
    std::vector<std::string> dead, to_kill;
    std::set<int> occupied;
    for (auto& [wid, w] : _tracked) {
        if (!process_alive(w)) {
            log().warn("worker {} (topology {}, port {}, pid {}) is gone; cleaning up", wid,
                       w.launch.topology_id, w.port, w.pid);
            dead.push_back(wid);
            continue;
        }
        auto hb = read_heartbeat_file(_settings.workers_dir / wid / "heartbeat", wid);
        if (!executors_differ(hb, assigned)) {
            w.differs_since_ms.reset();
        } else if (!w.differs_since_ms) {
            w.differs_since_ms = now;
            log().info(
                "worker {} (topology {}, port {}, pid {}) runs other executors than its slot's "
                "assignment; it has supervisor.worker.timeout.secs to take them in place",
                wid, w.launch.topology_id, w.port, w.pid);
        }
        auto st =
            classify_worker(hb, w.launch, assigned, now, _settings.timeouts, w.differs_since_ms);
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
        fs::remove_all(_settings.workers_dir / wid, ec);
        _tracked.erase(wid);
    }
    kill_workers(to_kill);
    for (const auto& [port, la] : assigned) {
        if (!occupied.contains(port)) {
            launch_worker(port, la);
        }
    }
}

std::set<std::string> worker_processes::topologies() const {
    std::set<std::string> out;
    for (const auto& [wid, w] : _tracked) {
        out.insert(w.launch.topology_id);
    }
    return out;
}

std::vector<worker_summary> worker_processes::summaries() const {
    std::vector<worker_summary> ws;
    for (const auto& [wid, w] : _tracked) {
        ws.push_back({.worker_id = wid,
                      .topology_id = w.launch.topology_id,
                      .port = w.port,
                      .pid = w.pid,
                      .state = w.last_state.value_or(worker_state::not_started)});
    }
    std::sort(ws.begin(), ws.end(), [](const auto& a, const auto& b) {
        return std::tie(a.port, a.worker_id) < std::tie(b.port, b.worker_id);
    });
    return ws;
}

std::vector<int> worker_processes::used_ports() const {
    std::set<int> used;
    for (const auto& [wid, w] : _tracked) {
        auto st = w.last_state.value_or(worker_state::not_started);
        if (st == worker_state::valid || st == worker_state::not_started) {
            used.insert(w.port);
        }
    }
    return {used.begin(), used.end()};
}

}  // namespace tempest::supervisor::detail
