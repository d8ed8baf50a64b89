// SPDX-License-Identifier: Apache-2.0
#include "response_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tempest::ui {
namespace {

using namespace std::chrono_literals;

http_response answer(std::string body) {
    http_response r;
    r.body = std::move(body);
    return r;
}

TEST(response_cache_test, answers_again_from_the_first_evaluation_within_the_ttl) {
    response_cache cache(10min, 16);
    int calls = 0;
    auto compute = [&] { return answer(std::to_string(++calls)); };
    EXPECT_EQ(cache.get("/a", compute).body, "1");
    EXPECT_EQ(cache.get("/a", compute).body, "1");
    EXPECT_EQ(cache.get("/b", compute).body, "2");  // another target, its own answer
    EXPECT_EQ(calls, 2);
}

TEST(response_cache_test, computes_afresh_after_the_ttl_and_after_clear) {
    response_cache cache(30ms, 16);
    int calls = 0;
    auto compute = [&] { return answer(std::to_string(++calls)); };
    EXPECT_EQ(cache.get("/a", compute).body, "1");
    const auto until = std::chrono::steady_clock::now() + 10s;
    std::string body = "1";
    while (body == "1" && std::chrono::steady_clock::now() < until) {
        body = cache.get("/a", compute).body;
    }
    EXPECT_EQ(body, "2");
    cache.clear();
    EXPECT_EQ(cache.get("/a", compute).body, "3");
}

TEST(response_cache_test, a_ttl_of_zero_computes_every_time) {
    response_cache cache(0ms, 16);
    int calls = 0;
    auto compute = [&] { return answer(std::to_string(++calls)); };
    cache.get("/a", compute);
    cache.get("/a", compute);
    EXPECT_EQ(calls, 2);
}

// Concurrent requests for one target while its answer is being computed wait for that one
// evaluation instead of starting their own.
TEST(response_cache_test, concurrent_callers_share_one_evaluation) {
    response_cache cache(10min, 16);
    std::mutex mu;
    std::condition_variable cv;
    bool release = false;
    std::atomic<int> calls{0};
    auto compute = [&] {
        ++calls;
        std::unique_lock lock(mu);
        cv.wait_for(lock, 10s, [&] { return release; });
        return answer("shared");
    };
    std::vector<std::thread> callers;
    std::atomic<int> right{0};
    for (int i = 0; i < 8; ++i) {
        callers.emplace_back([&] {
            if (cache.get("/a", compute).body == "shared") {
                ++right;
            }
        });
    }
    // Let every caller reach the cache (the first is inside compute, the others wait on it).
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (calls.load() == 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();
    }
    {
        std::scoped_lock lock(mu);
        release = true;
    }
    cv.notify_all();
    for (auto& t : callers) {
        t.join();
    }
    EXPECT_EQ(right.load(), 8);
    // Callers arriving after the first finished are answered from the cache too, so exactly
    // one evaluation ran whatever the threads' order.
    EXPECT_EQ(calls.load(), 1);
}

TEST(response_cache_test, holds_at_most_its_bound_and_computes_the_rest_uncached) {
    response_cache cache(10min, 2);
    int calls = 0;
    auto compute = [&] { return answer(std::to_string(++calls)); };
    cache.get("/a", compute);
    cache.get("/b", compute);
    cache.get("/c", compute);  // over the bound: computed, not kept
    cache.get("/c", compute);
    EXPECT_EQ(calls, 4);
    cache.get("/a", compute);  // still kept
    EXPECT_EQ(calls, 4);
}

TEST(response_cache_test, a_failed_evaluation_reaches_its_caller_and_is_not_kept) {
    response_cache cache(10min, 16);
    EXPECT_THROW(cache.get("/a", []() -> http_response { throw std::runtime_error("boom"); }),
                 std::runtime_error);
    EXPECT_EQ(cache.get("/a", [] { return answer("ok"); }).body, "ok");
}

}  // namespace
}  // namespace tempest::ui
