// SPDX-License-Identifier: Apache-2.0
// process_usage: what this process uses of the machine (Linux /proc and getrusage), for the
// worker's built-in metrics (RSS, CPU seconds) and for tests that check memory stays bounded.
// Thread-safe: reads only.
#pragma once

#include "tempest/common/result.h"

#include <cstdint>

namespace tempest::common {

struct process_usage {
    std::uint64_t rss_bytes = 0;       // VmRSS: resident now
    std::uint64_t peak_rss_bytes = 0;  // VmHWM: highest resident so far
    double cpu_seconds = 0;            // user + system time of every thread so far
};

// Errors: the error of reading /proc/self/status or getrusage; std::errc::bad_message when the
// status file lacks VmRSS or VmHWM.
[[nodiscard]] result<process_usage> read_process_usage();

}  // namespace tempest::common
