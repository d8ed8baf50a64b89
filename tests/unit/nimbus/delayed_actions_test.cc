// SPDX-License-Identifier: Apache-2.0
// delayed_actions over the in-memory cluster state, with time passed in: kills and rebalances
// mark the record at once and run when due, a wait of 0 runs at once, a newer action replaces
// an older one, and a new leader resumes what the records ask for.
#include "delayed_actions.h"

#include "assignment_monitor.h"
#include "nimbus_error.h"
#include "nimbus_fixture.h"

#include <gtest/gtest.h>

namespace tempest::nimbus {
namespace {

using namespace std::chrono_literals;
using testing::nimbus_part_test;
namespace fs = std::filesystem;

class delayed_actions_test : public nimbus_part_test {
  protected:
    delayed_actions_test() { add_supervisor("sup-a", {6700, 6701, 6702}); }

    assignment_monitor monitor{state, store, {30s, 120, 60s}, fake_clocks()};
    delayed_actions actions{store, monitor};
};

TEST_F(delayed_actions_test, a_kill_deactivates_then_removes_when_due) {
    auto id = store_topology("wc", R"({"topology.message.timeout.secs": 10})");
    actions.kill("wc", std::nullopt, steady_now);  // the topology's message timeout
    EXPECT_EQ(store.read(id)->status, topology_status::killed);
    ASSERT_TRUE(store.read(id)->kill);
    EXPECT_EQ(store.read(id)->kill->wait_secs, 10);
    EXPECT_EQ(actions.next_due(), steady_now + 10s);
    EXPECT_EQ(actions.run_due(steady_now + 9s), 0);
    EXPECT_TRUE(store.read(id));
    EXPECT_EQ(actions.run_due(steady_now + 10s), 1);
    EXPECT_FALSE(store.read(id));
    EXPECT_FALSE(fs::exists(stormdist() / id));
    EXPECT_EQ(actions.size(), 0U);
}

TEST_F(delayed_actions_test, a_kill_without_wait_removes_at_once) {
    auto id = store_topology("wc");
    actions.kill("wc", 0, steady_now);
    EXPECT_FALSE(store.read(id));
    EXPECT_EQ(actions.size(), 0U);
    try {
        actions.kill("wc", 0, steady_now);
        FAIL() << "killed a topology twice";
    } catch (const nimbus_error& e) {
        EXPECT_EQ(e.kind(), error_kind::not_alive);
    }
}

TEST_F(delayed_actions_test, a_rebalance_applies_the_new_sizes_and_restores_the_status) {
    auto id = store_topology("wc", R"({"topology.workers": 1})", topology_status::inactive);
    ASSERT_EQ(monitor.reschedule(), 1);
    rebalance_options req;
    req.wait_secs = 5;
    req.num_workers = 3;
    req.num_executors = std::map<std::string, int>{{"count", 4}};
    req.principal = "someone";  // never kept
    actions.rebalance("wc", req, steady_now);
    req.principal.reset();
    auto base = *store.read(id);
    EXPECT_EQ(base.status, topology_status::rebalancing);
    EXPECT_EQ(base.prev_status, topology_status::inactive);
    EXPECT_EQ(base.rebalance, req);
    EXPECT_EQ(base.num_workers, 1);

    EXPECT_EQ(actions.run_due(steady_now + 5s), 1);
    base = *store.read(id);
    EXPECT_EQ(base.status, topology_status::inactive);
    EXPECT_FALSE(base.prev_status);
    EXPECT_FALSE(base.rebalance);
    EXPECT_EQ(base.num_workers, 3);
    EXPECT_EQ(base.component_executors.at("count"), 4);
    auto a = assignment_of(id);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->executor_slot.size(), 7U);  // 2 + 4 + the one acker fixed at submission
    EXPECT_EQ(a->slots().size(), 3U);
}

TEST_F(delayed_actions_test, a_rebalance_refuses_what_cannot_be) {
    store_topology("wc");
    auto refused = [&](rebalance_options req, const std::string& needle) {
        try {
            actions.rebalance("wc", std::move(req), steady_now);
            ADD_FAILURE() << "accepted; expected " << needle;
        } catch (const nimbus_error& e) {
            EXPECT_EQ(e.kind(), error_kind::invalid_topology);
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    refused({std::nullopt, 0, std::nullopt}, "must be >= 1");
    refused({std::nullopt, std::nullopt, std::map<std::string, int>{{"nope", 1}}},
            "no component 'nope'");
    refused({std::nullopt, std::nullopt, std::map<std::string, int>{{"count", 5}}},
            "between 1 and 4");
    rebalance_options overrides;
    overrides.topology_conf_overrides = R"({"topology.debug": true})";
    refused(overrides, "topology_conf_overrides are not supported");
    EXPECT_EQ(actions.size(), 0U);
    actions.kill("wc", 30, steady_now);
    refused({}, "is being killed");
}

TEST_F(delayed_actions_test, a_newer_action_replaces_an_older_one) {
    auto id = store_topology("wc");
    actions.rebalance("wc", {60, std::nullopt, std::nullopt}, steady_now);
    actions.kill("wc", 5, steady_now);
    EXPECT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions.next_due(), steady_now + 5s);
    EXPECT_EQ(actions.run_due(steady_now + 60s), 1);
    EXPECT_FALSE(store.read(id));
}

TEST_F(delayed_actions_test, recover_resumes_what_the_records_ask_for) {
    auto killed = store_topology("a");
    auto rebalancing = store_topology("b");
    store_topology("c");
    actions.kill("a", 30, steady_now);
    actions.rebalance("b", {20, 2, std::nullopt}, steady_now);

    // A new leader: nothing pending in memory, the records tell.
    delayed_actions resumed{store, monitor};
    resumed.recover(store.read_all(), steady_now + 100s);
    EXPECT_EQ(resumed.size(), 2U);
    EXPECT_EQ(resumed.next_due(), steady_now + 120s);  // the recorded waits count from now
    EXPECT_EQ(resumed.run_due(steady_now + 130s), 2);
    EXPECT_FALSE(store.read(killed));
    EXPECT_EQ(store.read(rebalancing)->num_workers, 2);
    EXPECT_EQ(store.read(rebalancing)->status, topology_status::active);

    // Actions another leader carried out meanwhile go.
    store.remove(rebalancing);
    actions.recover(store.read_all(), steady_now);
    EXPECT_EQ(actions.size(), 0U);
}

TEST_F(delayed_actions_test, apply_rebalance_keeps_unnamed_components) {
    storm_base base;
    base.status = topology_status::rebalancing;
    base.num_workers = 2;
    base.component_executors = {{"count", 2}, {"words", 2}};
    base.rebalance = rebalance_options{0, std::nullopt, std::map<std::string, int>{{"count", 1}}};
    delayed_actions::apply_rebalance(base);
    EXPECT_EQ(base.num_workers, 2);
    EXPECT_EQ(base.component_executors, (std::map<std::string, int>{{"count", 1}, {"words", 2}}));
    EXPECT_EQ(base.status, topology_status::active);  // no previous status recorded
}

}  // namespace
}  // namespace tempest::nimbus
