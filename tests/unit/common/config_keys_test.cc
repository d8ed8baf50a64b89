// SPDX-License-Identifier: Apache-2.0
// config_keys: every named key is in the schema (and so in defaults.yaml), and reads fall back
// to defaults.yaml only when the config lacks the key.
#include "tempest/common/config_keys.h"

#include "tempest/common/config_loader.h"
#include "tempest/common/config_schema.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tempest::common {
namespace {

TEST(config_keys_test, every_key_is_in_the_schema_and_the_defaults) {
    for (const char* k : keys::all) {
        EXPECT_NE(find_config_key(k), nullptr) << k;
        EXPECT_NE(default_config().find(k), nullptr) << k;
    }
}

TEST(config_keys_test, the_config_wins_over_the_default) {
    config c;
    c.set(keys::nimbus_thrift_port, 7000);
    c.set(keys::storm_local_dir, "/var/tempest");
    EXPECT_EQ(conf_int(c, keys::nimbus_thrift_port), 7000);
    EXPECT_EQ(conf_string(c, keys::storm_local_dir), "/var/tempest");
}

TEST(config_keys_test, a_missing_or_null_key_reads_the_default) {
    config c;
    EXPECT_EQ(conf_int(c, keys::nimbus_thrift_port),
              default_config().get_int(keys::nimbus_thrift_port, -1));
    EXPECT_EQ(conf_int(c, keys::supervisor_monitor_frequency_secs), 3);
    c.set(keys::storm_local_dir, value());  // null
    EXPECT_EQ(conf_string(c, keys::storm_local_dir), "tempest-local");
    EXPECT_EQ(conf_string_or_empty(c, keys::storm_local_hostname), "");  // null by default
}

TEST(config_keys_test, no_value_and_no_default_is_an_error_naming_the_key) {
    try {
        (void)conf_string(config{}, keys::storm_local_hostname);
        FAIL() << "expected an error";
    } catch (const std::out_of_range& e) {
        EXPECT_NE(std::string(e.what()).find("storm.local.hostname"), std::string::npos);
    }
    EXPECT_THROW((void)conf_int(config{}, "no.such.key"), std::out_of_range);
}

TEST(config_keys_test, a_value_of_the_wrong_type_is_a_type_error) {
    config c;
    c.set(keys::nimbus_thrift_port, "6627");
    EXPECT_THROW((void)conf_int(c, keys::nimbus_thrift_port), type_error);
}

}  // namespace
}  // namespace tempest::common
