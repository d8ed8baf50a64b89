// SPDX-License-Identifier: Apache-2.0
// child_process: how the CLI's dev commands start a daemon as a child process.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tempest::cli {

// Forks and execs `argv` (argv[0] is the program's path) with stdin from /dev/null and stdout and
// stderr appended to `log`, in a process group of its own (a Ctrl-C in the terminal reaches only
// us, and we stop our children in order), with default SIGINT/SIGTERM handling, receiving
// `death_signal` when this process dies. Returns the child's pid; throws cli_error naming `what`
// when it cannot fork. An exec failure shows as the child exiting with status 127.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::filesystem::path& log,
                   int death_signal, const std::string& what);

}  // namespace tempest::cli
