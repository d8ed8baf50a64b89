// SPDX-License-Identifier: Apache-2.0
// nimbus_clocks: the clocks Nimbus' rounds read, injected so that tests never sleep. A plain
// value of two functions; they must be callable from any thread that uses the part holding them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace tempest::nimbus {

struct nimbus_clocks {
    // How long heartbeats have gone unchanged, when delayed actions are due.
    std::function<std::chrono::steady_clock::time_point()> steady;
    // Executor start times and launch grace (assignments hold unix seconds).
    std::function<std::int64_t()> unix_secs;

    // The real clocks.
    static nimbus_clocks system() {
        return {[] { return std::chrono::steady_clock::now(); },
                [] {
                    return std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                        .count();
                }};
    }
};

}  // namespace tempest::nimbus
