// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/flux_loader.h"

#include "tempest/topology.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tempest::common {
namespace {

// Declares (word) on the default stream and (word) on a direct stream "direct".
class word_spout final : public spout {
  public:
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare({"word"});
        d.declare_stream("direct", true, {"word"});
    }
    void open(const config&, const topology_context&, spout_output_collector&) override {}
    void next_tuple() override {}
};

class sink_bolt final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"word"}); }
    void execute(const tuple&, basic_output_collector&) override {}
};

// Built from typed arguments (double, string), as add_bolt_with registers it.
class scaled_bolt final : public basic_bolt {
  public:
    scaled_bolt(double, std::string) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void execute(const tuple&, basic_output_collector&) override {}
};

// Takes exactly one integer argument, as Storm's NGrouping takes n.
class n_grouping final : public custom_stream_grouping {
  public:
    explicit n_grouping(const std::vector<value>& args) {
        if (args.size() != 1 || args[0].type() != value_type::int64) {
            throw registry_error("test.n_grouping takes one integer");
        }
    }
    void prepare(const topology_context&, const std::string&, const std::string&,
                 const std::vector<int>&) override {}
    void choose_tasks(int, const values&, std::vector<int>&) override {}
};

class flux_loader_test : public ::testing::Test {
  protected:
    flux_loader_test() {
        registry.add_spout<word_spout>("test.word_spout");
        registry.add_bolt<sink_bolt>("test.sink");
        registry.add_bolt_with<scaled_bolt, double, std::string>("test.scaled");
        registry.add_grouping<n_grouping>("test.n_grouping");
    }

    flux_topology parse(const std::string& yaml) {
        return parse_flux_yaml(yaml, "t.yaml", registry);
    }

    // The flux_error message of parsing `yaml`, or "(no error)".
    std::string error(const std::string& yaml) {
        try {
            parse(yaml);
        } catch (const flux_error& e) {
            return e.what();
        }
        return "(no error)";
    }

    component_registry registry;
};

constexpr const char* k_full = R"(# every grouping
name: "all-groupings"
config:
  topology.workers: 2
  topology.debug: true
  my.ratio: 0.5
  my.hosts: ["a", "b"]
  my.quoted: "42"
spouts:
  - id: "words"
    className: "test.word_spout"
    parallelism: 2
    numTasks: 4
bolts:
  - id: "shuffle"
    className: "test.sink"
    parallelism: 3
  - {id: "fields", className: "test.sink"}
  - {id: "all", className: "test.sink"}
  - {id: "global", className: "test.sink"}
  - {id: "local", className: "test.sink"}
  - {id: "none", className: "test.sink"}
  - {id: "direct", className: "test.sink"}
  - {id: "custom", className: "test.sink"}
  - {id: "partial", className: "test.sink"}
  - id: "scaled"
    className: "test.scaled"
    constructorArgs:
      - 2
      - "x"
streams:
  - name: "words --> shuffle"
    from: "words"
    to: "shuffle"
    grouping:
      type: SHUFFLE
  - from: "words"
    to: "fields"
    grouping: {type: FIELDS, args: ["word"]}
  - from: "words"
    to: "all"
    grouping: {type: ALL}
  - from: "words"
    to: "global"
    grouping: {type: GLOBAL}
  - from: "shuffle"
    to: "local"
    grouping: {type: LOCAL_OR_SHUFFLE}
  - from: "words"
    to: "none"
    grouping: {type: NONE}
  - from: "words"
    to: "direct"
    grouping: {type: DIRECT, streamId: "direct"}
  - from: "words"
    to: "custom"
    grouping:
      type: CUSTOM
      customClass:
        className: "test.n_grouping"
        constructorArgs: [1]
  - from: "words"
    to: "partial"
    grouping: {type: PARTIAL_KEY, args: ["word"]}
  - from: "shuffle"
    to: "scaled"
    grouping: {type: SHUFFLE, streamId: "default"}
)";

TEST_F(flux_loader_test, parses_a_full_file_with_every_grouping) {
    flux_topology f = parse(k_full);
    EXPECT_EQ(f.name, "all-groupings");
    EXPECT_EQ(f.conf.get_int("topology.workers", 0), 2);
    EXPECT_TRUE(f.conf.get_bool("topology.debug", false));
    EXPECT_EQ(f.conf.get_double("my.ratio", 0), 0.5);
    EXPECT_EQ(*f.conf.find("my.hosts"), value(value::list{"a", "b"}));
    EXPECT_EQ(*f.conf.find("my.quoted"), value("42"));

    const topology& t = f.topology;
    ASSERT_EQ(t.components.size(), 11u);
    const component_def* words = t.find("words");
    ASSERT_NE(words, nullptr);
    EXPECT_EQ(words->kind, component_kind::spout);
    EXPECT_EQ(words->class_name, "test.word_spout");
    EXPECT_EQ(words->parallelism, 2);
    EXPECT_EQ(words->num_tasks, 4);
    EXPECT_EQ(t.find("shuffle")->parallelism, 3);

    auto only_input = [&](const char* id) {
        const component_def* c = t.find(id);
        EXPECT_NE(c, nullptr) << id;
        EXPECT_EQ(c->inputs.size(), 1u) << id;
        return c->inputs.at(0);
    };
    EXPECT_EQ(only_input("shuffle"), (input_def{"words", "default", {grouping_type::shuffle}}));
    EXPECT_EQ(only_input("fields"),
              (input_def{"words", "default", {grouping_type::fields, fields{"word"}}}));
    EXPECT_EQ(only_input("all").grouping.type, grouping_type::all);
    EXPECT_EQ(only_input("global").grouping.type, grouping_type::global);
    EXPECT_EQ(only_input("local"),
              (input_def{"shuffle", "default", {grouping_type::local_or_shuffle}}));
    EXPECT_EQ(only_input("none").grouping.type, grouping_type::none);
    EXPECT_EQ(only_input("direct"), (input_def{"words", "direct", {grouping_type::direct}}));
    EXPECT_EQ(only_input("custom"),
              (input_def{"words", "default", {grouping_type::custom, {}, "test.n_grouping", {1}}}));
    EXPECT_EQ(only_input("partial"),
              (input_def{"words", "default", {grouping_type::partial_key, fields{"word"}}}));
    const component_def* scaled = t.find("scaled");
    EXPECT_EQ(scaled->class_name, "test.scaled");
    EXPECT_EQ(scaled->args, (std::vector<value>{2, "x"}));
}

TEST_F(flux_loader_test, the_topology_is_the_one_topology_builder_makes) {
    topology_builder b(registry);
    b.set_spout("s", "test.word_spout", {}, 1);
    b.set_bolt("b", "test.sink", {}, 2).fields_grouping("s", {"word"});
    flux_topology f = parse(R"(
name: x
spouts: [{id: s, className: test.word_spout}]
bolts: [{id: b, className: test.sink, parallelism: 2}]
streams: [{from: s, to: b, grouping: {type: FIELDS, args: [word]}}]
)");
    EXPECT_EQ(f.topology, b.create_topology());
    EXPECT_EQ(f.conf.size(), 0u);
}

TEST_F(flux_loader_test, loads_a_file_and_names_a_missing_one) {
    auto path = std::filesystem::temp_directory_path() /
                ("flux-loader-test-" + std::to_string(::getpid()) + ".yaml");
    {
        std::ofstream out(path);
        out << "name: f\nspouts:\n  - id: s\n    className: nope\n";
    }
    try {
        load_flux_file(path, registry);
        ADD_FAILURE() << "no error";
    } catch (const flux_error& e) {
        EXPECT_EQ(std::string(e.what()).rfind(path.string() + ":4: spouts[0].className: ", 0), 0u)
            << e.what();
    }
    std::filesystem::remove(path);
    try {
        load_flux_file(path, registry);
        ADD_FAILURE() << "no error";
    } catch (const flux_error& e) {
        EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos) << e.what();
    }
}

// The header lines every error case below shares; the case's own lines follow from line 3.
constexpr const char* k_head = "name: bad\nspouts: [{id: s, className: test.word_spout}]\n";

std::string with_head(const std::string& rest) {
    return std::string(k_head) + rest;
}

TEST_F(flux_loader_test, structural_errors_name_the_line_and_key) {
    EXPECT_EQ(error("name: [x\n"), "t.yaml:2: invalid YAML: end of sequence flow not found");
    EXPECT_EQ(error(""),
              "t.yaml: the file is empty; a Flux topology needs name, spouts, bolts and streams");
    EXPECT_EQ(error("- a\n"), "t.yaml:1: expected a map, got a list");
    EXPECT_EQ(error("spouts: [{id: s, className: test.word_spout}]\n"), "t.yaml:1: name: missing");
    EXPECT_EQ(error("name: x\n"), "t.yaml:1: spouts: a topology needs at least one spout");
    EXPECT_EQ(error(with_head("bolt:\n  - id: b\n")),
              "t.yaml:3: bolt: unknown key; expected one of: name, config, spouts, bolts, streams");
    EXPECT_EQ(error(with_head("name: again\n")), "t.yaml:3: name: appears twice");
    EXPECT_EQ(error(with_head("bolts: {id: b}\n")), "t.yaml:3: bolts: expected a list, got a map");
}

TEST_F(flux_loader_test, unsupported_flux_features_name_the_line_and_key) {
    EXPECT_EQ(error(with_head("includes:\n  - file: other.yaml\n")),
              "t.yaml:3: includes: includes are not supported: put the whole topology in one "
              "file");
    EXPECT_EQ(error(with_head("components:\n  - id: c\n")),
              "t.yaml:3: components: components are not supported: constructor arguments are "
              "plain values, not objects");
    EXPECT_NE(error(with_head("topologySource:\n  className: x\n"))
                  .find("t.yaml:3: topologySource: topologySource is not supported"),
              std::string::npos);
    EXPECT_EQ(error(with_head("workerHooks: []\n")),
              "t.yaml:3: workerHooks: worker hooks are not supported");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.sink\n"
                              "    constructorArgs:\n      - ref: \"c\"\n")),
              "t.yaml:7: bolts[0].constructorArgs[0]: references ('ref') are not supported: "
              "constructor arguments are plain values");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.sink\n"
                              "    configMethods:\n      - name: withFoo\n")),
              "t.yaml:6: bolts[0].configMethods: configMethods are not supported: use "
              "constructorArgs");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.sink\n"
                              "    properties:\n      - name: foo\n        value: 1\n")),
              "t.yaml:6: bolts[0].properties: properties (setter injection) are not supported: "
              "use constructorArgs");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.sink\n"
                              "    factory: newInstance\n")),
              "t.yaml:6: bolts[0].factory: factory methods are not supported: register a class "
              "built from constructorArgs");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.sink\n"
                              "    constructorArgs: [{a: 1}]\n")),
              "t.yaml:6: bolts[0].constructorArgs[0]: a map is not a value; use a scalar or a "
              "list");
}

TEST_F(flux_loader_test, config_errors_name_the_line_and_key) {
    EXPECT_EQ(error(with_head("config:\n  my.nested:\n    a: 1\n")),
              "t.yaml:4: config.my.nested: has a map value; config values are scalars or lists");
    EXPECT_EQ(error(with_head("config:\n  topology.workers: many\n")),
              "t.yaml:4: config key 'topology.workers' in the config section: got \"many\" (a "
              "string), expected an integer >= 1");
    EXPECT_NE(error(with_head("config:\n  topology.wrokers: 1\n"))
                  .find("t.yaml:4: unknown config key 'topology.wrokers'"),
              std::string::npos);
    EXPECT_EQ(error(with_head("config:\n  my.big: 99999999999999999999\n")),
              "t.yaml:4: config.my.big: the number 99999999999999999999 is out of range");
    EXPECT_EQ(error(with_head("config: [1]\n")),
              "t.yaml:3: config: expected a map of config keys, got a list");
}

TEST_F(flux_loader_test, component_errors_name_the_line_and_key) {
    EXPECT_EQ(error(with_head("bolts:\n  - className: test.sink\n")),
              "t.yaml:4: bolts[0].id: missing");
    EXPECT_EQ(error(with_head("bolts:\n  - id: s\n    className: test.sink\n")),
              "t.yaml:4: bolts[0].id: id 's' is already used on line 2");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: nope\n")),
              "t.yaml:5: bolts[0].className: no bolt class 'nope' is registered by the package "
              "(registered bolts: test.scaled, test.sink)");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.word_spout\n")),
              "t.yaml:5: bolts[0].className: class 'test.word_spout' is a spout, not a bolt");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.sink\n"
                              "    parallelism: 0\n")),
              "t.yaml:6: bolts[0].parallelism: expected an integer from 1 to 1048576, got 0");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.sink\n"
                              "    numTasks: two\n")),
              "t.yaml:6: bolts[0].numTasks: expected an integer from 1 to 1048576, got two");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.sink\n"
                              "    paralelism: 2\n")),
              "t.yaml:6: bolts[0].paralelism: unknown key; expected one of: id, className, "
              "parallelism, numTasks, constructorArgs");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.scaled\n"
                              "    constructorArgs: [\"x\", \"y\"]\n")),
              "t.yaml:6: bolts[0].constructorArgs: class test.scaled constructor argument 1: "
              "expected double, got string \"x\"");
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n    className: test.sink\n"
                              "    constructorArgs: 3\n")),
              "t.yaml:6: bolts[0].constructorArgs: expected a list, got a scalar");
}

TEST_F(flux_loader_test, stream_errors_name_the_line_and_key) {
    const std::string bolts = with_head("bolts: [{id: b, className: test.sink}]\nstreams:\n");
    // Stream lines start at 5; a missing key is reported at the first line of its map.
    EXPECT_EQ(error(bolts + "  - {from: x, to: b, grouping: {type: SHUFFLE}}\n"),
              "t.yaml:5: streams[0].from: no spout or bolt has id 'x'");
    EXPECT_EQ(error(bolts + "  - {from: s, to: y, grouping: {type: SHUFFLE}}\n"),
              "t.yaml:5: streams[0].to: no bolt has id 'y'");
    EXPECT_EQ(error(bolts + "  - {from: b, to: s, grouping: {type: SHUFFLE}}\n"),
              "t.yaml:5: streams[0].to: 's' is a spout; only bolts subscribe");
    EXPECT_EQ(error(bolts + "  - from: s\n    to: b\n"), "t.yaml:5: streams[0].grouping: missing");
    EXPECT_EQ(error(bolts + "  - from: s\n    to: b\n    grouping:\n      type: shuffle\n"),
              "t.yaml:8: streams[0].grouping.type: unknown grouping type 'shuffle'; expected one "
              "of: SHUFFLE, FIELDS, ALL, GLOBAL, LOCAL_OR_SHUFFLE, NONE, DIRECT, CUSTOM, "
              "PARTIAL_KEY");
    EXPECT_EQ(error(bolts + "  - from: s\n    to: b\n    grouping:\n      type: FIELDS\n"),
              "t.yaml:8: streams[0].grouping.args: missing");
    EXPECT_EQ(error(bolts + "  - {from: s, to: b, grouping: {type: PARTIAL_KEY, args: []}}\n"),
              "t.yaml:5: streams[0].grouping.args: a PARTIAL_KEY grouping needs a non-empty list "
              "of field names");
    EXPECT_EQ(error(bolts + "  - {from: s, to: b, grouping: {type: ALL, args: [word]}}\n"),
              "t.yaml:5: streams[0].grouping.args: only FIELDS and PARTIAL_KEY groupings take "
              "args");
    EXPECT_EQ(error(bolts + "  - {from: s, to: b, grouping: {type: CUSTOM}}\n"),
              "t.yaml:5: streams[0].grouping.customClass: missing");
    EXPECT_EQ(
        error(bolts + "  - {from: s, to: b, grouping: {type: SHUFFLE, customClass: {className: "
                      "test.n_grouping}}}\n"),
        "t.yaml:5: streams[0].grouping.customClass: only a CUSTOM grouping takes "
        "customClass");
    EXPECT_EQ(error(bolts + "  - from: s\n    to: b\n    grouping:\n      type: CUSTOM\n"
                            "      customClass:\n        className: test.sink\n"),
              "t.yaml:10: streams[0].grouping.customClass.className: class 'test.sink' is a "
              "bolt, not a grouping");
    EXPECT_EQ(error(bolts + "  - from: s\n    to: b\n    grouping:\n      type: CUSTOM\n"
                            "      customClass:\n        className: test.n_grouping\n"
                            "        constructorArgs: [\"one\"]\n"),
              "t.yaml:11: streams[0].grouping.customClass.constructorArgs: test.n_grouping "
              "takes one integer");
    EXPECT_EQ(error(bolts + "  - from: s\n    to: b\n    grouping:\n      type: CUSTOM\n"
                            "      customClass:\n        className: test.n_grouping\n"
                            "        properties: []\n"),
              "t.yaml:11: streams[0].grouping.customClass.properties: properties (setter "
              "injection) are not supported: use constructorArgs");
}

TEST_F(flux_loader_test, topology_validation_is_topology_builders) {
    std::string msg =
        error(with_head("bolts: [{id: b, className: test.sink}]\n"
                        "streams: [{from: s, to: b, grouping: {type: FIELDS, args: [nope]}}]\n"));
    EXPECT_EQ(msg.rfind("t.yaml: invalid topology: ", 0), 0u) << msg;
    EXPECT_NE(msg.find("names field 'nope'"), std::string::npos) << msg;
    msg =
        error(with_head("bolts: [{id: b, className: test.sink}]\n"
                        "streams: [{from: s, to: b, grouping: {type: SHUFFLE, streamId: "
                        "direct}}]\n"));
    EXPECT_NE(msg.find("declared direct"), std::string::npos) << msg;
}

// Storm's FluxShellBolt / FluxShellSpout, as a Flux file written for Storm names them.
TEST_F(flux_loader_test, storm_shell_wrappers_become_shell_components) {
    auto t = parse(R"(name: "shell"
spouts:
  - id: "sentences"
    className: "org.apache.storm.flux.wrappers.spouts.FluxShellSpout"
    constructorArgs:
      - ["node", "randomsentence.js"]
      - ["sentence"]
bolts:
  - id: "split"
    className: "org.apache.storm.flux.wrappers.bolts.FluxShellBolt"
    constructorArgs:
      - ["python3", "splitsentence.py"]
      - ["word"]
    parallelism: 2
  - {id: "count", className: "test.sink"}
streams:
  - {from: "sentences", to: "split", grouping: {type: SHUFFLE}}
  - {from: "split", to: "count", grouping: {type: FIELDS, args: ["word"]}}
)");
    const component_def* split = t.topology.find("split");
    ASSERT_NE(split, nullptr);
    EXPECT_EQ(split->class_name, shell_bolt_class);
    EXPECT_EQ(split->parallelism, 2);
    EXPECT_EQ(shell_spec::from_args(split->args).command,
              (std::vector<std::string>{"python3", "splitsentence.py"}));
    ASSERT_EQ(split->outputs.size(), 1u);
    EXPECT_EQ(split->outputs[0].fields, fields({"word"}));
    const component_def* sentences = t.topology.find("sentences");
    ASSERT_NE(sentences, nullptr);
    EXPECT_EQ(sentences->class_name, shell_spout_class);
    EXPECT_EQ(sentences->outputs[0].fields, fields({"sentence"}));
}

TEST_F(flux_loader_test, storm_shell_wrappers_with_bad_arguments_name_the_line) {
    EXPECT_EQ(error(with_head("bolts:\n  - id: b\n"
                              "    className: org.apache.storm.flux.wrappers.bolts.FluxShellBolt\n"
                              "    constructorArgs: [\"python3 x.py\", [\"word\"]]\n")),
              "t.yaml:6: bolts[0].constructorArgs: org.apache.storm.flux.wrappers.bolts."
              "FluxShellBolt takes 2 arguments: the command (a non-empty list of strings) and "
              "the output fields (a list of strings)");
    EXPECT_NE(error(with_head("bolts:\n  - id: b\n"
                              "    className: org.apache.storm.flux.wrappers.spouts."
                              "FluxShellSpout\n"
                              "    constructorArgs: [[\"a\"], [\"b\"]]\n"))
                  .find("is a spout, not a bolt"),
              std::string::npos);
}

}  // namespace
}  // namespace tempest::common
