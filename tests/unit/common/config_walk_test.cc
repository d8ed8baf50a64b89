// SPDX-License-Identifier: Apache-2.0
// Walks every key of conf/defaults.yaml (as compiled in) and feeds each one values of the wrong
// type or out of its range, through a node file, a `-c` override and a topology's config. Each
// must fail with exactly one line naming the key, where it came from, the value given and what
// was expected. A key added to defaults.yaml without a type in common/src/config_schema.cc fails
// here.
#include "tempest/common/config_loader.h"
#include "tempest/common/config_schema.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace tempest::common {
namespace {

// One wrong value for a key: its YAML text and how the error must quote it after "got ".
struct wrong_value {
    std::string yaml;
    std::string given;
    bool is_map = false;  // a topology's config cannot hold one (value has no map type)
};

std::string number_text(double d) {
    return std::to_string(static_cast<std::int64_t>(d));
}

bool is_numeric(config_type t) {
    return t == config_type::integer || t == config_type::number;
}

// Values of every other type, and just outside every bound, for `k`.
std::vector<wrong_value> wrong_values(const config_key& k) {
    std::vector<wrong_value> out;
    const config_type t = k.type;
    if (t != config_type::string) {
        out.push_back({"abc", "\"abc\" (a string)"});
        out.push_back({"\"12\"", "\"12\" (a string)"});
    }
    if (!is_numeric(t)) {
        out.push_back({"7", "7 (an integer)"});
    }
    if (t != config_type::number) {
        out.push_back({"1.5", "1.5 (a fractional number)"});
    }
    if (t != config_type::boolean) {
        out.push_back({"true", "true (a boolean)"});
    }
    if (t != config_type::list) {
        out.push_back({"[1, 2]", "[1, 2] (a list)"});
    }
    out.push_back({"{a: 1}", "{a: 1} (a map)", true});
    if (!k.nullable) {
        out.push_back({"null", "null"});
    }
    if (t == config_type::string && !k.choices.empty()) {
        out.push_back({"loud", "\"loud\""});
    }
    if (t == config_type::list) {
        if (k.element_type == config_type::string) {
            out.push_back({"[\"a\", 5]", "[\"a\", 5] (element 1 is an integer)"});
        } else {
            out.push_back({"[x]", "[\"x\"] (element 0 is a string)"});
            out.push_back({"[[1]]", "[[1]] (element 0 is a list)"});
        }
    }
    // Just below and just above the range, and a non-power of two inside it.
    std::vector<std::string> outside;
    if (k.min) {
        outside.push_back(number_text(*k.min - 1));
    }
    if (k.max) {
        outside.push_back(number_text(*k.max + 1));
    }
    if (k.power_of_two) {
        outside.push_back(number_text(*k.min + 1));
    }
    for (const auto& n : outside) {
        if (is_numeric(t)) {
            out.push_back({n, n});
        } else if (t == config_type::list && is_numeric(k.element_type)) {
            out.push_back({"[" + n + "]", "[" + n + "] (element 0 is " + n + ")"});
        }
    }
    return out;
}

// What the expectation of `k` must say, worked out from the schema entry here rather than by
// the code under test: the type's word and each bound.
void expect_names_type_and_range(const config_key& k, const std::string& expected) {
    config_type t = k.type == config_type::list ? k.element_type : k.type;
    std::string word;
    switch (t) {
        case config_type::integer:
            word = k.power_of_two ? "power" : "integer";
            break;
        case config_type::number:
            word = "number";
            break;
        case config_type::boolean:
            word = "boolean";
            break;
        case config_type::string:
            word = k.choices.empty() ? "string" : std::string(k.choices.front());
            break;
        case config_type::list:
            word = "list";
            break;
    }
    EXPECT_NE(expected.find(word), std::string::npos) << k.name << ": " << expected;
    if (k.type == config_type::list) {
        EXPECT_EQ(expected.rfind("a list of ", 0), 0u) << k.name << ": " << expected;
    }
    if (k.min) {
        EXPECT_NE(expected.find(number_text(*k.min)), std::string::npos)
            << k.name << ": " << expected;
    }
    if (k.max) {
        EXPECT_NE(expected.find(number_text(*k.max)), std::string::npos)
            << k.name << ": " << expected;
    }
    EXPECT_EQ(expected.ends_with(" or null"), k.nullable) << k.name << ": " << expected;
}

// The message of the config_error `f` throws ("" if none).
template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const config_error& e) {
        return e.what();
    }
    return {};
}

void expect_one_line(const std::string& message, const std::string& want) {
    EXPECT_EQ(message, want);
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(config_walk_test, every_key_of_defaults_yaml_has_a_type_and_its_default_fits_it) {
    parsed_config defaults = parse_config_yaml(defaults_yaml(), "defaults.yaml");
    ASSERT_GT(defaults.conf.size(), 0u);
    for (const auto& [key, v] : defaults.conf) {
        const config_key* k = find_config_key(key);
        ASSERT_NE(k, nullptr) << "conf/defaults.yaml has key '" << key
                              << "' with no declared type: add it to common/src/config_schema.cc";
        EXPECT_EQ(check_config_value(*k, v), "") << key;
    }
    EXPECT_NO_THROW(validate_daemon_config(defaults.conf, defaults.source));
    EXPECT_NO_THROW(validate_topology_config(defaults.conf, "defaults.yaml"));
}

// A typo of any key is caught (unknown keys are allowed only outside these prefixes).
TEST(config_walk_test, every_key_is_under_a_reserved_prefix) {
    for (const auto& k : config_schema()) {
        bool reserved = false;
        for (auto prefix : reserved_config_prefixes()) {
            reserved = reserved || k.name.starts_with(prefix);
        }
        EXPECT_TRUE(reserved) << k.name;
        std::string typo = std::string(k.name) + "x";
        std::string message = error_of([&] {
            parsed_config p = parse_config_yaml(typo + ": 1\n", "tempest.yaml");
            validate_daemon_config(p.conf, p.source);
        });
        EXPECT_EQ(message.rfind("unknown config key '" + typo + "' in tempest.yaml:1", 0), 0u)
            << message;
    }
}

TEST(config_walk_test, every_key_refuses_each_wrong_value_with_one_line) {
    parsed_config defaults = parse_config_yaml(defaults_yaml(), "defaults.yaml");
    std::size_t checked = 0;
    for (const auto& [key, default_value] : defaults.conf) {
        const config_key* k = find_config_key(key);
        ASSERT_NE(k, nullptr) << key;
        const std::string expected = expected_phrase(*k);
        expect_names_type_and_range(*k, expected);
        for (const auto& w : wrong_values(*k)) {
            SCOPED_TRACE(key + ": " + w.yaml);
            const std::string tail = ": got " + w.given + ", expected " + expected;

            // A node file (tempest.yaml or --config FILE).
            std::string from_file = error_of([&] {
                parsed_config p = parse_config_yaml(key + ": " + w.yaml + "\n", "tempest.yaml");
                validate_daemon_config(p.conf, p.source);
            });
            expect_one_line(from_file, "config key '" + key + "' in tempest.yaml:1" + tail);

            // A command-line override, through the daemons' loader.
            const std::string option = key + "=" + w.yaml;
            std::string from_option =
                error_of([&] { (void)load_daemon_config(std::nullopt, {option}); });
            expect_one_line(from_option, "config key '" + key + "' in -c " + option + tail);

            // A topology's config (what `tempest local` and Nimbus' submit check).
            if (!w.is_map) {
                config topo = parse_config_yaml(key + ": " + w.yaml + "\n", "t").conf;
                std::string from_topology =
                    error_of([&] { validate_topology_config(topo, "topology 'walk'"); });
                expect_one_line(from_topology,
                                "config key '" + key + "' in topology 'walk'" + tail);
            }
            ++checked;
        }
    }
    // Every key has at least its string, boolean, list or map, and null or range cases.
    EXPECT_GE(checked, 4 * defaults.conf.size());
}

TEST(config_walk_test, expectations_read_as_documented) {
    auto expected = [](std::string_view key) { return expected_phrase(*find_config_key(key)); };
    EXPECT_EQ(expected("topology.workers"), "an integer >= 1");
    EXPECT_EQ(expected("nimbus.thrift.port"), "an integer from 0 to 65535");
    EXPECT_EQ(expected("supervisor.slots.ports"), "a list of integers from 1 to 65535");
    EXPECT_EQ(expected("topology.max.spout.pending"), "an integer >= 1 or null");
    EXPECT_EQ(expected("topology.debug"), "a boolean (true or false)");
    EXPECT_EQ(expected("storm.zookeeper.servers"), "a list of strings");
    EXPECT_EQ(expected("storm.local.hostname"), "a string or null");
    EXPECT_EQ(expected("topology.stats.sample.rate"), "a number from 0 to 1");
    EXPECT_EQ(expected("topology.executor.receive.buffer.size"),
              "a power of two from 2 to 16777216");
    EXPECT_EQ(expected("tempest.log.level"),
              "one of trace, debug, info, warn, error, critical or off");
    EXPECT_EQ(expected("nimbus.package.check.command"), "a list of strings or null");
}

TEST(config_walk_test, long_and_multi_line_values_stay_on_one_short_line) {
    std::string long_text(500, 'x');
    std::string message = error_of([&] {
        parsed_config p =
            parse_config_yaml("topology.workers: \"a\\nb" + long_text + "\"\n", "t.yaml");
        validate_daemon_config(p.conf, p.source);
    });
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_LT(message.size(), 200u) << message;
    EXPECT_NE(message.find("got \"a\\nbxxx"), std::string::npos) << message;
    EXPECT_NE(message.find("xxx... (a string), expected an integer >= 1"), std::string::npos)
        << message;
}

}  // namespace
}  // namespace tempest::common
