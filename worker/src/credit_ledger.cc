// SPDX-License-Identifier: Apache-2.0
#include "credit_ledger.h"

#include <algorithm>
#include <utility>

namespace tempest::worker {

credit_ledger::credit_ledger(std::uint32_t task_limit, std::uint32_t window, grant_fn grant)
    : _task_limit(task_limit),
      _threshold(std::max<std::uint32_t>(1, window / 4)),
      _grant(std::move(grant)) {}

credit_ledger::owed* credit_ledger::find(std::uint32_t connection) {
    if (_last != nullptr && _last_id == connection) {
        return _last;
    }
    auto it = _by_connection.find(connection);
    if (it == _by_connection.end()) {
        return nullptr;
    }
    _last = &it->second;
    _last_id = connection;
    return _last;
}

void credit_ledger::open(std::uint32_t connection) {
    if (find(connection) != nullptr) {
        return;
    }
    owed& o = _by_connection[connection];
    o.by_task.assign(_task_limit, 0);
    _last = &o;
    _last_id = connection;
}

void credit_ledger::owe(std::uint32_t connection, std::uint32_t task, std::uint32_t count) {
    owed* o = find(connection);
    if (o == nullptr || count == 0) {
        return;
    }
    std::uint32_t& n = o->by_task[task];
    if (n == 0) {
        if (o->tasks.empty()) {
            ++_owing;
        }
        o->tasks.push_back(task);
    }
    n += count;
    if (n >= _threshold) {
        o->due = true;
    }
}

std::uint64_t credit_ledger::grant(bool all) {
    std::uint64_t total = 0;
    for (auto& [connection, o] : _by_connection) {
        if (o.tasks.empty() || !(all || o.due)) {
            continue;
        }
        _grants.clear();
        for (std::uint32_t task : o.tasks) {
            std::uint32_t& n = o.by_task[task];
            _grants.push_back({task, n});
            total += n;
            n = 0;
        }
        o.tasks.clear();
        o.due = false;
        --_owing;
        _grant(connection, _grants);
    }
    return total;
}

void credit_ledger::forget(std::uint32_t connection) {
    auto it = _by_connection.find(connection);
    if (it == _by_connection.end()) {
        return;
    }
    if (!it->second.tasks.empty()) {
        --_owing;
    }
    if (_last == &it->second) {
        _last = nullptr;
    }
    _by_connection.erase(it);
}

}  // namespace tempest::worker
