// SPDX-License-Identifier: Apache-2.0
// parker: lets an executor thread sleep when it has nothing to do and lets producers wake it
// only when it actually sleeps, so a busy pipeline makes no system calls.
//
// Protocol (Dekker style, each side a seq_cst fence between its store and its load):
//   consumer: announce() ; re-check its queues ; park(timeout) or cancel()
//   producer: publish data ; std::atomic_thread_fence(seq_cst) ; wake_if_parked()
// If the producer's data was published before announce(), the consumer's re-check sees it;
// otherwise the producer's load sees the announcement and wakes the futex.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tempest::worker {

class parker {
  public:
    // Requires: called by the owning (consumer) thread.
    void announce() noexcept {
        _state.store(1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    void cancel() noexcept { _state.store(0, std::memory_order_relaxed); }
    // Sleeps until woken or `timeout` passes (spurious returns are allowed).
    // Requires: announce() was called by this thread.
    void park(std::chrono::nanoseconds timeout) noexcept {
        timespec ts{};
        ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
        ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
        syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&_state), FUTEX_WAIT_PRIVATE, 1, &ts,
                nullptr, 0);
        _state.store(0, std::memory_order_relaxed);
    }
    // Producer side; the caller has issued a seq_cst fence after publishing.
    void wake_if_parked() noexcept {
        if (_state.load(std::memory_order_relaxed) != 0 &&
            _state.exchange(0, std::memory_order_relaxed) != 0) {
            syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&_state), FUTEX_WAKE_PRIVATE, 1,
                    nullptr, nullptr, 0);
        }
    }
    // Unconditional wake, for control changes (stop, activate).
    void wake() noexcept {
        _state.store(0, std::memory_order_relaxed);
        syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&_state), FUTEX_WAKE_PRIVATE, 1,
                nullptr, nullptr, 0);
    }

  private:
    alignas(64) std::atomic<std::uint32_t> _state{0};
    char _pad[64 - sizeof(std::atomic<std::uint32_t>)];
};

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

}  // namespace tempest::worker
