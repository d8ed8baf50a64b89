// SPDX-License-Identifier: Apache-2.0
// The executor's statistics units: the deterministic latency sampler, the plan's dense input
// slots (source task + stream index → Storm's GlobalStreamId), and a pending spout message
// remembering its stream for its ack.
#include "executor/stat_counters.h"

#include "executor/pending_messages.h"
#include "tempest/topology.h"
#include "tempest/worker/topology_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tempest::worker {
namespace {

int count_samples(sampler& s, int n) {
    int k = 0;
    for (int i = 0; i < n; ++i) {
        k += s.next() ? 1 : 0;
    }
    return k;
}

TEST(sampler_test, samples_one_tuple_in_round_one_over_rate_starting_with_the_first) {
    sampler s(0.05);
    EXPECT_EQ(s.every(), 20u);
    EXPECT_TRUE(s.next());  // the first
    EXPECT_EQ(count_samples(s, 19), 0);
    EXPECT_TRUE(s.next());  // the 21st
    sampler t(0.05);
    EXPECT_EQ(count_samples(t, 1000), 50);
    sampler third(0.3);  // 1 / 0.3 = 3.33: one in 3
    EXPECT_EQ(third.every(), 3u);
    EXPECT_EQ(count_samples(third, 300), 100);
}

TEST(sampler_test, rate_one_samples_everything_and_rate_zero_nothing) {
    sampler all(1.0);
    EXPECT_EQ(count_samples(all, 100), 100);
    sampler above(2.5);
    EXPECT_EQ(count_samples(above, 10), 10);
    sampler none(0.0);
    EXPECT_EQ(count_samples(none, 1'000'000), 0);
    sampler negative(-1.0);
    EXPECT_EQ(count_samples(negative, 1'000'000), 0);
    sampler unset;
    EXPECT_EQ(count_samples(unset, 1'000'000), 0);
}

TEST(counter_test, copies_carry_the_value) {
    counter a;
    a.add(5);
    a.add();
    counter b(a);
    EXPECT_EQ(b.get(), 6u);
    counter c;
    c = b;
    EXPECT_EQ(c.get(), 6u);
}

struct slot_spout : spout {
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare({"n"});
        d.declare_stream("side", {"x"});
    }
    void open(const config&, const topology_context&, spout_output_collector&) override {}
    void next_tuple() override {}
};

struct slot_bolt : bolt {
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple&) override {}
};

class input_slots_test : public ::testing::Test {
  protected:
    input_slots_test() {
        _reg.add_spout<slot_spout>("slot_spout");
        _reg.add_bolt<slot_bolt>("slot_bolt");
        topology_builder b(_reg);
        b.set_spout("s", "slot_spout", {}, 2);
        b.set_bolt("a", "slot_bolt", {}, 2).shuffle_grouping("s", "side").all_grouping("s");
        b.set_bolt("b", "slot_bolt", {}, 1).shuffle_grouping("a");
        config conf;
        conf.set_num_ackers(1);
        _plan = std::make_unique<topology_plan>("t-1", b.create_topology(), conf);
    }
    const component_plan& comp(const std::string& id) const {
        return _plan->components()[_plan->component_index(id)];
    }
    // The key of the slot a tuple from `task` on stream index `index` counts in, at `c`.
    static const common::stream_key& key(const component_plan& c, int task, int index) {
        return c.inputs.at(c.input_base.at(task) + index);
    }

    component_registry _reg;
    std::unique_ptr<topology_plan> _plan;
};

TEST_F(input_slots_test, a_tuple_counts_under_its_source_component_and_stream) {
    const component_plan& a = comp("a");
    const component_plan& s = comp("s");
    for (int task : s.tasks) {
        EXPECT_EQ(key(a, task, s.stream_index("default")), (common::stream_key{"s", "default"}));
        EXPECT_EQ(key(a, task, s.stream_index("side")), (common::stream_key{"s", "side"}));
    }
    const component_plan& b = comp("b");
    for (int task : a.tasks) {
        EXPECT_EQ(key(b, task, 0), (common::stream_key{"a", "default"}));
    }
    // Tick tuples come from task 0.
    EXPECT_EQ(key(b, 0, 0), (common::stream_key{"__system", "__tick"}));
    EXPECT_TRUE(comp("s").inputs.empty());  // spouts have no inputs
}

TEST_F(input_slots_test, every_index_of_every_task_stays_in_range) {
    for (const component_plan& c : _plan->components()) {
        if (c.is_spout) {
            continue;
        }
        ASSERT_EQ(c.input_base.size(), static_cast<std::size_t>(_plan->num_tasks()) + 1);
        for (int task = 0; task <= _plan->num_tasks(); ++task) {
            std::size_t streams =
                task == 0 ? 1 : _plan->components()[_plan->task_component(task)].streams.size();
            if (c.is_acker) {
                streams = 3;
            }
            EXPECT_LE(c.input_base[task] + streams, c.inputs.size()) << c.id << " task " << task;
        }
    }
}

TEST_F(input_slots_test, the_acker_counts_acking_messages_on_storms_system_streams) {
    const component_plan& acker = comp("__acker");
    // Slot = base + message kind - 1: ack_init, ack, fail.
    for (int task : comp("s").tasks) {
        EXPECT_EQ(key(acker, task, 0), (common::stream_key{"s", "__ack_init"}));
    }
    for (int task : comp("a").tasks) {
        EXPECT_EQ(key(acker, task, 1), (common::stream_key{"a", "__ack_ack"}));
        EXPECT_EQ(key(acker, task, 2), (common::stream_key{"a", "__ack_fail"}));
    }
}

TEST(pending_stream_test, a_message_remembers_its_stream_and_whether_it_is_sampled) {
    pending_messages p;
    p.add(1, 10, 100, 2, true);
    p.add(2, 20, 100, 1, false);
    auto m = p.complete(1);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->stream, 2u);
    EXPECT_TRUE(m->sampled);
    std::vector<std::uint32_t> failed;
    p.expire(200, [&](const pending_messages::message& e) { failed.push_back(e.stream); });
    EXPECT_EQ(failed, (std::vector<std::uint32_t>{1}));
    p.add_immediate(message_id{3}, 4);
    std::vector<std::uint32_t> acked;
    p.ack_immediate([&](const pending_messages::immediate& i) { acked.push_back(i.stream); });
    EXPECT_EQ(acked, (std::vector<std::uint32_t>{4}));
}

}  // namespace
}  // namespace tempest::worker
