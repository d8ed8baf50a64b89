// SPDX-License-Identifier: Apache-2.0
#include "tempest/test_support/process_memory.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tempest::test_support {

process_memory read_process_memory() {
    std::ifstream in("/proc/self/status");
    if (!in) {
        throw std::runtime_error("cannot open /proc/self/status");
    }
    process_memory m;
    bool rss = false;
    bool hwm = false;
    std::string line;
    while (std::getline(in, line)) {
        // Lines look like "VmRSS:\t   12345 kB".
        std::istringstream fields(line);
        std::string key;
        std::uint64_t kib = 0;
        fields >> key >> kib;
        if (key == "VmRSS:") {
            m.rss_bytes = kib * 1024;
            rss = true;
        } else if (key == "VmHWM:") {
            m.peak_rss_bytes = kib * 1024;
            hwm = true;
        }
    }
    if (!rss || !hwm) {
        throw std::runtime_error("/proc/self/status has no VmRSS or VmHWM line");
    }
    return m;
}

}  // namespace tempest::test_support
