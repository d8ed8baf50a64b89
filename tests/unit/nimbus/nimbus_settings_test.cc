// SPDX-License-Identifier: Apache-2.0
// nimbus_settings: Nimbus reads its keys with the defaults of conf/defaults.yaml, not defaults
// of its own, and refuses to run without a local dir.
#include "nimbus_settings.h"

#include "tempest/common/config_keys.h"
#include "tempest/common/config_loader.h"

#include <gtest/gtest.h>

namespace tempest::nimbus {
namespace {

using namespace std::chrono_literals;

TEST(nimbus_settings_test, missing_keys_take_the_defaults_file_values) {
    config conf;  // nothing but the local dir
    conf.set(common::keys::storm_local_dir, "/var/tempest");
    auto s = nimbus_settings::from(conf);
    const auto& d = common::default_config();
    EXPECT_EQ(s.local_dir, "/var/tempest");
    EXPECT_EQ(s.inbox(), "/var/tempest/nimbus/inbox");
    EXPECT_EQ(s.stormdist(), "/var/tempest/nimbus/stormdist");
    EXPECT_EQ(s.max_upload_bytes, d.get_int(keys::nimbus_file_upload_max_bytes, -1));
    EXPECT_EQ(s.monitor_period.count(), d.get_int(keys::nimbus_monitor_freq_secs, -1));
    EXPECT_EQ(s.task_timeout.count(), d.get_int(keys::nimbus_task_timeout_secs, -1));
    EXPECT_EQ(s.task_launch_secs, d.get_int(keys::nimbus_task_launch_secs, -1));
    EXPECT_EQ(s.supervisor_timeout.count(), d.get_int(keys::nimbus_supervisor_timeout_secs, -1));
}

TEST(nimbus_settings_test, set_keys_win_and_an_explicit_local_dir_wins) {
    config conf = common::default_config();
    conf.set(keys::nimbus_task_timeout_secs, 7);
    conf.set(keys::nimbus_monitor_freq_secs, 0);
    auto s = nimbus_settings::from(conf, "/elsewhere/../here");
    EXPECT_EQ(s.task_timeout, 7s);
    EXPECT_EQ(s.monitor_period, 1s);  // at least a second
    EXPECT_EQ(s.local_dir, "/here");
}

TEST(nimbus_settings_test, no_local_dir_is_refused) {
    config conf;
    conf.set(common::keys::storm_local_dir, "");
    EXPECT_THROW((void)nimbus_settings::from(conf), std::invalid_argument);
}

}  // namespace
}  // namespace tempest::nimbus
