// SPDX-License-Identifier: Apache-2.0
// executor: the loop itself, driven one pass at a time on the test's thread (no executor
// threads): tuples flow from a spout's pass to a bolt's pass in order, activation changes reach
// the spout, and a full ring stops the spout's next_tuple until the consumer frees room, with
// nothing lost.
#include "executor/executor.h"

#include "executor/shared_state.h"
#include "tempest/topology.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/topology_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace tempest::worker {
namespace {

struct counts {
    int next_tuple_calls = 0;
    int activated = 0;
    int deactivated = 0;
    std::vector<std::int64_t> executed;
    bool with_ids = false;  // the spout emits with message id n (Storm's reliable emit)
    std::vector<std::int64_t> acked;
    std::size_t pending_after_emit = 0;
};
counts g;  // the test's components report here; reset by the fixture

struct count_spout : spout {
    spout_output_collector* out = nullptr;
    std::int64_t n = 0;
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context&, spout_output_collector& o) override {
        out = &o;
    }
    void next_tuple() override {
        ++g.next_tuple_calls;
        if (g.with_ids) {
            out->emit({n}, message_id{static_cast<std::uint64_t>(n)});
            ++n;
            g.pending_after_emit = std::max(g.pending_after_emit, out->get_pending_count());
            return;
        }
        out->emit({n++});
    }
    void ack(message_id id) override { g.acked.push_back(static_cast<std::int64_t>(id.id)); }
    void activate() override { ++g.activated; }
    void deactivate() override { ++g.deactivated; }
};

struct record_bolt : bolt {
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple& t) override { g.executed.push_back(t.get_int(0)); }
};

class executor_test : public ::testing::Test {
  protected:
    static constexpr std::uint64_t batch = 4;
    static constexpr std::size_t ring_capacity = 8;

    executor_test() {
        g = {};
        _registry.add_spout<count_spout>("count_spout");
        _registry.add_bolt<record_bolt>("record_bolt");
        topology_builder b(_registry);
        b.set_spout("s", "count_spout", {}, 1);
        b.set_bolt("b", "record_bolt", {}, 1).shuffle_grouping("s");
        config conf;
        conf.set(config::topology_acker_executors, 0);
        conf.set(config::topology_producer_batch_size, static_cast<std::int64_t>(batch));
        _plan = std::make_unique<topology_plan>("t-1", b.create_topology(), conf);
        int spout_exec = -1;
        int bolt_exec = -1;
        for (std::size_t i = 0; i < _plan->executors().size(); ++i) {
            const auto& c = _plan->components()[_plan->executors()[i].component];
            (c.is_spout ? spout_exec : bolt_exec) = static_cast<int>(i);
        }
        _spout =
            std::make_unique<executor>(_shared, *_plan, std::vector<int>{spout_exec}, _registry);
        _bolt = std::make_unique<executor>(_shared, *_plan, std::vector<int>{bolt_exec}, _registry);
        _ring = std::make_unique<spsc_ring<tuple>>(ring_capacity, &_bolt->park(), &_spout->park());
        _spout->add_output(_ring.get(), *_bolt);
        _bolt->add_input(_ring.get());
        _spout->begin();
        _bolt->begin();
    }
    ~executor_test() override {
        _spout->end();
        _bolt->end();
    }

    void set_active(bool active) {
        _shared.active.store(active);
        _shared.epoch.fetch_add(1);
    }
    static std::vector<std::int64_t> iota(std::int64_t n) {
        std::vector<std::int64_t> v;
        for (std::int64_t i = 0; i < n; ++i) {
            v.push_back(i);
        }
        return v;
    }

    component_registry _registry;
    shared_state _shared;
    std::unique_ptr<topology_plan> _plan;
    std::unique_ptr<executor> _spout;
    std::unique_ptr<executor> _bolt;
    std::unique_ptr<spsc_ring<tuple>> _ring;
};

TEST_F(executor_test, a_spout_pass_emits_one_batch_and_a_bolt_pass_executes_it) {
    EXPECT_EQ(g.activated, 1);  // an active topology's spouts are activated after open
    EXPECT_TRUE(_spout->pass());
    EXPECT_EQ(g.next_tuple_calls, static_cast<int>(batch));
    EXPECT_TRUE(g.executed.empty());
    EXPECT_TRUE(_bolt->pass());
    EXPECT_EQ(g.executed, iota(batch));
    EXPECT_FALSE(_bolt->pass());  // nothing more to do
}

// A spout's emit with a message id takes the default stream's fast route (emit_one_with_id);
// without ackers nothing tracks it, so it is acked once its next_tuple() batch has returned.
TEST_F(executor_test, without_ackers_a_reliable_emit_is_delivered_and_acked_after_its_batch) {
    g.with_ids = true;
    EXPECT_TRUE(_spout->pass());
    EXPECT_EQ(g.acked, iota(batch));
    EXPECT_EQ(g.pending_after_emit, 0u);  // never pending: no acker tracks it
    EXPECT_TRUE(_bolt->pass());
    EXPECT_EQ(g.executed, iota(batch));
    EXPECT_TRUE(_spout->pass());
    std::vector<std::int64_t> all = iota(2 * batch);
    EXPECT_EQ(g.acked, all);
}

TEST_F(executor_test, deactivation_stops_next_tuple_and_activation_resumes_it) {
    ASSERT_TRUE(_spout->pass());
    set_active(false);
    EXPECT_FALSE(_spout->pass());
    EXPECT_EQ(g.deactivated, 1);
    int calls = g.next_tuple_calls;
    EXPECT_FALSE(_spout->pass());
    EXPECT_EQ(g.next_tuple_calls, calls);
    set_active(true);
    EXPECT_TRUE(_spout->pass());
    EXPECT_EQ(g.activated, 2);
    EXPECT_EQ(g.next_tuple_calls, calls + static_cast<int>(batch));
}

TEST_F(executor_test, a_full_ring_stops_the_spout_until_the_consumer_frees_room) {
    for (int i = 0; i < 20; ++i) {  // the bolt takes nothing meanwhile
        (void)_spout->pass();
    }
    // The ring holds ring_capacity tuples; the pass that found it full parked the rest of its
    // batch in the overflow, and next_tuple was not called again while it stood.
    int stalled = g.next_tuple_calls;
    EXPECT_LE(stalled, static_cast<int>(ring_capacity + batch));
    EXPECT_GE(stalled, static_cast<int>(ring_capacity));
    EXPECT_FALSE(_spout->pass());
    EXPECT_EQ(g.next_tuple_calls, stalled);
    // The consumer frees room: the overflow drains, then the spout runs again.
    for (int i = 0; i < 10; ++i) {
        (void)_bolt->pass();
        (void)_spout->pass();
    }
    EXPECT_GT(g.next_tuple_calls, stalled);
    while (_bolt->pass() || _spout->pass()) {
        if (g.next_tuple_calls > 200) {
            set_active(false);  // stop producing; the loop ends once everything is executed
        }
    }
    EXPECT_EQ(g.executed, iota(g.next_tuple_calls));  // every tuple, in order
}

}  // namespace
}  // namespace tempest::worker
