// SPDX-License-Identifier: Apache-2.0
// chaos_feeder: the chaos driver's producer and sampler (see chaos_driver.h). A thread appends
// ids to <dir>/source.txt at a fixed rate (whole lines, one write per 50 ms batch) and polls the
// ledger (chaos_ledger.h) every 200 ms, keeping a sample of the distinct ids processed and acked
// each time; windows() turns the samples into throughput. The thread starts in the constructor
// and is joined in the destructor; the other members may be called from any thread.
#pragma once

#include "chaos_ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tempest::system_test::chaos {

using clock_type = std::chrono::steady_clock;

// One throughput sample: distinct ids processed and acked at time t.
struct sample {
    clock_type::time_point t;
    std::uint64_t processed;
    std::uint64_t acked;
};

// The producer and sampler thread: appends ids to <dir>/source.txt at `rate` per second (whole
// lines, one write per 50 ms batch) and polls the ledger every 200 ms.
class feeder {
  public:
    feeder(std::filesystem::path dir, double rate)
        : _dir(std::move(dir)), _rate(rate), _ledger(_dir) {
        _fd =
            ::open((_dir / "source.txt").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (_fd < 0) {
            throw std::runtime_error("chaos: cannot open " + (_dir / "source.txt").string());
        }
        _thread = std::thread([this] { loop(); });
    }
    ~feeder() {
        _stop = true;
        _thread.join();
        ::close(_fd);
    }
    feeder(const feeder&) = delete;
    feeder& operator=(const feeder&) = delete;

    // Stops appending; the ids written are [0, written()).
    void stop_producing() { _producing = false; }
    std::uint64_t written() const { return _written.load(); }

    std::vector<sample> samples() const {
        std::lock_guard lock(_mu);
        return _samples;
    }
    ledger_result check(std::uint64_t n) const {
        std::lock_guard lock(_mu);
        return _ledger.check(n);
    }
    // The longest prefix [0, k) of ids that the spout saw acked.
    std::uint64_t acked_prefix() const {
        std::lock_guard lock(_mu);
        std::uint64_t n = _written.load();
        ledger_result r = _ledger.check(n);
        return r.first_unacked.empty() ? n : r.first_unacked.front();
    }
    std::uint64_t distinct_acked() const {
        std::lock_guard lock(_mu);
        return _ledger.distinct_acked();
    }

  private:
    void loop() {
        auto start = clock_type::now();
        auto next_poll = start;
        std::string batch;
        while (!_stop) {
            auto now = clock_type::now();
            if (_producing) {
                auto due = static_cast<std::uint64_t>(
                    std::chrono::duration<double>(now - start).count() * _rate);
                batch.clear();
                for (std::uint64_t id = _written; id < due; ++id) {
                    batch += std::to_string(id) + "\n";
                }
                if (!batch.empty() && ::write(_fd, batch.data(), batch.size()) ==
                                          static_cast<ssize_t>(batch.size())) {
                    _written = due;
                }
            }
            if (now >= next_poll) {
                next_poll = now + std::chrono::milliseconds(200);
                std::lock_guard lock(_mu);
                _ledger.poll();
                _samples.push_back(
                    {clock_type::now(), _ledger.distinct_processed(), _ledger.distinct_acked()});
            }
            std::this_thread::sleep_for(
                std::chrono::milliseconds(50));  // the producer's pace, not a synchronisation
        }
    }

    std::filesystem::path _dir;
    double _rate;
    int _fd = -1;
    std::atomic<bool> _stop{false};
    std::atomic<bool> _producing{true};
    std::atomic<std::uint64_t> _written{0};
    mutable std::mutex _mu;
    ledger_reader _ledger;         // guarded by _mu
    std::vector<sample> _samples;  // guarded by _mu
    std::thread _thread;
};

// The throughput (ids/s) over the 2 s (or a little more) window ending at each sample from
// `from` on.
inline std::vector<std::pair<clock_type::time_point, double>> windows(const std::vector<sample>& s,
                                                                      clock_type::time_point from) {
    std::vector<std::pair<clock_type::time_point, double>> out;
    std::size_t j = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        // j: the latest sample at least 2 s before sample i.
        while (j + 1 < i && s[i].t - s[j + 1].t >= std::chrono::seconds(2)) {
            ++j;
        }
        if (s[i].t < from || s[i].t - s[j].t < std::chrono::seconds(2)) {
            continue;
        }
        out.emplace_back(s[i].t, static_cast<double>(s[i].processed - s[j].processed) /
                                     std::chrono::duration<double>(s[i].t - s[j].t).count());
    }
    return out;
}

}  // namespace tempest::system_test::chaos
