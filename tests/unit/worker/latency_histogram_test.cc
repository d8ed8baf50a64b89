// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/latency_histogram.h"

#include <gtest/gtest.h>

namespace tempest::worker {
namespace {

TEST(latency_histogram_test, buckets_are_monotonic_and_contain_their_values) {
    for (std::uint64_t v : {0ull, 1ull, 7ull, 8ull, 9ull, 100ull, 1000ull, 123456ull, 1ull << 40}) {
        int b = latency_histogram::bucket_of(v);
        EXPECT_LE(latency_histogram::lower_bound(b), v) << v;
        if (b + 1 < latency_histogram::buckets) {
            EXPECT_GT(latency_histogram::lower_bound(b + 1), v) << v;
        }
    }
}

TEST(latency_histogram_test, quantiles_are_within_an_eighth_of_the_truth) {
    latency_histogram h;
    for (std::uint64_t v = 1; v <= 10000; ++v)
        h.record(v);
    EXPECT_NEAR(h.quantile(0.5), 5000, 5000 / 8.0);
    EXPECT_NEAR(h.quantile(0.99), 9900, 9900 / 8.0);
    EXPECT_NEAR(h.mean(), 5000.5, 0.01);
    EXPECT_EQ(h.count(), 10000u);
}

}  // namespace
}  // namespace tempest::worker
