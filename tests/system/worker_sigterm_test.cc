// SPDX-License-Identifier: Apache-2.0
// A `tempest worker` under full load stops promptly on SIGTERM. A supervisor that stops a worker
// sends SIGTERM and SIGKILLs it supervisor.worker.shutdown.sleep.secs (3 s) later; workers busy
// exchanging tuples used to overrun that. Here two `tempest worker` processes run the word_count
// example at full speed (its spout never waits: no max pending), joined over loopback TCP, with
// the executors dealt alternately over their two slots as the even scheduler deals them. No Nimbus
// and no supervisor run: the test writes the topology's code, its record and the assignment itself
// (as worker_process_test does), checks that tuples cross both ways and that the workers are
// busy, then sends SIGTERM to one worker and measures how long it takes to exit (bound:
// stop_bound below), then the same for the other.
//
// TEMPEST_BUILD_DIR picks the build whose bin/tempest runs (to compare builds);
// TEMPEST_KEEP_TEST_DIRS=1 keeps the temporary directory (the workers' logs).
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
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

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

// Well within the supervisor's 3 s: the signal's 500 ms drain, the executors' and transport's
// stop and ZooKeeper's close, with room for a loaded machine.
constexpr auto stop_bound = 1500ms;

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

// CPU seconds (user + system) `pid` has used so far; 0 when it cannot be read.
double cpu_seconds(pid_t pid) {
    const std::string stat = system_test::read_all("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return 0;
    }
    std::istringstream in(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    // After the command: state is field 3; utime and stime are fields 14 and 15.
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) {
            utime = std::stoull(field);
        } else if (i == 15) {
            stime = std::stoull(field);
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Threads of `pid` (its /proc/<pid>/task entries); 0 when it is gone.
std::size_t thread_count(pid_t pid) {
    std::error_code ec;
    std::size_t n = 0;
    for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/task", ec), end;
         !ec && it != end; it.increment(ec)) {
        ++n;
    }
    return n;
}

class worker_sigterm_test : public ::testing::Test {
  protected:
    struct worker {
        node_port slot;
        fs::path log;
        std::unique_ptr<system_test::daemon_process> process;
    };

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-sigterm-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
        _local = _dir / "local";
        _root = "/sigterm-test-" + std::to_string(::getpid());
        _paths = common::zk_paths(_root);
        _zk = std::make_unique<common::zk_cluster_state>(common::zk_options{
            .servers = zk_environment::server->connect_string(),
            .root = "",
        });
        std::set<int> ports;
        while (ports.size() < 2) {
            ports.insert(test_support::pick_free_port());
        }
        _ports.assign(ports.begin(), ports.end());
        ASSERT_NO_FATAL_FAILURE(install_topology());
    }

    void TearDown() override {
        if (HasFailure()) {
            for (const auto& w : _workers) {
                std::cout << "---- worker " << w->slot.node << ":" << w->slot.port << " log:\n"
                          << system_test::read_all(w->log) << "\n";
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

    // word_count (parallelism 2: sentences, split x2, count x2, report, acker x2) stored as Nimbus
    // stores it, its code where the supervisor would download it, and the assignment: executors
    // dealt alternately over two slots.
    void install_topology() {
        capture c;
        common::package_loader pkg(TEMPEST_WORD_COUNT_PKG);
        ASSERT_EQ(pkg.run_main({"--name", "sigterm-test", "--workers", "2", "--parallelism", "2",
                                "--report-secs", "1"},
                               c),
                  0);
        config daemon = common::load_daemon_config(std::nullopt, overrides());
        config stored = common::submitted_conf(c.conf, daemon, c.name);
        _tid = c.name + "-1-" + std::to_string(std::time(nullptr));
        common::storm_base base;
        base.name = c.name;
        base.status = common::topology_status::active;
        base.launch_time_secs = std::time(nullptr);
        base.num_workers = 2;
        for (const auto& comp : c.topo.components) {
            base.component_executors[comp.id] = comp.parallelism;
        }
        auto layout = common::lay_out_topology(c.topo, daemon, stored, base);

        fs::path dir = common::stormdist::topology_dir(_local / "supervisor" / "stormdist", _tid);
        fs::create_directories(dir);
        fs::copy_file(TEMPEST_WORD_COUNT_PKG, dir / common::stormdist::package_file);
        common::write_file_atomically(dir / common::stormdist::checksum_file,
                                      common::sha256_of_file(TEMPEST_WORD_COUNT_PKG) + "\n");
        common::write_file_atomically(dir / common::stormdist::code_file,
                                      thrift::to_binary(thrift::to_thrift(c.topo)));
        common::write_file_atomically(dir / common::stormdist::conf_file, thrift::to_json(stored));

        for (const auto& p : {_paths.storms(), _paths.assignments(), _paths.routes(),
                              _paths.workerbeats(), _paths.errors()}) {
            ASSERT_TRUE(common::ensure_path(*_zk, p)) << p;
        }
        ASSERT_TRUE(_zk->create(_paths.storm(_tid), thrift::encode(base)));

        common::assignment a;
        a.code_dir = "/nimbus/stormdist/" + _tid;
        const auto executors = layout.executors();
        ASSERT_GE(executors.size(), 4u);
        for (std::size_t i = 0; i < executors.size(); ++i) {
            node_port np{i % 2 == 0 ? "n1" : "n2", _ports[i % 2]};
            a.executor_node_port[executors[i]] = np;
            a.node_host[np.node] = "127.0.0.1";
            a.executor_start_time_secs[executors[i]] = std::time(nullptr);
        }
        ASSERT_TRUE(_zk->create(_paths.routes(_tid), thrift::encode(common::routes_of(a))));
        ASSERT_TRUE(_zk->create(_paths.assignment(_tid), thrift::encode(a)));
    }

    worker& start_worker(const node_port& slot) {
        auto w = std::make_unique<worker>();
        w->slot = slot;
        w->log = _dir / (slot.node + "-" + std::to_string(slot.port) + ".log");
        std::vector<std::string> args{
            "worker", "--topology-id",           _tid,          "--supervisor-id", slot.node,
            "--port", std::to_string(slot.port), "--worker-id", slot.node + "-w"};
        for (const auto& o : overrides()) {
            args.push_back("-c");
            args.push_back(o);
        }
        w->process = std::make_unique<system_test::daemon_process>(args, w->log);
        _workers.push_back(std::move(w));
        return *_workers.back();
    }

    // Messages the worker has received from other workers (its heartbeat's transport.in.*.tuples
    // summed); nullopt while it has no heartbeat.
    std::optional<double> received(const worker& w) {
        auto data = _zk->get(_paths.workerbeat(_tid, w.slot.node, w.slot.port));
        if (!data) {
            return std::nullopt;
        }
        auto beat = thrift::decode_worker_heartbeat(data->data);
        if (!beat) {
            return std::nullopt;
        }
        double sum = 0;
        for (const auto& m : beat->metrics) {
            if (m.component == "__system" && m.name.starts_with("transport.in.") &&
                m.name.ends_with(".tuples")) {
                sum += m.value;
            }
        }
        return sum;
    }

    // SIGTERM to `w`; how long it took to exit (nullopt: not within 10 s), and its status.
    std::optional<std::chrono::milliseconds> terminate(worker& w, int& status) {
        const auto sent = clock::now();
        w.process->signal(SIGTERM);
        if (!wait_until([&] { return w.process->exited(); }, 10s)) {
            return std::nullopt;
        }
        status = w.process->wait(0s);
        return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - sent);
    }

    fs::path _dir, _local;
    std::string _root;
    common::zk_paths _paths{"/"};
    std::unique_ptr<common::zk_cluster_state> _zk;
    std::vector<int> _ports;
    std::string _tid;
    std::vector<std::unique_ptr<worker>> _workers;
};

TEST_F(worker_sigterm_test, a_worker_under_full_load_exits_promptly_on_sigterm) {
    worker& a = start_worker({"n1", _ports[0]});  // the spout, half of each bolt, an acker
    worker& b = start_worker({"n2", _ports[1]});  // the other half, the reporter, an acker
    // Both receive from the other, and keep receiving: the topology runs at full speed.
    double a0 = 0;
    double b0 = 0;
    ASSERT_TRUE(wait_until(
        [&] {
            a0 = received(a).value_or(0);
            b0 = received(b).value_or(0);
            return a0 > 0 && b0 > 0;
        },
        30s))
        << "tuples did not cross between the workers";
    // Busy: at least half a core between them over some two-second window. On a machine shared
    // with other work a window can fall short, so windows are measured until one shows the load
    // (or 30 s pass).
    double cores = 0;
    double secs = 0;
    const auto give_up = clock::now() + 30s;
    while (cores <= 0.5 && clock::now() < give_up) {
        a0 = received(a).value_or(0);
        b0 = received(b).value_or(0);
        const double cpu0 = cpu_seconds(a.process->pid()) + cpu_seconds(b.process->pid());
        const auto t0 = clock::now();
        ASSERT_TRUE(wait_until(
            [&] {
                return received(a).value_or(0) > a0 + 1000 &&
                       received(b).value_or(0) > b0 + 10000 && clock::now() - t0 >= 2s;
            },
            20s))
            << "the traffic between the workers did not keep up";
        secs = std::chrono::duration<double>(clock::now() - t0).count();
        cores = (cpu_seconds(a.process->pid()) + cpu_seconds(b.process->pid()) - cpu0) / secs;
    }
    std::cout << "threads: worker 1 " << thread_count(a.process->pid()) << ", worker 2 "
              << thread_count(b.process->pid()) << " (one peer each)\n";
    std::cout << "before SIGTERM: the two workers used " << cores << " cores; worker 2 received "
              << (received(b).value_or(0) - b0) / secs << " messages/s\n";
    EXPECT_GT(cores, 0.5) << "the workers were not under load in any window of 30 s";

    // First the worker without the spout: its peer keeps sending to it at full speed while it
    // drains and stops.
    int status = -1;
    auto took = terminate(b, status);
    ASSERT_TRUE(took.has_value()) << "worker 2 still runs 10 s after SIGTERM";
    EXPECT_EQ(status, 0);
    EXPECT_LT(*took, stop_bound) << "worker 2 took " << took->count() << " ms to exit";
    std::cout << "worker 2 (receiving at full speed) exited " << took->count()
              << " ms after SIGTERM\n";
    EXPECT_NE(system_test::read_all(b.log).find("received signal"), std::string::npos);

    took = terminate(a, status);
    ASSERT_TRUE(took.has_value()) << "worker 1 still runs 10 s after SIGTERM";
    EXPECT_EQ(status, 0);
    EXPECT_LT(*took, stop_bound) << "worker 1 took " << took->count() << " ms to exit";
    std::cout << "worker 1 (the spout's, its peer gone) exited " << took->count()
              << " ms after SIGTERM\n";
}

}  // namespace
}  // namespace tempest

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new tempest::zk_environment);
    return RUN_ALL_TESTS();
}
