// SPDX-License-Identifier: Apache-2.0
// Rebalances of a running topology on the whole cluster as processes (the fixture of
// cluster_fixture.h: a real ZooKeeper, `tempest nimbus`, supervisors and their workers running
// the cluster_test package, a word count whose acked message ids land in files):
//
//   - `tempest rebalance -n 5` moves the fewest executors and restarts no worker (those whose
//     executors changed take the change in place; inplace_change_test.cc has more);
//   - `tempest rebalance -n 3 -e split=2 -e count=3` of a topology emitting at a steady rate:
//     Nimbus' getTopologyInfo reports the new executor count of each component, each over its
//     unchanged tasks, on 3 workers; the tasks run again in live workers and every message id,
//     emitted before and after the move, is acked.
//
// One ZooKeeper server serves the binary (global environment), as in cluster_test.cc.
#include "cluster_fixture.h"
#include "tempest/common/log.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tempest {
namespace {

using namespace std::chrono_literals;
using system_test::cluster_test;
using system_test::holds_for;
using system_test::live_workers;
using system_test::read_outputs;
using system_test::run_result;
using system_test::sentence_count;
using test_support::wait_until;

// Every live worker process of `supervisors`: worker id -> pid.
std::map<std::string, pid_t> all_workers(
    const std::vector<std::unique_ptr<system_test::supervisor_process>>& supervisors) {
    std::map<std::string, pid_t> w;
    for (const auto& s : supervisors) {
        auto more = live_workers(s->local_dir());
        w.insert(more.begin(), more.end());
    }
    return w;
}

// `tempest rebalance -n 5` of a topology on 4 workers (13 executors: 4+3+3+3 -> 3+3+3+2+2) moves
// the fewest executors (two) and restarts no worker: the two whose executor set changed take the
// change in place, the others are left as they were.
TEST_F(cluster_test, a_rebalance_moves_the_fewest_executors_and_restarts_no_worker) {
    ASSERT_NO_FATAL_FAILURE(start_cluster({"nimbus.task.timeout.secs=30"}, {}, 3));
    constexpr int repetitions = 20;
    constexpr auto total = static_cast<std::size_t>(repetitions * sentence_count);
    run_result r = submit("rb", {"--workers", "4", "--repetitions", std::to_string(repetitions),
                                 "--rate", "10", "--message-timeout", "5", "--max-pending", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto all_workers = [&] { return tempest::all_workers(_supervisors); };
    // port -> its executors' task ranges, as Nimbus reports them.
    using layout = std::map<int, std::set<std::pair<int, int>>>;
    auto executor_layout = [&]() -> std::optional<layout> {
        auto ex = executors("rb");
        if (!ex) {
            return std::nullopt;
        }
        layout l;
        for (const auto& e : *ex) {
            l[e.port].insert({e.task_start, e.task_end});
        }
        return l;
    };
    std::map<std::string, pid_t> before_workers;
    ASSERT_TRUE(wait_until([&] { return (before_workers = all_workers()).size() == 4; }, 30s))
        << before_workers.size() << " workers running, want 4";
    ASSERT_TRUE(wait_until([&] { return read_outputs(_out).acked.size() >= 20; }, 30s))
        << "no progress before the rebalance";
    std::optional<layout> before;
    ASSERT_TRUE(wait_until([&] { return (before = executor_layout()).has_value(); }, 10s));
    ASSERT_EQ(before->size(), 4u);

    run_result rb = cli("rebalance", {"rb", "-w", "0", "-n", "5"});
    ASSERT_EQ(rb.status, 0) << rb.out << rb.err;
    std::optional<layout> after;
    EXPECT_TRUE(wait_until(
        [&] {
            after = executor_layout();
            return after && after->size() == 5;
        },
        30s))
        << "not on 5 workers after the rebalance";
    ASSERT_TRUE(after.has_value());
    int moved = 0;
    std::size_t unchanged = 0;
    for (const auto& [port, ranges] : *before) {
        auto it = after->find(port);
        for (const auto& range : ranges) {
            moved += it == after->end() || !it->second.contains(range) ? 1 : 0;
        }
        unchanged += it != after->end() && it->second == ranges ? 1 : 0;
    }
    EXPECT_EQ(moved, 2) << "13 executors from 4 to 5 workers: two must move, no more";
    EXPECT_EQ(unchanged, 2u);

    // The supervisors settle on 5 workers; the 4 old processes all still run.
    std::map<std::string, pid_t> now;
    auto old_alive = [&] {
        std::size_t n = 0;
        for (const auto& [id, pid] : before_workers) {
            n += now.contains(id) && now.at(id) == pid ? 1 : 0;
        }
        return n;
    };
    EXPECT_TRUE(wait_until(
        [&] { return (now = all_workers()).size() == 5 && old_alive() == before_workers.size(); },
        30s))
        << now.size() << " workers, " << old_alive() << " of them from before, want 5 and "
        << before_workers.size();
    EXPECT_TRUE(holds_for(
        [&] { return (now = all_workers()).size() == 5 && old_alive() == before_workers.size(); },
        3s))
        << "workers restarted after the rebalance settled";

    std::size_t acked = 0;
    EXPECT_TRUE(wait_until([&] { return (acked = read_outputs(_out).acked.size()) == total; }, 60s))
        << acked << " of " << total << " message ids acked";
}

// `tempest rebalance -n 3 -e split=2 -e count=3` while the topology emits (20 sentences a
// second for about 16 s): the new executor counts hold in getTopologyInfo, each component's
// executors still cover its tasks, the topology runs on 3 live workers, and every message id is
// acked, including those emitted after the move.
TEST_F(cluster_test, a_rebalance_of_workers_and_executors_keeps_counting_and_acks_everything) {
    ASSERT_NO_FATAL_FAILURE(start_cluster({"nimbus.task.timeout.secs=30"}));
    constexpr int repetitions = 40;
    constexpr auto total = static_cast<std::size_t>(repetitions * sentence_count);
    run_result r = submit("rbe", {"--workers", "2", "--repetitions", std::to_string(repetitions),
                                  "--rate", "20", "--message-timeout", "5", "--max-pending", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;

    // component -> its executors' task ranges, and the ports they run on, as Nimbus reports.
    struct layout {
        std::map<std::string, std::set<std::pair<int, int>>> ranges;
        std::set<int> ports;
    };
    auto current = [&]() -> std::optional<layout> {
        auto ex = executors("rbe");
        if (!ex) {
            return std::nullopt;
        }
        layout l;
        for (const auto& e : *ex) {
            if (!e.component.starts_with("__")) {
                l.ranges[e.component].insert({e.task_start, e.task_end});
            }
            l.ports.insert(e.port);
        }
        return l;
    };
    auto counts = [](const layout& l) {
        std::map<std::string, std::size_t> n;
        for (const auto& [component, ranges] : l.ranges) {
            n[component] = ranges.size();
        }
        return n;
    };
    // The tasks each component's executors cover, in order and without gaps or overlaps.
    auto tasks_of = [](const std::set<std::pair<int, int>>& ranges) {
        std::vector<int> tasks;
        for (auto [first, last] : ranges) {
            for (int t = first; t <= last; ++t) {
                tasks.push_back(t);
            }
        }
        return tasks;
    };
    using counts_t = std::map<std::string, std::size_t>;
    std::optional<layout> before;
    ASSERT_TRUE(wait_until(
        [&] {
            before = current();
            return before && before->ports.size() == 2 &&
                   counts(*before) == counts_t{{"count", 4}, {"sentences", 1}, {"split", 4}};
        },
        30s))
        << "not on 2 workers with 1, 4 and 4 executors";
    ASSERT_TRUE(wait_until([&] { return all_workers(_supervisors).size() == 2; }, 30s));
    ASSERT_TRUE(wait_until([&] { return read_outputs(_out).acked.size() >= 20; }, 30s))
        << "no progress before the rebalance";

    run_result rb =
        cli("rebalance", {"rbe", "-w", "0", "-n", "3", "-e", "split=2", "-e", "count=3"});
    ASSERT_EQ(rb.status, 0) << rb.out << rb.err;
    std::optional<layout> after;
    EXPECT_TRUE(wait_until(
        [&] {
            after = current();
            return after && after->ports.size() == 3 &&
                   counts(*after) == counts_t{{"count", 3}, {"sentences", 1}, {"split", 2}};
        },
        30s))
        << "getTopologyInfo does not show 3 workers with 1, 2 and 3 executors";
    std::size_t acked_at_move = read_outputs(_out).acked.size();
    ASSERT_TRUE(after.has_value());
    for (const auto& [component, ranges] : before->ranges) {
        EXPECT_EQ(tasks_of(after->ranges[component]), tasks_of(ranges))
            << component << "'s executors no longer cover its tasks";
    }
    std::cout << "rebalanced with " << acked_at_move << " of " << total << " ids acked\n";
    ASSERT_LT(acked_at_move, total) << "everything was acked before the move: nothing to check";

    // The supervisors run the 3 workers, and every task runs in one of them.
    std::map<std::string, pid_t> now;
    EXPECT_TRUE(wait_until(
        [&] {
            now = all_workers(_supervisors);
            if (now.size() != 3) {
                return false;
            }
            auto live = system_test::pids_of(now);
            auto o = read_outputs(_out);
            return o.task_pids.size() == 9 &&
                   std::all_of(o.task_pids.begin(), o.task_pids.end(),
                               [&](const auto& tp) { return live.contains(tp.second); });
        },
        30s))
        << now.size() << " workers, want 3 running every task";
    EXPECT_TRUE(holds_for([&] { return all_workers(_supervisors).size() == 3; }, 2s))
        << "the workers did not settle at 3";

    std::size_t acked = 0;
    EXPECT_TRUE(wait_until([&] { return (acked = read_outputs(_out).acked.size()) == total; }, 60s))
        << acked << " of " << total << " message ids acked (" << acked_at_move << " at the move)";
}

}  // namespace
}  // namespace tempest

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // Workers outlive a SIGKILLed supervisor; as subreaper this process reaps them.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    tempest::common::init_logging("warn");
    ::testing::AddGlobalTestEnvironment(new tempest::system_test::zk_environment);
    return RUN_ALL_TESTS();
}
