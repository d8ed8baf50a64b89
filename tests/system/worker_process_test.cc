// SPDX-License-Identifier: Apache-2.0
// `tempest worker` on its own (worker/src/process/worker_process.cc), against a real ZooKeeper:
// no Nimbus and no supervisor run, so that only the worker's own behaviour counts. The test plays
// both: it writes the topology's code where a supervisor would have downloaded it
// (<storm.local.dir>/supervisor/stormdist/<id>/, made exactly as `tempest jar` and Nimbus make
// it), the topology record (storms/<id>) and the assignments (routes/<id> and assignments/<id>,
// as Nimbus writes them) itself, starts
// `tempest worker` processes with the arguments a supervisor gives them, and watches what they
// write: their exit, their log, their ZooKeeper heartbeat (workerbeats/<id>/<node>-<port>, its
// metric points) and the topology's output (packages/worker_test_package.cc: a paced stream of
// numbers into a sink that appends "<pid> <n>" lines to a file per task).
//
//   - a removed topology stops the worker within ~2 s (it polls every second, then drains);
//   - a worker reads where tasks run from routes/<id> alone (an unreadable assignment beside
//     them changes nothing), and from assignments/<id> where there are no routes (a topology
//     assigned by an older Nimbus);
//   - a change of its own executors is taken in place: the worker that loses one keeps its
//     process and its other task's output, the one that gains one (a lost slot's orphan) runs
//     it in the same process, and a worker whose executors stay re-points its remote task to the
//     moved executor's new worker while tuples keep flowing;
//   - a change to executors the layout does not have makes the worker exit with a line naming
//     them (the supervisor would start a fresh worker);
//   - an assignment naming executors that are not executors of the topology's layout is refused:
//     the worker exits with an error naming the executor, and runs nothing;
//   - deactivate and activate (the topology record's status) reach a live worker: its spout's
//     deactivate() and activate() run, the output stops and resumes, the process stays;
//   - tuples for a task that does not run in the worker (a sender's assignment that says it
//     does) are dropped and counted: the heartbeat's transport.dropped grows.
//
// One ZooKeeper server serves the binary (global environment); each test has its own root and
// temporary directory (TEMPEST_KEEP_TEST_DIRS=1 keeps it: worker logs, output files).
#include "cluster_process.h"
#include "tempest/common/cluster_records.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/file_util.h"
#include "tempest/common/package_loader.h"
#include "tempest/common/sha256.h"
#include "tempest/common/stormdist.h"
#include "tempest/common/topology_layout.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/topology_convert.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tempest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using common::executor_info;
using common::node_port;
using test_support::wait_until;
using clock = std::chrono::steady_clock;

class zk_environment : public ::testing::Environment {
  public:
    void SetUp() override { server = std::make_unique<test_support::zk_server>(); }
    void TearDown() override { server.reset(); }
    static inline std::unique_ptr<test_support::zk_server> server;
};

// What the package's tempest_main submits, kept instead of sent to Nimbus.
class capture final : public tempest::submitter {
  public:
    void submit_topology(const std::string& n, const config& c, const topology& t) override {
        name = n;
        conf = c;
        topo = t;
    }
    std::string name;
    config conf;
    topology topo;
};

// True if pred() holds every time it is polled for `d`; false as soon as it does not.
template <typename Pred>
bool holds_for(Pred&& pred, clock::duration d) {
    return !wait_until([&] { return !pred(); }, d);
}

// One `tempest worker` process and its slot.
struct worker {
    std::string node;
    int port = 0;
    std::string id;
    fs::path log;
    std::unique_ptr<system_test::daemon_process> process;

    pid_t pid() const { return process->pid(); }
    std::string log_text() const { return system_test::read_all(log); }
};

// The topology's tasks: numbers 1, sink 2 and 3 (components in id order); one executor each.
const executor_info numbers{1, 1};
const executor_info sink2{2, 2};
const executor_info sink3{3, 3};

class worker_process_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-worker-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
        _out = _dir / "out";
        _local = _dir / "local";
        fs::create_directories(_out);
        static int counter = 0;
        _root = "/worker-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        _paths = common::zk_paths(_root);
        _zk = std::make_unique<common::zk_cluster_state>(common::zk_options{
            .servers = zk_environment::server->connect_string(),
            .root = "",
        });
        std::set<int> ports;
        while (ports.size() < 3) {
            ports.insert(test_support::pick_free_port());
        }
        _ports.assign(ports.begin(), ports.end());
        ASSERT_NO_FATAL_FAILURE(install_topology());
    }

    void TearDown() override {
        if (HasFailure()) {
            for (const auto& w : _workers) {
                std::cout << "---- worker " << w->id << " (" << w->node << ":" << w->port
                          << ") log:\n"
                          << w->log_text() << "\n";
            }
        }
        _workers.clear();  // SIGKILLs and reaps those still running
        (void)common::remove_recursive(*_zk, _root);
        _zk.reset();
        if (std::getenv("TEMPEST_KEEP_TEST_DIRS") != nullptr) {
            std::cout << "kept " << _dir.string() << "\n";
            return;
        }
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }

    // What every worker gets with -c: ZooKeeper, its local dir, a ZooKeeper heartbeat every
    // second. worker.heartbeat.frequency.secs (the period it polls its assignment) keeps its
    // default, 1 s, which is what ARCHITECTURE's claims are about.
    std::vector<std::string> overrides() const {
        return {
            "storm.zookeeper.servers=[127.0.0.1]",
            "storm.zookeeper.port=" + std::to_string(zk_environment::server->port()),
            "storm.zookeeper.root=" + _root,
            "storm.zookeeper.session.timeout=4000",
            "storm.local.dir=" + _local.string(),
            "storm.local.hostname=127.0.0.1",
            "task.heartbeat.frequency.secs=1",
        };
    }

    // The package's topology as `tempest jar` submits it, stored as Nimbus stores it and placed
    // where the supervisor would download it; storms/<id> as Nimbus writes it (active).
    void install_topology() {
        capture c;
        common::package_loader pkg(TEMPEST_WORKER_TEST_PKG);
        ASSERT_EQ(
            pkg.run_main({"--name", "worker-test", "--out", _out.string(), "--rate", "200"}, c), 0);
        config daemon = common::load_daemon_config(std::nullopt, overrides());
        config stored = common::submitted_conf(c.conf, daemon, c.name);
        _tid = c.name + "-1-" + std::to_string(std::time(nullptr));
        _base.name = c.name;
        _base.status = common::topology_status::active;
        _base.launch_time_secs = std::time(nullptr);
        _base.num_workers = 2;
        for (const auto& comp : c.topo.components) {
            _base.component_executors[comp.id] = comp.parallelism;
        }
        // The test's executor constants are the layout's.
        auto layout = common::lay_out_topology(c.topo, daemon, stored, _base);
        ASSERT_EQ(layout.executors(), (std::vector<executor_info>{numbers, sink2, sink3}));

        fs::path dir = common::stormdist::topology_dir(_local / "supervisor" / "stormdist", _tid);
        fs::create_directories(dir);
        fs::copy_file(TEMPEST_WORKER_TEST_PKG, dir / common::stormdist::package_file);
        common::write_file_atomically(dir / common::stormdist::checksum_file,
                                      common::sha256_of_file(TEMPEST_WORKER_TEST_PKG) + "\n");
        common::write_file_atomically(dir / common::stormdist::code_file,
                                      thrift::to_binary(thrift::to_thrift(c.topo)));
        common::write_file_atomically(dir / common::stormdist::conf_file, thrift::to_json(stored));

        for (const auto& p :
             {_paths.storms(), _paths.assignments(), _paths.workerbeats(), _paths.errors()}) {
            ASSERT_TRUE(common::ensure_path(*_zk, p)) << p;
        }
        ASSERT_TRUE(_zk->create(_paths.storm(_tid), thrift::encode(_base)));
    }

    void set_status(common::topology_status s) {
        _base.status = s;
        ASSERT_TRUE(_zk->set(_paths.storm(_tid), thrift::encode(_base)));
    }

    // Writes `bytes` at `path`, creating the node when missing.
    void put(const std::string& path, const std::string& bytes) {
        auto r = _zk->set(path, bytes);
        if (!r && r.error() == common::errc::no_node) {
            ASSERT_TRUE(_zk->create(path, bytes)) << path;
        } else {
            ASSERT_TRUE(r) << path << ": " << r.error().message();
        }
    }

    // Writes routes/<id> and then assignments/<id>, as Nimbus does: each executor on its slot;
    // every node on 127.0.0.1. Without `routes`, only the assignment (as a Nimbus older than
    // routes).
    void assign(const std::map<executor_info, node_port>& where, bool routes = true) {
        common::assignment a;
        a.code_dir = "/nimbus/stormdist/" + _tid;
        a.executor_node_port = where;
        for (const auto& [e, np] : where) {
            a.node_host[np.node] = "127.0.0.1";
            a.executor_start_time_secs[e] = std::time(nullptr);
        }
        if (routes) {
            ASSERT_TRUE(common::ensure_path(*_zk, _paths.routes()));
            ASSERT_NO_FATAL_FAILURE(put(_paths.routes(_tid), thrift::encode(common::routes_of(a))));
        }
        ASSERT_NO_FATAL_FAILURE(put(_paths.assignment(_tid), thrift::encode(a)));
    }

    // Removes the topology as Nimbus does after a kill.
    void remove_topology() {
        for (const auto& p : {_paths.assignment(_tid), _paths.routes(_tid), _paths.storm(_tid),
                              _paths.workerbeats(_tid), _paths.errors(_tid)}) {
            ASSERT_TRUE(common::remove_recursive(*_zk, p)) << p;
        }
    }

    // `tempest worker` for slot node:port, as a supervisor starts it.
    worker& start_worker(const std::string& node, int port) {
        auto w = std::make_unique<worker>();
        w->node = node;
        w->port = port;
        w->id = node + "-" + std::to_string(port) + "-" + std::to_string(_workers.size());
        w->log = _dir / (w->id + ".log");
        std::vector<std::string> args{"worker",
                                      "--topology-id",
                                      _tid,
                                      "--supervisor-id",
                                      node,
                                      "--port",
                                      std::to_string(port),
                                      "--worker-id",
                                      w->id};
        for (const auto& o : overrides()) {
            args.push_back("-c");
            args.push_back(o);
        }
        w->process = std::make_unique<system_test::daemon_process>(args, w->log);
        _workers.push_back(std::move(w));
        return *_workers.back();
    }

    // The sink's "<pid> <n>" lines of `task`, counted per pid.
    std::map<pid_t, std::size_t> sink_lines(int task) const {
        std::map<pid_t, std::size_t> per_pid;
        std::istringstream in(
            system_test::read_all(_out / ("sink-" + std::to_string(task) + ".txt")));
        pid_t pid = 0;
        std::int64_t n = 0;
        while (in >> pid >> n) {
            ++per_pid[pid];
        }
        return per_pid;
    }
    std::size_t sink_total() const {
        std::size_t total = 0;
        for (int task : {2, 3}) {
            for (const auto& [pid, n] : sink_lines(task)) {
                total += n;
            }
        }
        return total;
    }
    std::size_t lines_of(int task, const worker& w) const {
        auto per_pid = sink_lines(task);
        auto it = per_pid.find(w.pid());
        return it == per_pid.end() ? 0 : it->second;
    }

    // The spout's activate/deactivate calls, in order: ("activate", emitted so far), ...
    std::vector<std::pair<std::string, std::uint64_t>> spout_events() const {
        std::vector<std::pair<std::string, std::uint64_t>> out;
        std::istringstream in(system_test::read_all(_out / "numbers-1.events"));
        std::string what;
        std::uint64_t n = 0;
        while (in >> what >> n) {
            out.emplace_back(what, n);
        }
        return out;
    }

    // The value of the worker's own metric point `name` in its ZooKeeper heartbeat; nullopt
    // while there is no heartbeat or no such point.
    std::optional<double> system_metric(const worker& w, const std::string& name) {
        auto data = _zk->get(_paths.workerbeat(_tid, w.node, w.port));
        if (!data) {
            return std::nullopt;
        }
        auto beat = thrift::decode_worker_heartbeat(data->data);
        if (!beat) {
            return std::nullopt;
        }
        for (const auto& m : beat->metrics) {
            if (m.name == name && m.component == "__system") {
                return m.value;
            }
        }
        return std::nullopt;
    }

    fs::path _dir, _out, _local;
    std::string _root;
    common::zk_paths _paths{"/"};
    std::unique_ptr<common::zk_cluster_state> _zk;
    std::vector<int> _ports;
    std::string _tid;
    common::storm_base _base;
    std::vector<std::unique_ptr<worker>> _workers;
};

TEST_F(worker_process_test, removed_topology_stops_the_worker_within_two_seconds) {
    assign({{numbers, {"n1", _ports[0]}}, {sink2, {"n1", _ports[0]}}, {sink3, {"n1", _ports[0]}}});
    worker& w = start_worker("n1", _ports[0]);
    ASSERT_TRUE(wait_until([&] { return lines_of(2, w) > 0 && lines_of(3, w) > 0; }, 20s))
        << "the worker's sink tasks wrote nothing";
    ASSERT_TRUE(wait_until([&] { return system_metric(w, "transport.dropped").has_value(); }, 10s))
        << "no ZooKeeper heartbeat";

    const auto removed_at = clock::now();
    ASSERT_NO_FATAL_FAILURE(remove_topology());
    int status = w.process->wait(15s);
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - removed_at);
    ASSERT_EQ(status, 0) << "the worker did not exit cleanly within 15 s (-1000: still running)";
    // Up to one poll period (1 s) to notice — the removal lands just after the worker's first
    // reads, so nearly a whole one: about 1.2 s measured — then the drain (done when nothing
    // moves for 200 ms) and the executors' stop. ~2 s is the claim; 3 s leaves room for a loaded
    // machine.
    EXPECT_LT(took, 3000ms) << "the worker took " << took.count() << " ms to stop";
    std::cout << "the worker stopped " << took.count() << " ms after its topology was removed\n";
    EXPECT_NE(w.log_text().find("was removed; stopping"), std::string::npos);
    // It did not recreate the heartbeat folder Nimbus removed.
    auto beats = _zk->exists(_paths.workerbeats(_tid));
    ASSERT_TRUE(beats);
    EXPECT_FALSE(beats->has_value());
}

TEST_F(worker_process_test, a_worker_reads_where_tasks_run_from_the_routes_alone) {
    const node_port a{"n1", _ports[0]};
    assign({{numbers, a}, {sink2, a}, {sink3, a}});
    // The assignment is unreadable: a worker that read it would fail to start.
    ASSERT_TRUE(_zk->set(_paths.assignment(_tid), "not an AssignmentRecord"));
    worker& w = start_worker(a.node, a.port);
    ASSERT_TRUE(wait_until([&] { return lines_of(2, w) > 0 && lines_of(3, w) > 0; }, 20s))
        << "the worker ran nothing from its routes";
    EXPECT_EQ(w.log_text().find("corrupt record"), std::string::npos);
    EXPECT_EQ(w.log_text().find("has no routes record"), std::string::npos);

    ASSERT_NO_FATAL_FAILURE(remove_topology());
    EXPECT_EQ(w.process->wait(15s), 0) << "the worker did not stop when its routes went";
}

TEST_F(worker_process_test, without_routes_a_worker_reads_the_assignment) {
    // A topology assigned by a Nimbus older than routes/ (an upgrade in progress).
    const node_port a{"n1", _ports[0]};
    assign({{numbers, a}, {sink2, a}, {sink3, a}}, false);
    worker& w = start_worker(a.node, a.port);
    ASSERT_TRUE(wait_until([&] { return lines_of(2, w) > 0 && lines_of(3, w) > 0; }, 20s))
        << "the worker ran nothing from its assignment";
    EXPECT_NE(w.log_text().find("has no routes record (written by an older Nimbus)"),
              std::string::npos);

    // The upgraded Nimbus writes routes beside the assignment: the worker goes on (same
    // executors) and follows them.
    ASSERT_NO_FATAL_FAILURE(assign({{numbers, a}, {sink2, a}, {sink3, a}}));
    const std::size_t at = lines_of(2, w);
    EXPECT_TRUE(wait_until([&] { return lines_of(2, w) >= at + 100; }, 10s));
    EXPECT_FALSE(w.process->exited());

    ASSERT_NO_FATAL_FAILURE(remove_topology());
    EXPECT_EQ(w.process->wait(15s), 0);
}

TEST_F(worker_process_test, own_executors_changing_are_taken_in_place_and_others_repoint) {
    // A runs the spout, B both sinks: every tuple crosses from A to B.
    const node_port a{"n1", _ports[0]}, b{"n2", _ports[1]}, c{"n2", _ports[2]};
    assign({{numbers, a}, {sink2, b}, {sink3, b}});
    worker& wa = start_worker(a.node, a.port);
    worker& wb = start_worker(b.node, b.port);
    ASSERT_TRUE(wait_until([&] { return lines_of(2, wb) > 0 && lines_of(3, wb) > 0; }, 20s))
        << "no tuples reached worker B";

    // Task 3 moves to a third slot: B's executors change ({2, 3} -> {2}), A's do not.
    ASSERT_NO_FATAL_FAILURE(assign({{numbers, a}, {sink2, b}, {sink3, c}}));
    worker& wc = start_worker(c.node, c.port);
    EXPECT_TRUE(wait_until(
        [&] {
            return wb.log_text().find("took this slot's new executors in place") !=
                   std::string::npos;
        },
        10s))
        << "B did not take the change of its executors in place";

    // A stays, re-points task 3 to C, and tuples keep flowing there.
    std::size_t at_c = 0;
    EXPECT_TRUE(wait_until([&] { return (at_c = lines_of(3, wc)) > 0; }, 10s))
        << "no tuples for the moved task reached its new worker";
    EXPECT_TRUE(wait_until([&] { return lines_of(3, wc) >= at_c + 100; }, 10s))
        << "tuples stopped flowing to the moved task";
    EXPECT_FALSE(wa.process->exited()) << "A exited although its executors did not change";
    EXPECT_NE(wa.log_text().find("updating where remote tasks run"), std::string::npos);
    // B's process goes on with task 2.
    const std::size_t at_b = lines_of(2, wb);
    EXPECT_TRUE(wait_until([&] { return lines_of(2, wb) >= at_b + 100; }, 10s))
        << "task 2 stopped in B after the change";
    EXPECT_EQ(sink_lines(2).size(), 1u) << "task 2 ran in another process";

    // C's slot is lost (its supervisor gone, no free slot): its executor joins B, which takes it
    // in place, and task 3's tuples come from B's process again.
    wc.process.reset();  // SIGKILL
    ASSERT_NO_FATAL_FAILURE(assign({{numbers, a}, {sink2, b}, {sink3, b}}));
    const std::size_t at_b3 = lines_of(3, wb);
    EXPECT_TRUE(wait_until([&] { return lines_of(3, wb) >= at_b3 + 100; }, 15s))
        << "B did not run task 3 again after it joined";
    EXPECT_TRUE(wait_until([&] { return lines_of(2, wb) >= at_b + 300; }, 10s));
    EXPECT_FALSE(wa.process->exited());
    EXPECT_FALSE(wb.process->exited()) << "B exited instead of taking its executors in place";
}

TEST_F(worker_process_test, a_change_to_executors_not_in_the_layout_makes_the_worker_exit) {
    const node_port a{"n1", _ports[0]};
    assign({{numbers, a}, {sink2, a}, {sink3, a}});
    worker& w = start_worker(a.node, a.port);
    ASSERT_TRUE(wait_until([&] { return lines_of(2, w) > 0 && lines_of(3, w) > 0; }, 20s))
        << "the worker's sinks wrote nothing";

    // [2-3] merges the two sink executors: not an executor of the layout.
    ASSERT_NO_FATAL_FAILURE(assign({{numbers, a}, {executor_info{2, 3}, a}}));
    int status = w.process->wait(15s);
    EXPECT_EQ(status, 0) << "the worker did not stop cleanly (-1000: still running)";
    const std::string text = w.log_text();
    EXPECT_NE(text.find("cannot take this slot's new executors [1] [2-3] in place: the "
                        "assignment gives this worker executor [2-3], which is not an executor "
                        "of topology " +
                        _tid),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("stopping so that the supervisor starts a fresh worker for them"),
              std::string::npos);
}

TEST_F(worker_process_test, assignment_naming_executors_not_in_the_layout_is_refused) {
    // [2-3] merges the two sink executors; [4-4] is past the topology's last task.
    for (executor_info bad : {executor_info{2, 3}, executor_info{4, 4}}) {
        SCOPED_TRACE("executor [" + std::to_string(bad.task_start) + "-" +
                     std::to_string(bad.task_end) + "]");
        ASSERT_NO_FATAL_FAILURE(assign({{numbers, {"n1", _ports[0]}}, {bad, {"n1", _ports[0]}}}));
        worker& w = start_worker("n1", _ports[0]);
        int status = w.process->wait(20s);
        EXPECT_NE(status, -1000) << "the worker still runs";
        EXPECT_EQ(status, 1) << "a refused assignment is an error exit";
        std::string expected = "the assignment gives this worker executor [" +
                               std::to_string(bad.task_start) + "-" + std::to_string(bad.task_end) +
                               "], which is not an executor of topology " + _tid;
        EXPECT_NE(w.log_text().find(expected), std::string::npos) << w.log_text();
        // It ran nothing: no task output, no heartbeat.
        EXPECT_EQ(spout_events().size(), 0u);
        auto beat = _zk->exists(_paths.workerbeat(_tid, "n1", _ports[0]));
        ASSERT_TRUE(beat);
        EXPECT_FALSE(beat->has_value());
    }
}

TEST_F(worker_process_test, deactivate_and_activate_reach_a_live_worker) {
    assign({{numbers, {"n1", _ports[0]}}, {sink2, {"n1", _ports[0]}}, {sink3, {"n1", _ports[0]}}});
    worker& w = start_worker("n1", _ports[0]);
    ASSERT_TRUE(wait_until([&] { return sink_total() > 0; }, 20s)) << "nothing reached the sink";
    ASSERT_EQ(spout_events().size(), 1u);
    EXPECT_EQ(spout_events()[0].first, "activate");

    ASSERT_NO_FATAL_FAILURE(set_status(common::topology_status::inactive));
    ASSERT_TRUE(wait_until([&] { return spout_events().size() >= 2; }, 5s))
        << "the spout was not deactivated";
    const auto [what, emitted] = spout_events()[1];
    ASSERT_EQ(what, "deactivate");
    // Every number emitted before the deactivation reaches the sink (one process, no loss), and
    // no more come.
    ASSERT_TRUE(wait_until([&] { return sink_total() == emitted; }, 5s))
        << "the sink has " << sink_total() << " of the " << emitted << " numbers emitted";
    EXPECT_TRUE(holds_for([&] { return sink_total() == emitted; }, 1500ms))
        << "numbers kept coming after the deactivation: " << sink_total() << " > " << emitted;

    ASSERT_NO_FATAL_FAILURE(set_status(common::topology_status::active));
    ASSERT_TRUE(wait_until([&] { return spout_events().size() >= 3; }, 5s))
        << "the spout was not activated again";
    EXPECT_EQ(spout_events()[2], std::make_pair(std::string("activate"), emitted));
    EXPECT_TRUE(wait_until([&] { return sink_total() >= emitted + 100; }, 10s))
        << "the output did not resume";
    EXPECT_FALSE(w.process->exited());
    EXPECT_EQ(sink_lines(2).size(), 1u) << "one worker process throughout";
}

TEST_F(worker_process_test, tuples_for_a_task_not_here_are_dropped_and_counted) {
    // The assignment places task 3 on node n3 with B's port on the same host: A sends task 3's
    // tuples to B, which does not run task 3 (as a sender whose assignment is stale would).
    const node_port a{"n1", _ports[0]}, b{"n2", _ports[1]}, ghost{"n3", _ports[1]};
    assign({{numbers, a}, {sink2, b}, {sink3, ghost}});
    worker& wa = start_worker(a.node, a.port);
    worker& wb = start_worker(b.node, b.port);
    ASSERT_TRUE(wait_until([&] { return lines_of(2, wb) > 0; }, 20s)) << "no tuples reached B";

    double first = 0;
    ASSERT_TRUE(wait_until(
        [&] {
            first = system_metric(wb, "transport.dropped").value_or(0);
            return first > 0;
        },
        10s))
        << "B's heartbeat counts no dropped tuples";
    EXPECT_TRUE(wait_until(
        [&] { return system_metric(wb, "transport.dropped").value_or(0) >= first + 50; }, 10s))
        << "B's dropped count stayed at " << first;
    EXPECT_NE(wb.log_text().find("dropping a tuple for task 3"), std::string::npos);
    EXPECT_TRUE(sink_lines(3).empty()) << "task 3 ran somewhere";
    EXPECT_FALSE(wa.process->exited());
    EXPECT_FALSE(wb.process->exited());
}

}  // namespace
}  // namespace tempest

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new tempest::zk_environment);
    return RUN_ALL_TESTS();
}
