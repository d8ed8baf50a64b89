// SPDX-License-Identifier: Apache-2.0
// Chaining: a bolt fed only by local_or_shuffle from a component of equal parallelism runs on
// its producer's thread, and everything else about the topology (acking, counts) is unchanged.
// With ackers on the spouts' threads (topology.acker.on.spout.thread, the default) bolts chain
// onto spouts as without ackers; with ackers on threads of their own a spout keeps its thread to
// itself and bolts still chain onto bolts.
#include "tempest/topology.h"
#include "tempest/worker/local_cluster.h"
#include "tempest/worker/topology_plan.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace tempest::worker {
namespace {

constexpr int messages_per_task = 2000;

std::mutex g_mu;
std::map<std::string, std::set<std::thread::id>> g_threads;  // "component/task index" -> threads
std::atomic<int> g_acked{0};
std::atomic<int> g_sunk{0};

void record(const topology_context& ctx) {
    std::scoped_lock lock(g_mu);
    g_threads[ctx.get_this_component_id() + "/" + std::to_string(ctx.get_this_task_index())].insert(
        std::this_thread::get_id());
}

struct chain_spout : spout {
    spout_output_collector* out = nullptr;
    const topology_context* ctx = nullptr;
    int sent = 0;
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context& c, spout_output_collector& o) override {
        out = &o;
        ctx = &c;
    }
    void next_tuple() override {
        if (sent < messages_per_task) {
            record(*ctx);
            out->emit({sent}, message_id{static_cast<std::uint64_t>(sent)});
            ++sent;
        }
    }
    void ack(message_id) override { ++g_acked; }
};

struct pass_bolt : bolt {
    output_collector* out = nullptr;
    const topology_context* ctx = nullptr;
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void prepare(const config&, const topology_context& c, output_collector& o) override {
        out = &o;
        ctx = &c;
    }
    void execute(const tuple& t) override {
        record(*ctx);
        out->emit(t, {t.get_int(0)});
        out->ack(t);
    }
};

struct sink_bolt : bolt {
    output_collector* out = nullptr;
    const topology_context* ctx = nullptr;
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& c, output_collector& o) override {
        out = &o;
        ctx = &c;
    }
    void execute(const tuple& t) override {
        record(*ctx);
        ++g_sunk;
        out->ack(t);
    }
};

topology chain_topology(int sink_parallelism) {
    topology_builder b;
    b.set_spout<chain_spout>("spout", 2);
    b.set_bolt<pass_bolt>("pass", 2).local_or_shuffle_grouping("spout");
    b.set_bolt<sink_bolt>("sink", sink_parallelism).local_or_shuffle_grouping("pass");
    return b.create_topology();
}

template <typename Pred>
bool wait_until(Pred pred, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

// Without ackers a spout's emits with message ids are acked at once; with them, once the sink
// acked the tree.
void run(const topology& t, bool chaining, int ackers = 1, bool acker_on_spout_thread = true) {
    g_threads.clear();
    g_acked = 0;
    g_sunk = 0;
    local_cluster cluster;
    config conf;
    conf.set_num_ackers(ackers);
    conf.set("topology.chaining", chaining);
    conf.set("topology.acker.on.spout.thread", acker_on_spout_thread);
    cluster.submit_topology("chain", conf, t);
    // Without ackers a tuple is acked before it reaches the sink: wait for both.
    ASSERT_TRUE(wait_until(
        [] {
            return g_acked.load() == 2 * messages_per_task &&
                   g_sunk.load() == 2 * messages_per_task;
        },
        std::chrono::seconds(20)))
        << "acked " << g_acked.load() << ", sunk " << g_sunk.load();
    cluster.kill_topology("chain");
    EXPECT_EQ(g_sunk.load(), 2 * messages_per_task);
    EXPECT_EQ(g_acked.load(), 2 * messages_per_task);
}

TEST(chaining_test, chained_bolts_run_on_their_producers_thread_and_ack) {
    run(chain_topology(2), true, 0);
    std::scoped_lock lock(g_mu);
    for (int k = 0; k < 2; ++k) {
        std::string i = std::to_string(k);
        ASSERT_EQ(g_threads["spout/" + i].size(), 1u);
        EXPECT_EQ(g_threads["pass/" + i], g_threads["spout/" + i]) << "task index " << k;
        EXPECT_EQ(g_threads["sink/" + i], g_threads["spout/" + i]) << "task index " << k;
    }
    EXPECT_NE(g_threads["spout/0"], g_threads["spout/1"]);
}

TEST(chaining_test, with_ackers_on_spout_threads_bolts_chain_onto_spouts_and_trees_complete) {
    run(chain_topology(2), true, 2);  // one acker on each spout's thread
    std::scoped_lock lock(g_mu);
    for (int k = 0; k < 2; ++k) {
        std::string i = std::to_string(k);
        ASSERT_EQ(g_threads["spout/" + i].size(), 1u);
        EXPECT_EQ(g_threads["pass/" + i], g_threads["spout/" + i]) << "task index " << k;
        EXPECT_EQ(g_threads["sink/" + i], g_threads["spout/" + i]) << "task index " << k;
    }
}

TEST(chaining_test, an_acker_on_one_spouts_thread_serves_the_other_spouts_too) {
    run(chain_topology(1), true, 1);  // sink (1) unchained: acks cross threads to the acker
    std::scoped_lock lock(g_mu);
    EXPECT_EQ(g_threads["pass/1"], g_threads["spout/1"]);
    EXPECT_NE(g_threads["sink/0"], g_threads["spout/0"]);
}

TEST(chaining_test, with_ackers_on_threads_of_their_own_a_spout_keeps_its_thread) {
    run(chain_topology(2), true, 1, false);
    std::scoped_lock lock(g_mu);
    for (int k = 0; k < 2; ++k) {
        std::string i = std::to_string(k);
        ASSERT_EQ(g_threads["pass/" + i].size(), 1u);
        EXPECT_NE(g_threads["pass/" + i], g_threads["spout/" + i]) << "task index " << k;
        EXPECT_EQ(g_threads["sink/" + i], g_threads["pass/" + i]) << "task index " << k;
    }
}

TEST(chaining_test, is_off_when_configured_off_or_parallelism_differs) {
    run(chain_topology(2), false, 0);
    {
        std::scoped_lock lock(g_mu);
        EXPECT_NE(g_threads["pass/0"], g_threads["spout/0"]);
    }
    run(chain_topology(1), true, 0);  // pass (2) -> sink (1): sink keeps its own thread
    std::scoped_lock lock(g_mu);
    EXPECT_EQ(g_threads["pass/0"], g_threads["spout/0"]);
    EXPECT_NE(g_threads["sink/0"], g_threads["pass/0"]);
    EXPECT_NE(g_threads["sink/0"], g_threads["pass/1"]);
}

TEST(chaining_test, plan_marks_hosts_transitively) {
    config conf;
    conf.set_num_ackers(0);
    topology_plan p("t", chain_topology(2), conf);
    int chained = 0;
    for (const executor_plan& e : p.executors()) {
        if (e.host >= 0) {
            ++chained;
            EXPECT_LT(p.executors()[e.host].host, 0);
            EXPECT_TRUE(p.components()[p.executors()[e.host].component].is_spout);
        }
    }
    EXPECT_EQ(chained, 4);  // pass x2 and sink x2, all onto the spout executors
}

TEST(chaining_test, plan_puts_ackers_on_spout_threads_and_the_rest_on_their_own) {
    config conf;
    conf.set_num_ackers(3);  // two spout executors: the third acker keeps its own thread
    topology_plan p("t", chain_topology(2), conf);
    std::vector<int> spout_execs;
    for (std::size_t i = 0; i < p.executors().size(); ++i) {
        if (p.components()[p.executors()[i].component].is_spout) {
            spout_execs.push_back(static_cast<int>(i));
        }
    }
    ASSERT_EQ(spout_execs.size(), 2u);
    std::vector<int> acker_hosts;
    int chained_onto_spouts = 0;
    for (const executor_plan& e : p.executors()) {
        if (p.components()[e.component].is_acker) {
            acker_hosts.push_back(e.host);
        } else if (e.host >= 0) {
            EXPECT_TRUE(p.components()[p.executors()[e.host].component].is_spout);
            ++chained_onto_spouts;
        }
    }
    EXPECT_EQ(acker_hosts, (std::vector<int>{spout_execs[0], spout_execs[1], -1}));
    EXPECT_EQ(chained_onto_spouts, 4);  // pass x2 and sink x2, as without ackers

    conf.set("topology.acker.on.spout.thread", false);
    topology_plan off("t", chain_topology(2), conf);
    for (const executor_plan& e : off.executors()) {
        if (off.components()[e.component].is_acker) {
            EXPECT_EQ(e.host, -1);
        }
    }
}

TEST(chaining_test, plan_with_ackers_on_their_own_threads_chains_nothing_onto_a_spout) {
    config conf;
    conf.set_num_ackers(1);
    conf.set("topology.acker.on.spout.thread", false);
    topology_plan p("t", chain_topology(2), conf);
    int chained = 0;
    for (const executor_plan& e : p.executors()) {
        if (e.host >= 0) {
            ++chained;
            const component_plan& host = p.components()[p.executors()[e.host].component];
            EXPECT_EQ(host.id, "pass");
            EXPECT_EQ(p.components()[e.component].id, "sink");
        }
    }
    EXPECT_EQ(chained, 2);  // sink x2 onto pass; pass keeps its own threads
}

// Task `k` (index among the component's tasks) of component `id` in plan `p`.
int task_of(const topology_plan& p, const char* id, int k) {
    return p.components()[p.component_index(id)].tasks[k];
}

// A worker that runs the executors of index 0 of every component chains them onto its spout
// executor; those of index 1 run elsewhere and are not chained here.
TEST(chaining_test, plan_chains_the_pairs_whose_executors_are_both_in_this_worker) {
    config conf;
    conf.set_num_ackers(0);
    topology_plan all("t", chain_topology(2), conf);
    const int spout0 = task_of(all, "spout", 0);
    topology_plan p("t", chain_topology(2), conf,
                    {spout0, task_of(all, "pass", 0), task_of(all, "sink", 0)});
    int chained = 0;
    for (const executor_plan& e : p.executors()) {
        if (e.host >= 0) {
            ++chained;
            EXPECT_EQ(p.executors()[e.host].first_task, spout0) << "task " << e.first_task;
        }
    }
    EXPECT_EQ(chained, 2);  // pass and sink of index 0 onto spout 0
    EXPECT_EQ(p.task_thread(task_of(p, "pass", 0)), p.task_executor(spout0));
    EXPECT_EQ(p.task_thread(task_of(p, "sink", 0)), p.task_executor(spout0));
}

// A pair split between workers is not chained: here spout 0 and pass 1, whose partners run
// elsewhere, keep their own threads; sink 1 still chains onto pass 1.
TEST(chaining_test, plan_leaves_pairs_split_between_workers_unchained) {
    config conf;
    conf.set_num_ackers(0);
    topology_plan all("t", chain_topology(2), conf);
    const int spout0 = task_of(all, "spout", 0);
    const int pass1 = task_of(all, "pass", 1);
    const int sink1 = task_of(all, "sink", 1);
    topology_plan p("t", chain_topology(2), conf, {spout0, pass1, sink1});
    EXPECT_EQ(p.task_thread(spout0), p.task_executor(spout0));
    EXPECT_EQ(p.task_thread(pass1), p.task_executor(pass1));
    EXPECT_EQ(p.task_thread(sink1), p.task_executor(pass1));
}

}  // namespace
}  // namespace tempest::worker
