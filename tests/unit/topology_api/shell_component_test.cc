// SPDX-License-Identifier: Apache-2.0
// shell_bolt / shell_spout in the topology API: the spec survives its trip through constructor
// arguments, the builder declares their streams without any registered class, and a malformed
// spec is refused naming the component and the problem.
#include "tempest/topology_api/shell_component.h"

#include "tempest/topology_api/topology_builder.h"
#include "test_helpers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tempest {
namespace {

using test::error_of;
using ::testing::HasSubstr;

TEST(shell_component_test, spec_round_trips_through_arguments) {
    shell_bolt b({"python3", "split.py", "--fast"});
    b.output_fields({"word"}).output_stream("counts", {"word", "n"}, true);
    shell_spec back = shell_spec::from_args(b.spec().to_args());
    EXPECT_EQ(back.command, (std::vector<std::string>{"python3", "split.py", "--fast"}));
    ASSERT_EQ(back.streams.size(), 2u);
    EXPECT_EQ(back.streams[0], (stream_def{"default", {"word"}, false}));
    EXPECT_EQ(back.streams[1], (stream_def{"counts", {"word", "n"}, true}));
}

TEST(shell_component_test, malformed_arguments_are_refused_with_the_reason) {
    EXPECT_THAT(error_of<std::invalid_argument>([] { (void)shell_spec::from_args({}); }),
                HasSubstr("arguments end before the command length"));
    EXPECT_THAT(error_of<std::invalid_argument>([] {
                    (void)shell_spec::from_args({value(0), value(0)});
                }),
                HasSubstr("the command is empty"));
    EXPECT_THAT(error_of<std::invalid_argument>([] {
                    (void)shell_spec::from_args({value(1), value(7), value(0)});
                }),
                HasSubstr("the command element (argument 2) is 7, not a string"));
    EXPECT_THAT(error_of<std::invalid_argument>([] {
                    (void)shell_spec::from_args({value(1), value("x"), value(0), value(1)});
                }),
                HasSubstr("1 arguments left over"));
    shell_bolt twice({"x"});
    twice.output_fields({"a"}).output_fields({"b"});
    EXPECT_THAT(error_of<std::invalid_argument>(
                    [&] { (void)shell_spec::from_args(twice.spec().to_args()); }),
                HasSubstr("stream 'default' is declared more than once"));
}

TEST(shell_component_test, arguments_are_flat_scalars) {
    // Storm's Thrift JavaObjectArg cannot hold lists: a shell component must cross Nimbus.
    shell_bolt b({"python3", "x.py"});
    b.output_fields({"w"});
    for (const value& v : b.spec().to_args()) {
        EXPECT_NE(v.type(), value_type::list) << v.to_string();
    }
}

TEST(shell_component_test, builder_declares_shell_streams_without_a_registered_class) {
    component_registry reg;
    reg.add_spout<test::word_spout>("words");
    topology_builder b(reg);
    b.set_spout("sentences", shell_spout({"node", "spout.js"}).output_fields({"sentence"}));
    b.set_bolt("split", shell_bolt({"python3", "split.py"}).output_fields({"word"}), 3)
        .shuffle_grouping("sentences");
    b.set_spout("other", "words");
    topology t = b.create_topology();
    const component_def* split = t.find("split");
    ASSERT_NE(split, nullptr);
    EXPECT_EQ(split->class_name, shell_bolt_class);
    EXPECT_EQ(split->parallelism, 3);
    ASSERT_EQ(split->outputs.size(), 1u);
    EXPECT_EQ(split->outputs[0], (stream_def{"default", {"word"}, false}));
    const component_def* sentences = t.find("sentences");
    ASSERT_NE(sentences, nullptr);
    EXPECT_EQ(sentences->class_name, shell_spout_class);
    EXPECT_EQ(shell_spec::from_args(sentences->args).command,
              (std::vector<std::string>{"node", "spout.js"}));
}

TEST(shell_component_test, builder_refuses_a_bad_shell_component_naming_it) {
    component_registry reg;
    topology_builder b(reg);
    b.set_spout("s", shell_spout({""}).output_fields({"x"}));
    b.set_bolt("wrong", std::string(shell_spout_class), shell_spout({"a"}).spec().to_args())
        .shuffle_grouping("s");
    std::string e = error_of<invalid_topology>([&] { (void)b.create_topology(); });
    EXPECT_THAT(e, HasSubstr("spout 's': shell component: the command is empty"));
    EXPECT_THAT(e, HasSubstr("bolt 'wrong': class 'tempest.shell_spout' cannot be used with "
                             "set_bolt"));
}

}  // namespace
}  // namespace tempest
