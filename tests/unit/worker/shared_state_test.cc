// SPDX-License-Identifier: Apache-2.0
// shared_state: errors handed over by cursor, none twice, the ones no longer kept counted.
#include "executor/shared_state.h"

#include <gtest/gtest.h>

#include <string>

namespace tempest::worker {
namespace {

TEST(shared_state_test, errors_since_hands_over_each_error_once_in_order) {
    shared_state s;
    auto b = s.errors_since(0);
    EXPECT_TRUE(b.errors.empty());
    EXPECT_EQ(b.cursor, 0u);
    s.report("split", 3, "one");
    s.report("count", 5, "two");
    b = s.errors_since(b.cursor);
    ASSERT_EQ(b.errors.size(), 2u);
    EXPECT_EQ(b.errors[0].message, "one");
    EXPECT_EQ(b.errors[0].component, "split");
    EXPECT_EQ(b.errors[0].task, 3);
    EXPECT_GT(b.errors[0].time_ms, 0);
    EXPECT_EQ(b.errors[1].message, "two");
    EXPECT_EQ(b.missed, 0u);
    s.report("split", 3, "three");
    b = s.errors_since(b.cursor);
    ASSERT_EQ(b.errors.size(), 1u);
    EXPECT_EQ(b.errors[0].message, "three");
    EXPECT_TRUE(s.errors_since(b.cursor).errors.empty());
}

TEST(shared_state_test, errors_beyond_the_kept_ones_are_counted_as_missed) {
    shared_state s;
    const std::size_t n = shared_state::kept_errors + 5;
    for (std::size_t i = 0; i < n; ++i) {
        s.report("split", 1, std::to_string(i));
    }
    auto b = s.errors_since(0);
    EXPECT_EQ(b.errors.size(), shared_state::kept_errors);
    EXPECT_EQ(b.missed, 5u);
    EXPECT_EQ(b.errors.front().message, "5");
    EXPECT_EQ(b.cursor, n);
}

}  // namespace
}  // namespace tempest::worker
