// SPDX-License-Identifier: Apache-2.0
// cluster_process: what the multi-process cluster tests drive besides Nimbus (nimbus_process.h):
//
//   daemon_process       `tempest ARGS...` with stdout+stderr appended to a log file that
//                        outlives restarts; exposes its pid for kill -9 / SIGSTOP
//   supervisor_process   a `tempest supervisor` on its own storm.local.dir and slots, which can
//                        be SIGKILLed and started again on the same local dir
//   live_workers()       the worker processes a supervisor's local dir lists
//                        (<storm.local.dir>/workers/<worker-id>/pid) that are alive
//
// Destructors SIGKILL what still runs (never the workers: the fixture kills those). Not
// thread-safe: the test's thread drives them.
#pragma once

#include "tempest/test_support/wait_until.h"
#include "tempest_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace tempest::system_test {

// True while `pid` exists and is not a zombie. Reaps it first if it is an orphaned worker this
// process adopted as subreaper (a no-op for processes that are not our children).
inline bool process_alive(pid_t pid) {
    if (pid <= 1) {
        return false;
    }
    int status = 0;
    (void)::waitpid(pid, &status, WNOHANG);  // only reaps; the status is of no interest
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
        return false;
    }
    std::string stat = read_all("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) {
        return !stat.empty();
    }
    return stat[close + 2] != 'Z';
}

// The argv of a running process ("" elements when it is gone).
inline std::vector<std::string> process_argv(pid_t pid) {
    std::istringstream parts(read_all("/proc/" + std::to_string(pid) + "/cmdline"));
    std::vector<std::string> argv;
    for (std::string a; std::getline(parts, a, '\0');) {
        argv.push_back(a);
    }
    return argv;
}

// worker id -> pid of every live `tempest worker` listed under <local_dir>/workers/.
inline std::map<std::string, pid_t> live_workers(const std::filesystem::path& local_dir) {
    std::map<std::string, pid_t> out;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(local_dir / "workers", ec), end; !ec && it != end;
         it.increment(ec)) {
        std::string text = read_all(it->path() / "pid");
        char* stop = nullptr;
        long pid = std::strtol(text.c_str(), &stop, 10);
        if (stop == text.c_str() || !process_alive(static_cast<pid_t>(pid))) {
            continue;
        }
        std::vector<std::string> argv = process_argv(static_cast<pid_t>(pid));
        if (argv.size() >= 2 && argv[1] == "worker") {
            out[it->path().filename().string()] = static_cast<pid_t>(pid);
        }
    }
    return out;
}

inline std::set<pid_t> pids_of(const std::map<std::string, pid_t>& workers) {
    std::set<pid_t> s;
    for (const auto& [id, pid] : workers) {
        s.insert(pid);
    }
    return s;
}

// SIGKILLs every live worker listed under <local_dir>/workers/.
inline void kill_workers(const std::filesystem::path& local_dir) {
    for (const auto& [id, pid] : live_workers(local_dir)) {
        ::kill(pid, SIGKILL);
    }
}

class daemon_process {
  public:
    daemon_process(const std::vector<std::string>& args, const std::filesystem::path& log) {
        std::string binary = (build_dir() / "bin" / "tempest").string();
        std::vector<std::string> store{binary};
        store.insert(store.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : store) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        std::string log_path = log.string();
        _pid = ::fork();
        if (_pid == 0) {
            int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }
    ~daemon_process() {
        if (!exited()) {
            ::kill(_pid, SIGCONT);
            ::kill(_pid, SIGKILL);
            int status = 0;
            ::waitpid(_pid, &status, 0);
        }
    }
    daemon_process(const daemon_process&) = delete;
    daemon_process& operator=(const daemon_process&) = delete;

    pid_t pid() const noexcept { return _pid; }
    void signal(int sig) const {
        if (!_exited) {
            ::kill(_pid, sig);
        }
    }
    // True once the process has exited (reaps it).
    bool exited() {
        if (!_exited && _pid > 0) {
            int status = 0;
            if (::waitpid(_pid, &status, WNOHANG) == _pid) {
                _exited = true;
                _status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            }
        }
        return _exited;
    }
    // The exit status (or -signal); -1000 if it still runs after `timeout`.
    int wait(std::chrono::seconds timeout) {
        if (!test_support::wait_until([&] { return exited(); }, timeout)) {
            return -1000;
        }
        return _status;
    }

  private:
    pid_t _pid = -1;
    bool _exited = false;
    int _status = 0;
};

// A `tempest supervisor` with `overrides` (each passed as `-c key=value`); its output goes to
// <local_dir>/supervisor.out, across restarts.
class supervisor_process {
  public:
    supervisor_process(std::string name, std::filesystem::path local_dir,
                       std::vector<std::string> overrides)
        : _name(std::move(name)),
          _local_dir(std::move(local_dir)),
          _overrides(std::move(overrides)) {
        std::filesystem::create_directories(_local_dir);
        start();
    }

    const std::string& name() const noexcept { return _name; }
    const std::filesystem::path& local_dir() const noexcept { return _local_dir; }
    std::filesystem::path log() const { return _local_dir / "supervisor.out"; }
    pid_t pid() const { return _p->pid(); }
    bool running() { return !_p->exited(); }
    void signal(int sig) const { _p->signal(sig); }

    // SIGKILL and reap; its workers keep running. Returns false if it has not exited in 10 s.
    bool kill() {
        _p->signal(SIGCONT);
        _p->signal(SIGKILL);
        return _p->wait(std::chrono::seconds(10)) != -1000;
    }
    // A new process on the same local dir and config (after kill()).
    void start() {
        std::vector<std::string> args{"supervisor"};
        for (const auto& o : _overrides) {
            args.push_back("-c");
            args.push_back(o);
        }
        _p = std::make_unique<daemon_process>(args, log());
    }

  private:
    std::string _name;
    std::filesystem::path _local_dir;
    std::vector<std::string> _overrides;
    std::unique_ptr<daemon_process> _p;
};

}  // namespace tempest::system_test
