// SPDX-License-Identifier: Apache-2.0
#include "send_credits.h"

#include <algorithm>
#include <utility>

namespace tempest::worker::transport {

send_credits::send_credits(std::uint32_t window, std::uint32_t task_limit, std::size_t max_spare)
    : _window(window),
      _max_spare(max_spare),
      _credits(window > 0 ? task_limit : 0, static_cast<std::int64_t>(window)) {}

void send_credits::take_other(std::uint32_t task, std::uint32_t n) {
    auto it = std::find_if(_open.begin(), _open.end(),
                           [&](const credit_grant& g) { return g.task == task; });
    if (it == _open.end()) {
        _open.push_back({task, 0});
    } else {
        std::iter_swap(it, _open.end() - 1);  // the last one is looked at first
    }
    _open.back().count += n;
}

void send_credits::seal() {
    _queued.push_back(std::move(_open));
    _open.clear();
    if (!_spare.empty()) {
        _open.swap(_spare.back());  // reuse a written frame's vector
        _spare.pop_back();
    }
}

void send_credits::written(bool refund) {
    if (_queued.empty()) {
        return;
    }
    if (refund) {
        for (const credit_grant& g : _queued.front()) {
            _credits[g.task] += g.count;
        }
    }
    if (_spare.size() < _max_spare) {
        _queued.front().clear();
        _spare.push_back(std::move(_queued.front()));
    }
    _queued.pop_front();
}

void send_credits::reset_for_new_connection() {
    std::fill(_credits.begin(), _credits.end(), static_cast<std::int64_t>(_window));
    auto debit = [&](const std::vector<credit_grant>& counts) {
        for (const credit_grant& g : counts) {
            _credits[g.task] -= g.count;
        }
    };
    for (const auto& counts : _queued) {
        debit(counts);
    }
    debit(_open);
}

void send_credits::grant(std::uint32_t task, std::uint64_t count) {
    if (task >= _credits.size()) {
        return;
    }
    _credits[task] = std::min<std::int64_t>(
        _credits[task] + static_cast<std::int64_t>(std::min<std::uint64_t>(count, _window)),
        _window);
}

void send_credits::drop_frames() {
    _queued.clear();
    _open.clear();
}

}  // namespace tempest::worker::transport
