// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/config_loader.h"

#include "tempest/common/config_schema.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace tempest::common {
namespace {

// Runs `f`, expecting a config_error whose message is exactly `want`.
template <typename F>
void expect_error(F&& f, const std::string& want) {
    try {
        f();
        ADD_FAILURE() << "expected config_error: " << want;
    } catch (const config_error& e) {
        EXPECT_EQ(std::string(e.what()), want);
    }
}

// Runs `f`, expecting a config_error whose message contains `part`.
template <typename F>
void expect_error_containing(F&& f, const std::string& part) {
    try {
        f();
        ADD_FAILURE() << "expected config_error containing: " << part;
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
}

config parse(const std::string& text) {
    return parse_config_yaml(text, "test.yaml").conf;
}

void validate_text(const std::string& text) {
    auto p = parse_config_yaml(text, "tempest.yaml");
    validate_daemon_config(p.conf, p.source);
}

// A file under the test's temporary directory, removed at the end of the test.
class temp_file {
  public:
    explicit temp_file(const std::string& text) {
        _path = std::filesystem::temp_directory_path() /
                ("tempest-config-test-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter++) + ".yaml");
        std::ofstream(_path) << text;
    }
    ~temp_file() { std::filesystem::remove(_path); }
    const std::filesystem::path& path() const { return _path; }

  private:
    static inline int counter = 0;
    std::filesystem::path _path;
};

TEST(config_defaults_test, defaults_and_schema_list_the_same_keys) {
    std::set<std::string> in_defaults;
    for (const auto& [k, v] : default_config()) {
        in_defaults.insert(k);
    }
    std::set<std::string> in_schema;
    for (const auto& k : config_schema()) {
        in_schema.insert(std::string(k.name));
    }
    EXPECT_EQ(in_defaults, in_schema);
}

TEST(config_defaults_test, defaults_pass_validation_and_hold_the_documented_values) {
    config_source src{"defaults.yaml", {}};
    EXPECT_NO_THROW(validate_daemon_config(default_config(), src));
    const config& d = default_config();
    EXPECT_EQ(d.get_int("nimbus.thrift.port", 0), 6627);
    EXPECT_EQ(d.get_int("storm.zookeeper.port", 0), 2181);
    EXPECT_EQ(d.get_string("storm.zookeeper.root", ""), "/tempest");
    EXPECT_EQ(*d.find("storm.zookeeper.servers"), value(value::list{"127.0.0.1"}));
    EXPECT_EQ(*d.find("supervisor.slots.ports"), value(value::list{6700, 6701, 6702, 6703}));
    EXPECT_EQ(d.get_int("supervisor.heartbeat.frequency.secs", 0), 15);
    EXPECT_EQ(d.get_int("supervisor.sync.frequency.secs", 0), 10);
    EXPECT_EQ(d.get_int("supervisor.monitor.frequency.secs", 0), 3);
    EXPECT_EQ(d.get_int("nimbus.monitor.freq.secs", 0), 10);
    EXPECT_EQ(d.get_int("nimbus.task.timeout.secs", 0), 30);
    EXPECT_TRUE(d.find("topology.acker.executors")->is_null());
    EXPECT_TRUE(d.find("topology.max.spout.pending")->is_null());
    EXPECT_EQ(d.find("topology.stats.sample.rate")->type(), value_type::float64);
    EXPECT_DOUBLE_EQ(d.get_double("topology.stats.sample.rate", 0), 0.05);
    EXPECT_FALSE(d.get_bool("topology.debug", true));
    EXPECT_EQ(d.get_string("tempest.log.level", ""), "info");
}

TEST(config_defaults_test, every_key_in_defaults_yaml_has_a_comment_line_above_it) {
    std::istringstream in{std::string(defaults_yaml())};
    std::string line;
    std::string previous;
    int keys = 0;
    while (std::getline(in, line)) {
        bool is_key = !line.empty() && line[0] != '#' && line[0] != ' ';
        if (is_key) {
            ++keys;
            EXPECT_EQ(previous.rfind("# ", 0), 0u) << "no comment above: " << line;
        }
        previous = line;
    }
    EXPECT_EQ(keys, static_cast<int>(config_schema().size()));
}

TEST(config_parse_test, yaml_scalars_map_to_value_types) {
    config c = parse(
        "i: 42\n"
        "neg: -7\n"
        "hex: 0x1F\n"
        "f: 2.5\n"
        "exp: 1e3\n"
        "t: true\n"
        "fl: False\n"
        "n1: null\n"
        "n2: ~\n"
        "n3:\n"
        "s: hello world\n"
        "quoted: \"123\"\n"
        "single: 'true'\n"
        "tagged: !!str 5\n"
        "version: 1.2.3\n"
        "list: [1, \"a\", 2.5, [true]]\n"
        "block:\n"
        "  - x\n"
        "  - y\n");
    EXPECT_EQ(*c.find("i"), value(42));
    EXPECT_EQ(*c.find("neg"), value(-7));
    EXPECT_EQ(*c.find("hex"), value(31));
    EXPECT_EQ(*c.find("f"), value(2.5));
    EXPECT_EQ(*c.find("exp"), value(1000.0));
    EXPECT_EQ(*c.find("t"), value(true));
    EXPECT_EQ(*c.find("fl"), value(false));
    EXPECT_TRUE(c.find("n1")->is_null());
    EXPECT_TRUE(c.find("n2")->is_null());
    EXPECT_TRUE(c.find("n3")->is_null());
    EXPECT_EQ(*c.find("s"), value("hello world"));
    EXPECT_EQ(*c.find("quoted"), value("123"));
    EXPECT_EQ(*c.find("single"), value("true"));
    EXPECT_EQ(*c.find("tagged"), value("5"));
    EXPECT_EQ(*c.find("version"), value("1.2.3"));
    EXPECT_EQ(*c.find("list"), value(value::list{1, "a", 2.5, value::list{true}}));
    EXPECT_EQ(*c.find("block"), value(value::list{"x", "y"}));
}

TEST(config_parse_test, an_empty_or_comment_only_document_is_an_empty_config) {
    EXPECT_EQ(parse("").size(), 0u);
    EXPECT_EQ(parse("# nothing here\n").size(), 0u);
}

TEST(config_parse_test, the_shipped_node_file_parses_and_validates) {
    const auto path = std::filesystem::path(TEMPEST_SOURCE_DIR) / "conf" / "tempest.yaml";
    auto p = load_config_file(path);
    EXPECT_NO_THROW(validate_daemon_config(p.conf, p.source));
    // The shipped node file is a commented template: every setting in it is an example, so a
    // node that installs it unchanged runs on the defaults.
    EXPECT_EQ(p.conf.size(), 0u);
    EXPECT_EQ(load_daemon_config(path, {}), default_config());
}

TEST(config_parse_test, a_nested_map_is_an_error_naming_key_and_line) {
    expect_error([] { parse("a: 1\nb:\n  c: 2\n"); },
                 "config key 'b' in test.yaml:2: got {c: 2} (a map), expected a scalar or a list");
    expect_error_containing([] { parse("l: [1, {x: 2}]\n"); }, "config key 'l' in test.yaml:1");
    expect_error([] { parse("deep:\n  a:\n    - 1\n    - b: 2\n"); },
                 "config key 'deep' in test.yaml:1: got {a: [1, {b: 2}]} (a map), expected a "
                 "scalar or a list");
}

TEST(config_parse_test, malformed_yaml_names_the_source_and_line) {
    expect_error_containing([] { parse("a: 1\nb: [1, 2\n"); }, "invalid YAML in test.yaml:");
}

TEST(config_parse_test, the_top_level_must_be_a_map) {
    expect_error_containing([] { parse("- a\n- b\n"); }, "must be a map of keys to values");
    expect_error_containing([] { parse("just a string\n"); }, "must be a map of keys to values");
}

TEST(config_parse_test, duplicate_keys_are_errors) {
    expect_error([] { parse("a: 1\nb: 2\na: 3\n"); },
                 "config key 'a' appears twice in test.yaml:3");
}

TEST(config_parse_test, integers_beyond_64_bits_are_errors) {
    EXPECT_EQ(*parse("m: -9223372036854775808\n").find("m"),
              value(std::numeric_limits<std::int64_t>::min()));
    expect_error([] { parse("big: 9223372036854775808\n"); },
                 "config key 'big' in test.yaml:1: integer 9223372036854775808 does not fit in 64 "
                 "bits");
}

TEST(config_validate_test, unknown_reserved_keys_are_rejected_with_a_suggestion) {
    expect_error([] { validate_text("ui.port: 1\nnimbus.thrfit.port: 6627\n"); },
                 "unknown config key 'nimbus.thrfit.port' in tempest.yaml:2 (did you mean "
                 "'nimbus.thrift.port'?)");
    expect_error([] { validate_text("logviewer.prot: 1\n"); },
                 "unknown config key 'logviewer.prot' in tempest.yaml:1 (did you mean "
                 "'logviewer.port'?)");
    expect_error([] { validate_text("tempest.whatever: 1\n"); },
                 "unknown config key 'tempest.whatever' in tempest.yaml:1");
}

TEST(config_validate_test, the_users_own_keys_are_allowed_in_a_node_file) {
    EXPECT_NO_THROW(validate_text("completely.different: 1\nmyapp.servers: [a, b]\n"));
    // Values are scalars or lists, whoever's key it is.
    expect_error([] { validate_text("my.app: {a: 1}\n"); },
                 "config key 'my.app' in tempest.yaml:1: got {a: 1} (a map), expected a scalar "
                 "or a list");
}

TEST(config_validate_test, wrong_types_name_the_key_and_the_value) {
    expect_error([] { validate_text("nimbus.thrift.port: abc\n"); },
                 "config key 'nimbus.thrift.port' in tempest.yaml:1: got \"abc\" (a string), "
                 "expected an integer from 0 to 65535");
    expect_error([] { validate_text("topology.debug: 1\n"); },
                 "config key 'topology.debug' in tempest.yaml:1: got 1 (an integer), expected a "
                 "boolean (true or false)");
    expect_error([] { validate_text("topology.workers: 1.5\n"); },
                 "config key 'topology.workers' in tempest.yaml:1: got 1.5 (a fractional number), "
                 "expected an integer >= 1");
    expect_error([] { validate_text("topology.workers: null\n"); },
                 "config key 'topology.workers' in tempest.yaml:1: got null, expected an integer "
                 ">= 1");
    expect_error([] { validate_text("topology.max.spout.pending: x\n"); },
                 "config key 'topology.max.spout.pending' in tempest.yaml:1: got \"x\" (a "
                 "string), expected an integer >= 1 or null");
    expect_error([] { validate_text("nimbus.seeds: localhost\n"); },
                 "config key 'nimbus.seeds' in tempest.yaml:1: got \"localhost\" (a string), "
                 "expected a list of strings");
    expect_error([] { validate_text("supervisor.slots.ports: [6700, x]\n"); },
                 "config key 'supervisor.slots.ports' in tempest.yaml:1: got [6700, \"x\"] "
                 "(element 1 is a string), expected a list of integers from 1 to 65535");
}

TEST(config_validate_test, out_of_range_values_name_the_range) {
    expect_error([] { validate_text("nimbus.thrift.port: 70000\n"); },
                 "config key 'nimbus.thrift.port' in tempest.yaml:1: got 70000, expected an "
                 "integer from 0 to 65535");
    expect_error([] { validate_text("supervisor.sync.frequency.secs: 0\n"); },
                 "config key 'supervisor.sync.frequency.secs' in tempest.yaml:1: got 0, expected "
                 "an integer from 1 to 1000000000");
    expect_error([] { validate_text("nimbus.task.timeout.secs: 99999999999\n"); },
                 "config key 'nimbus.task.timeout.secs' in tempest.yaml:1: got 99999999999, "
                 "expected an integer from 1 to 1000000000");
    expect_error([] { validate_text("tempest.log.max.size.mb: .inf\n"); },
                 "config key 'tempest.log.max.size.mb' in tempest.yaml:1: got inf, expected a "
                 "number from 0 to 1048576");
    expect_error([] { validate_text("topology.executor.receive.buffer.size: 1000\n"); },
                 "config key 'topology.executor.receive.buffer.size' in tempest.yaml:1: got 1000, "
                 "expected a power of two from 2 to 16777216");
    expect_error([] { validate_text("topology.stats.sample.rate: 1.5\n"); },
                 "config key 'topology.stats.sample.rate' in tempest.yaml:1: got 1.5, expected a "
                 "number from 0 to 1");
    expect_error([] { validate_text("supervisor.slots.ports: [6700, 0]\n"); },
                 "config key 'supervisor.slots.ports' in tempest.yaml:1: got [6700, 0] (element 1 "
                 "is 0), expected a list of integers from 1 to 65535");
}

TEST(config_validate_test, good_values_pass) {
    EXPECT_NO_THROW(
        validate_text("nimbus.thrift.port: 0\n"
                      "topology.stats.sample.rate: 1\n"  // an integer where a number is expected
                      "topology.max.spout.pending: null\n"
                      "topology.executor.receive.buffer.size: 4096\n"
                      "supervisor.slots.ports: []\n"
                      "storm.local.hostname: node1\n"));
}

TEST(config_validate_test, topology_config_allows_user_keys_but_not_unknown_reserved_ones) {
    config c;
    c.set("my.app.setting", value::list{1, 2});
    c.set("wordcount.words", 10);
    c.set("topology.workers", 3);
    EXPECT_NO_THROW(validate_topology_config(c, "topology 'wc'"));

    config typo;
    typo.set("topology.wrkers", 3);
    expect_error([&] { validate_topology_config(typo, "topology 'wc'"); },
                 "unknown config key 'topology.wrkers' in topology 'wc' (did you mean "
                 "'topology.workers'?)");
    config reserved;
    reserved.set("tempest.whatever", 1);
    expect_error_containing([&] { validate_topology_config(reserved, "topology 'wc'"); },
                            "unknown config key 'tempest.whatever' in topology 'wc'");

    config bad;
    bad.set("topology.message.timeout.secs", "soon");
    expect_error([&] { validate_topology_config(bad, "topology 'wc'"); },
                 "config key 'topology.message.timeout.secs' in topology 'wc': got \"soon\" (a "
                 "string), expected an integer from 1 to 1000000000");
    config blob;
    blob.set("topology.name", bytes{"x"});
    expect_error_containing([&] { validate_topology_config(blob, "topology 'wc'"); },
                            "config key 'topology.name' in topology 'wc': got bytes");
}

TEST(config_validate_test, error_throttle_keys_are_known_with_storms_defaults) {
    const config& d = default_config();
    EXPECT_EQ(d.get_int("topology.error.throttle.interval.secs", 0), 10);
    EXPECT_EQ(d.get_int("topology.max.error.report.per.interval", 0), 5);
    EXPECT_NO_THROW(
        validate_text("topology.error.throttle.interval.secs: 60\n"
                      "topology.max.error.report.per.interval: 0\n"));
    config c;
    c.set("topology.error.throttle.interval.secs", 1);
    c.set("topology.max.error.report.per.interval", 100);
    EXPECT_NO_THROW(validate_topology_config(c, "topology 'wc'"));
}

TEST(config_validate_test, bad_error_throttle_values_name_the_key) {
    expect_error([] { validate_text("topology.error.throttle.interval.secs: 0\n"); },
                 "config key 'topology.error.throttle.interval.secs' in tempest.yaml:1: got 0, "
                 "expected an integer from 1 to 1000000000");
    expect_error([] { validate_text("topology.max.error.report.per.interval: -1\n"); },
                 "config key 'topology.max.error.report.per.interval' in tempest.yaml:1: got -1, "
                 "expected an integer >= 0");
    config bad;
    bad.set("topology.error.throttle.interval.secs", "10s");
    expect_error([&] { validate_topology_config(bad, "topology 'wc'"); },
                 "config key 'topology.error.throttle.interval.secs' in topology 'wc': got "
                 "\"10s\" (a string), expected an integer from 1 to 1000000000");
    config typo;
    typo.set("topology.max.error.reports.per.interval", 5);
    expect_error_containing([&] { validate_topology_config(typo, "topology 'wc'"); },
                            "did you mean 'topology.max.error.report.per.interval'?");
}

TEST(config_override_test, values_are_yaml) {
    EXPECT_EQ(*parse_config_override("topology.workers=4").conf.find("topology.workers"), value(4));
    EXPECT_EQ(*parse_config_override("nimbus.seeds=[\"a\",\"b\"]").conf.find("nimbus.seeds"),
              value(value::list{"a", "b"}));
    EXPECT_TRUE(parse_config_override("topology.name=").conf.find("topology.name")->is_null());
    EXPECT_EQ(*parse_config_override("x=a=b").conf.find("x"), value("a=b"));
    EXPECT_EQ(parse_config_override("k=v").source.name, "-c k=v");
}

TEST(config_override_test, malformed_overrides_are_errors) {
    expect_error([] { parse_config_override("topology.workers"); },
                 "bad -c option 'topology.workers': expected key=value");
    expect_error([] { parse_config_override("=4"); }, "bad -c option '=4': expected key=value");
    expect_error([] { parse_config_override("a b=4"); },
                 "bad -c option 'a b=4': expected key=value");
    expect_error_containing([] { parse_config_override("k=[1"); },
                            "bad -c option 'k=[1': expected key=value with the value in YAML (");
    expect_error([] { parse_config_override("k={a: 1}"); },
                 "config key 'k' in -c k={a: 1}: got {a: 1} (a map), expected a scalar or a list");
    expect_error([] { parse_config_override("ui.port={a: 1}"); },
                 "config key 'ui.port' in -c ui.port={a: 1}: got {a: 1} (a map), expected an "
                 "integer from 0 to 65535");
}

TEST(config_load_test, layers_apply_in_order_defaults_file_overrides) {
    temp_file f("topology.workers: 2\nui.port: 9090\n");
    config c = load_daemon_config(f.path(), {"topology.workers=4", "nimbus.seeds=[\"n1\",\"n2\"]"});
    EXPECT_EQ(c.get_int("topology.workers", 0), 4);       // override beats file
    EXPECT_EQ(c.get_int("ui.port", 0), 9090);             // file beats defaults
    EXPECT_EQ(c.get_int("nimbus.thrift.port", 0), 6627);  // defaults fill the rest
    EXPECT_EQ(*c.find("nimbus.seeds"), value(value::list{"n1", "n2"}));
    EXPECT_EQ(c.size(), default_config().size());
}

TEST(config_load_test, a_missing_config_file_is_an_error) {
    expect_error([] { load_daemon_config(std::filesystem::path("/nonexistent/tempest.yaml"), {}); },
                 "config file '/nonexistent/tempest.yaml' not found");
}

TEST(config_load_test, errors_name_the_layer_they_come_from) {
    temp_file f("nimbus.thrfit.port: 1\n");
    expect_error_containing(
        [&] { load_daemon_config(f.path(), {}); },
        "unknown config key 'nimbus.thrfit.port' in " + f.path().string() + ":1");
    temp_file ok("ui.port: 1\n");
    expect_error([&] { load_daemon_config(ok.path(), {"ui.port=abc"}); },
                 "config key 'ui.port' in -c ui.port=abc: got \"abc\" (a string), expected an "
                 "integer from 0 to 65535");
    expect_error([&] { load_daemon_config(ok.path(), {"nope"}); },
                 "bad -c option 'nope': expected key=value");
}

TEST(config_load_test, without_a_file_the_node_file_beside_the_install_is_optional) {
    auto found = find_node_config_file();
    if (found) {
        EXPECT_EQ(found->filename(), "tempest.yaml");
        EXPECT_TRUE(std::filesystem::is_regular_file(*found));
    }
    config c = load_daemon_config(std::nullopt, {"topology.workers=3"});
    EXPECT_EQ(c.get_int("topology.workers", 0), 3);       // the override wins
    EXPECT_EQ(c.get_int("nimbus.thrift.port", 0), 6627);  // the defaults are under it
}

}  // namespace
}  // namespace tempest::common
