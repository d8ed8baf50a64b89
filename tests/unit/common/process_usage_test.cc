// SPDX-License-Identifier: Apache-2.0
// process_usage: resident memory follows what the process touches; CPU seconds move with work.
#include "tempest/common/process_usage.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace tempest::common {
namespace {

TEST(process_usage_test, resident_memory_grows_with_touched_pages) {
    auto before = read_process_usage();
    ASSERT_TRUE(before) << before.error().message();
    EXPECT_GT(before->rss_bytes, 0u);
    EXPECT_GE(before->peak_rss_bytes, before->rss_bytes);
    constexpr std::size_t size = 64 << 20;
    auto block = std::make_unique<char[]>(size);
    std::memset(block.get(), 1, size);
    auto after = read_process_usage();
    ASSERT_TRUE(after);
    EXPECT_GE(after->rss_bytes, before->rss_bytes + size / 2);
    EXPECT_EQ(block[size - 1], 1);
}

TEST(process_usage_test, cpu_seconds_move_with_work) {
    auto before = read_process_usage();
    ASSERT_TRUE(before);
    volatile std::uint64_t x = 0;
    double spent = 0;
    while (spent < 0.05) {  // burn until getrusage has seen 50 ms of CPU (bounded by its clock)
        for (int i = 0; i < 1'000'000; ++i) {
            x = x + static_cast<std::uint64_t>(i);
        }
        auto now = read_process_usage();
        ASSERT_TRUE(now);
        spent = now->cpu_seconds - before->cpu_seconds;
    }
    EXPECT_GE(spent, 0.05);
}

}  // namespace
}  // namespace tempest::common
