// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/config.h"

#include "test_helpers.h"

#include <gtest/gtest.h>

namespace tempest {
namespace {

using test::error_of;

TEST(config_test, typed_getters_return_values_or_defaults) {
    config c;
    c.set_num_workers(3);
    c.set_debug(true);
    c.set("ratio", 0.5);
    c.set("name", "wc");
    c.set("nothing", nullptr);
    EXPECT_EQ(c.get_int(config::topology_workers, 1), 3);
    EXPECT_TRUE(c.get_bool(config::topology_debug, false));
    EXPECT_EQ(c.get_double("ratio", 1.0), 0.5);
    EXPECT_EQ(c.get_string("name", "x"), "wc");
    EXPECT_EQ(c.get_int("missing", 7), 7);
    EXPECT_EQ(c.get_string("missing", "dflt"), "dflt");
    EXPECT_EQ(c.get_int("nothing", 9), 9);                      // null counts as missing
    EXPECT_EQ(c.get_double(config::topology_workers, 0), 3.0);  // int widens
}

TEST(config_test, wrong_type_names_the_key) {
    config c;
    c.set("topology.workers", "three");
    c.set("ratio", 0.5);
    std::string msg = error_of<type_error>([&] { (void)c.get_int("topology.workers", 1); });
    EXPECT_EQ(msg, "config key 'topology.workers': expected int64, got string \"three\"");
    msg = error_of<type_error>([&] { (void)c.get_int("ratio", 1); });
    EXPECT_NE(msg.find("'ratio'"), std::string::npos) << msg;
    msg = error_of<type_error>([&] { (void)c.get_bool("ratio", false); });
    EXPECT_NE(msg.find("expected bool"), std::string::npos) << msg;
    msg = error_of<type_error>([&] { (void)c.get_string("ratio", ""); });
    EXPECT_NE(msg.find("expected string"), std::string::npos) << msg;
    msg = error_of<type_error>([&] { (void)c.get_double("topology.workers", 0); });
    EXPECT_NE(msg.find("expected double"), std::string::npos) << msg;
}

TEST(config_test, erase_and_merge) {
    config a;
    a.set("x", 1);
    a.set("y", 2);
    config b;
    b.set("y", 20);
    b.set("z", 30);
    a.merge(b);
    EXPECT_EQ(a.size(), 3u);
    EXPECT_EQ(a.get_int("x", 0), 1);
    EXPECT_EQ(a.get_int("y", 0), 20);
    EXPECT_EQ(a.get_int("z", 0), 30);
    a.erase("y");
    a.erase("absent");
    EXPECT_FALSE(a.contains("y"));
    EXPECT_EQ(a.size(), 2u);
}

}  // namespace
}  // namespace tempest
