// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/component_registry.h"

#include "test_helpers.h"

#include <gtest/gtest.h>

namespace tempest {
namespace {

using test::error_of;
using test::fake_output_collector;

// Built from typed arguments (add_spout_with<greeter_spout, std::string, int, double>).
class greeter_spout : public test::word_spout {
  public:
    greeter_spout(std::string prefix, int n, double ratio)
        : prefix(std::move(prefix)), n(n), ratio(ratio) {}
    std::string prefix;
    int n;
    double ratio;
};

// Built from the raw argument list.
class raw_args_bolt : public test::sink_bolt {
  public:
    explicit raw_args_bolt(const std::vector<value>& a) : args(a) {}
    std::vector<value> args;
};

// A basic bolt that emits two tuples per input, then throws std::logic_error when `crash` is
// set, or failed_exception(`fail_with`) unless `fail_with` is "ok".
class echo_bolt : public basic_bolt {
  public:
    echo_bolt(std::string fail_with, bool crash)
        : _fail_with(std::move(fail_with)), _crash(crash) {}
    void prepare(const config& conf, const topology_context&) override {
        prepared_with = conf.get_string("tag", "");
    }
    void execute(const tuple&, basic_output_collector& out) override {
        out.emit(values{"echo"});
        out.emit("side", values{1});
        if (_crash) {
            throw std::logic_error("boom");
        }
        if (_fail_with != "ok") {
            throw failed_exception(_fail_with);
        }
    }
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"word"}); }
    std::string prepared_with;

  private:
    std::string _fail_with;
    bool _crash;
};

class fixed_grouping : public custom_stream_grouping {
  public:
    void prepare(const topology_context&, const std::string&, const std::string&,
                 const std::vector<int>& targets) override {
        _first = targets.front();
    }
    void choose_tasks(int, const values&, std::vector<int>& out) override { out.push_back(_first); }

  private:
    int _first = 0;
};

class component_registry_test : public ::testing::Test {
  protected:
    component_registry _reg;
};

TEST_F(component_registry_test, builds_from_typed_arguments) {
    EXPECT_EQ((_reg.add_spout_with<greeter_spout, std::string, int, double>("greeter")), "greeter");
    std::unique_ptr<spout> s = _reg.make_spout("greeter", {"hi", 3, 2});  // int widens to double
    auto* g = dynamic_cast<greeter_spout*>(s.get());
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->prefix, "hi");
    EXPECT_EQ(g->n, 3);
    EXPECT_EQ(g->ratio, 2.0);
}

TEST_F(component_registry_test, typed_argument_mismatch_names_class_position_and_value) {
    _reg.add_spout_with<greeter_spout, std::string, int, double>("greeter");
    EXPECT_EQ(error_of<registry_error>([&] {
                  (void)_reg.make_spout("greeter", {"hi", "a", 1.0});
              }),
              "class greeter constructor argument 2: expected int, got string \"a\"");
    EXPECT_EQ(error_of<registry_error>([&] {
                  (void)_reg.make_spout("greeter", {1, 2, 1.0});
              }),
              "class greeter constructor argument 1: expected string, got int64 1");
    EXPECT_EQ(error_of<registry_error>([&] {
                  (void)_reg.make_spout("greeter", {"hi", 1, "x"});
              }),
              "class greeter constructor argument 3: expected double, got string \"x\"");
    EXPECT_EQ(error_of<registry_error>([&] { (void)_reg.make_spout("greeter", {"hi"}); }),
              "class greeter takes 3 constructor arguments, got 1");
}

TEST_F(component_registry_test, raw_and_default_constructors) {
    _reg.add_bolt<raw_args_bolt>("raw");
    std::unique_ptr<bolt> b = _reg.make_bolt("raw", {1, "two"});
    auto* raw = dynamic_cast<raw_args_bolt*>(b.get());
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(raw->args, (std::vector<value>{1, "two"}));

    _reg.add_spout<test::word_spout>("words");
    EXPECT_NE(_reg.make_spout("words", {}), nullptr);
    std::string msg = error_of<registry_error>([&] { (void)_reg.make_spout("words", {1}); });
    EXPECT_NE(msg.find("takes no constructor arguments, got 1"), std::string::npos) << msg;
}

TEST_F(component_registry_test, unknown_and_wrong_kind_are_named) {
    _reg.add_spout<test::word_spout>("words");
    _reg.add_bolt<test::sink_bolt>("sink");
    EXPECT_EQ(error_of<registry_error>([&] { (void)_reg.make_spout("nope", {}); }),
              "no spout class 'nope' is registered");
    EXPECT_EQ(error_of<registry_error>([&] { (void)_reg.make_bolt("nope", {}); }),
              "no bolt class 'nope' is registered");
    EXPECT_EQ(error_of<registry_error>([&] { (void)_reg.make_bolt("words", {}); }),
              "class 'words' is registered as a spout, not a bolt");
    EXPECT_EQ(error_of<registry_error>([&] { (void)_reg.make_spout("sink", {}); }),
              "class 'sink' is registered as a bolt, not a spout");
    EXPECT_EQ(error_of<registry_error>([&] { (void)_reg.make_grouping("sink", {}); }),
              "class 'sink' is registered as a bolt, not a grouping");
}

TEST_F(component_registry_test, lists_kinds_and_names) {
    _reg.add_spout<test::word_spout>("b.words");
    _reg.add_bolt<test::sink_bolt>("a.sink");
    _reg.add_grouping<fixed_grouping>("c.fixed");
    EXPECT_TRUE(_reg.contains("a.sink"));
    EXPECT_FALSE(_reg.contains("nope"));
    EXPECT_EQ(_reg.kind_of("b.words"), component_class_kind::spout);
    EXPECT_EQ(_reg.kind_of("a.sink"), component_class_kind::bolt);
    EXPECT_EQ(_reg.kind_of("c.fixed"), component_class_kind::grouping);
    EXPECT_THROW((void)_reg.kind_of("nope"), registry_error);
    EXPECT_EQ(_reg.names(), (std::vector<std::string>{"a.sink", "b.words", "c.fixed"}));
    EXPECT_NE(_reg.make_grouping("c.fixed", {}), nullptr);
}

TEST_F(component_registry_test, default_name_is_the_cpp_name) {
    EXPECT_EQ(_reg.add_bolt<test::sink_bolt>(), "tempest::test::sink_bolt");
    EXPECT_TRUE(_reg.contains("tempest::test::sink_bolt"));
}

TEST_F(component_registry_test, registering_again_replaces) {
    _reg.add_bolt<test::sink_bolt>("x");
    _reg.add_spout<test::word_spout>("x");
    EXPECT_EQ(_reg.kind_of("x"), component_class_kind::spout);
    EXPECT_NE(_reg.make_spout("x", {}), nullptr);
}

TEST_F(component_registry_test, factory_returning_nothing_is_an_error) {
    _reg.register_bolt("null", [](const component_registry::args&) { return nullptr; });
    std::string msg = error_of<registry_error>([&] { (void)_reg.make_bolt("null", {}); });
    EXPECT_NE(msg.find("'null'"), std::string::npos) << msg;
}

TEST(component_registry_instance_test, is_one_per_process) {
    EXPECT_EQ(&component_registry::instance(), &component_registry::instance());
}

// A basic bolt registered through the registry runs through basic_bolt_adapter.
class basic_bolt_test : public component_registry_test {
  protected:
    std::unique_ptr<bolt> make(std::string fail_with, bool crash) {
        _reg.add_bolt_with<echo_bolt, std::string, bool>("echo");
        std::unique_ptr<bolt> b = _reg.make_bolt("echo", {std::move(fail_with), crash});
        EXPECT_NE(dynamic_cast<basic_bolt_adapter*>(b.get()), nullptr);
        config conf;
        conf.set("tag", "prepared");
        b->prepare(conf, _context, _out);
        return b;
    }
    topology_context _context{std::make_shared<detail::task_layout>(), 1};
    fake_output_collector _out;
    tuple _input;
};

TEST_F(basic_bolt_test, anchors_emits_and_acks) {
    std::unique_ptr<bolt> b = make("ok", false);
    b->execute(_input);
    ASSERT_EQ(_out.emits.size(), 2u);
    EXPECT_EQ(_out.emits[0].stream, "default");
    EXPECT_EQ(_out.emits[0].anchors, 1u);
    EXPECT_EQ(_out.emits[0].v.get_string(0), "echo");
    EXPECT_EQ(_out.emits[1].stream, "side");
    EXPECT_EQ(_out.emits[1].anchors, 1u);
    EXPECT_EQ(_out.acked, 1);
    EXPECT_EQ(_out.failed, 0);
    output_fields_declarer d;
    b->declare_output_fields(d);
    ASSERT_EQ(d.streams().size(), 1u);
    EXPECT_EQ(d.streams()[0].fields, (fields{"word"}));
}

TEST_F(basic_bolt_test, failed_exception_fails_and_reports) {
    std::unique_ptr<bolt> b = make("bad input", false);
    b->execute(_input);
    EXPECT_EQ(_out.acked, 0);
    EXPECT_EQ(_out.failed, 1);
    EXPECT_EQ(_out.errors, (std::vector<std::string>{"bad input"}));
}

TEST_F(basic_bolt_test, failed_exception_without_message_reports_nothing) {
    std::unique_ptr<bolt> b = make("", false);
    b->execute(_input);
    EXPECT_EQ(_out.failed, 1);
    EXPECT_TRUE(_out.errors.empty());
}

TEST_F(basic_bolt_test, other_exceptions_reach_the_runtime) {
    std::unique_ptr<bolt> b = make("ok", true);
    EXPECT_THROW(b->execute(_input), std::logic_error);
    EXPECT_EQ(_out.acked, 0);
    EXPECT_EQ(_out.failed, 0);
}

TEST(output_fields_declarer_test, records_duplicate_streams) {
    output_fields_declarer d;
    d.declare({"a"});
    d.declare_stream("s", {"b"});
    d.declare_stream("s", true, {"c"});
    d.declare(true, {"d"});
    ASSERT_EQ(d.streams().size(), 2u);
    EXPECT_EQ(d.streams()[1].fields, (fields{"b"}));
    EXPECT_FALSE(d.streams()[1].direct);
    EXPECT_EQ(d.duplicates(), (std::vector<std::string>{"s", "default"}));
}

}  // namespace
}  // namespace tempest
