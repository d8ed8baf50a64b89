// SPDX-License-Identifier: Apache-2.0
// response_cache: answers identical GETs of the REST API from one evaluation for a short time.
// Two hundred dashboards polling the same topology page would otherwise each cost a round of
// Nimbus calls; with the cache they cost one per `ttl`, and concurrent requests for the same
// target wait for the one evaluation in flight instead of starting their own (single flight).
// Any successful action (POST) clears it, so a client sees the effect of its own action at once.
// Bounded: at most `max_entries` targets are kept; beyond that, answers are computed uncached.
// Thread-safe; owned by ui_server, used on the handler threads.
#pragma once

#include "tempest/ui/http_types.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tempest::ui {

class response_cache {
  public:
    response_cache(std::chrono::milliseconds ttl, std::size_t max_entries);

    // The answer to `key`: a copy of one computed less than ttl ago or being computed now, else
    // compute()'s, kept for the next callers. A ttl of 0 calls compute() every time.
    http_response get(const std::string& key, const std::function<http_response()>& compute);
    // Forgets every answer (answers being computed still reach their waiting callers).
    void clear();

  private:
    using clock = std::chrono::steady_clock;
    struct entry {
        std::shared_future<http_response> answer;
        clock::time_point computed_at;  // time_point::max() while being computed
        std::uint64_t id = 0;           // tells an entry from a later one for the same key
    };

    std::chrono::milliseconds _ttl;
    std::size_t _max_entries;
    std::mutex _mu;
    std::unordered_map<std::string, entry> _entries;
    std::uint64_t _next_id = 0;
};

}  // namespace tempest::ui
