// SPDX-License-Identifier: Apache-2.0
// The flags' value checks: each bad value is one line naming the flag, the text given and what
// was expected, with the usage exit status (2).
#include "flag_values.h"

#include "cli_error.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace tempest::cli {
namespace {

constexpr int no_max = std::numeric_limits<int>::max();

// Runs `f`, expecting a usage cli_error whose message is exactly `want`.
template <typename F>
void expect_usage_error(F&& f, const std::string& want) {
    try {
        f();
        ADD_FAILURE() << "expected cli_error: " << want;
    } catch (const cli_error& e) {
        EXPECT_EQ(std::string(e.what()), want);
        EXPECT_EQ(e.exit_code(), exit_usage) << e.what();
    }
}

TEST(flag_values_test, integers_in_range_are_read) {
    EXPECT_EQ(parse_int_flag("-n", "3", 1, no_max, "a number of workers"), 3);
    EXPECT_EQ(parse_int_flag("-n", "+3", 1, no_max, "a number of workers"), 3);
    EXPECT_EQ(parse_int_flag("-w", "0", 0, no_max, "a number of seconds"), 0);
    EXPECT_EQ(parse_port_flag("--port", "0", 0), 0);
    EXPECT_EQ(parse_port_flag("--port", "65535", 1), 65535);
}

TEST(flag_values_test, bad_integers_name_the_flag_the_text_and_the_range) {
    expect_usage_error([] { (void)parse_int_flag("-n", "-1", 1, no_max, "a number of workers"); },
                       "bad -n '-1': expected a number of workers, an integer >= 1");
    expect_usage_error([] { (void)parse_int_flag("-n", "0", 1, no_max, "a number of workers"); },
                       "bad -n '0': expected a number of workers, an integer >= 1");
    expect_usage_error([] { (void)parse_int_flag("-w", "x", 0, no_max, "a number of seconds"); },
                       "bad -w 'x': expected a number of seconds, an integer >= 0");
    expect_usage_error([] { (void)parse_int_flag("-w", "1.5", 0, no_max, "a number of seconds"); },
                       "bad -w '1.5': expected a number of seconds, an integer >= 0");
    expect_usage_error([] { (void)parse_int_flag("-w", "", 0, no_max, "a number of seconds"); },
                       "bad -w '': expected a number of seconds, an integer >= 0");
    expect_usage_error(
        [] { (void)parse_int_flag("-w", "99999999999", 0, no_max, "a number of seconds"); },
        "bad -w '99999999999': expected a number of seconds, an integer >= 0");
    expect_usage_error([] { (void)parse_port_flag("--port", "70000", 0); },
                       "bad --port '70000': expected a port, an integer from 0 to 65535");
    expect_usage_error([] { (void)parse_port_flag("--port", "0", 1); },
                       "bad --port '0': expected a port, an integer from 1 to 65535");
    expect_usage_error([] { (void)parse_port_flag("--port", "67o0", 1); },
                       "bad --port '67o0': expected a port, an integer from 1 to 65535");
}

TEST(flag_values_test, seconds_take_fractions_but_nothing_negative_or_infinite) {
    EXPECT_DOUBLE_EQ(parse_seconds_flag("--duration", "0.5"), 0.5);
    EXPECT_DOUBLE_EQ(parse_seconds_flag("--duration", "0"), 0);
    EXPECT_DOUBLE_EQ(parse_seconds_flag("--wait", "1e1"), 10);
    for (const char* bad : {"x", "-1", "", "inf", "nan", "1s", "0x10", "1e999"}) {
        expect_usage_error(
            [&] { (void)parse_seconds_flag("--duration", bad); },
            std::string("bad --duration '") + bad + "': expected a number of seconds >= 0");
    }
    expect_usage_error([] { (void)parse_seconds_flag("--duration", "1e300"); },
                       "bad --duration '1e300': expected a number of seconds >= 0, at most "
                       "1000000000");
    EXPECT_DOUBLE_EQ(parse_seconds_flag("--duration", "1e9"), 1e9);
    EXPECT_TRUE(is_seconds("60"));
    EXPECT_FALSE(is_seconds("wc.so"));
}

}  // namespace
}  // namespace tempest::cli
