// SPDX-License-Identifier: Apache-2.0
// Several hosts on one machine (netns_cluster.h): ZooKeeper and Nimbus in one network namespace,
// three supervisor hosts in three others, joined by veth pairs on a bridge; the daemons are the
// installed binaries run as the installed systemd units run them. The reliable topology is the
// chaos suite's (packages/chaos_test_package.cc: a spout reading a file that only grows, a
// ledger of the ids processed, the ids acked), fed and checked by the chaos suite's feeder and
// ledger reader (chaos_feeder.h, chaos_ledger.h).
//
// - a host whose link goes down has its executors moved to the other hosts after
//   nimbus.task.timeout.secs and processing goes on; when the link comes back, the workers
//   still running there are stopped as disallowed; the ledger has every id, processed and acked.
// - STORM-589: a worker that stops heartbeating (SIGSTOP) is restarted in place by its
//   supervisor, and Nimbus never moves its executors (timeout_order.h gives the rule).
// - tempest-bench --cluster against this cluster reports tuples/s for each host.
//
// Skips (GTEST_SKIP, with the reason) where network namespaces are not permitted.
// TEMPEST_KEEP_TEST_DIRS=1 keeps each test's directory (node files, daemon and worker logs,
// ledger).
#include "chaos_feeder.h"
#include "chaos_ledger.h"
#include "cluster_process.h"
#include "netns_cluster.h"
#include "tempest/common/log.h"
#include "tempest/test_support/timeout_order.h"
#include "tempest/test_support/wait_until.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tempest::system_test::netns {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using test_support::wait_until;

// Every daemon's timers, short for a test and in the order timeout_order.h asks for: a stopped
// worker is replaced by its supervisor within 3 + 1 + 1 s (+ its start), well before Nimbus gives
// up on it after 12 s. ZooKeeper sessions (40 s) outlast the link test's cut, so that what moves
// the cut host's executors is the task timeout, not the loss of its supervisor.
constexpr int task_timeout_secs = 12;
// Nimbus does not judge executors placed less than this long ago (a worker starting); the
// supervisor gives a starting worker less (10 s), for the same reason as above.
constexpr int launch_secs = 15;
const std::vector<std::pair<std::string, int>>& timer_settings() {
    static const std::vector<std::pair<std::string, int>> s = {
        {"nimbus.task.timeout.secs", task_timeout_secs},
        {"nimbus.monitor.freq.secs", 1},
        {"nimbus.task.launch.secs", launch_secs},
        {"nimbus.supervisor.timeout.secs", 60},
        {"storm.zookeeper.session.timeout", 40000},
        {"task.heartbeat.frequency.secs", 1},
        {"worker.heartbeat.frequency.secs", 1},
        {"supervisor.heartbeat.frequency.secs", 2},
        {"supervisor.sync.frequency.secs", 2},
        {"supervisor.monitor.frequency.secs", 1},
        {"supervisor.worker.timeout.secs", 3},
        {"supervisor.worker.start.timeout.secs", 10},
        {"supervisor.worker.shutdown.sleep.secs", 1},
    };
    return s;
}

constexpr double rate = 100;  // ids per second into the source file

double seconds_since(clock_type::time_point t) {
    return std::chrono::duration<double>(clock_type::now() - t).count();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

class netns_test : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const std::string& why = unavailable_reason(); !why.empty()) {
            GTEST_SKIP() << why;
        }
        std::string tmpl = (fs::temp_directory_path() / "tempest-netns-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
        fs::create_directories(ledger());
    }
    void TearDown() override {
        _cluster.reset();
        if (_dir.empty()) {
            return;
        }
        if (!HasFailure() && std::getenv("TEMPEST_KEEP_TEST_DIRS") == nullptr) {
            std::error_code ignored;
            fs::remove_all(_dir, ignored);
        } else {
            std::cout << "kept " << _dir.string() << "\n";
        }
    }

    fs::path ledger() const { return _dir / "ledger"; }

    void start_cluster(int hosts = 3) {
        options o;
        o.dir = _dir / "cluster";
        o.hosts = hosts;
        o.slots = {6700, 6701};
        for (const auto& [key, value] : timer_settings()) {
            o.settings.push_back(key + ": " + std::to_string(value));
        }
        o.out = &std::cout;
        _cluster = std::make_unique<cluster>(install_once(build_dir()), o);
    }
    cluster& c() { return *_cluster; }

    // Submits the chaos_test topology (3 workers) with the installed `tempest jar`; returns its
    // id once every host runs one of its workers.
    std::string submit_ledger_topology(const std::string& name) {
        command_result r =
            c().tempest({"jar", "--wait", "90", TEMPEST_CHAOS_TEST_PKG, "--name", name, "--dir",
                         ledger().string(), "--workers", "3", "--message-timeout", "10"},
                        120s);
        EXPECT_EQ(r.status, 0) << r.output;
        std::optional<std::string> id;
        EXPECT_TRUE(wait_until([&] { return (id = c().topology_id(name)).has_value(); }, 30s));
        EXPECT_TRUE(wait_until(
            [&] {
                for (int h = 1; h <= c().hosts(); ++h) {
                    if (live_workers(c().local_dir(h)).empty()) {
                        return false;
                    }
                }
                return true;
            },
            90s))
            << "not every host runs a worker";
        return id.value_or("");
    }

    // Host number -> executors the assignment places there.
    std::map<int, int> executors_per_host(const common::assignment& a) {
        std::map<int, int> out;
        auto hosts = c().supervisors();
        for (const auto& [e, np] : a.executor_node_port) {
            auto it = hosts.find(np.node);
            ++out[it == hosts.end() ? 0 : it->second];
        }
        return out;
    }

    // Waits until Nimbus judges every executor of `id` by its heartbeat (placed more than
    // launch_secs ago): before that a silent worker is left alone whatever the task timeout.
    bool past_launch_window(const std::string& id) {
        return wait_until(
            [&] {
                auto a = c().assignment(id);
                if (!a) {
                    return false;
                }
                std::int64_t latest = 0;
                for (const auto& [e, t] : a->executor_start_time_secs) {
                    latest = std::max(latest, t);
                }
                auto now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
                return now > latest + launch_secs + 1;
            },
            std::chrono::seconds(launch_secs + 60));
    }

    // Waits until the ledger grows at >= 90% of the rate over 2 s windows after `from`.
    static bool at_rate(const chaos::feeder& feed, clock_type::time_point from,
                        std::chrono::seconds timeout) {
        return wait_until(
            [&] {
                auto w = chaos::windows(feed.samples(), from);
                return !w.empty() && w.back().second >= 0.9 * rate;
            },
            timeout);
    }

    // Stops the producer, waits until every id written was acked, and checks the ledger.
    static void expect_no_loss(chaos::feeder& feed) {
        feed.stop_producing();
        std::uint64_t n = feed.written();
        (void)wait_until([&] { return feed.distinct_acked() >= n; }, 120s);  // checked below
        chaos::ledger_result r = feed.check(n);
        std::cout << "[netns] ledger: " << r.describe() << "\n";
        EXPECT_TRUE(r.ok()) << r.describe();
        EXPECT_GT(r.expected, 1000U) << "the producer wrote too little to mean anything";
    }

    fs::path _dir;
    std::unique_ptr<cluster> _cluster;
};

TEST(netns_timeouts, the_test_clusters_timers_let_the_supervisor_restart_a_worker_first) {
    config conf;
    for (const auto& [key, value] : timer_settings()) {
        conf.set(key, value);
    }
    EXPECT_GE(test_support::worker_restart_margin_secs(conf), 5);
}

TEST_F(netns_test, a_host_cut_off_has_its_executors_moved_and_its_stale_workers_stopped_on_heal) {
    start_cluster();
    const std::string id = submit_ledger_topology("cut");
    ASSERT_FALSE(id.empty());
    chaos::feeder feed(ledger(), rate);
    ASSERT_TRUE(at_rate(feed, clock_type::now(), 90s)) << "the topology never reached its rate";
    ASSERT_TRUE(past_launch_window(id));

    constexpr int cut = 1;
    std::string cut_node;
    for (const auto& [node, host] : c().supervisors()) {
        if (host == cut) {
            cut_node = node;
        }
    }
    auto before = c().assignment(id);
    ASSERT_TRUE(before.has_value());
    ASSERT_GT(executors_per_host(*before)[cut], 0) << "host 1 runs nothing of the topology";
    const std::set<pid_t> cut_workers = pids_of(live_workers(c().local_dir(cut)));
    const std::string nimbus_log_before = read_all(c().nimbus_log());

    const auto t0 = clock_type::now();
    c().link_down(cut);
    std::cout << "[netns] link of host 1 (" << cluster::address(cut) << ") down\n";

    // Nimbus moves the executors once their heartbeats are task_timeout_secs old.
    std::optional<common::assignment> after;
    ASSERT_TRUE(wait_until(
        [&] {
            after = c().assignment(id);
            return after && executors_per_host(*after).count(cut) == 0;
        },
        std::chrono::seconds(task_timeout_secs + 30)))
        << "the executors of host 1 were not moved";
    const double moved_after = seconds_since(t0);
    const auto t_moved = clock_type::now();
    std::cout << "[netns] executors moved off host 1 after " << moved_after << " s\n";
    // Its last heartbeat may be up to task.heartbeat.frequency.secs (1 s) older than the cut; the
    // verdict comes at the first monitor pass (1 s) after the timeout.
    EXPECT_GE(moved_after, task_timeout_secs - 1 - 0.5);
    EXPECT_LE(moved_after, task_timeout_secs + 8);
    auto per_host = executors_per_host(*after);
    EXPECT_EQ(per_host.count(0), 0U) << "executors on a node that is no supervisor";
    EXPECT_GT(per_host[2] + per_host[3], 0);
    // The task timeout moved them: host 1's supervisor is still registered (its session lives).
    EXPECT_TRUE(c().supervisors().contains(cut_node))
        << "host 1's supervisor vanished: its session expired before the task timeout";
    std::string nimbus_log = read_all(c().nimbus_log()).substr(nimbus_log_before.size());
    EXPECT_NE(nimbus_log.find("are dead: heartbeat unchanged for"), std::string::npos)
        << nimbus_log;

    // Processing goes on on hosts 2 and 3.
    EXPECT_TRUE(at_rate(feed, t_moved, 90s)) << "throughput did not come back after the move";
    const double recovered_after = seconds_since(t0);
    std::cout << "[netns] at rate again " << recovered_after << " s after the cut\n";

    // Heal: host 1's supervisor reads the assignment again and finds its slot no longer
    // assigned; whatever still runs there stops (killed as disallowed by the supervisor, or
    // exiting on its own on reading that its executors moved, whichever reads it first).
    const std::set<pid_t> stale = pids_of(live_workers(c().local_dir(cut)));
    const std::string sup_log_before = read_all(c().supervisor_log(cut));
    std::cout << "[netns] host 1 runs " << stale.size() << " worker(s) at the heal (pids";
    for (pid_t p : stale) {
        std::cout << " " << p << (cut_workers.contains(p) ? " (from before the cut)" : "");
    }
    std::cout << ")\n";
    const auto t2 = clock_type::now();
    c().link_up(cut);
    std::string sup_log;
    EXPECT_TRUE(wait_until(
        [&] {
            sup_log = read_all(c().supervisor_log(cut)).substr(sup_log_before.size());
            return sup_log.find("port 6700: no longer assigned") != std::string::npos &&
                   live_workers(c().local_dir(cut)).empty();
        },
        60s))
        << "host 1's supervisor did not drop its slot and stop its workers within a minute of "
           "the heal:\n"
        << sup_log;
    std::cout << "[netns] host 1 has no worker " << seconds_since(t2) << " s after the heal ("
              << count_of(sup_log, ") is disallowed") << " disallowed, "
              << count_of(sup_log, ") is timed-out") << " timed out, "
              << count_of(sup_log, ") exited with status 0") << " exited by themselves)\n";
    // Nothing is started on host 1 again: its slot stays free until something needs it.
    auto healed = c().assignment(id);
    ASSERT_TRUE(healed.has_value());
    EXPECT_EQ(executors_per_host(*healed).count(cut), 0U);

    expect_no_loss(feed);
}

TEST_F(netns_test, a_stopped_worker_is_restarted_by_its_supervisor_before_nimbus_moves_it) {
    start_cluster();
    const std::string id = submit_ledger_topology("stopped");
    ASSERT_FALSE(id.empty());
    chaos::feeder feed(ledger(), rate);
    ASSERT_TRUE(at_rate(feed, clock_type::now(), 90s)) << "the topology never reached its rate";
    ASSERT_TRUE(past_launch_window(id));

    constexpr int host = 2;
    auto workers = live_workers(c().local_dir(host));
    ASSERT_EQ(workers.size(), 1U);
    const auto [worker_id, pid] = *workers.begin();
    auto before = c().assignment(id);
    ASSERT_TRUE(before.has_value());
    const std::string nimbus_log_before = read_all(c().nimbus_log());
    const std::string sup_log_before = read_all(c().supervisor_log(host));

    const auto t0 = clock_type::now();
    ASSERT_EQ(::kill(pid, SIGSTOP), 0);
    std::cout << "[netns] worker " << pid << " on host 2 stopped (SIGSTOP)\n";

    // Its supervisor kills it as timed out and starts a replacement on the same slot.
    ASSERT_TRUE(wait_until(
        [&] {
            auto now = live_workers(c().local_dir(host));
            return !process_alive(pid) && now.size() == 1 && !now.contains(worker_id);
        },
        std::chrono::seconds(task_timeout_secs + 20)))
        << "the supervisor did not replace the stopped worker";
    const double replaced_after = seconds_since(t0);
    std::cout << "[netns] replaced by its supervisor after " << replaced_after << " s\n";
    EXPECT_LT(replaced_after, task_timeout_secs);

    // Nimbus leaves the executors where they are, past the time it would have moved them.
    const auto watch_until = t0 + std::chrono::seconds(task_timeout_secs + 5);
    bool moved = wait_until(
        [&] {
            auto a = c().assignment(id);
            return !a || a->executor_node_port != before->executor_node_port;
        },
        watch_until - clock_type::now());
    EXPECT_FALSE(moved) << "Nimbus reassigned executors of the replaced worker (STORM-589)";
    std::string nimbus_log = read_all(c().nimbus_log()).substr(nimbus_log_before.size());
    EXPECT_EQ(nimbus_log.find("are dead"), std::string::npos) << nimbus_log;
    std::string sup_log = read_all(c().supervisor_log(host)).substr(sup_log_before.size());
    EXPECT_NE(sup_log.find(") is timed-out"), std::string::npos) << sup_log;

    EXPECT_TRUE(at_rate(feed, t0, 60s)) << "throughput did not come back";
    expect_no_loss(feed);
}

#ifdef TEMPEST_BENCH_BINARY
TEST_F(netns_test, tempest_bench_cluster_reports_the_rate_of_each_host) {
    start_cluster();
    const fs::path json = _dir / "bench.json";
    command_result r = run_command(
        {TEMPEST_BENCH_BINARY, "word-count", "--cluster", "--config", c().client_config().string(),
         "--workers", "3", "--duration", "6", "--warmup", "3", "--json", json.string()},
        300s);
    std::cout << r.output;
    ASSERT_EQ(r.status, 0) << r.output;
    auto j = nlohmann::json::parse(read_all(json));
    ASSERT_TRUE(j.contains("per_node")) << j.dump();
    EXPECT_EQ(j["per_node"].size(), 3U) << j.dump();
    for (int h = 1; h <= 3; ++h) {
        std::string host = cluster::address(h);
        ASSERT_TRUE(j["per_node"].contains(host)) << host << ": " << j.dump();
        EXPECT_GT(j["per_node"][host].get<double>(), 0) << host;
        EXPECT_NE(r.output.find("node " + host + ": "), std::string::npos) << r.output;
    }
}
#endif

}  // namespace
}  // namespace tempest::system_test::netns

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // Before any thread and before becoming a subreaper (the watchdog must not be our child).
    tempest::system_test::netns::guard_process();
    // Workers outlive their supervisor's stop (KillMode=process); as subreaper this process
    // reaps them.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    tempest::common::init_logging("warn");
    return RUN_ALL_TESTS();
}
