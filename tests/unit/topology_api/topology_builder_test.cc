// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/topology_builder.h"

#include "test_helpers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace tempest {
namespace {

using test::error_of;
using ::testing::HasSubstr;
using ::testing::Not;

// Carries its own component configuration, for the merge test.
class configured_bolt : public test::sink_bolt {
  public:
    config get_component_configuration() const override {
        config c;
        c.set(config::topology_tick_tuple_freq_secs, 5);
        c.set(config::topology_max_spout_pending, 10);
        return c;
    }
};

// Declares the same stream twice.
class twice_bolt : public test::sink_bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare({"a"});
        d.declare({"b"});
    }
};

class sized_spout : public test::word_spout {
  public:
    explicit sized_spout(int n) : n(n) {}
    int n;
};

class first_task_grouping : public custom_stream_grouping {
  public:
    void prepare(const topology_context&, const std::string&, const std::string&,
                 const std::vector<int>&) override {}
    void choose_tasks(int, const values&, std::vector<int>&) override {}
};

std::size_t line_count(const std::string& s) {
    return s.empty() ? 0 : 1 + static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

class topology_builder_test : public ::testing::Test {
  protected:
    topology_builder_test() {
        _reg.add_spout<test::word_spout>("words");
        _reg.add_bolt<test::count_bolt>("count");
        _reg.add_bolt<test::sink_bolt>("sink");
        _reg.add_bolt<configured_bolt>("configured");
        _reg.add_bolt<twice_bolt>("twice");
        _reg.add_spout_with<sized_spout, int>("sized");
        _reg.add_grouping<first_task_grouping>("first");
    }
    // The message of the invalid_topology that create_topology() throws.
    std::string problems() {
        return error_of<invalid_topology>([&] { (void)_b.create_topology(); });
    }
    component_registry _reg;
    topology_builder _b{_reg};
};

TEST_F(topology_builder_test, builds_a_valid_topology_sorted_by_id) {
    _b.set_spout("w", "words", {}, 2);
    _b.set_bolt("c", "count", {}, 2).set_num_tasks(4).fields_grouping("w", {"word"});
    _b.set_bolt("z", "sink").shuffle_grouping("c").direct_grouping("c", "direct");
    topology t = _b.create_topology();
    ASSERT_EQ(t.components.size(), 3u);
    EXPECT_EQ(t.components[0].id, "c");
    EXPECT_EQ(t.components[1].id, "w");
    EXPECT_EQ(t.components[2].id, "z");

    const component_def* w = t.find("w");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->kind, component_kind::spout);
    EXPECT_EQ(w->parallelism, 2);
    EXPECT_EQ(w->num_tasks, 2);  // defaults to the parallelism
    ASSERT_NE(w->find_stream("default"), nullptr);
    EXPECT_EQ(w->find_stream("default")->fields, (fields{"word"}));

    const component_def* c = t.find("c");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->num_tasks, 4);
    ASSERT_EQ(c->inputs.size(), 1u);
    EXPECT_EQ(c->inputs[0].grouping.type, grouping_type::fields);
    ASSERT_NE(c->find_stream("direct"), nullptr);
    EXPECT_TRUE(c->find_stream("direct")->direct);
    EXPECT_EQ(c->find_stream("nope"), nullptr);
    EXPECT_EQ(t.find("nope"), nullptr);
    EXPECT_NO_THROW(t.validate());
}

TEST_F(topology_builder_test, typed_set_registers_and_records_arguments) {
    topology_builder b(_reg);
    b.set_spout<sized_spout>("s", 1, 42);
    b.set_bolt<test::sink_bolt>("k", 3).local_or_shuffle_grouping("s");
    topology t = b.create_topology();
    const component_def* s = t.find("s");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->class_name, type_name<sized_spout>());
    EXPECT_EQ(s->args, (std::vector<value>{42}));
    EXPECT_EQ(_reg.kind_of(type_name<sized_spout>()), component_class_kind::spout);
    EXPECT_EQ(t.find("k")->parallelism, 3);
}

TEST_F(topology_builder_test, declarer_configuration_wins_over_the_class) {
    _b.set_spout("w", "words").set_max_spout_pending(7);
    _b.set_bolt("b", "configured")
        .shuffle_grouping("w")
        .add_configuration(config::topology_max_spout_pending, 99);
    topology t = _b.create_topology();
    const config& conf = t.find("b")->conf;
    EXPECT_EQ(conf.get_int(config::topology_tick_tuple_freq_secs, 0), 5);
    EXPECT_EQ(conf.get_int(config::topology_max_spout_pending, 0), 99);
    EXPECT_EQ(t.find("w")->conf.get_int(config::topology_max_spout_pending, 0), 7);
}

TEST_F(topology_builder_test, duplicate_id_is_named) {
    _b.set_spout("w", "words");
    _b.set_bolt("w", "sink").shuffle_grouping("w");
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("component id 'w' is declared more than once"));
    EXPECT_EQ(line_count(msg), 1u) << msg;
}

TEST_F(topology_builder_test, unknown_component_is_named) {
    _b.set_spout("w", "words");
    _b.set_bolt("b", "sink").shuffle_grouping("ghost");
    EXPECT_EQ(problems(), "bolt 'b': subscribes to unknown component 'ghost'");
}

TEST_F(topology_builder_test, unknown_stream_is_named_with_the_declared_ones) {
    _b.set_spout("w", "words");
    _b.set_bolt("b", "sink").shuffle_grouping("w", "lines");
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("bolt 'b'"));
    EXPECT_THAT(msg, HasSubstr("stream 'lines' of 'w'"));
    EXPECT_THAT(msg, HasSubstr("streams [default]"));
}

TEST_F(topology_builder_test, fields_grouping_on_undeclared_field_is_named) {
    _b.set_spout("w", "words");
    _b.set_bolt("b", "sink").fields_grouping("w", {"word", "wrd"});
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("bolt 'b'"));
    EXPECT_THAT(msg, HasSubstr("field 'wrd'"));
    EXPECT_THAT(msg, HasSubstr("declared fields: [word]"));
    EXPECT_EQ(line_count(msg), 1u) << msg;  // 'word' is fine
}

TEST_F(topology_builder_test, partial_key_grouping_without_fields_is_an_error) {
    _b.set_spout("w", "words");
    _b.set_bolt("b", "sink").partial_key_grouping("w", fields{});
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("bolt 'b': partial_key grouping on stream 'default' of 'w'"));
    EXPECT_THAT(msg, HasSubstr("names no fields"));
}

TEST_F(topology_builder_test, zero_parallelism_is_named) {
    _b.set_spout("w", "words", {}, 0);
    EXPECT_EQ(problems(), "spout 'w': parallelism must be at least 1, got 0");
}

TEST_F(topology_builder_test, fewer_tasks_than_executors_is_named) {
    _b.set_spout("w", "words");
    _b.set_bolt("b", "sink", {}, 4).set_num_tasks(2).shuffle_grouping("w");
    EXPECT_EQ(problems(), "bolt 'b': num_tasks (2) must be at least its parallelism (4)");
}

TEST_F(topology_builder_test, topology_without_spout_is_refused) {
    _b.set_bolt("b", "sink");
    EXPECT_EQ(problems(), "topology has no spout");
    topology_builder empty(_reg);
    EXPECT_THAT(error_of<invalid_topology>([&] { (void)empty.create_topology(); }),
                HasSubstr("has no spout"));
}

TEST_F(topology_builder_test, unregistered_class_is_named_without_follow_on_noise) {
    _b.set_spout("w", "wordz");
    _b.set_bolt("b", "sink").fields_grouping("w", {"anything"});
    std::string msg = problems();
    EXPECT_EQ(msg, "spout 'w': class 'wordz' is not registered; register it in tempest_register");
}

TEST_F(topology_builder_test, class_of_the_wrong_kind_is_named) {
    _b.set_spout("w", "sink");
    _b.set_bolt("b", "words").shuffle_grouping("w");
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("spout 'w': class 'sink' is registered as a bolt"));
    EXPECT_THAT(msg, HasSubstr("bolt 'b': class 'words' is registered as a spout"));
}

TEST_F(topology_builder_test, constructor_argument_error_is_named) {
    _b.set_spout("w", "sized", {"ten"});
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("spout 'w'"));
    EXPECT_THAT(msg, HasSubstr("constructor argument 1: expected int, got string \"ten\""));
}

TEST_F(topology_builder_test, stream_declared_twice_is_named) {
    _b.set_spout("w", "words");
    _b.set_bolt("b", "twice").shuffle_grouping("w");
    EXPECT_EQ(problems(), "bolt 'b': declares stream 'default' more than once");
}

TEST_F(topology_builder_test, direct_grouping_on_a_plain_stream_is_refused) {
    _b.set_spout("w", "words");
    _b.set_bolt("b", "sink").direct_grouping("w");
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("bolt 'b': direct grouping on stream 'default' of 'w'"));
    EXPECT_THAT(msg, HasSubstr("not declared direct"));
}

TEST_F(topology_builder_test, plain_grouping_on_a_direct_stream_is_refused) {
    _b.set_spout("w", "words");
    _b.set_bolt("c", "count").shuffle_grouping("w");
    _b.set_bolt("b", "sink").shuffle_grouping("c", "direct");
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("bolt 'b': shuffle grouping on stream 'direct' of 'c'"));
    EXPECT_THAT(msg, HasSubstr("needs direct grouping"));
}

TEST_F(topology_builder_test, reserved_and_empty_ids_are_refused) {
    _b.set_spout("__acker", "words");
    _b.set_spout("", "words");
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("spout '__acker': ids starting with \"__\" are reserved"));
    EXPECT_THAT(msg, HasSubstr("empty id (class 'words')"));
}

TEST_F(topology_builder_test, custom_grouping_class_must_be_a_registered_grouping) {
    _b.set_spout("w", "words");
    _b.set_bolt("ok", "sink").custom_grouping("w", "default", "first");
    _b.set_bolt("typed", "sink").custom_grouping<first_task_grouping>("w");
    _b.set_bolt("missing", "sink").custom_grouping("w", "default", "nobody");
    _b.set_bolt("kind", "sink").custom_grouping("w", "default", "sink");
    _b.set_bolt("empty", "sink").custom_grouping("w", "default", "");
    std::string msg = problems();
    EXPECT_THAT(msg, HasSubstr("bolt 'missing': custom grouping on stream 'default' of 'w': "
                               "class 'nobody' is not registered"));
    EXPECT_THAT(msg, HasSubstr("bolt 'kind': custom grouping on stream 'default' of 'w': "
                               "class 'sink' is registered as a bolt, not a grouping"));
    EXPECT_THAT(msg, HasSubstr("bolt 'empty': custom grouping on stream 'default' of 'w' has no "
                               "class name"));
    EXPECT_THAT(msg, Not(HasSubstr("'ok'")));
    EXPECT_THAT(msg, Not(HasSubstr("'typed'")));
    EXPECT_EQ(line_count(msg), 3u) << msg;
}

TEST_F(topology_builder_test, every_problem_is_reported_at_once) {
    _b.set_spout("w", "words", {}, 0);
    _b.set_bolt("a", "sink").shuffle_grouping("ghost");
    _b.set_bolt("b", "sink").fields_grouping("w", {"nope"});
    _b.set_bolt("c", "missing");
    std::string msg = problems();
    EXPECT_EQ(line_count(msg), 4u) << msg;
    EXPECT_THAT(msg, HasSubstr("spout 'w'"));
    EXPECT_THAT(msg, HasSubstr("bolt 'a'"));
    EXPECT_THAT(msg, HasSubstr("bolt 'b'"));
    EXPECT_THAT(msg, HasSubstr("bolt 'c'"));
}

// validate() on hand-built topologies, as a runtime receives them.
TEST(topology_validate_test, spout_with_inputs_and_duplicate_subscription) {
    topology t;
    component_def s{.id = "s", .kind = component_kind::spout, .class_name = "x"};
    s.outputs.push_back({"default", {"f"}, false});
    s.inputs.push_back({"s", "default", {}});
    component_def b{.id = "b", .kind = component_kind::bolt, .class_name = "y"};
    b.inputs.push_back({"s", "default", {}});
    b.inputs.push_back({"s", "default", {grouping_type::all}});
    t.components = {b, s};
    std::string msg = error_of<invalid_topology>([&] { t.validate(); });
    EXPECT_THAT(msg, HasSubstr("spout 's': a spout cannot subscribe to streams"));
    EXPECT_THAT(msg, HasSubstr("bolt 'b': subscribes to stream 'default' of 's' more than once"));
    EXPECT_EQ(line_count(msg), 2u) << msg;
}

TEST(topology_validate_test, duplicate_ids_and_no_components) {
    topology t;
    EXPECT_THAT(error_of<invalid_topology>([&] { t.validate(); }), HasSubstr("has no spout"));
    component_def s{.id = "s", .kind = component_kind::spout, .class_name = "x"};
    t.components = {s, s};
    EXPECT_EQ(error_of<invalid_topology>([&] { t.validate(); }),
              "component id 's' is used by more than one component");
}

TEST(topology_validate_test, grouping_names) {
    EXPECT_EQ(to_string(grouping_type::local_or_shuffle), "local_or_shuffle");
    EXPECT_EQ(to_string(grouping_type::partial_key), "partial_key");
    EXPECT_EQ(to_string(grouping_type::custom), "custom");
}

}  // namespace
}  // namespace tempest
