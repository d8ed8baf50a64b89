// SPDX-License-Identifier: Apache-2.0
// topology_runtime::reassign: a worker's executors changed in place, with two runtimes in one
// process joined by the TCP transport on loopback as two worker processes are.
//
//   - tasks move from one worker to the other while a reliable spout emits: the tasks that stay
//     keep their component instances (built and prepared once, their per-key state intact), the
//     moved ones are built anew on their new worker and cleaned up on the old one, and every
//     message is acked;
//   - a regrouping of a component's tasks into fewer executors (rebalance -e) in one worker:
//     no component is built again, every message is acked;
//   - a component that cannot be built leaves the runtime running as it was.
#include "tempest/test_support/wait_until.h"
#include "tempest/topology.h"
#include "tempest/worker/remote_options.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/topology_runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::cluster_tests {
namespace {

using namespace std::chrono_literals;
using test_support::wait_until;

// What the topology saw. Written by executor threads, read by the test thread.
struct seen {
    static inline std::mutex mu;  // guards everything below
    static inline std::map<std::int64_t, int> acks;
    static inline std::map<int, int> built;     // task -> component instances built
    static inline std::map<int, int> prepared;  // task -> prepare() calls
    static inline std::map<int, int> cleaned;   // task -> cleanup() calls
    // task -> the highest per-key count it reached.
    static inline std::map<int, std::int64_t> highest;
    static inline std::atomic<int> next_instance{0};
    static inline std::atomic<bool> refuse{false};  // the keeper bolt's factory throws
    // The spouts emit (and replay) while fewer than `allowed` emits happened: the test holds
    // them back so that messages are still to come when the executors change.
    static inline std::atomic<std::int64_t> emitted{0};
    static inline std::atomic<std::int64_t> allowed{0};

    static void reset() {
        std::scoped_lock lock(mu);
        acks.clear();
        built.clear();
        prepared.clear();
        cleaned.clear();
        highest.clear();
        refuse = false;
        emitted = 0;
        allowed = 1000;
    }
    static void allow_all() { allowed = std::numeric_limits<std::int64_t>::max(); }
    static std::size_t acked() {
        std::scoped_lock lock(mu);
        return acks.size();
    }
};

// Emits its share of [0, 2 * per_task) with message ids, replaying failures.
class number_spout final : public spout {
  public:
    explicit number_spout(std::int64_t per_task) : _per_task(per_task) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context& ctx, spout_output_collector& c) override {
        _out = &c;
        for (std::int64_t i = 0; i < _per_task; ++i) {
            _queue.push_back(ctx.get_this_task_index() * _per_task + i);
        }
    }
    void next_tuple() override {
        if (_queue.empty() || seen::emitted.load() >= seen::allowed.load()) {
            return;
        }
        seen::emitted.fetch_add(1);
        std::int64_t n = _queue.front();
        _queue.pop_front();
        _out->emit(values{n}, message_id{static_cast<std::uint64_t>(n)});
    }
    void ack(message_id id) override {
        std::scoped_lock lock(seen::mu);
        ++seen::acks[static_cast<std::int64_t>(id.id)];
    }
    void fail(message_id id) override { _queue.push_back(static_cast<std::int64_t>(id.id)); }

  private:
    std::int64_t _per_task;
    std::deque<std::int64_t> _queue;
    spout_output_collector* _out = nullptr;
};

class relay final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"key"}); }
    void execute(const tuple& in, basic_output_collector& out) override {
        out.emit(values{in.get_int(0) % 16});
    }
};

// Counts tuples per key in memory, as a word count does (its state is its instance: the test
// counts the instances built per task).
class keeper final : public basic_bolt {
  public:
    keeper() {
        if (seen::refuse.load()) {
            throw std::runtime_error("keeper refuses to be built");
        }
    }
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& ctx) override {
        _task = ctx.get_this_task_id();
        // Refers to this instance: must not be called once the instance is gone.
        ctx.metrics().gauge(ctx.get_this_component_id(), _task, "task",
                            [this] { return static_cast<double>(_task); });
        std::scoped_lock lock(seen::mu);
        ++seen::built[_task];
        ++seen::prepared[_task];
    }
    void execute(const tuple& in, basic_output_collector&) override {
        std::int64_t n = ++_counts[in.get_int(0)];
        std::scoped_lock lock(seen::mu);
        std::int64_t& high = seen::highest[_task];
        high = std::max(high, n);
    }
    void cleanup() override {
        std::scoped_lock lock(seen::mu);
        ++seen::cleaned[_task];
    }

  private:
    int _task = 0;
    std::map<std::int64_t, std::int64_t> _counts;
};

worker::remote_options loopback() {
    worker::remote_options o;
    o.bind_address = "127.0.0.1";
    return o;
}

class reassign_test : public ::testing::Test {
  protected:
    void SetUp() override { seen::reset(); }

    topology make(int keeper_executors) {
        topology_builder b(_registry);
        b.set_spout<number_spout>("numbers", 2, per_task);
        b.set_bolt<relay>("relay", 2).shuffle_grouping("numbers");
        b.set_bolt<keeper>("keeper", keeper_executors)
            .set_num_tasks(4)
            .fields_grouping("relay", {"key"});
        return b.create_topology();
    }
    config conf() const {
        config c;
        c.set_num_ackers(2);
        c.set_max_spout_pending(100);
        c.set_message_timeout_secs(3);
        return c;
    }
    std::shared_ptr<const worker::topology_plan> plan(const topology& t, std::vector<int> tasks) {
        return std::make_shared<const worker::topology_plan>("reassign-test-1", t, conf(),
                                                             std::move(tasks));
    }
    // Where each task of `tasks[w]` runs: worker w's port.
    static std::vector<worker::task_endpoint> endpoints(
        int num_tasks, const std::vector<int> (&tasks)[2],
        const std::unique_ptr<worker::topology_runtime> (&rt)[2]) {
        std::vector<worker::task_endpoint> where(static_cast<std::size_t>(num_tasks) + 1);
        for (int w = 0; w < 2; ++w) {
            for (int task : tasks[w]) {
                where[task] = {"127.0.0.1", rt[w]->port()};
            }
        }
        return where;
    }

    static constexpr std::int64_t per_task = 3000;
    component_registry _registry;
};

TEST_F(reassign_test, moved_tasks_are_rebuilt_kept_ones_keep_their_state_and_all_is_acked) {
    const topology t = make(4);
    auto whole = plan(t, {});
    // Tasks in id order: keeper 1-4, numbers 5-6, relay 7-8, ackers 9-10.
    ASSERT_EQ(whole->num_tasks(), 10);
    std::vector<int> tasks[2] = {{1, 2, 5, 7, 9}, {3, 4, 6, 8, 10}};
    std::unique_ptr<worker::topology_runtime> rt[2];
    for (int w = 0; w < 2; ++w) {
        rt[w] =
            std::make_unique<worker::topology_runtime>(plan(t, tasks[w]), _registry, loopback());
        rt[w]->start();
    }
    for (auto& r : rt) {
        r->set_task_endpoints(endpoints(10, tasks, rt));
    }
    ASSERT_TRUE(wait_until([&] { return seen::acked() >= 500; }, 20s)) << "no progress";
    seen::allow_all();

    // Keeper task 3 moves from worker 1 to worker 0: 0 gains it, then 1 loses it.
    const auto port0 = rt[0]->port();
    tasks[0] = {1, 2, 3, 5, 7, 9};
    tasks[1] = {4, 6, 8, 10};
    auto r0 = rt[0]->reassign(plan(t, tasks[0]), _registry);
    ASSERT_TRUE(r0.applied) << r0.error;
    EXPECT_EQ(r0.kept, 5u);
    EXPECT_EQ(r0.added, 1u);
    EXPECT_EQ(r0.removed, 0u);
    EXPECT_EQ(rt[0]->port(), port0) << "the transport moved to another port";
    auto r1 = rt[1]->reassign(plan(t, tasks[1]), _registry);
    ASSERT_TRUE(r1.applied) << r1.error;
    EXPECT_EQ(r1.kept, 4u);
    EXPECT_EQ(r1.removed, 1u);
    for (auto& r : rt) {
        r->set_task_endpoints(endpoints(10, tasks, rt));
    }
    // Worker 1's registry still lists the gauge task 3's old instance registered, but calling it
    // no longer reaches that (destroyed) instance: it throws, and the heartbeat leaves it out.
    std::vector<metric_registry::entry> gauges;
    rt[1]->metrics()->for_each([&](const metric_registry::entry& e) {
        if (e.task == 3 && e.type == metric_type::gauge) {
            gauges.push_back(e);
        }
    });
    ASSERT_EQ(gauges.size(), 1u);
    EXPECT_THROW(gauges[0].gauge(), std::runtime_error);

    const bool done = wait_until([&] { return seen::acked() == 2 * per_task; }, 40s);
    for (auto& r : rt) {
        r->stop();
    }
    ASSERT_TRUE(done) << seen::acked() << " of " << 2 * per_task << " acked";
    std::scoped_lock lock(seen::mu);
    // Tasks 1, 2 and 4 stayed: one instance each, prepared once, never reset.
    for (int task : {1, 2, 4}) {
        EXPECT_EQ(seen::built[task], 1) << "task " << task;
        EXPECT_EQ(seen::prepared[task], 1) << "task " << task;
    }
    // Task 3 moved: a new instance on worker 0, the old one cleaned up on worker 1.
    EXPECT_EQ(seen::built[3], 2);
    EXPECT_EQ(seen::cleaned[3], 2) << "once on the move, once at the end";
    for (int task : {1, 2, 4}) {
        EXPECT_EQ(seen::cleaned[task], 1) << "task " << task << ": only at the end";
    }
    EXPECT_EQ(rt[0]->errors().size() + rt[1]->errors().size(), 0u);
}

TEST_F(reassign_test, regrouping_executors_in_one_worker_builds_no_component_again) {
    // One worker runs everything, through the transport as a cluster worker does.
    auto before = plan(make(4), {});
    auto rt = std::make_unique<worker::topology_runtime>(before, _registry, loopback());
    rt->start();
    ASSERT_TRUE(wait_until([&] { return seen::acked() >= 500; }, 20s)) << "no progress";
    seen::allow_all();

    // keeper's four tasks in two executors: [1-2] [3-4].
    auto after = plan(make(2), {});
    ASSERT_EQ(after->executors().size() + 2, before->executors().size());
    auto r = rt->reassign(after, _registry);
    ASSERT_TRUE(r.applied) << r.error;
    EXPECT_LT(seen::acked(), static_cast<std::size_t>(2 * per_task)) << "nothing left to emit";
    EXPECT_EQ(r.kept, 10u);
    EXPECT_EQ(r.added + r.removed, 0u);
    EXPECT_EQ(rt->stats_by_executor().size(), after->executors().size());

    const bool done = wait_until([&] { return seen::acked() == 2 * per_task; }, 40s);
    rt->stop();
    ASSERT_TRUE(done) << seen::acked() << " of " << 2 * per_task << " acked";
    std::scoped_lock lock(seen::mu);
    for (int task = 1; task <= 4; ++task) {
        EXPECT_EQ(seen::built[task], 1) << "task " << task;
        EXPECT_EQ(seen::cleaned[task], 1) << "task " << task;
    }
}

TEST_F(reassign_test, a_component_that_cannot_be_built_leaves_the_runtime_running) {
    const topology t = make(4);
    std::vector<int> tasks[2] = {{1, 2, 5, 7, 9}, {3, 4, 6, 8, 10}};
    std::unique_ptr<worker::topology_runtime> rt[2];
    for (int w = 0; w < 2; ++w) {
        rt[w] =
            std::make_unique<worker::topology_runtime>(plan(t, tasks[w]), _registry, loopback());
        rt[w]->start();
    }
    for (auto& r : rt) {
        r->set_task_endpoints(endpoints(10, tasks, rt));
    }
    ASSERT_TRUE(wait_until([&] { return seen::acked() >= 500; }, 20s)) << "no progress";
    seen::allow_all();

    // Worker 0 is to take keeper task 3 too, whose component cannot be built now.
    seen::refuse = true;
    auto r = rt[0]->reassign(plan(t, {1, 2, 3, 5, 7, 9}), _registry);
    EXPECT_FALSE(r.applied);
    EXPECT_TRUE(r.running);
    EXPECT_NE(r.error.find("component 'keeper' (task 3) cannot be built"), std::string::npos)
        << r.error;
    EXPECT_FALSE(rt[0]->plan().in_worker(3));

    // Both run on as before, and every message is acked.
    const bool done = wait_until([&] { return seen::acked() == 2 * per_task; }, 40s);
    for (auto& w : rt) {
        w->stop();
    }
    EXPECT_TRUE(done) << seen::acked() << " of " << 2 * per_task << " acked";
    std::scoped_lock lock(seen::mu);
    for (int task = 1; task <= 4; ++task) {
        EXPECT_EQ(seen::built[task], 1) << "task " << task;
    }
}

}  // namespace
}  // namespace tempest::cluster_tests
