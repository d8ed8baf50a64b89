// SPDX-License-Identifier: Apache-2.0
#include "response_cache.h"

#include <exception>
#include <iterator>
#include <utility>

namespace tempest::ui {

response_cache::response_cache(std::chrono::milliseconds ttl, std::size_t max_entries)
    : _ttl(ttl), _max_entries(max_entries) {}

http_response response_cache::get(const std::string& key,
                                  const std::function<http_response()>& compute) {
    if (_ttl.count() <= 0) {
        return compute();
    }
    std::promise<http_response> promise;
    std::uint64_t id = 0;
    {
        std::unique_lock lock(_mu);
        const auto now = clock::now();
        if (auto it = _entries.find(key); it != _entries.end()) {
            const bool computing = it->second.computed_at == clock::time_point::max();
            if (computing || now - it->second.computed_at < _ttl) {
                auto answer = it->second.answer;
                lock.unlock();
                return answer.get();
            }
            _entries.erase(it);
        }
        if (_entries.size() >= _max_entries) {
            for (auto it = _entries.begin(); it != _entries.end();) {
                const bool stale = it->second.computed_at != clock::time_point::max() &&
                                   now - it->second.computed_at >= _ttl;
                it = stale ? _entries.erase(it) : std::next(it);
            }
        }
        if (_entries.size() >= _max_entries) {
            lock.unlock();
            return compute();
        }
        id = ++_next_id;
        _entries.emplace(key, entry{promise.get_future().share(), clock::time_point::max(), id});
    }
    try {
        http_response res = compute();
        promise.set_value(res);
        std::scoped_lock lock(_mu);
        if (auto it = _entries.find(key); it != _entries.end() && it->second.id == id) {
            it->second.computed_at = clock::now();
        }
        return res;
    } catch (...) {
        promise.set_exception(std::current_exception());
        std::scoped_lock lock(_mu);
        if (auto it = _entries.find(key); it != _entries.end() && it->second.id == id) {
            _entries.erase(it);
        }
        throw;
    }
}

void response_cache::clear() {
    std::scoped_lock lock(_mu);
    _entries.clear();
}

}  // namespace tempest::ui
