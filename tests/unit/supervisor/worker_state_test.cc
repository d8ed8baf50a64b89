// SPDX-License-Identifier: Apache-2.0
#include "tempest/supervisor/worker_state.h"

#include <gtest/gtest.h>

namespace tempest::supervisor {
namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;

struct supervisor_worker_state_test : ::testing::Test {
    port_assignments assigned{{6700, {"wc-1", {{1, 2}, {3, 3}}}}, {6701, {"wc-1", {{4, 4}}}}};
    worker_timeouts timeouts{.heartbeat = std::chrono::seconds(30),
                             .start = std::chrono::seconds(120)};
    worker_launch launch{.topology_id = "wc-1", .port = 6700, .launched_ms = t0};

    heartbeat_reading beat(std::int64_t time_ms, std::string topology = "wc-1", int port = 6700,
                           std::vector<executor_range> executors = {{3, 3}, {1, 2}}) {
        return {.heartbeat = worker_heartbeat{.time_ms = time_ms,
                                              .topology_id = std::move(topology),
                                              .executors = std::move(executors),
                                              .port = port,
                                              .pid = 42}};
    }
    worker_state at(const heartbeat_reading& hb, std::int64_t now) {
        return classify_worker(hb, launch, assigned, now, timeouts);
    }
};

TEST_F(supervisor_worker_state_test, is_valid_when_heartbeat_matches_and_is_fresh) {
    EXPECT_EQ(at(beat(t0 + 1000), t0 + 1000), worker_state::valid);
}

TEST_F(supervisor_worker_state_test, is_valid_when_heartbeat_is_exactly_the_timeout_old) {
    EXPECT_EQ(at(beat(t0), t0 + 30'000), worker_state::valid);
}

TEST_F(supervisor_worker_state_test, is_timed_out_when_heartbeat_is_one_ms_older_than_the_timeout) {
    EXPECT_EQ(at(beat(t0), t0 + 30'001), worker_state::timed_out);
}

TEST_F(supervisor_worker_state_test, is_not_started_without_heartbeat_within_the_start_budget) {
    EXPECT_EQ(at({}, t0), worker_state::not_started);
    EXPECT_EQ(at({}, t0 + 120'000), worker_state::not_started);
}

TEST_F(supervisor_worker_state_test, is_timed_out_without_heartbeat_after_the_start_budget) {
    EXPECT_EQ(at({}, t0 + 120'001), worker_state::timed_out);
}

TEST_F(supervisor_worker_state_test, is_timed_out_when_heartbeat_is_unreadable) {
    EXPECT_EQ(at({.unreadable = true}, t0), worker_state::timed_out);
}

TEST_F(supervisor_worker_state_test, is_disallowed_when_its_port_is_no_longer_assigned) {
    assigned.erase(6700);
    EXPECT_EQ(at(beat(t0), t0), worker_state::disallowed);
    EXPECT_EQ(at({}, t0), worker_state::disallowed);  // even before its first heartbeat
}

TEST_F(supervisor_worker_state_test, is_disallowed_when_its_port_runs_another_topology) {
    assigned[6700].topology_id = "wc-2";
    EXPECT_EQ(at(beat(t0), t0), worker_state::disallowed);
    EXPECT_EQ(at({}, t0), worker_state::disallowed);
}

TEST_F(supervisor_worker_state_test, is_disallowed_when_its_executors_changed) {
    EXPECT_EQ(at(beat(t0, "wc-1", 6700, {{1, 2}}), t0), worker_state::disallowed);
    EXPECT_EQ(at(beat(t0, "wc-1", 6700, {{1, 2}, {3, 3}, {5, 5}}), t0), worker_state::disallowed);
}

TEST_F(supervisor_worker_state_test, other_executors_are_allowed_for_the_heartbeat_timeout) {
    // The worker takes a change of its executors in place: its heartbeat catches up.
    const auto old_executors = beat(t0 + 1000, "wc-1", 6700, {{1, 2}});
    EXPECT_TRUE(executors_differ(old_executors, assigned));
    EXPECT_FALSE(executors_differ(beat(t0), assigned));
    EXPECT_FALSE(executors_differ(beat(t0, "wc-2"), assigned));  // another topology's: not a change
    EXPECT_FALSE(executors_differ({}, assigned));
    auto since = [&](std::int64_t differs_since, std::int64_t now) {
        return classify_worker(old_executors, launch, assigned, now, timeouts, differs_since);
    };
    EXPECT_EQ(since(t0, t0 + 1000), worker_state::valid);
    EXPECT_EQ(since(t0, t0 + 30'000), worker_state::valid);
    EXPECT_EQ(since(t0, t0 + 30'001), worker_state::disallowed);
    // Still judged on its heartbeat's age meanwhile.
    EXPECT_EQ(classify_worker(beat(t0, "wc-1", 6700, {{1, 2}}), launch, assigned, t0 + 30'001,
                              timeouts, t0 + 20'000),
              worker_state::timed_out);
}

TEST_F(supervisor_worker_state_test, is_disallowed_when_heartbeat_port_differs_from_launch_port) {
    // Port 6701 is assigned (to executors 4-4), but this worker was launched for 6700.
    EXPECT_EQ(at(beat(t0, "wc-1", 6701, {{4, 4}}), t0), worker_state::disallowed);
}

TEST_F(supervisor_worker_state_test, disallowed_wins_over_timed_out) {
    assigned.clear();
    EXPECT_EQ(at(beat(t0), t0 + 60'000), worker_state::disallowed);
}

TEST_F(supervisor_worker_state_test, names_each_state) {
    EXPECT_EQ(to_string(worker_state::valid), "valid");
    EXPECT_EQ(to_string(worker_state::disallowed), "disallowed");
    EXPECT_EQ(to_string(worker_state::timed_out), "timed-out");
    EXPECT_EQ(to_string(worker_state::not_started), "not-started");
}

}  // namespace
}  // namespace tempest::supervisor
