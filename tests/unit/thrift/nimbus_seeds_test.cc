// SPDX-License-Identifier: Apache-2.0
// nimbus.seeds as the clients read it (common::nimbus_seeds): hosts on nimbus.thrift.port,
// HOST:PORT and [IPV6]:PORT entries, and clear refusals. Reaching the leader among them is
// tested against real Nimbus processes (tests/system/nimbus_failover_test.cc).
#include "tempest/common/nimbus_client.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::common {
namespace {

config seeds_conf(value seeds, std::int64_t port = 6627) {
    config conf;
    conf.set("nimbus.seeds", std::move(seeds));
    conf.set("nimbus.thrift.port", port);
    return conf;
}

std::string refusal(const config& conf) {
    try {
        (void)nimbus_seeds(conf);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

TEST(nimbus_seeds_test, hosts_take_the_thrift_port_and_entries_may_name_their_own) {
    auto seeds = nimbus_seeds(seeds_conf(
        value::list{"nimbus-a", "10.0.0.2:7000", "[::1]:7001", "::1", "nimbus-a"}, 6627));
    ASSERT_EQ(seeds.size(), 4u);  // the repeated host once
    EXPECT_EQ(seeds[0], (nimbus_address{"nimbus-a", 6627}));
    EXPECT_EQ(seeds[1], (nimbus_address{"10.0.0.2", 7000}));
    EXPECT_EQ(seeds[2], (nimbus_address{"::1", 7001}));
    EXPECT_EQ(seeds[3], (nimbus_address{"::1", 6627}));
    EXPECT_EQ(seeds[1].text(), "10.0.0.2:7000");
    EXPECT_EQ(seeds[2].text(), "[::1]:7001");
    // A single string is taken as a list of one, as the supervisor always did.
    EXPECT_EQ(nimbus_seeds(seeds_conf(value("h:1"))), (std::vector<nimbus_address>{{"h", 1}}));
}

TEST(nimbus_seeds_test, refuses_what_names_no_usable_address_saying_which) {
    EXPECT_NE(refusal(seeds_conf(value::list{})).find("nimbus.seeds names no host"),
              std::string::npos);
    EXPECT_NE(refusal(config{}).find("nimbus.seeds names no host"), std::string::npos);
    EXPECT_NE(refusal(seeds_conf(value::list{"h"}, 0)).find("nimbus.thrift.port is 0"),
              std::string::npos);
    // An entry with its own port needs no usable nimbus.thrift.port.
    EXPECT_EQ(nimbus_seeds(seeds_conf(value::list{"h:5"}, 0)),
              (std::vector<nimbus_address>{{"h", 5}}));
    for (const char* bad : {"h:0", "h:70000", "h:x", "h:", ":5", "[::1", "[::1]x", "[::1]:"}) {
        std::string why = refusal(seeds_conf(value::list{bad}));
        EXPECT_NE(why.find(std::string("'") + bad + "'"), std::string::npos)
            << bad << " -> " << why;
    }
}

}  // namespace
}  // namespace tempest::common
