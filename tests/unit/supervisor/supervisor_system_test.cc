// SPDX-License-Identifier: Apache-2.0
// The supervisor against a real ZooKeeper (tempest::test_zk_server) with fake workers
// (fake_worker.cc) as processes. The test plays Nimbus: it writes AssignmentRecords itself, and
// the code "download" is a fetcher that writes the three files and the package's checksum. All
// periods are 1 s.
#include "tempest/common/config_loader.h"
#include "tempest/common/sha256.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/supervisor/supervisor.h"
#include "tempest/test_support/tcp_proxy.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>

namespace tempest::supervisor {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::wait_until;

test_support::zk_server* g_zk = nullptr;

class zk_environment : public ::testing::Environment {
  public:
    void SetUp() override {
        _server = std::make_unique<test_support::zk_server>();
        g_zk = _server.get();
    }
    void TearDown() override {
        g_zk = nullptr;
        _server.reset();
    }

  private:
    std::unique_ptr<test_support::zk_server> _server;
};

const auto* const registered_env = ::testing::AddGlobalTestEnvironment(new zk_environment);

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// True while `pid` exists and is not a zombie.
bool running(pid_t pid) {
    auto stat = read_file(fs::path("/proc") / std::to_string(pid) / "stat");
    auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

// Arguments as /proc/<pid>/cmdline holds them: each followed by a NUL.
std::string nul_joined(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args) {
        out += a;
        out += '\0';
    }
    return out;
}

struct placement {
    int task_start;
    int task_end;
    std::string node;
    int port;
};

class supervisor_system_test : public ::testing::Test {
  protected:
    fs::path dir;
    std::string root;
    config conf;
    std::unique_ptr<common::zk_cluster_state> nimbus;  // the test acting as Nimbus
    common::zk_paths paths{"/"};
    std::atomic<int> fetches{0};
    std::atomic<int> failing_fetches{0};  // fail this many fetches first

    void SetUp() override {
        ASSERT_NE(g_zk, nullptr);
        auto tag = std::to_string(std::random_device{}());
        dir = fs::temp_directory_path() / ("tempest-sup-test-" + tag);
        root = "/sup-test-" + tag;
        fs::create_directories(dir);
        conf = common::default_config();
        conf.set("storm.zookeeper.servers", value::list{value("127.0.0.1")});
        conf.set("storm.zookeeper.port", g_zk->port());
        conf.set("storm.zookeeper.root", root);
        conf.set("storm.zookeeper.session.timeout", 6000);
        conf.set("storm.local.dir", (dir / "local").string());
        conf.set("tempest.log.dir", (dir / "logs").string());
        conf.set("supervisor.slots.ports", value::list{value(6700), value(6701), value(6702)});
        conf.set("supervisor.heartbeat.frequency.secs", 1);
        conf.set("supervisor.sync.frequency.secs", 1);
        conf.set("supervisor.monitor.frequency.secs", 1);
        conf.set("supervisor.worker.timeout.secs", 15);  // generous: CI machines stall
        conf.set("supervisor.worker.start.timeout.secs", 20);
        conf.set("supervisor.worker.shutdown.sleep.secs", 1);
        nimbus = std::make_unique<common::zk_cluster_state>(
            common::zk_options{.servers = g_zk->connect_string(), .root = root});
    }

    void TearDown() override {
        // Workers outlive supervisors by design: end the ones left.
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir / "local" / "workers", ec)) {
            auto pid = read_file(e.path() / "pid");
            if (!pid.empty()) {
                pid_t p = std::stoi(pid);
                kill(p, SIGKILL);
                waitpid(p, nullptr, 0);
            }
        }
        nimbus->close();
        fs::remove_all(dir, ec);
    }

    supervisor_options options() {
        supervisor_options o;
        o.worker_command = {TEMPEST_FAKE_WORKER};
        o.overrides = {"topology.debug=false"};
        // One install per topology fetches the checksum first: count installs there.
        o.fetch_code = [this](const std::string& remote,
                              const fs::path& dest) -> common::result<void> {
            const std::string id = remote.substr(0, remote.find('/'));
            const std::string name = remote.substr(remote.find('/') + 1);
            if (name == "stormjar.so.sha256") {
                ++fetches;
                if (failing_fetches > 0) {
                    --failing_fetches;
                    return std::make_error_code(std::errc::host_unreachable);  // Nimbus down
                }
                // The supervisor installs the code only when the package matches its checksum.
                common::sha256 digest;
                digest.update(id + " stormjar.so");
                std::ofstream(dest) << digest.hex() << "\n";
            } else {
                std::ofstream(dest) << id << " " << name;
            }
            return {};
        };
        return o;
    }

    void assign(const std::string& topology_id, const std::vector<placement>& where) {
        common::assignment r;
        r.code_dir = "/nimbus/stormdist/" + topology_id;
        for (const auto& p : where) {
            const common::executor_info e{p.task_start, p.task_end};
            r.executor_node_port[e] = {p.node, p.port};
            r.executor_start_time_secs[e] = 1;
            r.node_host[p.node] = "localhost";
        }
        ASSERT_TRUE(common::ensure_path(*nimbus, paths.assignments()));
        auto path = paths.assignment(topology_id);
        auto bytes = tempest::thrift::encode(r);
        auto c = nimbus->create(path, bytes, common::create_mode::persistent);
        if (!c && c.error() == common::errc::node_exists) {
            ASSERT_TRUE(nimbus->set(path, bytes, common::cluster_state::any_version));
        } else {
            ASSERT_TRUE(c) << c.error().message();
        }
    }

    void unassign(const std::string& topology_id) {
        ASSERT_TRUE(
            nimbus->remove(paths.assignment(topology_id), common::cluster_state::any_version));
    }

    // port -> the valid worker on it.
    static std::map<int, worker_summary> valid_workers(const supervisor& s) {
        std::map<int, worker_summary> out;
        for (const auto& w : s.workers()) {
            if (w.state == worker_state::valid) {
                out[w.port] = w;
            }
        }
        return out;
    }

    static std::set<int> ports_of(const std::map<int, worker_summary>& m) {
        std::set<int> out;
        for (const auto& [p, w] : m) {
            out.insert(p);
        }
        return out;
    }

    std::optional<common::supervisor_record> registered(const std::string& id) {
        auto d = nimbus->get(paths.supervisor(id));
        if (!d) {
            return std::nullopt;
        }
        auto r = tempest::thrift::decode_supervisor_record(d->data);
        return r ? std::optional(*r) : std::nullopt;
    }

    fs::path workers_dir() const { return dir / "local" / "workers"; }
};

TEST_F(supervisor_system_test, runs_restarts_replaces_and_removes_workers_as_assigned) {
    supervisor s(conf, options());
    s.start();
    const auto id = s.id();
    ASSERT_FALSE(id.empty());

    // Registered: ephemeral SupervisorRecord with every slot.
    auto rec = registered(id);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->supervisor_id, id);
    EXPECT_EQ(rec->hostname, s.hostname());
    EXPECT_EQ(rec->ports, (std::vector<int>{6700, 6701, 6702}));
    EXPECT_TRUE(rec->used_ports.empty());

    // Two slots of this node, one executor elsewhere.
    assign("t1-1", {{1, 2, id, 6700}, {3, 3, id, 6701}, {4, 4, "other-node", 6700}});
    ASSERT_TRUE(wait_until(
        [&] {
            return ports_of(valid_workers(s)) == std::set<int>{6700, 6701};
        },
        30s));
    EXPECT_EQ(s.used_ports(), (std::vector<int>{6700, 6701}));
    EXPECT_EQ(s.free_ports(), (std::vector<int>{6702}));
    EXPECT_EQ(s.assignment().at(6700).executors, (std::vector<executor_range>{{1, 2}}));
    for (const char* f : {"stormjar.so", "stormcode.ser", "stormconf.json"}) {
        EXPECT_TRUE(fs::is_regular_file(dir / "local/supervisor/stormdist/t1-1" / f)) << f;
    }
    auto first = valid_workers(s);
    for (const auto& [port, w] : first) {
        EXPECT_EQ(w.topology_id, "t1-1");
        EXPECT_EQ(std::stoi(read_file(workers_dir() / w.worker_id / "pid")), w.pid);
        // The launch contract: flags, pass-through overrides, absolute storm.local.dir last.
        auto cmdline = read_file(fs::path("/proc") / std::to_string(w.pid) / "cmdline");
        std::string want = nul_joined(
            {"--port", std::to_string(port), "--worker-id", w.worker_id, "-c",
             "topology.debug=false", "-c",
             "storm.local.dir=" + fs::absolute(dir / "local").lexically_normal().string()});
        EXPECT_NE(cmdline.find(want), std::string::npos) << cmdline;
        EXPECT_EQ(getpgid(w.pid), w.pid);  // its own session
        EXPECT_TRUE(
            fs::exists(dir / "logs/workers-artifacts/t1-1" / std::to_string(port) / "worker.log"));
    }
    // The heartbeat publishes the used slots.
    ASSERT_TRUE(wait_until(
        [&] {
            auto r = registered(id);
            return r && r->used_ports == std::vector<int>{6700, 6701};
        },
        30s));

    // A worker that dies is replaced at the next sync-processes.
    const auto dead = first.at(6700);
    ASSERT_EQ(kill(dead.pid, SIGKILL), 0);
    ASSERT_TRUE(wait_until(
        [&] {
            auto v = valid_workers(s);
            return v.contains(6700) && v.at(6700).pid != dead.pid;
        },
        30s));
    EXPECT_FALSE(fs::exists(workers_dir() / dead.worker_id));
    EXPECT_EQ(valid_workers(s).at(6701).pid, first.at(6701).pid);

    // Executor 3-3 moves from 6701 to 6702: the 6701 worker is disallowed and killed, 6702 starts,
    // 6700 (unchanged) keeps its worker.
    const auto on_6700 = valid_workers(s).at(6700);
    const auto moved = first.at(6701);
    assign("t1-1", {{1, 2, id, 6700}, {3, 3, id, 6702}});
    ASSERT_TRUE(wait_until(
        [&] {
            return ports_of(valid_workers(s)) == std::set<int>{6700, 6702};
        },
        30s));
    EXPECT_FALSE(running(moved.pid));
    EXPECT_FALSE(fs::exists(workers_dir() / moved.worker_id));
    EXPECT_EQ(valid_workers(s).at(6700).pid, on_6700.pid);

    // The topology goes: its workers stop, its code is removed.
    auto last = valid_workers(s);
    unassign("t1-1");
    ASSERT_TRUE(wait_until([&] { return s.workers().empty(); }, 30s));
    for (const auto& [port, w] : last) {
        EXPECT_FALSE(running(w.pid)) << port;
    }
    EXPECT_TRUE(s.used_ports().empty());
    EXPECT_FALSE(fs::exists(dir / "local/supervisor/stormdist/t1-1"));
    EXPECT_TRUE(fs::is_empty(workers_dir()));
    EXPECT_EQ(fetches.load(), 1);
}

TEST_F(supervisor_system_test, leaves_workers_running_when_stopped_and_adopts_them_on_restart) {
    std::string id;
    std::map<int, worker_summary> before;
    {
        supervisor s(conf, options());
        s.start();
        id = s.id();
        assign("t2-1", {{1, 1, id, 6700}, {2, 2, id, 6701}});
        ASSERT_TRUE(wait_until(
            [&] {
                return ports_of(valid_workers(s)) == std::set<int>{6700, 6701};
            },
            30s));
        before = valid_workers(s);
        s.stop();
        EXPECT_FALSE(registered(id));  // the ephemeral node went with the session
    }
    for (const auto& [port, w] : before) {
        EXPECT_TRUE(running(w.pid)) << port;
    }
    // Still heartbeating with no supervisor.
    const auto hb_file = workers_dir() / before.at(6700).worker_id / "heartbeat";
    const auto hb_before = read_file(hb_file);
    ASSERT_TRUE(wait_until([&] { return read_file(hb_file) != hb_before; }, 15s));

    supervisor again(conf, options());
    again.start();
    EXPECT_EQ(again.id(), id);
    EXPECT_TRUE(registered(id));
    again.sync_supervisor_now();
    auto after = valid_workers(again);
    ASSERT_EQ(ports_of(after), (std::set<int>{6700, 6701}));
    for (const auto& [port, w] : before) {
        EXPECT_EQ(after.at(port).pid, w.pid) << port;
        EXPECT_EQ(after.at(port).worker_id, w.worker_id) << port;
    }
    EXPECT_EQ(again.workers().size(), 2u);  // nothing new launched

    // An adopted worker that dies is replaced too.
    ASSERT_EQ(kill(before.at(6701).pid, SIGKILL), 0);
    ASSERT_TRUE(wait_until(
        [&] {
            auto v = valid_workers(again);
            return v.contains(6701) && v.at(6701).pid != before.at(6701).pid;
        },
        30s));
    again.stop();
}

TEST_F(supervisor_system_test, replaces_a_worker_whose_heartbeat_stops) {
    conf.set("supervisor.worker.timeout.secs", 2);
    supervisor s(conf, options());
    s.start();
    assign("t3-1", {{1, 1, s.id(), 6702}});
    ASSERT_TRUE(wait_until([&] { return valid_workers(s).contains(6702); }, 30s));
    const auto frozen = valid_workers(s).at(6702);
    // A stopped process writes no heartbeat and ignores SIGTERM until continued: the supervisor
    // must time it out and escalate to SIGKILL.
    ASSERT_EQ(kill(frozen.pid, SIGSTOP), 0);
    ASSERT_TRUE(wait_until(
        [&] {
            auto v = valid_workers(s);
            return v.contains(6702) && v.at(6702).pid != frozen.pid;
        },
        20s));
    EXPECT_FALSE(running(frozen.pid));
    s.stop();
}

TEST_F(supervisor_system_test, retries_a_failed_code_download_at_the_next_sync) {
    failing_fetches = 2;
    supervisor s(conf, options());
    s.start();
    assign("t4-1", {{1, 1, s.id(), 6700}});
    ASSERT_TRUE(wait_until([&] { return valid_workers(s).contains(6700); }, 30s));
    EXPECT_EQ(fetches.load(), 3);
    std::vector<std::string> dist;
    for (const auto& e : fs::directory_iterator(dir / "local/supervisor/stormdist")) {
        dist.push_back(e.path().filename().string());
    }
    EXPECT_EQ(dist, std::vector<std::string>{"t4-1"});  // no partial download left behind
    s.stop();
}

// Cut from ZooKeeper past its session timeout, the supervisor opens a new session, registers
// again and keeps following assignments; its workers run on undisturbed meanwhile.
TEST_F(supervisor_system_test, registers_again_after_its_session_expires) {
    test_support::tcp_proxy proxy(g_zk->port());
    conf.set("storm.zookeeper.port", proxy.port());
    conf.set("storm.zookeeper.session.timeout", 2000);
    supervisor s(conf, options());
    s.start();
    const auto id = s.id();
    assign("t5-1", {{1, 1, id, 6700}});
    ASSERT_TRUE(wait_until([&] { return valid_workers(s).contains(6700); }, 30s));
    const auto worker = valid_workers(s).at(6700);
    auto session = nimbus->get(paths.supervisor(id));
    ASSERT_TRUE(session);

    proxy.cut();
    ASSERT_TRUE(wait_until([&] { return !registered(id); }, 30s)) << "the session did not expire";
    proxy.restore();
    ASSERT_TRUE(wait_until(
        [&] {
            auto d = nimbus->get(paths.supervisor(id));
            return d && d->stat.ephemeral_owner != session->stat.ephemeral_owner;
        },
        30s))
        << "the supervisor did not register again in a new session";
    EXPECT_EQ(valid_workers(s).at(6700).pid, worker.pid);

    // Assignments are followed in the new session.
    assign("t5-1", {{1, 1, id, 6701}});
    ASSERT_TRUE(wait_until([&] { return ports_of(valid_workers(s)) == std::set<int>{6701}; }, 30s));
    EXPECT_FALSE(running(worker.pid));
    s.stop();
}

}  // namespace
}  // namespace tempest::supervisor
