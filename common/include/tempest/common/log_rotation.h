// SPDX-License-Identifier: Apache-2.0
// log_rotation: keeps a process' log file under a size bound with a bounded number of old
// files, as Storm's log4j rolling appenders do for workers and daemons. The file is the one the
// process' stdout and stderr were opened on by whoever started it (the supervisor for a worker,
// `tempest dev-cluster` or the operator's shell for a daemon):
//
//   worker.log  ──(reaches max bytes)──▶ rename worker.log.1→.2 … , worker.log→worker.log.1,
//                                       open a new worker.log, dup2 it onto stdout and stderr
//
// Everything written to the descriptors lands in the file straight from the kernel: spdlog's
// lines (checked before each line, so a file stays under the bound), and what bypasses the
// logger — user code's printf, a crash's last words from the C++ runtime — which the watch
// thread catches within a period. A crash loses nothing: there is no buffer of ours in between.
// On disk there are at most `files` files: the current one and files-1 old ones, the oldest
// removed by the rename over it.
//
// Thread-safe (one mutex). start_watch() runs one thread until stop() or destruction.
#pragma once

#include "tempest/topology_api/config.h"

#include <spdlog/sinks/sink.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tempest::common {

class log_rotator {
  public:
    // `path`: the log file; `fds`: the descriptors open on it (re-pointed at each rotation; the
    // rotator does not own them); `max_bytes` > 0; `files` >= 1 (1: the file is started afresh
    // at the bound, nothing old kept).
    log_rotator(std::filesystem::path path, std::vector<int> fds, std::uint64_t max_bytes,
                int files);
    ~log_rotator();
    log_rotator(const log_rotator&) = delete;
    log_rotator& operator=(const log_rotator&) = delete;

    // Rotates first when the file's size plus `incoming` would pass the bound (and the file is
    // not empty). Returns whether it rotated. An error renaming or opening is written to
    // stderr once and the file is then left to grow (a log must never stop the process).
    bool check(std::size_t incoming = 0);

    // Calls check() every `period` on a thread of its own, for output that bypasses the logger.
    void start_watch(std::chrono::milliseconds period);
    void stop();

    const std::filesystem::path& path() const noexcept { return _path; }
    // The name of old file `n` (1 = the newest): "<path>.<n>".
    std::filesystem::path old_file(int n) const;

  private:
    bool rotate_locked();  // Requires: _mu held

    const std::filesystem::path _path;
    const std::vector<int> _fds;
    const std::uint64_t _max_bytes;
    const int _files;

    std::mutex _mu;  // guards the renames and dup2s, _failed, _stopping
    bool _failed = false;
    bool _stopping = false;
    std::condition_variable _cv;
    std::thread _watch;
};

// Sends every logger's output (tempest/common/log.h) to `sink`, with the usual line pattern,
// instead of stderr or the file; the level stays. Defined with the logging state in log.cc.
void replace_log_sink(std::shared_ptr<spdlog::sinks::sink> sink);

// For a daemon or a worker (cli's begin_daemon): when tempest.log.max.size.mb of `conf` is
// above 0 and stderr is a regular file, rotates that file (stdout too when it is the same
// file) with tempest.log.max.files files: every logger line is checked before it is written, a
// watch thread checks every second. Returns whether rotation was set up. Call after
// init_logging(); a later init_logging() call replaces the rotating sink.
bool rotate_stdio_log(const config& conf);

}  // namespace tempest::common
