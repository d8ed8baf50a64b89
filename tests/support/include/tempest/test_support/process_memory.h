// SPDX-License-Identifier: Apache-2.0
// Reads this process's memory use from /proc/self/status (Linux), for tests that check that
// memory stays bounded.
#pragma once

#include <cstdint>

namespace tempest::test_support {

struct process_memory {
    std::uint64_t rss_bytes = 0;       // VmRSS: resident now
    std::uint64_t peak_rss_bytes = 0;  // VmHWM: highest resident so far
};

// Throws std::runtime_error if /proc/self/status cannot be read or lacks VmRSS/VmHWM.
process_memory read_process_memory();

}  // namespace tempest::test_support
