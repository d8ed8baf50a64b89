// SPDX-License-Identifier: Apache-2.0
// windowed_bolt_adapter with a recording collector and a fake clock (anchoring to the window,
// acking on expiry, time triggers, late tuples, a missing timestamp field, a throwing
// execute), the window settings and their one-line errors, and the refusals of the builder and
// of topology::validate(conf).
#include "tempest/topology.h"
#include "window_test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace tempest {
namespace {

using test::make_tuple;
using namespace std::chrono_literals;

// Records a bolt's collector calls by tuple id (field 0 of the tuples acked or failed).
class recording_collector final : public output_collector {
  public:
    struct emitted {
        std::string stream;
        std::vector<std::int64_t> anchors;  // ids of the anchor tuples
        values v;
    };
    void ack(const tuple& t) override { acked.push_back(t.get_int(0)); }
    void fail(const tuple& t) override { failed.push_back(t.get_int(0)); }
    void report_error(std::string_view m) override { errors.emplace_back(m); }

    std::vector<emitted> emits;
    std::vector<std::int64_t> acked, failed;
    std::vector<std::string> errors;

  protected:
    void do_emit(std::string_view stream, std::span<const tuple* const> anchors, const values& v,
                 int) override {
        emitted e{std::string(stream), {}, v};
        for (const tuple* a : anchors) {
            e.anchors.push_back(a->get_int(0));
        }
        emits.push_back(std::move(e));
    }
};

// Emits the sum of the ids in each window (unanchored: the adapter anchors it), or throws.
class sum_bolt : public windowed_bolt {
  public:
    sum_bolt() = default;
    explicit sum_bolt(const std::vector<value>&) { with_window(window_count(3), window_count(2)); }
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple_window& w) override {
        if (throw_next) {
            throw std::runtime_error("boom");
        }
        std::int64_t sum = 0;
        for (const tuple* t : w.get()) {
            sum += t->get_int(0);
        }
        ends.push_back(w.get_end_timestamp());
        _out->emit(values{sum});
    }
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"sum"}); }

    bool throw_next = false;
    std::vector<std::int64_t> ends;

  private:
    output_collector* _out = nullptr;
};

class id_spout : public spout {
  public:
    void open(const config&, const topology_context&, spout_output_collector&) override {}
    void next_tuple() override {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"id", "ts"}); }
};

// A windowed bolt that sets no window of its own.
class bare_bolt : public windowed_bolt {
  public:
    void execute(const tuple_window&) override {}
    void declare_output_fields(output_fields_declarer&) override {}
};

class plain_bolt : public bolt {
  public:
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple&) override {}
    void declare_output_fields(output_fields_declarer&) override {}
};

struct fake_clock {
    std::int64_t now = 1'000'000;
    static std::int64_t read(void* c) { return static_cast<fake_clock*>(c)->now; }
};

class windowed_bolt_test : public ::testing::Test {
  protected:
    windowed_bolt_test() {
        auto l = std::make_shared<detail::task_layout>();
        l->task_component = {"", "win"};
        l->component_tasks["win"] = {1};
        l->sources["win"] = {{"src", "default"}};
        _ctx = std::make_unique<topology_context>(l, 1);
    }
    // An adapter around a sum_bolt with `conf` as its config, prepared.
    windowed_bolt_adapter& make(const config& conf) {
        auto b = std::make_unique<sum_bolt>();
        _bolt = b.get();
        _adapter = std::make_unique<windowed_bolt_adapter>(std::move(b));
        _adapter->set_clock(&fake_clock::read, &_clock);
        _adapter->prepare(conf, *_ctx, _out);
        return *_adapter;
    }

    std::unique_ptr<topology_context> _ctx;
    recording_collector _out;
    fake_clock _clock;
    sum_bolt* _bolt = nullptr;
    std::unique_ptr<windowed_bolt_adapter> _adapter;
};

TEST_F(windowed_bolt_test, emits_are_anchored_to_the_window_and_inputs_acked_when_they_expire) {
    config c;
    set_window_config(c, window_count(3), window_count(2));
    auto& a = make(c);
    for (int i = 1; i <= 6; ++i) {
        a.execute(make_tuple(i));
    }
    ASSERT_EQ(_out.emits.size(), 3u);
    EXPECT_EQ(_out.emits[0].anchors, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(_out.emits[1].anchors, (std::vector<std::int64_t>{2, 3, 4}));
    EXPECT_EQ(_out.emits[2].anchors, (std::vector<std::int64_t>{4, 5, 6}));
    EXPECT_EQ(_out.emits[2].v.get_int(0), 15);
    EXPECT_EQ(_out.acked, (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_TRUE(_out.failed.empty());
    EXPECT_EQ(a.next_timer_ms(), -1);  // a count window needs no timer
}

TEST_F(windowed_bolt_test, a_duration_window_is_evaluated_by_the_timer) {
    config c;
    set_window_config(c, 100ms, 100ms);
    auto& a = make(c);
    EXPECT_EQ(a.next_timer_ms(), 100);
    a.execute(make_tuple(1));
    _clock.now += 40;
    a.execute(make_tuple(2));
    EXPECT_EQ(a.next_timer_ms(), 60);
    a.on_timer();  // not due yet: nothing
    EXPECT_TRUE(_out.emits.empty());
    _clock.now += 60;
    a.on_timer();
    ASSERT_EQ(_out.emits.size(), 1u);
    EXPECT_EQ(_out.emits[0].anchors, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(_bolt->ends, (std::vector<std::int64_t>{1'000'100}));
    EXPECT_EQ(a.next_timer_ms(), 100);
    _clock.now += 100;
    a.on_timer();  // tumbling: both leave, and an empty window is not evaluated
    EXPECT_EQ(_out.emits.size(), 1u);
    EXPECT_EQ(_out.acked, (std::vector<std::int64_t>{1, 2}));
}

TEST_F(windowed_bolt_test, late_tuples_go_to_the_late_stream_and_are_acked) {
    config c;
    set_window_config(c, 10ms, 10ms);
    c.set(windowed_bolt::keys::timestamp_field, "ts");
    c.set(windowed_bolt::keys::late_tuple_stream, "late");
    c.set(windowed_bolt::keys::watermark_interval_ms, 5);
    auto& a = make(c);
    a.execute(make_tuple(1, 3));
    a.execute(make_tuple(2, 25));
    _clock.now += 5;
    a.on_timer();  // watermark 25: (0, 10] evaluated; (20, 30] waits for it
    ASSERT_EQ(_out.emits.size(), 1u);
    EXPECT_EQ(_out.emits[0].anchors, (std::vector<std::int64_t>{1}));
    a.execute(make_tuple(3, 4));  // below the watermark
    ASSERT_EQ(_out.emits.size(), 2u);
    EXPECT_EQ(_out.emits[1].stream, "late");
    EXPECT_EQ(_out.emits[1].anchors, (std::vector<std::int64_t>{3}));
    EXPECT_EQ(_out.emits[1].v.get(0), value(value::list{3, 4}));
    EXPECT_EQ(_out.acked, (std::vector<std::int64_t>{1, 3}));
    EXPECT_TRUE(_out.errors.empty());
}

TEST_F(windowed_bolt_test, a_tuple_without_the_timestamp_field_is_failed_with_one_line) {
    config c;
    set_window_config(c, 10ms, 10ms);
    c.set(windowed_bolt::keys::timestamp_field, "event_time");
    auto& a = make(c);
    a.execute(make_tuple(7, 3));
    EXPECT_EQ(_out.failed, (std::vector<std::int64_t>{7}));
    ASSERT_EQ(_out.errors.size(), 1u);
    EXPECT_NE(_out.errors[0].find("has no timestamp field 'event_time'"), std::string::npos)
        << _out.errors[0];
    EXPECT_NE(_out.errors[0].find("'src:default'"), std::string::npos) << _out.errors[0];
    EXPECT_EQ(_out.errors[0].find('\n'), std::string::npos);
}

TEST_F(windowed_bolt_test, a_throwing_execute_fails_the_windows_tuples) {
    config c;
    set_window_config(c, window_count(2), window_count(2));
    auto& a = make(c);
    _bolt->throw_next = true;
    a.execute(make_tuple(1));
    a.execute(make_tuple(2));
    EXPECT_EQ(_out.failed, (std::vector<std::int64_t>{1, 2}));
    ASSERT_EQ(_out.errors.size(), 1u);
    EXPECT_NE(_out.errors[0].find("boom"), std::string::npos);
    _bolt->throw_next = false;
    a.execute(make_tuple(3));
    a.execute(make_tuple(4));
    ASSERT_EQ(_out.emits.size(), 1u);
    EXPECT_EQ(_out.emits[0].anchors, (std::vector<std::int64_t>{3, 4}));  // 1, 2 are gone
    EXPECT_TRUE(_out.acked.empty());
}

// ---------------------------------------------------------------- settings

std::string settings_error(const config& c) {
    try {
        (void)window_settings::from_config(c);
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected an error";
    return {};
}

TEST(window_settings_test, bad_settings_are_refused_naming_what_is_wrong) {
    using k = windowed_bolt::keys;
    config none;
    EXPECT_NE(settings_error(none).find("no window length"), std::string::npos);

    config both;
    both.set(k::window_length_count, 10);
    both.set(k::window_length_duration_ms, 5000);
    EXPECT_EQ(settings_error(both),
              "both topology.bolts.window.length.count (10) and "
              "topology.bolts.window.length.duration.ms (5000) are set: a window length is a "
              "count of tuples or a duration, not both");

    config zero;
    set_window_config(zero, window_count(0), window_count(1));
    EXPECT_EQ(settings_error(zero),
              "topology.bolts.window.length.count is 0: a window length must be at least 1 tuple");

    config negative;
    set_window_config(negative, 10s, window_duration::of_millis(-5));
    EXPECT_EQ(settings_error(negative),
              "topology.bolts.sliding.interval.duration.ms is -5: a sliding interval must be at "
              "least 1 ms");

    config lag;
    set_window_config(lag, 10s, 1s);
    lag.set(k::max_lag_ms, 100);
    EXPECT_NE(settings_error(lag).find("topology.bolts.tuple.timestamp.max.lag.ms is set but "
                                       "topology.bolts.tuple.timestamp.field.name is not"),
              std::string::npos);

    config late;
    set_window_config(late, 10s, 1s);
    late.set(k::late_tuple_stream, "late");
    EXPECT_NE(settings_error(late).find("topology.bolts.late.tuple.stream is set but"),
              std::string::npos);

    config typed;
    typed.set(k::window_length_count, "ten");
    EXPECT_EQ(settings_error(typed),
              "topology.bolts.window.length.count must be an integer, got \"ten\"");

    config ok;
    set_window_config(ok, window_count(100), 2s);
    window_settings s = window_settings::from_config(ok);
    EXPECT_TRUE(s.length_is_count);
    EXPECT_EQ(s.length, 100);
    EXPECT_FALSE(s.sliding_is_count);
    EXPECT_EQ(s.sliding, 2000);
    config only_length;
    only_length.set(k::window_length_count, 5);
    EXPECT_EQ(window_settings::from_config(only_length).sliding, 1);  // slides by one tuple
}

// ---------------------------------------------------------------- builder and submit

std::string topology_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const invalid_topology& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected invalid_topology";
    return {};
}

TEST(windowed_topology_test, the_builder_carries_storms_keys_and_declares_the_late_stream) {
    component_registry reg;
    topology_builder b(reg);
    b.set_spout<id_spout>("src");
    b.set_bolt<sum_bolt>("win", 2)
        .shuffle_grouping("src")
        .with_window(window_duration(10s), window_duration(2s))
        .with_timestamp_field("ts")
        .with_lag(500ms)
        .with_watermark_interval(200ms)
        .with_late_tuple_stream("late");
    topology t = b.create_topology();
    const component_def* win = t.find("win");
    ASSERT_NE(win, nullptr);
    using k = windowed_bolt::keys;
    EXPECT_EQ(win->conf.get_int(k::window_length_duration_ms, 0), 10000);
    EXPECT_EQ(win->conf.get_int(k::sliding_interval_duration_ms, 0), 2000);
    EXPECT_EQ(win->conf.get_string(k::timestamp_field, ""), "ts");
    EXPECT_EQ(win->conf.get_int(k::max_lag_ms, 0), 500);
    EXPECT_EQ(win->conf.get_int(k::watermark_interval_ms, 0), 200);
    // The declarer's window wins over the one sum_bolt(args) sets for itself.
    EXPECT_FALSE(win->conf.contains(k::window_length_count));
    const stream_def* late = win->find_stream("late");
    ASSERT_NE(late, nullptr);
    EXPECT_EQ(late->fields, fields{"late_tuple"});
    EXPECT_NO_THROW(t.validate(config{}));
}

TEST(windowed_topology_test, the_builder_refuses_bad_windows_naming_the_bolt) {
    component_registry reg;
    {
        topology_builder b(reg);
        b.set_spout<id_spout>("src");
        b.set_bolt<sum_bolt>("win").shuffle_grouping("src").with_window(window_count(0));
        EXPECT_EQ(topology_error([&] { (void)b.create_topology(); }),
                  "bolt 'win': topology.bolts.window.length.count is 0: a window length must be "
                  "at least 1 tuple");
    }
    {
        topology_builder b(reg);
        b.set_spout<id_spout>("src");
        b.set_bolt<plain_bolt>("plain").shuffle_grouping("src").with_tumbling_window(5s);
        EXPECT_NE(topology_error([&] {
                      (void)b.create_topology();
                  }).find("bolt 'plain': window settings (topology.bolts.*) are set but class"),
                  std::string::npos);
    }
    {
        topology_builder b(reg);
        b.set_spout<id_spout>("src");
        b.set_bolt<bare_bolt>("bare").shuffle_grouping("src");
        EXPECT_EQ(topology_error([&] { (void)b.create_topology(); }),
                  "bolt 'bare': windowed bolt has no window: set one with with_window or "
                  "with_tumbling_window");
    }
    {
        topology_builder b(reg);
        b.set_spout<id_spout>("src");
        b.set_bolt<sum_bolt>("win").shuffle_grouping("src");  // its own window, count 3 by 2
        topology t = b.create_topology();
        EXPECT_EQ(t.find("win")->conf.get_int(windowed_bolt::keys::window_length_count, 0), 3);
    }
}

TEST(windowed_topology_test, a_window_longer_than_the_message_timeout_is_refused_at_submit) {
    component_registry reg;
    topology_builder b(reg);
    b.set_spout<id_spout>("src");
    b.set_bolt<sum_bolt>("win").shuffle_grouping("src").with_window(20s, 15s);
    topology t = b.create_topology();  // the timeout is the submitted conf's: not known here
    config conf;
    std::string e = topology_error([&] { t.validate(conf); });  // the default, 30 s
    EXPECT_EQ(e,
              "bolt 'win': window length 20000 ms + sliding interval 15000 ms = 35000 ms is more "
              "than topology.message.timeout.secs (30 s = 30000 ms): its tuples would time out "
              "before they leave the window");
    conf.set_message_timeout_secs(35);
    EXPECT_NO_THROW(t.validate(conf));

    topology_builder c(reg);
    c.set_spout<id_spout>("src");
    c.set_bolt<sum_bolt>("count").shuffle_grouping("src").with_window(window_count(100),
                                                                      window_count(10));
    topology ct = c.create_topology();
    config pending;
    pending.set_max_spout_pending(50);
    EXPECT_EQ(topology_error([&] { ct.validate(pending); }),
              "bolt 'count': window length 100 + sliding interval 10 = 110 tuples is more than "
              "topology.max.spout.pending (50): the spouts would stop before the window fills");
}

}  // namespace
}  // namespace tempest
