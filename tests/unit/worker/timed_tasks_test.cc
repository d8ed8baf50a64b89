// SPDX-License-Identifier: Apache-2.0
// timed_tasks: the executor finds the windowed bolts among its tasks (and only them), asks each
// when it next wants on_timer(), runs it when that time has come and not before, and reports the
// earliest due time it parks for. Times are the test's: nothing sleeps.
#include "executor/timed_tasks.h"

#include "executor/shared_state.h"
#include "tempest/topology.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

namespace tempest::worker {
namespace {

constexpr std::int64_t ms = 1'000'000;  // ns

struct fake_clock {
    std::int64_t now = 5'000;
    static std::int64_t read(void* c) { return static_cast<fake_clock*>(c)->now; }
};

class counting_collector final : public output_collector {
  public:
    void ack(const tuple&) override { ++acked; }
    void fail(const tuple&) override {}
    void report_error(std::string_view) override {}
    int emitted = 0;
    int acked = 0;

  protected:
    void do_emit(std::string_view, std::span<const tuple* const>, const values&, int) override {
        ++emitted;
    }
};

class window_count_bolt final : public windowed_bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple_window& w) override {
        _out->emit(values{static_cast<std::int64_t>(w.get().size())});
    }

  private:
    output_collector* _out = nullptr;
};

class plain_bolt final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple&) override {}
};

class timed_tasks_test : public ::testing::Test {
  protected:
    timed_tasks_test() : _ctx(std::make_shared<detail::task_layout>(), 1) {
        auto windowed = std::make_unique<task_state>();
        auto adapter =
            std::make_unique<windowed_bolt_adapter>(std::make_unique<window_count_bolt>());
        adapter->set_clock(&fake_clock::read, &_clock);
        config conf;
        set_window_config(conf, std::chrono::milliseconds(100), std::chrono::milliseconds(100));
        adapter->prepare(conf, _ctx, _out);
        _adapter = adapter.get();
        windowed->bl = std::move(adapter);
        auto plain = std::make_unique<task_state>();
        plain->bl = std::make_unique<plain_bolt>();
        _tasks.push_back(std::move(plain));
        _tasks.push_back(std::move(windowed));
    }

    fake_clock _clock;
    topology_context _ctx;
    counting_collector _out;
    shared_state _shared;
    windowed_bolt_adapter* _adapter = nullptr;
    std::vector<std::unique_ptr<task_state>> _tasks;
};

TEST_F(timed_tasks_test, runs_a_windowed_bolts_timer_when_due_and_not_before) {
    timed_tasks timed;
    timed.collect(_tasks);
    ASSERT_FALSE(timed.empty());
    EXPECT_EQ(timed.next_due_ns(), -1);  // nothing asked before start
    timed.start(1000 * ms, _shared);
    EXPECT_EQ(timed.next_due_ns(), 1100 * ms);  // the window's 100 ms, on the executor's clock

    _adapter->execute(tuple{});
    _clock.now += 50;
    timed.run(1050 * ms, _shared);  // not due: the window is not evaluated
    EXPECT_EQ(_out.emitted, 0);
    _clock.now += 50;
    timed.run(1100 * ms, _shared);
    EXPECT_EQ(_out.emitted, 1);
    EXPECT_EQ(timed.next_due_ns(), 1200 * ms);
    _clock.now += 100;
    timed.run(1200 * ms, _shared);  // tumbling: the tuple leaves (acked), no empty window
    EXPECT_EQ(_out.emitted, 1);
    EXPECT_EQ(_out.acked, 1);
}

TEST_F(timed_tasks_test, an_executor_without_windowed_bolts_has_nothing_to_run) {
    _tasks.pop_back();
    timed_tasks timed;
    timed.collect(_tasks);
    EXPECT_TRUE(timed.empty());
    timed.start(0, _shared);
    EXPECT_EQ(timed.next_due_ns(), -1);
}

}  // namespace
}  // namespace tempest::worker
