// SPDX-License-Identifier: Apache-2.0
// Changes of a worker's own executors taken in place, on the whole cluster as processes (the
// fixture of cluster_fixture.h: a real ZooKeeper, `tempest nimbus`, supervisors and their
// workers running the cluster_test package, a word count whose counts and acked message ids land
// in files):
//
//   - `tempest rebalance -e split=2`: no worker process restarts; the workers whose executors
//     changed report the new ones in their heartbeats; the count bolt, whose executors stay,
//     keeps its per-word counts (no count ever goes back, the final ones are at least the
//     exact ones); every message id is acked;
//   - `tempest rebalance -n 3`, then `-n 2`: each moves the fewest executors; the workers on
//     slots that stay keep their processes; every message id is acked.
//
// The worker-level cases (an executor leaving and joining a running worker, executors the
// layout does not have making the worker exit) are in worker_process_test.cc.
// One ZooKeeper server serves the binary (global environment), as in cluster_test.cc.
#include "cluster_fixture.h"
#include "tempest/common/log.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tempest {
namespace {

using namespace std::chrono_literals;
using system_test::cluster_test;
using system_test::holds_for;
using system_test::read_outputs;
using system_test::run_result;
using system_test::sentence_count;
using test_support::wait_until;

// port -> the task ranges of the executors there.
using layout = std::map<int, std::set<std::pair<int, int>>>;

// One live worker process, as its local heartbeat describes it.
struct live_worker {
    pid_t pid = 0;
    std::set<std::pair<int, int>> executors;
};

std::string describe(const layout& l) {
    std::string s;
    // Appended piece by piece: GCC 12 warns (-Wrestrict, wrongly) about "x" + std::string.
    for (const auto& [port, ranges] : l) {
        s.append(" ").append(std::to_string(port)).append(":");
        for (auto [first, last] : ranges) {
            s.append("[").append(std::to_string(first)).append("-");
            s.append(std::to_string(last)).append("]");
        }
    }
    return s;
}

// Executors of `before` that are not on the same port in `after` (the ranges did not change).
int moved(const layout& before, const layout& after) {
    int n = 0;
    for (const auto& [port, ranges] : before) {
        auto it = after.find(port);
        for (const auto& r : ranges) {
            n += it == after.end() || !it->second.contains(r) ? 1 : 0;
        }
    }
    return n;
}

// The fewest executors a move of `before` to `workers` slots can move: the slots beyond the
// `workers` fullest give up everything, each kept slot what it holds beyond its share of the
// even layout (the larger shares going to the fullest slots).
int fewest_moves(const layout& before, int workers) {
    std::vector<int> held;
    int total = 0;
    for (const auto& [port, ranges] : before) {
        held.push_back(static_cast<int>(ranges.size()));
        total += held.back();
    }
    std::sort(held.begin(), held.end(), std::greater<>());
    int n = 0;
    for (std::size_t i = 0; i < held.size(); ++i) {
        if (static_cast<int>(i) >= workers) {
            n += held[i];
            continue;
        }
        int share = total / workers + (static_cast<int>(i) < total % workers ? 1 : 0);
        n += std::max(0, held[i] - share);
    }
    return n;
}

class inplace_change_test : public cluster_test {
  protected:
    // Every live worker process: worker id -> pid.
    std::map<std::string, pid_t> all_workers() {
        std::map<std::string, pid_t> w;
        for (const auto& s : _supervisors) {
            auto more = system_test::live_workers(s->local_dir());
            w.insert(more.begin(), more.end());
        }
        return w;
    }

    // Where Nimbus places the executors of `name` (port -> task ranges) and, for `component`,
    // how many it has; nullopt when Nimbus cannot say.
    std::optional<layout> placed(const std::string& name, const std::string& component = {},
                                 std::size_t* of_component = nullptr) {
        auto ex = executors(name);
        if (!ex) {
            return std::nullopt;
        }
        layout l;
        std::size_t n = 0;
        for (const auto& e : *ex) {
            l[e.port].insert({e.task_start, e.task_end});
            n += e.component == component ? 1 : 0;
        }
        if (of_component != nullptr) {
            *of_component = n;
        }
        return l;
    }

    // The live workers by port, from their local heartbeats (what each says it runs).
    std::map<int, live_worker> running() {
        std::map<int, live_worker> out;
        for (const auto& s : _supervisors) {
            for (const auto& [id, pid] : system_test::live_workers(s->local_dir())) {
                auto bytes = system_test::read_all(s->local_dir() / "workers" / id / "heartbeat");
                auto beat = thrift::decode_local_worker_heartbeat(bytes);
                if (!beat) {
                    continue;
                }
                live_worker& w = out[beat->port];
                w.pid = pid;
                for (const auto& e : beat->executors) {
                    w.executors.insert({e.task_start, e.task_end});
                }
            }
        }
        return out;
    }

    // True when the live workers are exactly those of `l`'s ports and each reports `l`'s
    // executors.
    bool heartbeats_show(const layout& l) {
        auto now = running();
        if (now.size() != l.size()) {
            return false;
        }
        for (const auto& [port, ranges] : l) {
            auto it = now.find(port);
            if (it == now.end() || it->second.executors != ranges) {
                return false;
            }
        }
        return true;
    }

    // port -> pid of the live workers.
    std::map<int, pid_t> pids_by_port() {
        std::map<int, pid_t> out;
        for (const auto& [port, w] : running()) {
            out[port] = w.pid;
        }
        return out;
    }
};

// `tempest rebalance -e split=2` of a word count on two workers while it emits (20 sentences a
// second for 16 s): split's four executors become two, placed where there is room; count's
// four stay. No worker process is restarted: the workers report the new executors in their
// heartbeats, the count tasks keep their in-memory counts (each task's total only grows, and
// every word's final count is at least its exact count: a count task that had started again
// would have lost the words it counted before), and every message id is acked.
TEST_F(inplace_change_test, rebalance_of_executors_restarts_no_worker_and_keeps_state) {
    ASSERT_NO_FATAL_FAILURE(start_cluster({"nimbus.task.timeout.secs=30"}));
    constexpr int repetitions = 40;
    constexpr auto total = static_cast<std::size_t>(repetitions * sentence_count);
    run_result r = submit("ipe", {"--workers", "2", "--repetitions", std::to_string(repetitions),
                                  "--rate", "20", "--message-timeout", "5", "--max-pending", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;

    std::optional<layout> before;
    std::size_t splits = 0;
    ASSERT_TRUE(wait_until(
        [&] {
            before = placed("ipe", "split", &splits);
            return before && before->size() == 2 && splits == 4 && heartbeats_show(*before);
        },
        30s))
        << "not on 2 workers with 4 split executors, reported by both workers";
    ASSERT_TRUE(wait_until([&] { return read_outputs(_out).acked.size() >= 20; }, 30s))
        << "no progress before the rebalance";
    const std::map<std::string, pid_t> workers_before = all_workers();
    ASSERT_EQ(workers_before.size(), 2u);
    const auto counted_before = read_outputs(_out).counted_per_task;

    run_result rb = cli("rebalance", {"ipe", "-w", "0", "-e", "split=2"});
    ASSERT_EQ(rb.status, 0) << rb.out << rb.err;
    std::optional<layout> after;
    EXPECT_TRUE(wait_until(
        [&] {
            after = placed("ipe", "split", &splits);
            return after && splits == 2 && heartbeats_show(*after);
        },
        30s))
        << "the workers do not report split's 2 new executors: Nimbus places"
        << (after ? describe(*after) : std::string(" ?"));
    ASSERT_TRUE(after.has_value());
    std::size_t acked_at_change = read_outputs(_out).acked.size();
    std::cout << "executors before:" << describe(*before) << "\nafter: " << describe(*after)
              << "\nchanged with " << acked_at_change << " of " << total << " ids acked\n";
    EXPECT_LT(acked_at_change, total) << "everything was acked before the change";
    std::size_t changed = 0;
    for (const auto& [port, ranges] : *after) {
        changed += before->contains(port) && before->at(port) != ranges ? 1 : 0;
    }
    EXPECT_GE(changed, 1u) << "no worker's executors changed: nothing was taken in place";

    // Every worker keeps its process, through the change and after.
    EXPECT_EQ(all_workers(), workers_before) << "a worker was restarted";
    EXPECT_TRUE(holds_for([&] { return all_workers() == workers_before; }, 3s))
        << "a worker was restarted after the change";

    std::size_t acked = 0;
    EXPECT_TRUE(wait_until([&] { return (acked = read_outputs(_out).acked.size()) == total; }, 60s))
        << acked << " of " << total << " message ids acked (" << acked_at_change
        << " at the change)";
    EXPECT_EQ(all_workers(), workers_before) << "a worker was restarted";

    // The count tasks kept their state: totals only grew, and no word lost counts.
    const auto o = read_outputs(_out);
    for (const auto& [task, n] : counted_before) {
        ASSERT_TRUE(o.counted_per_task.contains(task));
        EXPECT_GE(o.counted_per_task.at(task), n) << task << " started counting again";
    }
    for (const auto& [word, n] : system_test::expected_counts(repetitions)) {
        EXPECT_GE(o.counts.contains(word) ? o.counts.at(word) : 0, n)
            << "'" << word << "' lost counts: a count task started again";
    }
}

// `tempest rebalance -n 3` then `-n 2` of a word count on two workers (11 executors) while it
// emits: each step moves the fewest executors (3 each: 6+5 -> 4+4+3 -> 6+5), the workers of the
// slots that stay keep their processes (the two original ones throughout), and every message id
// is acked.
TEST_F(inplace_change_test, rebalance_of_workers_up_and_down_moves_the_fewest_executors) {
    ASSERT_NO_FATAL_FAILURE(start_cluster({"nimbus.task.timeout.secs=30"}, {}, 3));
    constexpr int repetitions = 60;
    constexpr auto total = static_cast<std::size_t>(repetitions * sentence_count);
    run_result r = submit("ipn", {"--workers", "2", "--repetitions", std::to_string(repetitions),
                                  "--rate", "20", "--message-timeout", "5", "--max-pending", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;

    std::optional<layout> before;
    ASSERT_TRUE(wait_until(
        [&] {
            before = placed("ipn");
            return before && before->size() == 2 && heartbeats_show(*before);
        },
        30s))
        << "not on 2 workers reporting their executors";
    ASSERT_TRUE(wait_until([&] { return read_outputs(_out).acked.size() >= 20; }, 30s))
        << "no progress before the rebalance";
    const std::map<int, pid_t> original = pids_by_port();
    ASSERT_EQ(original.size(), 2u);

    // Each step: rebalance, wait until the workers report Nimbus' new layout, check the moves
    // and that every worker of a slot that stays is the same process.
    auto step = [&](int workers, const layout& from) -> std::optional<layout> {
        const std::map<int, pid_t> pids = pids_by_port();
        run_result rb = cli("rebalance", {"ipn", "-w", "0", "-n", std::to_string(workers)});
        EXPECT_EQ(rb.status, 0) << rb.out << rb.err;
        std::optional<layout> to;
        bool settled = wait_until(
            [&] {
                to = placed("ipn");
                return to && static_cast<int>(to->size()) == workers && heartbeats_show(*to);
            },
            30s);
        EXPECT_TRUE(settled) << "the workers do not report the layout of -n " << workers
                             << ": Nimbus places" << (to ? describe(*to) : std::string(" ?"));
        if (!settled) {
            return std::nullopt;
        }
        std::cout << "-n " << workers << ":" << describe(from) << " ->" << describe(*to) << " ("
                  << read_outputs(_out).acked.size() << " of " << total << " ids acked)\n";
        EXPECT_EQ(moved(from, *to), fewest_moves(from, workers))
            << "-n " << workers << " moved more executors than it had to";
        auto kept = [&] {
            auto now = pids_by_port();
            for (const auto& [port, pid] : pids) {
                if (to->contains(port) && (!now.contains(port) || now.at(port) != pid)) {
                    return false;
                }
            }
            return true;
        };
        EXPECT_TRUE(kept()) << "-n " << workers << " restarted a worker of a slot that stays";
        EXPECT_TRUE(holds_for(kept, 2s)) << "-n " << workers << ": a worker restarted later";
        return to;
    };

    std::optional<layout> up = step(3, *before);
    ASSERT_TRUE(up.has_value());
    std::optional<layout> down = step(2, *up);
    ASSERT_TRUE(down.has_value());
    EXPECT_EQ(pids_by_port(), original) << "the two original workers are not the ones left";

    std::size_t acked = 0;
    EXPECT_TRUE(wait_until([&] { return (acked = read_outputs(_out).acked.size()) == total; }, 60s))
        << acked << " of " << total << " message ids acked";
    EXPECT_EQ(pids_by_port(), original) << "a worker was restarted";
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
