// SPDX-License-Identifier: Apache-2.0
// The default timers let a supervisor restart a worker that stopped heartbeating before Nimbus
// moves its executors (Storm's STORM-589; test_support/timeout_order.h gives the rule), and the
// rule itself tells a race-prone config from a safe one.
#include "tempest/test_support/timeout_order.h"

#include "tempest/common/config_loader.h"

#include <gtest/gtest.h>

namespace tempest::common {
namespace {

TEST(timeout_order_test, the_defaults_leave_a_restarted_worker_at_least_five_seconds_to_start) {
    // 30 - (3 + 15 + 3 + 3): nimbus.task.timeout.secs against task.heartbeat.frequency.secs,
    // supervisor.worker.timeout.secs, supervisor.monitor.frequency.secs and
    // supervisor.worker.shutdown.sleep.secs.
    EXPECT_GE(test_support::worker_restart_margin_secs(default_config()), 5);
}

TEST(timeout_order_test, equal_worker_and_task_timeouts_leave_no_margin) {
    config conf = default_config();
    conf.set("supervisor.worker.timeout.secs", 30);
    conf.set("nimbus.task.timeout.secs", 30);
    EXPECT_LT(test_support::worker_restart_margin_secs(conf), 0);
    conf.set("nimbus.task.timeout.secs", 45);
    EXPECT_EQ(test_support::worker_restart_margin_secs(conf), 45 - (3 + 30 + 3 + 3));
}

}  // namespace
}  // namespace tempest::common
