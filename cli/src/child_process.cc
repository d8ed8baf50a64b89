// SPDX-License-Identifier: Apache-2.0
#include "child_process.h"

#include "cli_error.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tempest::cli {

pid_t spawn_logged(const std::vector<std::string>& argv, const std::filesystem::path& log,
                   int death_signal, const std::string& what) {
    std::vector<std::string> store = argv;
    std::vector<char*> args;
    for (auto& a : store) {
        args.push_back(a.data());
    }
    args.push_back(nullptr);
    std::string log_path = log.string();
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        throw cli_error(fmt::format("cannot start {}: fork: {}", what, std::strerror(errno)));
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::prctl(PR_SET_PDEATHSIG, death_signal);
        if (::getppid() != parent) {
            ::_exit(127);  // the parent died before prctl
        }
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
        }
        ::setpgid(0, 0);
        ::close_range(3, ~0U, 0);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

}  // namespace tempest::cli
