// SPDX-License-Identifier: Apache-2.0
#include "tempest/thrift/topology_convert.h"

#include "tempest/thrift/binary_codec.h"
#include "tempest/topology_api/shell_component.h"

#include <gtest/gtest.h>

#include <string>

namespace tempest::thrift {
namespace {

grouping make_grouping(grouping_type t, tempest::fields f = {}) {
    grouping g;
    g.type = t;
    g.fields = std::move(f);
    return g;
}

// A topology using every grouping and every constructor-argument type the wire carries. Inputs
// and outputs are in the order from_thrift produces (sorted), so == compares everything.
tempest::topology sample_topology() {
    tempest::topology t;
    component_def spout;
    spout.id = "a-spout";
    spout.kind = component_kind::spout;
    spout.class_name = "sentence_spout";
    spout.args = {value(std::int64_t{7}), value("text"), value(true), value(2.5),
                  value(bytes{std::string("\x00\x01", 2)})};
    spout.parallelism = 2;
    spout.num_tasks = 4;
    spout.outputs = {{"default", fields{"word"}, false}, {"direct", fields{"word"}, true}};
    spout.conf.set("my.key", "v");
    spout.conf.set(config::topology_max_spout_pending, 100);
    t.components.push_back(spout);

    component_def bolt;
    bolt.id = "b-bolt";
    bolt.kind = component_kind::bolt;
    bolt.class_name = "count_bolt";
    bolt.parallelism = 3;
    bolt.num_tasks = 3;
    bolt.inputs = {{"a-spout", "default", make_grouping(grouping_type::fields, {"word"})},
                   {"a-spout", "direct", make_grouping(grouping_type::direct)}};
    bolt.outputs = {{"default", fields{"word", "count"}, false}};
    t.components.push_back(bolt);

    const grouping_type others[] = {grouping_type::shuffle, grouping_type::all,
                                    grouping_type::global,  grouping_type::local_or_shuffle,
                                    grouping_type::none,    grouping_type::partial_key,
                                    grouping_type::custom};
    int i = 0;
    for (auto gt : others) {
        component_def c;
        c.id = "c" + std::to_string(i++);
        c.class_name = "sink";
        grouping g = make_grouping(gt);
        if (gt == grouping_type::partial_key) {
            g.fields = fields{"word"};
        }
        if (gt == grouping_type::custom) {
            g.custom_class = "my_grouping";
            g.custom_args = {value(std::int64_t{3}), value("x")};
        }
        c.inputs = {{"b-bolt", "default", g}};
        t.components.push_back(c);
    }
    return t;
}

TEST(topology_convert_test, round_trips_every_grouping_and_arg_type) {
    auto t = sample_topology();
    t.validate();
    auto wire = to_thrift(t);
    EXPECT_EQ(wire.spouts.size(), 1U);
    EXPECT_EQ(wire.bolts.size(), 8U);
    EXPECT_EQ(wire.spouts.at("a-spout").spout_object.java_object.full_class_name, "sentence_spout");
    EXPECT_EQ(wire.spouts.at("a-spout").common.parallelism_hint, 2);
    // Also survives the bytes of the binary protocol.
    auto decoded = from_binary<StormTopology>(to_binary(wire));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(from_thrift(*decoded), t);
}

TEST(topology_convert_test, num_tasks_travels_as_topology_tasks_in_json_conf) {
    auto wire = to_thrift(sample_topology());
    auto conf = config_from_json(wire.spouts.at("a-spout").common.json_conf);
    EXPECT_EQ(conf.get_int("topology.tasks", 0), 4);
    EXPECT_EQ(conf.get_string("my.key", ""), "v");
}

TEST(topology_convert_test, missing_topology_tasks_defaults_to_parallelism) {
    auto wire = to_thrift(sample_topology());
    wire.bolts.at("b-bolt").common.__set_json_conf("{}");
    auto t = from_thrift(wire);
    EXPECT_EQ(t.find("b-bolt")->num_tasks, 3);
}

void expect_invalid(const StormTopology& wire, const std::string& needle) {
    try {
        (void)from_thrift(wire);
        FAIL() << "expected invalid_topology mentioning " << needle;
    } catch (const invalid_topology& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

TEST(topology_convert_test, refuses_serialized_java) {
    auto wire = to_thrift(sample_topology());
    ComponentObject o;
    o.__set_serialized_java("\xac\xed");
    wire.bolts.at("b-bolt").bolt_object = o;
    expect_invalid(wire, "component 'b-bolt' is a serialized Java object");
}

// Storm's ShellComponent (a Storm-built topology naming a multilang component) becomes
// Tempest's shell spout or bolt running `execution_command script`, with the declared streams.
TEST(topology_convert_test, shell_components_become_shell_spouts_and_bolts) {
    auto wire = to_thrift(sample_topology());
    ComponentObject o;
    ShellComponent sh;
    sh.execution_command = "python3";
    sh.script = "splitter.py";
    o.__set_shell(sh);
    wire.spouts.at("a-spout").spout_object = o;
    wire.bolts.at("b-bolt").bolt_object = o;
    tempest::topology t = from_thrift(wire);
    const component_def* spout = t.find("a-spout");
    ASSERT_NE(spout, nullptr);
    EXPECT_EQ(spout->class_name, shell_spout_class);
    shell_spec spec = shell_spec::from_args(spout->args);
    EXPECT_EQ(spec.command, (std::vector<std::string>{"python3", "splitter.py"}));
    EXPECT_EQ(spec.streams, spout->outputs);
    EXPECT_EQ(spout->parallelism, 2);
    EXPECT_EQ(spout->num_tasks, 4);
    const component_def* bolt = t.find("b-bolt");
    ASSERT_NE(bolt, nullptr);
    EXPECT_EQ(bolt->class_name, shell_bolt_class);
    EXPECT_EQ(shell_spec::from_args(bolt->args).streams,
              (std::vector<stream_def>{{"default", fields{"word", "count"}, false}}));
    // Written back, they travel as Tempest's shell classes and read back the same.
    EXPECT_EQ(from_thrift(to_thrift(t)), t);

    sh.script.clear();
    o.__set_shell(sh);
    wire.spouts.at("a-spout").spout_object = o;
    expect_invalid(wire, "component 'a-spout' is a shell component with an empty script");
}

TEST(topology_convert_test, refuses_unknown_arg_types_and_groupings) {
    auto wire = to_thrift(sample_topology());
    wire.spouts.at("a-spout").spout_object.java_object.args_list.push_back(JavaObjectArg());
    expect_invalid(wire, "component 'a-spout': constructor argument 5 has no value");

    wire = to_thrift(sample_topology());
    auto& inputs = wire.bolts.at("c0").common.inputs;
    inputs.begin()->second = Grouping();
    expect_invalid(wire, "component 'c0': grouping of an unknown kind");

    wire = to_thrift(sample_topology());
    Grouping ser;
    ser.__set_custom_serialized("\xac\xed");
    wire.bolts.at("c1").common.inputs.begin()->second = ser;
    expect_invalid(wire, "custom_serialized");
}

TEST(topology_convert_test, to_thrift_refuses_args_the_wire_cannot_carry) {
    auto t = sample_topology();
    t.components[0].args.push_back(value(value::list{value(1)}));
    EXPECT_THROW((void)to_thrift(t), invalid_topology);
}

TEST(topology_convert_test, config_round_trips_every_value_type) {
    config c;
    c.set("a.null", value());
    c.set("b.bool", true);
    c.set("c.int", std::int64_t{-42});
    c.set("d.double", 1.0);
    c.set("e.string", "hello \"world\"");
    c.set("f.list", value(value::list{value(1), value("two"), value(3.5)}));
    auto back = config_from_json(to_json(c));
    EXPECT_EQ(back, c);
    EXPECT_EQ(back.find("d.double")->type(), value_type::float64);
}

TEST(topology_convert_test, config_from_json_names_the_problem) {
    auto expect_error = [](std::string_view text, const std::string& needle) {
        try {
            (void)config_from_json(text);
            FAIL() << "expected an error for " << text;
        } catch (const invalid_topology& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expect_error("{\"a\": ", "malformed JSON conf");
    expect_error("[1, 2]", "must be an object");
    expect_error("{\"x.y\": {\"nested\": 1}}", "config key 'x.y'");
    expect_error("{\"big\": 18446744073709551615}", "out of range");
}

}  // namespace
}  // namespace tempest::thrift
