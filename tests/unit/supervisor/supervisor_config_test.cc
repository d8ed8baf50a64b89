// SPDX-License-Identifier: Apache-2.0
// The supervisor's checks of its config (the constructor creates nothing, so no ZooKeeper here).
#include "tempest/common/config_loader.h"
#include "tempest/supervisor/supervisor.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tempest::supervisor {
namespace {

config base() {
    config c = common::default_config();
    c.set("storm.local.dir", "relative-local");
    c.set("supervisor.slots.ports", value::list{value(6702), value(6700)});
    return c;
}

std::string error_of(const config& c) {
    try {
        supervisor s(c);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

TEST(supervisor_config_test, makes_the_local_dir_absolute_and_sorts_slots) {
    supervisor s(base());
    EXPECT_TRUE(s.local_dir().is_absolute());
    EXPECT_EQ(s.local_dir(), std::filesystem::current_path() / "relative-local");
    EXPECT_EQ(s.slots(), (std::vector<int>{6700, 6702}));
    EXPECT_EQ(s.free_ports(), (std::vector<int>{6700, 6702}));
    EXPECT_TRUE(s.used_ports().empty());
    EXPECT_FALSE(s.hostname().empty());
    EXPECT_FALSE(std::filesystem::exists(s.local_dir()));  // nothing created before start()
}

TEST(supervisor_config_test, rejects_no_slots) {
    auto c = base();
    c.set("supervisor.slots.ports", value::list{});
    EXPECT_NE(error_of(c).find("no slots"), std::string::npos) << error_of(c);
}

TEST(supervisor_config_test, rejects_ports_out_of_range) {
    for (int bad : {0, -1, 65536}) {
        auto c = base();
        c.set("supervisor.slots.ports", value::list{value(6700), value(bad)});
        auto e = error_of(c);
        EXPECT_NE(e.find(std::to_string(bad) + ", not a port"), std::string::npos) << e;
    }
}

TEST(supervisor_config_test, rejects_a_duplicate_port) {
    auto c = base();
    c.set("supervisor.slots.ports", value::list{value(6700), value(6700)});
    EXPECT_NE(error_of(c).find("6700 twice"), std::string::npos) << error_of(c);
}

TEST(supervisor_config_test, rejects_a_non_positive_interval) {
    auto c = base();
    c.set("supervisor.monitor.frequency.secs", 0);
    EXPECT_NE(error_of(c).find("supervisor.monitor.frequency.secs"), std::string::npos);
}

}  // namespace
}  // namespace tempest::supervisor
