// SPDX-License-Identifier: Apache-2.0
// worker_launcher: the contract between a supervisor and `tempest worker` — the command line a
// worker is started with — and the process launch itself (posix_spawn in its own session, so a
// Ctrl-C at the supervisor's terminal does not reach workers; stdout and stderr appended to the
// worker's log file).
//
//   <command...> --topology-id TID --supervisor-id SID --port PORT --worker-id WID
//                [--config FILE] [-c key=value]... -c storm.local.dir=<absolute local dir>
//
// <command...> is `<tempest binary> worker` by default (the binary from /proc/self/exe); tests
// substitute a fake worker. Free functions; thread-safe.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tempest::supervisor {

struct worker_launch_args {
    std::vector<std::string> command;  // argv prefix, e.g. {"/usr/bin/tempest", "worker"}
    std::string topology_id;
    std::string supervisor_id;
    int port = 0;
    std::string worker_id;
    std::optional<std::string> config_file;  // the supervisor's own --config, passed through
    std::vector<std::string> overrides;      // the supervisor's own -c key=value, passed through
    std::filesystem::path local_dir;         // absolute storm.local.dir
};

// The full argv of a worker (see the file comment). The storm.local.dir override comes last so
// that it wins over a relative one among `overrides`.
std::vector<std::string> worker_argv(const worker_launch_args& a);

// `<binary> worker`, the binary being this process' executable (readlink of /proc/self/exe).
// Throws std::system_error when it cannot be resolved.
std::vector<std::string> default_worker_command();

// Starts `argv` as a new session (setsid) with stdin from /dev/null, stdout and stderr appended
// to `log_file` (its directories created), no other inherited descriptor and default signal
// dispositions; returns its pid. Throws std::system_error naming the program or the log file.
pid_t spawn_worker(const std::vector<std::string>& argv, const std::filesystem::path& log_file);

}  // namespace tempest::supervisor
