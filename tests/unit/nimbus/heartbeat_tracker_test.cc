// SPDX-License-Identifier: Apache-2.0
#include "heartbeat_tracker.h"

#include <gtest/gtest.h>

#include <chrono>

namespace tempest::nimbus {
namespace {

using namespace std::chrono_literals;

common::node_data node(std::string data, std::int32_t version, std::int64_t ctime_ms = 1) {
    common::node_data n;
    n.data = std::move(data);
    n.stat.version = version;
    n.stat.ctime_ms = ctime_ms;
    return n;
}

TEST(heartbeat_tracker_test, counts_how_long_a_node_reads_the_same_by_its_own_clock) {
    heartbeat_tracker t;
    auto t0 = heartbeat_tracker::clock::now();
    auto a = heartbeat_tracker::of(node("a", 1));
    EXPECT_EQ(t.observe("k", a, t0), 0s);  // first sight counts as just written
    EXPECT_EQ(t.observe("k", a, t0 + 20s), 20s);
    EXPECT_EQ(t.observe("k", a, t0 + 40s), 40s);
    EXPECT_EQ(t.observe("other", a, t0 + 40s), 0s);  // keys are independent
}

TEST(heartbeat_tracker_test, any_new_write_restarts_the_count) {
    heartbeat_tracker t;
    auto t0 = heartbeat_tracker::clock::now();
    EXPECT_EQ(t.observe("k", heartbeat_tracker::of(node("a", 1)), t0), 0s);
    // Same bytes, new version: the writer rewrote it (a frozen clock on its host).
    EXPECT_EQ(t.observe("k", heartbeat_tracker::of(node("a", 2)), t0 + 20s), 0s);
    EXPECT_EQ(t.observe("k", heartbeat_tracker::of(node("b", 3)), t0 + 30s), 0s);
    // The stat is what counts (Nimbus reads no heartbeat's data): other bytes under the same
    // stat read as the same write, and the stat of a node_data as the node_stat's.
    EXPECT_EQ(t.observe("k", heartbeat_tracker::of(node("c", 3)), t0 + 35s), 5s);
    EXPECT_EQ(t.observe("k", heartbeat_tracker::of(node("c", 3).stat), t0 + 36s), 6s);
    common::node_data rewritten = node("c", 3);
    rewritten.stat.mtime_ms = 7;
    EXPECT_EQ(t.observe("k", heartbeat_tracker::of(rewritten), t0 + 37s), 0s);
    EXPECT_EQ(t.observe("k", heartbeat_tracker::of(node("b", 3)), t0 + 38s), 0s);
    // Re-created: version back to 0 with a new ctime.
    EXPECT_EQ(t.observe("k", heartbeat_tracker::of(node("b", 0, 2)), t0 + 40s), 0s);
    EXPECT_EQ(t.observe("k", heartbeat_tracker::of(node("b", 0, 2)), t0 + 45s), 5s);
}

TEST(heartbeat_tracker_test, sweep_forgets_keys_not_observed_since_the_last_sweep) {
    heartbeat_tracker t;
    auto t0 = heartbeat_tracker::clock::now();
    auto a = heartbeat_tracker::of(node("a", 1));
    t.observe("kept", a, t0);
    t.observe("gone", a, t0);
    t.sweep();
    EXPECT_EQ(t.size(), 2U);
    EXPECT_EQ(t.observe("kept", a, t0 + 10s), 10s);
    t.sweep();
    EXPECT_EQ(t.size(), 1U);
    // A key that comes back counts as new.
    EXPECT_EQ(t.observe("gone", a, t0 + 50s), 0s);
    EXPECT_EQ(t.observe("kept", a, t0 + 50s), 50s);
}

}  // namespace
}  // namespace tempest::nimbus
