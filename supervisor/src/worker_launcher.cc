// SPDX-License-Identifier: Apache-2.0
#include "tempest/supervisor/worker_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string_view>
#include <system_error>

extern char** environ;

namespace tempest::supervisor {

namespace fs = std::filesystem;

std::vector<std::string> worker_argv(const worker_launch_args& a) {
    std::vector<std::string> argv = a.command;
    argv.insert(argv.end(), {"--topology-id", a.topology_id, "--supervisor-id", a.supervisor_id,
                             "--port", std::to_string(a.port), "--worker-id", a.worker_id});
    if (a.config_file) {
        argv.insert(argv.end(), {"--config", *a.config_file});
    }
    for (const auto& o : a.overrides) {
        argv.insert(argv.end(), {"-c", o});
    }
    argv.insert(argv.end(), {"-c", "storm.local.dir=" + a.local_dir.string()});
    return argv;
}

std::vector<std::string> default_worker_command() {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        throw std::system_error(ec, "cannot resolve this program's path from /proc/self/exe");
    }
    // Rebuilt or reinstalled while running, the link names the old file "<path> (deleted)": start
    // workers from the new file at the same path.
    std::string path = self.string();
    constexpr std::string_view deleted = " (deleted)";
    if (path.ends_with(deleted)) {
        path.resize(path.size() - deleted.size());
    }
    return {path, "worker"};
}

namespace {

// Frees the posix_spawn objects however spawn_worker() leaves.
struct spawn_setup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    spawn_setup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~spawn_setup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    spawn_setup(const spawn_setup&) = delete;
    spawn_setup& operator=(const spawn_setup&) = delete;
};

void check(int rc, const char* what) {
    if (rc != 0) {
        throw std::system_error(rc, std::generic_category(), what);
    }
}

}  // namespace

pid_t spawn_worker(const std::vector<std::string>& argv, const fs::path& log_file) {
    if (argv.empty()) {
        throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                                "empty worker command");
    }
    std::error_code ec;
    fs::create_directories(log_file.parent_path(), ec);
    if (ec) {
        throw std::system_error(ec, "cannot create " + log_file.parent_path().string());
    }
    spawn_setup s;
    check(posix_spawn_file_actions_addopen(&s.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          "posix_spawn_file_actions_addopen");
    check(posix_spawn_file_actions_addopen(&s.actions, STDOUT_FILENO, log_file.c_str(),
                                           O_WRONLY | O_CREAT | O_APPEND, 0644),
          "posix_spawn_file_actions_addopen");
    check(posix_spawn_file_actions_adddup2(&s.actions, STDOUT_FILENO, STDERR_FILENO),
          "posix_spawn_file_actions_adddup2");
    // No ZooKeeper socket, log file or pipe of ours leaks into the worker.
    check(posix_spawn_file_actions_addclosefrom_np(&s.actions, 3),
          "posix_spawn_file_actions_addclosefrom_np");
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : std::array{SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT}) {
        sigaddset(&defaults, sig);
    }
    check(posix_spawnattr_setsigmask(&s.attr, &none), "posix_spawnattr_setsigmask");
    check(posix_spawnattr_setsigdefault(&s.attr, &defaults), "posix_spawnattr_setsigdefault");
    check(posix_spawnattr_setflags(
              &s.attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
          "posix_spawnattr_setflags");

    std::vector<char*> cargv;
    cargv.reserve(argv.size() + 1);
    for (const auto& a : argv) {
        cargv.push_back(const_cast<char*>(a.c_str()));
    }
    cargv.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, cargv[0], &s.actions, &s.attr, cargv.data(), environ);
    if (rc != 0) {
        throw std::system_error(
            rc, std::generic_category(),
            "cannot start worker " + argv[0] + " (log " + log_file.string() + ")");
    }
    return pid;
}

}  // namespace tempest::supervisor
