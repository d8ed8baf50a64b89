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
//   - `tempest rebalance -n` moves the fewest executors and restarts only the workers whose
//     executors changed;
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
// directory.
#include "cluster_process.h"
#include "nimbus_process.h"
#include "packages/cluster_test_sentences.h"
#include "tempest/common/log.h"
#include "tempest/common/nimbus_client.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/test_support/http_client.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
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

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using system_test::live_workers;
using system_test::pids_of;
using system_test::process_alive;
using system_test::run_result;
using test_support::wait_until;
using clock = std::chrono::steady_clock;

class zk_environment : public ::testing::Environment {
  public:
    void SetUp() override { server = std::make_unique<test_support::zk_server>(); }
    void TearDown() override { server.reset(); }
    static inline std::unique_ptr<test_support::zk_server> server;
};

constexpr int sentence_count = static_cast<int>(system_test::cluster_test_sentences.size());

// The word counts of ids 0..repetitions*8-1.
std::map<std::string, std::int64_t> expected_counts(int repetitions) {
    std::map<std::string, std::int64_t> counts;
    for (std::string_view s : system_test::cluster_test_sentences) {
        std::istringstream words{std::string(s)};
        for (std::string w; words >> w;) {
            counts[w] += repetitions;
        }
    }
    return counts;
}

// What the package wrote into its output directory.
struct outputs {
    std::map<std::string, std::int64_t> counts;            // word -> count, summed over tasks
    std::map<std::string, int> tasks_per_word;             // word -> tasks that counted it
    std::map<std::string, std::int64_t> counted_per_task;  // "count-<task>" -> words counted
    std::set<std::uint64_t> acked;                         // every id in acked-*.txt
    std::map<std::string, pid_t> task_pids;                // "<component>-<task>" -> pid
};

outputs read_outputs(const fs::path& dir) {
    outputs o;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        std::istringstream in(system_test::read_all(it->path()));
        if (name.starts_with("counts-") && name.ends_with(".txt")) {
            std::string task = "count-" + name.substr(7, name.size() - 11);
            std::string word;
            std::int64_t n = 0;
            while (in >> word >> n) {
                o.counts[word] += n;
                ++o.tasks_per_word[word];
                o.counted_per_task[task] += n;
            }
        } else if (name.starts_with("acked-") && name.ends_with(".txt")) {
            for (std::uint64_t id; in >> id;) {
                o.acked.insert(id);
            }
        } else if (name.ends_with(".pid")) {
            pid_t pid = 0;
            if (in >> pid) {
                o.task_pids[name.substr(0, name.size() - 4)] = pid;
            }
        }
    }
    return o;
}

std::string describe(const std::map<std::string, std::int64_t>& counts) {
    std::string s;
    for (const auto& [w, n] : counts) {
        s += w + "=" + std::to_string(n) + " ";
    }
    return s;
}

// The last `n` lines of `text`.
std::string tail(const std::string& text, std::size_t n) {
    std::size_t pos = text.size();
    for (std::size_t i = 0; i <= n && pos > 0; ++i) {
        pos = text.rfind('\n', pos - 1);
        if (pos == std::string::npos) {
            return text;
        }
    }
    return text.substr(pos + 1);
}

// True if pred() holds every time it is polled for `d`; false as soon as it does not.
template <typename Pred>
bool holds_for(Pred&& pred, clock::duration d) {
    return !wait_until([&] { return !pred(); }, d);
}

class cluster_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-cluster-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
        _out = _dir / "out";
        fs::create_directories(_out);
        static int counter = 0;
        _root = "/cluster-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        _paths = common::zk_paths(_root);
        // Two slots for each of up to three supervisors (most tests start two).
        std::set<int> ports;
        while (ports.size() < 6) {
            ports.insert(test_support::pick_free_port());
        }
        std::vector<int> p(ports.begin(), ports.end());
        _slots = {{p[0], p[1]}, {p[2], p[3]}, {p[4], p[5]}};
    }

    void TearDown() override {
        if (HasFailure()) {
            dump_logs();
        }
        // Workers outlive their supervisors: supervisors first (so they restart nothing), then
        // every worker either left, then Nimbus.
        std::vector<fs::path> local_dirs;
        for (auto& s : _supervisors) {
            local_dirs.push_back(s->local_dir());
            (void)s->kill();  // teardown: an unkillable supervisor shows up in the next check
        }
        _supervisors.clear();
        for (const auto& d : local_dirs) {
            system_test::kill_workers(d);
        }
        EXPECT_TRUE(wait_until(
            [&] {
                return std::all_of(local_dirs.begin(), local_dirs.end(),
                                   [](const fs::path& d) { return live_workers(d).empty(); });
            },
            10s))
            << "worker processes survived SIGKILL";
        _nimbus.reset();
        _zk.reset();
        if (std::getenv("TEMPEST_KEEP_TEST_DIRS") != nullptr) {
            std::cout << "kept " << _dir.string() << "\n";
            return;
        }
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }

    std::vector<std::string> zk_overrides() const {
        return {
            "storm.zookeeper.servers=[127.0.0.1]",
            "storm.zookeeper.port=" + std::to_string(zk_environment::server->port()),
            "storm.zookeeper.root=" + _root,
        };
    }

    // Short periods for every daemon, so that failures are noticed within seconds.
    static std::vector<std::string> period_overrides() {
        return {
            "storm.zookeeper.session.timeout=4000",
            "storm.local.hostname=127.0.0.1",
            "nimbus.monitor.freq.secs=1",
            "nimbus.task.timeout.secs=5",
            "task.heartbeat.frequency.secs=1",
            "nimbus.supervisor.timeout.secs=5",
            "nimbus.task.launch.secs=30",
            "supervisor.heartbeat.frequency.secs=1",
            "supervisor.sync.frequency.secs=1",
            "supervisor.monitor.frequency.secs=1",
            "supervisor.worker.timeout.secs=5",
            "supervisor.worker.start.timeout.secs=30",
            "supervisor.worker.shutdown.sleep.secs=1",
        };
    }

    // Starts Nimbus (with `nimbus_extra` after the other overrides) and `count` supervisors "a",
    // "b", ... (with `supervisor_extra`), and waits until all are registered in ZooKeeper.
    void start_cluster(const std::vector<std::string>& nimbus_extra = {},
                       const std::vector<std::string>& supervisor_extra = {},
                       std::size_t count = 2) {
        _zk = std::make_unique<common::zk_cluster_state>(common::zk_options{
            .servers = zk_environment::server->connect_string(),
            .root = "",
        });
        std::vector<std::string> nimbus_overrides = period_overrides();
        nimbus_overrides.insert(nimbus_overrides.end(), nimbus_extra.begin(), nimbus_extra.end());
        _nimbus = std::make_unique<system_test::nimbus_process>(
            zk_environment::server->port(), _root, _dir / "nimbus", nimbus_overrides);
        for (std::size_t i = 0; i < count && i < _slots.size(); ++i) {
            std::string name(1, static_cast<char>('a' + i));
            fs::path local = _dir / ("supervisor-" + name);
            std::vector<std::string> o = zk_overrides();
            std::vector<std::string> periods = period_overrides();
            o.insert(o.end(), periods.begin(), periods.end());
            o.push_back("storm.local.dir=" + local.string());
            o.push_back("tempest.log.dir=" + (local / "logs").string());
            o.push_back("nimbus.seeds=[127.0.0.1]");
            o.push_back("nimbus.thrift.port=" + std::to_string(_nimbus->port()));
            o.push_back("supervisor.slots.ports=[" + std::to_string(_slots[i][0]) + "," +
                        std::to_string(_slots[i][1]) + "]");
            o.insert(o.end(), supervisor_extra.begin(), supervisor_extra.end());
            _supervisors.push_back(
                std::make_unique<system_test::supervisor_process>(name, local, std::move(o)));
        }
        ASSERT_TRUE(
            wait_until([&] { return registered().size() == count || !supervisors_running(); }, 30s))
            << "the supervisors did not register in ZooKeeper under " << _paths.supervisors();
        ASSERT_TRUE(supervisors_running()) << "a supervisor exited";
    }

    bool supervisors_running() {
        return std::all_of(_supervisors.begin(), _supervisors.end(),
                           [](auto& s) { return s->running(); });
    }

    system_test::supervisor_process& sup(std::size_t i) { return *_supervisors.at(i); }

    // supervisor id -> session owning its ephemeral node.
    std::map<std::string, std::int64_t> registered() {
        std::map<std::string, std::int64_t> out;
        auto ids = _zk->children(_paths.supervisors());
        if (!ids) {
            return out;
        }
        for (const auto& id : *ids) {
            if (auto d = _zk->get(_paths.supervisor(id))) {
                out[id] = d->stat.ephemeral_owner;
            }
        }
        return out;
    }

    // `tempest jar --wait 60` of the cluster_test package as topology `name`.
    run_result submit(const std::string& name, std::vector<std::string> package_args) {
        std::vector<std::string> args{"jar", "--nimbus", _nimbus->address(), "--wait", "60"};
        for (const auto& o : zk_overrides()) {
            args.push_back("-c");
            args.push_back(o);
        }
        args.push_back(TEMPEST_CLUSTER_TEST_PKG);
        args.insert(args.end(), {"--name", name, "--out", _out.string()});
        args.insert(args.end(), package_args.begin(), package_args.end());
        system_test::tempest_process p(args);
        int status = p.wait(90s);
        return {status, p.out(), p.err()};
    }

    run_result cli(const std::string& command, std::vector<std::string> args) {
        args.insert(args.begin(), {command, "--nimbus", _nimbus->address()});
        return system_test::run(args);
    }

    // Where Nimbus says the executors of `name` run; nullopt when it cannot say.
    std::optional<std::vector<common::executor_summary>> executors(const std::string& name) {
        try {
            auto c = common::nimbus_client::connect("127.0.0.1", _nimbus->port(), 5s);
            return c.info(name).executors;
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }

    // Waits until each supervisor runs `per_supervisor` workers; their pids.
    std::vector<std::map<std::string, pid_t>> wait_workers(std::size_t per_supervisor,
                                                           clock::duration bound = 30s) {
        std::vector<std::map<std::string, pid_t>> w;
        bool ok = wait_until(
            [&] {
                w.clear();
                for (auto& s : _supervisors) {
                    w.push_back(live_workers(s->local_dir()));
                }
                return std::all_of(w.begin(), w.end(),
                                   [&](const auto& m) { return m.size() == per_supervisor; });
            },
            bound);
        if (!ok) {
            std::string have;
            for (std::size_t i = 0; i < w.size(); ++i) {
                have += " " + sup(i).name() + ":" + std::to_string(w[i].size());
            }
            ADD_FAILURE() << "expected " << per_supervisor << " live workers per supervisor, have"
                          << have;
        }
        return w;
    }

    void dump_logs() {
        std::cerr << "==== nimbus stderr (tail)\n" << tail(_nimbus ? _nimbus->err() : "", 30);
        for (auto& s : _supervisors) {
            std::cerr << "==== supervisor " << s->name() << " " << s->log().string() << " (tail)\n"
                      << tail(system_test::read_all(s->log()), 30);
            std::error_code ec;
            for (fs::recursive_directory_iterator it(s->local_dir() / "logs", ec), end;
                 !ec && it != end; it.increment(ec)) {
                if (it->path().filename() == "worker.log") {
                    std::cerr << "==== " << it->path().string() << " (tail)\n"
                              << tail(system_test::read_all(it->path()), 15);
                }
            }
        }
        outputs o = read_outputs(_out);
        std::cerr << "==== outputs: " << o.acked.size() << " ids acked; task pids:";
        for (const auto& [task, pid] : o.task_pids) {
            std::cerr << " " << task << "=" << pid;
        }
        std::cerr << "\n";
    }

    fs::path _dir;
    fs::path _out;
    std::string _root;
    common::zk_paths _paths;
    std::vector<std::vector<int>> _slots;
    std::unique_ptr<common::zk_cluster_state> _zk;
    std::unique_ptr<system_test::nimbus_process> _nimbus;
    std::vector<std::unique_ptr<system_test::supervisor_process>> _supervisors;
};

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

// `tempest rebalance -n 5` of a topology on 4 workers (13 executors: 4+3+3+3 -> 3+3+3+2+2) moves
// the fewest executors (two) and restarts only the workers whose executor set changed: every
// worker whose executors Nimbus left as they were keeps its process.
TEST_F(cluster_test, a_rebalance_restarts_only_the_workers_whose_executors_change) {
    ASSERT_NO_FATAL_FAILURE(start_cluster({"nimbus.task.timeout.secs=30"}, {}, 3));
    constexpr int repetitions = 20;
    constexpr auto total = static_cast<std::size_t>(repetitions * sentence_count);
    run_result r = submit("rb", {"--workers", "4", "--repetitions", std::to_string(repetitions),
                                 "--rate", "10", "--message-timeout", "5", "--max-pending", "20"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto all_workers = [&] {
        std::map<std::string, pid_t> w;
        for (auto& s : _supervisors) {
            auto more = live_workers(s->local_dir());
            w.insert(more.begin(), more.end());
        }
        return w;
    };
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

    // The supervisors settle on 5 workers; the old processes still running are exactly the
    // workers left unchanged.
    std::map<std::string, pid_t> now;
    auto old_alive = [&] {
        std::size_t n = 0;
        for (const auto& [id, pid] : before_workers) {
            n += now.contains(id) && now.at(id) == pid ? 1 : 0;
        }
        return n;
    };
    EXPECT_TRUE(wait_until(
        [&] { return (now = all_workers()).size() == 5 && old_alive() == unchanged; }, 30s))
        << now.size() << " workers, " << old_alive() << " of them from before, want 5 and "
        << unchanged;
    EXPECT_TRUE(holds_for(
        [&] { return (now = all_workers()).size() == 5 && old_alive() == unchanged; }, 3s))
        << "workers restarted after the rebalance settled";

    std::size_t acked = 0;
    EXPECT_TRUE(wait_until([&] { return (acked = read_outputs(_out).acked.size()) == total; }, 60s))
        << acked << " of " << total << " message ids acked";
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
    ::testing::AddGlobalTestEnvironment(new tempest::zk_environment);
    return RUN_ALL_TESTS();
}
