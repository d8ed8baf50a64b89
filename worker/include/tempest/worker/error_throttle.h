// SPDX-License-Identifier: Apache-2.0
// error_throttle: how many reported errors an executor passes on to the cluster state, as
// Storm's executors throttle them: at most `max_per_interval` in each interval of
// `interval_ms` (topology.max.error.report.per.interval, topology.error.throttle.interval.secs);
// the rest are counted, logged by the caller, and dropped, so a component that fails on every
// tuple cannot flood ZooKeeper. Intervals are fixed windows starting at the first error.
// Not thread-safe: owned by one executor (or the thread that reports for it).
#pragma once

#include <cstdint>

namespace tempest::worker {

class error_throttle {
  public:
    error_throttle(std::int64_t interval_ms, std::uint32_t max_per_interval)
        : _interval_ms(interval_ms), _max(max_per_interval) {}

    // True when an error at `now_ms` may be reported; false when it is over the limit.
    bool admit(std::int64_t now_ms) noexcept {
        if (!_started || now_ms - _interval_start >= _interval_ms || now_ms < _interval_start) {
            _started = true;
            _interval_start = now_ms;
            _in_interval = 0;
        }
        if (_in_interval >= _max) {
            ++_suppressed;
            return false;
        }
        ++_in_interval;
        return true;
    }

    // Errors refused so far.
    std::uint64_t suppressed() const noexcept { return _suppressed; }

  private:
    std::int64_t _interval_ms;
    std::uint32_t _max;
    bool _started = false;
    std::int64_t _interval_start = 0;
    std::uint32_t _in_interval = 0;
    std::uint64_t _suppressed = 0;
};

}  // namespace tempest::worker
