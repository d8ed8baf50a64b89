// SPDX-License-Identifier: Apache-2.0
// The whole cluster end to end, as processes: a real ZooKeeper server, one `tempest nimbus`, two
// `tempest supervisor`s (two slots each, own storm.local.dir) and the `tempest worker`s they
// start, running the cluster_test package (packages/cluster_test_package.cc: a finite word count
// whose counts, acked message ids and task pids land in files of an output directory).
//
//   - 4 workers over the 2 supervisors count exactly what the input holds (the same as local
//     mode), tuples cross worker processes, and `kill -w 0` ends every worker within 15 s;
//   - a worker killed with SIGKILL is restarted by its supervisor, and with acking every message
//     id is eventually acked (replays);
//   - a supervisor killed with SIGKILL and started again on the same local dir adopts the workers
//     it left running (same pids);
//   - a supervisor that stops heartbeating (SIGSTOP) loses its executors to the other one;
//   - of three supervisors, one killed with its workers (kill -9) loses only its own executors:
//     the other supervisors' workers keep running as the same processes, every id is acked;
//   - `tempest jar --wait` finishes, saying so, when the topology runs on fewer workers than it
//     asked for because slots ran out;
//   - `tempest dev-cluster` runs the package from its cluster.yaml, its UI answers the REST API
//     and its logviewer serves a running worker's log, SIGTERM stops everything, and it names a
//     daemon that does not come up.
//
// Periods are short (-c ...: heartbeats, syncs and monitors every second, timeouts of 5 s) so the
// binary runs in well under two minutes. TEMPEST_KEEP_TEST_DIRS=1 keeps each test's directory
// (daemon, supervisor and worker logs) for a post-mortem. One ZooKeeper server serves the whole
// binary (global environment); each test has its own root, Nimbus, supervisors and temporary
// directory. The fixture is in cluster_fixture.h; rebalances are tested in rebalance_test.cc.
#include "cluster_fixture.h"
#include "tempest/common/log.h"
#include "tempest/test_support/http_client.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tempest {
namespace {

using namespace std::chrono_literals;
using system_test::cluster_test;
using system_test::describe;
using system_test::expected_counts;
using system_test::holds_for;
using system_test::live_workers;
using system_test::outputs;
using system_test::pids_of;
using system_test::process_alive;
using system_test::read_outputs;
using system_test::run_result;
using system_test::sentence_count;
using system_test::zk_environment;
using test_support::wait_until;
using clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// The reference: the package alone, in one process. Also checks the package itself (it runs
// without supervisors or workers).
TEST_F(cluster_test, counts_exactly_in_local_mode) {
    run_result r = system_test::run({"local", "--duration", "3", TEMPEST_CLUSTER_TEST_PKG, "--out",
                                     _out.string(), "--repetitions", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    outputs o = read_outputs(_out);
    EXPECT_EQ(o.counts, expected_counts(20)) << describe(o.counts);
    EXPECT_EQ(o.acked.size(), static_cast<std::size_t>(20 * sentence_count));
    for (const auto& [word, tasks] : o.tasks_per_word) {
        EXPECT_EQ(tasks, 1) << "fields grouping sent '" << word << "' to " << tasks << " tasks";
    }
}

// What operators read of a running topology, on real processes: an exception out of a bolt's
// execute() reaches Nimbus (with host, port, task and time) and `tempest errors`; `tempest
// monitor` prints moving numbers; a worker that stops (SIGSTOP) is reported late with the age of
// its figures, and is current again once it runs on. Nimbus's monitor and the supervisors' worker
// timeout are long here, so that the stopped worker is neither replaced nor reassigned while the
// test looks at it.
TEST_F(cluster_test, errors_monitor_and_late_workers_through_nimbus) {
    ASSERT_NO_FATAL_FAILURE(
        start_cluster({"nimbus.monitor.freq.secs=600"}, {"supervisor.worker.timeout.secs=600"}));
    run_result r = submit("watched", {"--workers", "2", "--repetitions", "100000", "--rate", "200",
                                      "--refuse-word", "moon", "--message-timeout", "5"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto workers = wait_workers(1);
    ASSERT_FALSE(HasFailure());

    // The exception, through getTopologyInfo and `tempest errors`.
    std::vector<common::error_info> errors;
    EXPECT_TRUE(wait_until(
        [&] {
            try {
                auto c = common::nimbus_client::connect("127.0.0.1", _nimbus->port(), 5s);
                errors = c.info("watched").errors["count"];
            } catch (const std::exception&) {
                return false;
            }
            return !errors.empty();
        },
        30s))
        << "no error of count reached Nimbus";
    for (const auto& e : errors) {
        EXPECT_NE(e.text.find("count refuses the word 'moon'"), std::string::npos) << e.text;
        EXPECT_EQ(e.host, "127.0.0.1") << e.text;
        EXPECT_GT(e.port, 0) << e.text;
        EXPECT_TRUE(e.task && *e.task > 0) << e.text;
        EXPECT_GT(e.time_secs, 0) << e.text;
    }
    run_result listed = cli("errors", {"watched"});
    EXPECT_EQ(listed.status, 0) << listed.out << listed.err;
    EXPECT_NE(listed.out.find("count refuses the word 'moon'"), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("127.0.0.1:"), std::string::npos) << listed.out;

    // `tempest monitor`: split's emitted count moves from one interval to the next.
    {
        system_test::tempest_process monitor({"monitor", "--nimbus", _nimbus->address(), "watched",
                                              "-c", "split", "-m", "emitted", "-i", "1"});
        auto moving_lines = [&] {
            int n = 0;
            std::istringstream lines(monitor.out());
            for (std::string line; std::getline(lines, line);) {
                std::vector<std::string> cols;
                std::istringstream fields(line);
                for (std::string f; std::getline(fields, f, '\t');) {
                    cols.push_back(f);
                }
                // topology, component, parallelism, stream, time-diff ms, count, throughput
                if (cols.size() >= 7 && cols[0] == "watched" && cols[1] == "split" &&
                    cols[5].find_first_not_of("0123456789") == std::string::npos &&
                    std::stoll(cols[5]) > 0) {
                    ++n;
                }
            }
            return n;
        };
        EXPECT_TRUE(wait_until([&] { return moving_lines() >= 3 || monitor.exited(); }, 30s));
        EXPECT_GE(moving_lines(), 3) << monitor.out() << monitor.err();
        monitor.signal(SIGTERM);
        EXPECT_EQ(monitor.wait(10s), 0) << monitor.out() << monitor.err();
    }

    // A stopped worker: its executors are late, with the age of their figures.
    pid_t stopped = *pids_of(workers[0]).begin();
    ASSERT_EQ(::kill(stopped, SIGSTOP), 0);
    std::vector<common::executor_summary> late;
    EXPECT_TRUE(wait_until(
        [&] {
            late.clear();
            for (const auto& e :
                 executors("watched").value_or(std::vector<common::executor_summary>{})) {
                if (e.late) {
                    late.push_back(e);
                }
            }
            return !late.empty();
        },
        30s))
        << "no executor reported late after its worker stopped";
    for (const auto& e : late) {
        EXPECT_TRUE(e.stats_age_secs && *e.stats_age_secs > 5)
            << e.component << " late with age " << e.stats_age_secs.value_or(-1);
    }
    ASSERT_EQ(::kill(stopped, SIGCONT), 0);
    EXPECT_TRUE(wait_until(
        [&] {
            auto ex = executors("watched");
            return ex && std::none_of(ex->begin(), ex->end(), [](const auto& e) { return e.late; });
        },
        30s))
        << "executors still late after their worker went on";
}

TEST_F(cluster_test, counts_exactly_over_four_workers_and_kill_ends_them) {
    ASSERT_NO_FATAL_FAILURE(start_cluster());
    // Each of the 4 split tasks reports 8 errors at once (sentences are shuffled over them).
    run_result r = submit("wc", {"--workers", "4", "--repetitions", "20", "--errors", "8"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;

    auto workers = wait_workers(2);
    std::set<pid_t> pids;
    for (const auto& w : workers) {
        auto p = pids_of(w);
        pids.insert(p.begin(), p.end());
    }
    EXPECT_EQ(pids.size(), 4u) << "4 worker processes over the 2 supervisors";
    std::cout << "workers: a " << ::testing::PrintToString(pids_of(workers[0])) << ", b "
              << ::testing::PrintToString(pids_of(workers[1])) << "\n";

    auto expected = expected_counts(20);
    outputs o;
    EXPECT_TRUE(wait_until(
        [&] {
            o = read_outputs(_out);
            return o.counts == expected &&
                   o.acked.size() == static_cast<std::size_t>(20 * sentence_count);
        },
        30s))
        << "counts: " << describe(o.counts) << "\nexpected: " << describe(expected)
        << "\nacked: " << o.acked.size();
    for (const auto& [word, tasks] : o.tasks_per_word) {
        EXPECT_EQ(tasks, 1) << "fields grouping sent '" << word << "' to " << tasks << " tasks";
    }

    // Tuples crossed processes: tasks run in several workers, and count tasks outside the
    // spout's worker counted words.
    std::set<pid_t> task_pids;
    pid_t spout_pid = 0;
    for (const auto& [task, pid] : o.task_pids) {
        EXPECT_TRUE(pids.contains(pid)) << task << " runs in pid " << pid << ", not a worker";
        task_pids.insert(pid);
        if (task.starts_with("sentences-")) {
            spout_pid = pid;
        }
    }
    EXPECT_GE(task_pids.size(), 2u);
    std::cout << "tasks:";
    for (const auto& [task, pid] : o.task_pids) {
        std::cout << " " << task << "@" << pid;
    }
    std::cout << "\n";
    std::int64_t counted_elsewhere = 0;
    for (const auto& [task, n] : o.counted_per_task) {
        if (o.task_pids.contains(task) && o.task_pids[task] != spout_pid) {
            counted_elsewhere += n;
        }
    }
    EXPECT_GT(counted_elsewhere, 0) << "no word was counted outside the spout's worker";

    // The workers wrote the errors to ZooKeeper, where Nimbus reads them: 5 per split executor
    // pass the throttle (topology.max.error.report.per.interval), 10 are kept per component.
    std::vector<common::error_info> errors;
    EXPECT_TRUE(wait_until(
        [&] {
            try {
                auto c = common::nimbus_client::connect("127.0.0.1", _nimbus->port(), 5s);
                errors = c.info("wc").errors["split"];
            } catch (const std::exception&) {
                return false;
            }
            return errors.size() == 10;
        },
        30s))
        << "split's errors through Nimbus: " << errors.size();
    for (const auto& e : errors) {
        EXPECT_NE(e.text.find("split task "), std::string::npos) << e.text;
        EXPECT_EQ(e.text.find("error 6"), std::string::npos) << "throttled away: " << e.text;
        EXPECT_EQ(e.host, "127.0.0.1") << e.text;
        EXPECT_GT(e.port, 0) << e.text;
        EXPECT_TRUE(e.task) << e.text;
        EXPECT_GT(e.time_secs, 0) << e.text;
    }
    // The workers' heartbeats carry windowed figures per executor and metric points.
    std::size_t beats = 0;
    bool emitted = false;
    EXPECT_TRUE(wait_until(
        [&] {
            beats = 0;
            emitted = false;
            auto ids = _zk->children(_paths.workerbeats());
            if (!ids || ids->size() != 1) {
                return false;
            }
            const std::string dir = _paths.workerbeats(ids->front());
            auto names = _zk->children(dir);
            for (const auto& n : names ? *names : std::vector<std::string>{}) {
                auto data = _zk->get(dir + "/" + n);
                auto beat = data ? thrift::decode_worker_heartbeat(data->data)
                                 : common::result<common::worker_heartbeat>(data.error());
                if (!beat || !beat->stats.empty() || !beat->sample_rate ||
                    beat->records.size() != beat->executors.size() ||
                    std::none_of(beat->metrics.begin(), beat->metrics.end(), [](const auto& p) {
                        return p.name == "worker.rss_bytes" && p.component == "__system" &&
                               p.value > 0;
                    })) {
                    return false;
                }
                ++beats;
                for (const auto& [e, r] : beat->records) {
                    emitted |= r.get(common::stat_kind::emitted, {"", "default"})[3] > 0;
                }
            }
            return beats == 4 && emitted;
        },
        15s))
        << beats
        << " well-formed heartbeats (want one per worker, 4); some executor emitted: " << emitted;

    run_result k = cli("kill", {"wc", "-w", "0"});
    ASSERT_EQ(k.status, 0) << k.out << k.err;
    auto start = clock::now();
    EXPECT_TRUE(
        wait_until([&] { return std::none_of(pids.begin(), pids.end(), process_alive); }, 15s))
        << "workers still running 15 s after kill -w 0";
    std::cout << "workers gone " << std::chrono::duration<double>(clock::now() - start).count()
              << " s after kill -w 0\n";
}

TEST_F(cluster_test, restarts_a_killed_worker_and_acks_every_message) {
    // Nimbus' own executor timeout well above the supervisor's worker timeout: this checks that
    // the supervisor restarts the worker in its slot, not that Nimbus moves it.
    ASSERT_NO_FATAL_FAILURE(start_cluster({"nimbus.task.timeout.secs=30"}));
    constexpr int repetitions = 20;
    constexpr auto total = static_cast<std::size_t>(repetitions * sentence_count);
    run_result r =
        submit("reliable", {"--workers", "4", "--repetitions", std::to_string(repetitions),
                            "--rate", "20", "--message-timeout", "5", "--max-pending", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto workers = wait_workers(2);
    ASSERT_FALSE(HasFailure());
    ASSERT_TRUE(wait_until([&] { return read_outputs(_out).acked.size() >= 30; }, 30s))
        << "no progress before the kill";

    // The victim: a worker that does not run the spout, preferably one that counts.
    outputs o = read_outputs(_out);
    pid_t spout_pid = 0;
    std::set<pid_t> counting;
    for (const auto& [task, pid] : o.task_pids) {
        if (task.starts_with("sentences-")) {
            spout_pid = pid;
        } else if (task.starts_with("count-")) {
            counting.insert(pid);
        }
    }
    std::size_t owner = 0;
    pid_t victim = 0;
    for (std::size_t i = 0; i < workers.size(); ++i) {
        for (const auto& [id, pid] : workers[i]) {
            if (pid != spout_pid && (victim == 0 || counting.contains(pid))) {
                victim = pid;
                owner = i;
            }
        }
    }
    ASSERT_NE(victim, 0);
    std::size_t acked_before = read_outputs(_out).acked.size();
    ASSERT_EQ(::kill(victim, SIGKILL), 0);
    auto killed_at = clock::now();

    std::map<std::string, pid_t> now;
    EXPECT_TRUE(wait_until(
        [&] {
            now = live_workers(sup(owner).local_dir());
            return !process_alive(victim) && now.size() == 2 && !pids_of(now).contains(victim);
        },
        12s))
        << "supervisor " << sup(owner).name() << " runs " << now.size()
        << " workers 12 s after one was killed";
    std::cout << "killed worker pid " << victim << " of supervisor " << sup(owner).name()
              << "; it now runs pids " << ::testing::PrintToString(pids_of(now)) << "\n";
    std::cout << "worker restarted "
              << std::chrono::duration<double>(clock::now() - killed_at).count()
              << " s after kill -9 (" << acked_before << " of " << total
              << " ids acked at the kill)\n";

    std::size_t acked = 0;
    EXPECT_TRUE(wait_until([&] { return (acked = read_outputs(_out).acked.size()) == total; }, 60s))
        << acked << " of " << total << " message ids acked";
}

TEST_F(cluster_test, a_restarted_supervisor_adopts_the_workers_it_left) {
    ASSERT_NO_FATAL_FAILURE(start_cluster());
    run_result r = submit("adopted", {"--workers", "4", "--repetitions", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto workers = wait_workers(2);
    ASSERT_FALSE(HasFailure());
    auto before = registered();
    const auto& mine = workers[0];

    ASSERT_TRUE(sup(0).kill());
    EXPECT_TRUE(holds_for([&] { return live_workers(sup(0).local_dir()) == mine; }, 1s))
        << "the workers died with their supervisor";
    sup(0).start();
    // Registered again: a supervisor node owned by a new session.
    EXPECT_TRUE(wait_until(
        [&] {
            auto now = registered();
            return now.size() == 2 && std::any_of(now.begin(), now.end(), [&](const auto& e) {
                       return !before.contains(e.first) || before.at(e.first) != e.second;
                   });
        },
        15s))
        << "the restarted supervisor did not register again";
    // Adopted: the same worker processes through several sync and monitor periods (1 s each).
    std::map<std::string, pid_t> now;
    EXPECT_TRUE(holds_for([&] { return (now = live_workers(sup(0).local_dir())) == mine; }, 5s))
        << "the restarted supervisor replaced its workers: had " << mine.size() << ", now "
        << now.size() << " (pids " << ::testing::PrintToString(pids_of(now)) << " vs "
        << ::testing::PrintToString(pids_of(mine)) << ")";
    EXPECT_TRUE(sup(0).running());
    EXPECT_EQ(live_workers(sup(1).local_dir()), workers[1]) << "the other supervisor's workers";
}

TEST_F(cluster_test, moves_executors_off_a_supervisor_that_stops_heartbeating) {
    ASSERT_NO_FATAL_FAILURE(start_cluster());
    run_result r = submit("moved", {"--workers", "4", "--repetitions", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto workers = wait_workers(2);
    ASSERT_FALSE(HasFailure());
    std::set<int> a_ports(_slots[0].begin(), _slots[0].end());
    std::set<int> b_ports(_slots[1].begin(), _slots[1].end());
    auto on = [&](const std::vector<common::executor_summary>& e, const std::set<int>& ports) {
        return std::count_if(e.begin(), e.end(),
                             [&](const auto& x) { return ports.contains(x.port); });
    };
    auto before = executors("moved");
    ASSERT_TRUE(before.has_value());
    EXPECT_GT(on(*before, b_ports), 0) << "nothing ran on supervisor b to begin with";

    sup(1).signal(SIGSTOP);
    struct resume_guard {
        system_test::supervisor_process& s;
        ~resume_guard() { s.signal(SIGCONT); }
    } resume{sup(1)};
    auto stopped_at = clock::now();
    std::optional<std::vector<common::executor_summary>> after;
    EXPECT_TRUE(wait_until(
        [&] {
            after = executors("moved");
            return after && !after->empty() &&
                   on(*after, a_ports) == static_cast<std::ptrdiff_t>(after->size());
        },
        30s))
        << "executors still on b's slots: " << (after ? on(*after, b_ports) : -1);
    std::cout << "executors moved "
              << std::chrono::duration<double>(clock::now() - stopped_at).count()
              << " s after SIGSTOP\n";
    // Supervisor a runs them: its two slots hold live workers (restarted or reused).
    std::map<std::string, pid_t> a_now;
    EXPECT_TRUE(
        wait_until([&] { return (a_now = live_workers(sup(0).local_dir())).size() == 2; }, 20s))
        << "supervisor a runs " << a_now.size() << " workers";
}

// A node lost for good (kill -9 of a supervisor and its workers) moves only its own executors:
// with slots free on the other supervisors, Nimbus gives the orphans fresh workers there, every
// worker already running elsewhere keeps its process (same pid, never restarted), and the
// reliable topology acks every message id (the lost tuples are replayed, the spout restarted
// elsewhere if it was lost too).
TEST_F(cluster_test, a_lost_supervisor_moves_only_its_own_executors) {
    ASSERT_NO_FATAL_FAILURE(start_cluster({"nimbus.task.timeout.secs=30"}, {}, 3));
    constexpr int repetitions = 20;
    constexpr auto total = static_cast<std::size_t>(repetitions * sentence_count);
    // 4 workers over 3 supervisors of 2 slots: 2 slots stay free, whichever node goes.
    run_result r =
        submit("kept", {"--workers", "4", "--repetitions", std::to_string(repetitions), "--rate",
                        "10", "--message-timeout", "5", "--max-pending", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    std::vector<std::map<std::string, pid_t>> workers;
    std::size_t running = 0;
    ASSERT_TRUE(wait_until(
        [&] {
            workers.clear();
            running = 0;
            for (auto& s : _supervisors) {
                workers.push_back(live_workers(s->local_dir()));
                running += workers.back().size();
            }
            return running == 4;
        },
        30s))
        << running << " workers running, want 4";
    ASSERT_TRUE(wait_until([&] { return read_outputs(_out).acked.size() >= 20; }, 30s))
        << "no progress before the kill";

    // The victim: the supervisor running the worker with the most executors (13 executors over
    // 4 workers: one holds 4), so that one orphan is left over once a free slot has as many as
    // the others hold: it must join the fresh worker, not a running one.
    std::optional<std::vector<common::executor_summary>> before;
    ASSERT_TRUE(wait_until([&] { return (before = executors("kept")).has_value(); }, 10s));
    std::map<int, int> per_port;
    for (const auto& e : *before) {
        ++per_port[e.port];
    }
    std::optional<std::size_t> victim;
    int most = 0;
    for (std::size_t i = 0; i < workers.size(); ++i) {
        for (int port : _slots[i]) {
            if (per_port[port] > most) {
                most = per_port[port];
                victim = i;
            }
        }
    }
    ASSERT_TRUE(victim.has_value());
    EXPECT_EQ(most, 4) << ::testing::PrintToString(per_port);
    std::map<std::string, pid_t> survivors;  // worker id -> pid on the other supervisors
    for (std::size_t i = 0; i < workers.size(); ++i) {
        if (i != *victim) {
            survivors.insert(workers[i].begin(), workers[i].end());
        }
    }
    const std::set<int> lost_ports(_slots[*victim].begin(), _slots[*victim].end());
    const std::size_t lost_workers = workers[*victim].size();
    std::size_t acked_before = read_outputs(_out).acked.size();

    ASSERT_TRUE(sup(*victim).kill());
    system_test::kill_workers(sup(*victim).local_dir());
    auto killed_at = clock::now();

    // Nimbus moves the lost executors (after the session timeout, 4 s) and the other
    // supervisors start workers for them.
    std::optional<std::vector<common::executor_summary>> after;
    EXPECT_TRUE(wait_until(
        [&] {
            after = executors("kept");
            return after && !after->empty() &&
                   std::none_of(after->begin(), after->end(),
                                [&](const auto& e) { return lost_ports.contains(e.port); });
        },
        30s))
        << "executors still on the lost supervisor's slots";
    std::size_t now_running = 0;
    std::map<std::string, pid_t> now;
    EXPECT_TRUE(wait_until(
        [&] {
            now.clear();
            for (std::size_t i = 0; i < _supervisors.size(); ++i) {
                if (i != *victim) {
                    auto w = live_workers(sup(i).local_dir());
                    now.insert(w.begin(), w.end());
                }
            }
            now_running = now.size();
            return now_running == survivors.size() + lost_workers;
        },
        30s))
        << now_running << " workers on the other supervisors, want " << survivors.size() << " + "
        << lost_workers;
    std::cout << "lost supervisor " << sup(*victim).name() << " with " << lost_workers
              << " workers; replaced after "
              << std::chrono::duration<double>(clock::now() - killed_at).count() << " s ("
              << acked_before << " of " << total << " ids acked at the kill)\n";

    // Every worker that ran elsewhere still runs, as the same process, through several monitor
    // and sync periods (1 s each).
    auto kept = [&] {
        std::map<std::string, pid_t> w;
        for (std::size_t i = 0; i < _supervisors.size(); ++i) {
            if (i != *victim) {
                auto more = live_workers(sup(i).local_dir());
                w.insert(more.begin(), more.end());
            }
        }
        return std::all_of(survivors.begin(), survivors.end(), [&](const auto& e) {
            return w.contains(e.first) && w.at(e.first) == e.second;
        });
    };
    EXPECT_TRUE(holds_for(kept, 3s)) << "a worker of a live supervisor was restarted: before "
                                     << ::testing::PrintToString(pids_of(survivors)) << ", now "
                                     << ::testing::PrintToString(pids_of(now));

    std::size_t acked = 0;
    EXPECT_TRUE(wait_until([&] { return (acked = read_outputs(_out).acked.size()) == total; }, 60s))
        << acked << " of " << total << " message ids acked";
    EXPECT_TRUE(kept()) << "a surviving worker was restarted while the topology finished";
}

// More workers requested than the cluster has slots: Nimbus runs every executor on the slots
// there are, and `tempest jar --wait` says so and finishes instead of waiting for workers that
// cannot come.
TEST_F(cluster_test, jar_wait_finishes_on_fewer_workers_when_slots_run_out) {
    ASSERT_NO_FATAL_FAILURE(start_cluster());
    run_result r = submit("short", {"--workers", "5", "--repetitions", "5"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("tempest: topology 'short' is running on 4 of 5 workers (no free slots "
                         "for the others)"),
              std::string::npos)
        << r.out;
    auto workers = wait_workers(2);
    EXPECT_FALSE(HasFailure());
}

// `tempest dev-cluster`: its own ZooKeeper, Nimbus and supervisor; cluster.yaml is all a client
// needs; SIGTERM stops everything, the workers included, and exits 0.
TEST_F(cluster_test, dev_cluster_runs_a_topology_and_stops_everything) {
    fs::path dc = _dir / "dev-cluster";
    std::string slots = "supervisor.slots.ports=[" + std::to_string(_slots[0][0]) + "," +
                        std::to_string(_slots[0][1]) + "]";
    system_test::tempest_process p({"dev-cluster", "--dir", dc.string(), "-c",
                                    "nimbus.thrift.port=0", "-c", slots, "-c", "ui.port=0", "-c",
                                    "logviewer.port=0"});
    ASSERT_TRUE(wait_until([&] { return fs::exists(dc / "cluster.yaml") || p.exited(); }, 90s))
        << p.out() << p.err();
    ASSERT_FALSE(p.exited()) << p.out() << p.err();
    EXPECT_TRUE(wait_until(
        [&] { return p.out().find("dev cluster ready; stop with Ctrl-C") != std::string::npos; },
        5s))
        << p.out();

    system_test::tempest_process jar({"jar", "--config", (dc / "cluster.yaml").string(), "--wait",
                                      "60", TEMPEST_CLUSTER_TEST_PKG, "--name", "dc", "--workers",
                                      "2", "--out", _out.string(), "--repetitions", "5"});
    ASSERT_EQ(jar.wait(90s), 0) << jar.out() << jar.err();
    auto expected = expected_counts(5);
    outputs o;
    EXPECT_TRUE(wait_until([&] { return (o = read_outputs(_out)).counts == expected; }, 30s))
        << describe(o.counts);
    std::map<std::string, pid_t> workers;
    EXPECT_TRUE(wait_until([&] { return (workers = live_workers(dc / "local")).size() == 2; }, 10s))
        << workers.size() << " workers";
    run_result list = system_test::run({"list", "--config", (dc / "cluster.yaml").string()});
    EXPECT_EQ(list.status, 0) << list.err;
    EXPECT_NE(list.out.find("dc-"), std::string::npos) << list.out;

    // The UI and the logviewer it printed: the REST API sees the cluster, the logviewer serves
    // a running worker's log from the folder the workers write to.
    using nlohmann::json;
    auto printed_port = [&](const std::string& daemon) {
        std::smatch m;
        std::string out = p.out();
        std::regex re(daemon + R"( +http://127\.0\.0\.1:(\d+) )");
        return std::regex_search(out, m, re) ? std::stoi(m[1]) : 0;
    };
    const int ui_port = printed_port("UI");
    const int logviewer_port = printed_port("logviewer");
    ASSERT_GT(ui_port, 0) << p.out();
    ASSERT_GT(logviewer_port, 0) << p.out();
    auto summary = test_support::http_client(ui_port).request("GET", "/api/v1/cluster/summary");
    ASSERT_EQ(summary.status, 200) << summary.body;
    EXPECT_EQ(json::parse(summary.body)["supervisors"], 1) << summary.body;
    EXPECT_EQ(json::parse(summary.body)["topologies"], 1) << summary.body;
    test_support::http_client logviewer(logviewer_port);
    auto logs = json::parse(logviewer.request("GET", "/api/v1/listLogs").body);
    std::vector<std::string> worker_logs;
    for (const auto& f : logs) {
        std::string name = f.get<std::string>();
        if (name.starts_with("dc-") && name.ends_with("/worker.log")) {
            worker_logs.push_back(name);
        }
    }
    ASSERT_EQ(worker_logs.size(), 2U) << logs.dump();
    const fs::path on_disk = dc / "logs" / "workers-artifacts" / worker_logs[0];
    ASSERT_TRUE(fs::exists(on_disk)) << on_disk;
    auto page = logviewer.request("GET", "/api/v1/log?file=" + worker_logs[0]);
    ASSERT_EQ(page.status, 200) << page.body;
    auto j = json::parse(page.body);
    const std::string content = j["content"];
    EXPECT_FALSE(content.empty());
    // The worker log only grows: the page is the file's bytes at its offset.
    EXPECT_EQ(system_test::read_all(on_disk).substr(j["start"].get<std::size_t>(), content.size()),
              content);
    auto html = logviewer.request("GET", "/log?file=" + worker_logs[0]);
    EXPECT_EQ(html.status, 200);
    EXPECT_NE(html.body.find("<pre id=\"logContent\">"), std::string::npos);

    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(60s), 0) << p.out() << p.err();
    for (const auto& [id, pid] : workers) {
        EXPECT_FALSE(process_alive(pid)) << "worker " << pid << " outlived the dev cluster";
    }
    EXPECT_FALSE(fs::exists(dc / "cluster.yaml"));
    EXPECT_NE(p.out().find("dev cluster stopped"), std::string::npos) << p.out();
    EXPECT_NE(system_test::read_all(dc / "logs" / "ui.log").find("ui stopped"), std::string::npos);
    EXPECT_NE(system_test::read_all(dc / "logs" / "logviewer.log").find("logviewer stopped"),
              std::string::npos);
}

// With a default slot port busy, the dev cluster takes free ports below the kernel's ephemeral
// range: a port the kernel handed out for a bind to port 0 can be taken again by any such bind
// or outgoing connection (another test's fixture) before the worker listens on it, and the
// worker then fails on every restart (seen in CI: "cannot listen on 0.0.0.0:43533").
TEST_F(cluster_test, dev_cluster_takes_slots_below_the_ephemeral_ports_when_a_default_one_is_busy) {
    // 6700 held here (or by someone else already: busy either way).
    const int held = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(held, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(6700);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(held, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        ASSERT_EQ(::listen(held, 4), 0);
    }
    int ephemeral_low = 32768;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;

    fs::path dc = _dir / "dev-cluster";
    system_test::tempest_process p({"dev-cluster", "--dir", dc.string(), "-c",
                                    "nimbus.thrift.port=0", "-c", "ui.port=0", "-c",
                                    "logviewer.port=0"});
    EXPECT_TRUE(wait_until(
        [&] { return p.out().find("dev cluster ready") != std::string::npos || p.exited(); }, 90s))
        << p.out() << p.err();
    std::smatch m;
    const std::string out = p.out();
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(supervisor +127\.0\.0\.1:([0-9,]+) )")))
        << out << p.err();
    std::set<int> slots;
    std::stringstream list(m[1].str());
    for (std::string port; std::getline(list, port, ',');) {
        slots.insert(std::stoi(port));
    }
    EXPECT_EQ(slots.size(), 4u) << m[1];  // the default four, distinct
    for (int port : slots) {
        EXPECT_GE(port, 10000);
        EXPECT_LT(port, ephemeral_low);
    }
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(60s), 0) << p.out() << p.err();
    ::close(held);
}

// A daemon that does not come up (here the supervisor, refusing a duplicate slot) stops the
// dev cluster with an error naming it and its log.
TEST_F(cluster_test, dev_cluster_names_a_daemon_that_does_not_start) {
    fs::path dc = _dir / "dev-cluster";
    std::string port = std::to_string(_slots[0][0]);
    run_result r =
        system_test::run({"dev-cluster", "--dir", dc.string(), "-c", "nimbus.thrift.port=0", "-c",
                          "supervisor.slots.ports=[" + port + "," + port + "]"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("tempest: error: supervisor exited with status 1"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find((dc / "logs" / "supervisor.log").string()), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dc / "cluster.yaml"));
    // Nimbus and ZooKeeper were stopped: their logs say so.
    EXPECT_NE(system_test::read_all(dc / "logs" / "nimbus.log").find("nimbus stopped"),
              std::string::npos);
    EXPECT_NE(system_test::read_all(dc / "logs" / "zookeeper.log").find("stopping ZooKeeper"),
              std::string::npos);
}

}  // namespace
}  // namespace tempest

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // Workers outlive a SIGKILLed supervisor; as subreaper this process reaps them (see
    // system_test::process_alive) instead of leaving zombies that look alive.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    // The test's own ZooKeeper client logs only trouble.
    tempest::common::init_logging("warn");
    ::testing::AddGlobalTestEnvironment(new tempest::system_test::zk_environment);
    return RUN_ALL_TESTS();
}
