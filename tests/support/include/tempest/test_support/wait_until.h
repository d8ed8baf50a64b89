// SPDX-License-Identifier: Apache-2.0
// wait_until: how a test waits for something another thread does. Polls `pred` with a short,
// growing pause (50 µs up to 5 ms) until it holds or `timeout` has passed; every wait in a test
// has a deadline, and none is a bare sleep.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace tempest::test_support {

// Returns true as soon as pred() is true, false if it is still false at the deadline (pred is
// evaluated once more at the deadline). Runs pred on the calling thread.
template <typename Pred>
[[nodiscard]] bool wait_until(Pred&& pred, std::chrono::steady_clock::duration timeout) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + timeout;
    std::chrono::microseconds pause(50);
    while (!pred()) {
        auto now = clock::now();
        if (now >= deadline) {
            return pred();
        }
        std::this_thread::sleep_for(std::min<clock::duration>(pause, deadline - now));
        pause = std::min(pause * 2, std::chrono::microseconds(5000));
    }
    return true;
}

}  // namespace tempest::test_support
