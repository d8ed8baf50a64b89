// SPDX-License-Identifier: Apache-2.0
// The cluster control plane end to end: a real ZooKeeper server, a real `tempest nimbus`
// process, and the `tempest` CLI's jar, list, activate, deactivate, rebalance and kill against
// it; the errors Nimbus raises reach the user as one line and a non-zero exit; a restarted Nimbus
// finds the topologies it had.
//
// One ZooKeeper server serves the whole binary (a JVM takes a second or two to start); each test
// runs its own Nimbus process with its own ZooKeeper root and storm.local.dir.
#include "nimbus_process.h"
#include "tempest/common/nimbus_client.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace tempest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using system_test::run_result;
using system_test::tempest_process;
using test_support::wait_until;

class zk_environment : public ::testing::Environment {
  public:
    void SetUp() override { server = std::make_unique<test_support::zk_server>(); }
    void TearDown() override { server.reset(); }
    static inline std::unique_ptr<test_support::zk_server> server;
};

// `tempest nimbus` processes share nimbus_process.h with the Python client test.
class nimbus_process : public system_test::nimbus_process {
  public:
    nimbus_process(std::string root, fs::path local_dir)
        : system_test::nimbus_process(zk_environment::server->port(), std::move(root),
                                      std::move(local_dir)) {}
};

std::string word_count_package() {
    return (system_test::build_dir() / "examples" / "word_count.so").string();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class nimbus_cli_test : public ::testing::Test {
  protected:
    void SetUp() override {
        static int counter = 0;
        std::string tmpl = (fs::temp_directory_path() / "tempest-nimbus-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _local_dir = tmpl;
        _root = "/nimbus-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        _nimbus = std::make_unique<nimbus_process>(_root, _local_dir / "nimbus");
    }
    void TearDown() override {
        _nimbus.reset();
        std::error_code ignored;
        fs::remove_all(_local_dir, ignored);
    }

    // `tempest COMMAND --nimbus ADDRESS ARGS...`
    run_result cli(const std::string& command, std::vector<std::string> args) {
        args.insert(args.begin(), {command, "--nimbus", _nimbus->address()});
        return system_test::run(args);
    }

    // Submits word_count as `name`. (Not with --wait: that waits for workers, and there are no
    // supervisors here; nimbus_failover_test covers --wait.)
    run_result submit(const std::string& name) {
        return cli("jar", {word_count_package(), "--name", name});
    }

    // The STATUS column of `tempest list` for `name`, "" when it is not listed, "?" when list
    // failed.
    std::string status_of(const std::string& name) {
        run_result r = cli("list", {});
        if (r.status != 0) {
            return "?";
        }
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) {
            std::istringstream cols(line);
            std::string n, id, status;
            cols >> n >> id >> status;
            if (n == name) {
                return status;
            }
        }
        return "";
    }

    // Polls `tempest list` until `name` has `status` ("" = gone) or 15 s pass.
    bool wait_status(const std::string& name, const std::string& status) {
        std::string last;
        bool ok = wait_until([&] { return (last = status_of(name)) == status; }, 15s);
        if (!ok) {
            ADD_FAILURE() << "topology '" << name << "' is '" << last << "', not '" << status
                          << "'";
        }
        return ok;
    }

    fs::path _local_dir;
    std::string _root;
    std::unique_ptr<nimbus_process> _nimbus;
};

void expect_error(const run_result& r, const std::string& want) {
    EXPECT_NE(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "tempest: error: ")) << r.err;
    EXPECT_TRUE(contains(r.err, want)) << r.err;
}

TEST_F(nimbus_cli_test, runs_a_topology_through_its_lifecycle) {
    run_result r = submit("wc");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "submitted topology 'wc' to Nimbus at " + _nimbus->address()))
        << r.out;
    EXPECT_TRUE(wait_status("wc", "ACTIVE"));
    // Not a terminal: one line after the upload, no progress bar.
    EXPECT_TRUE(contains(r.err, "uploaded word_count.so (")) << r.err;

    run_result list = cli("list", {});
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_EQ(list.out.rfind("NAME", 0), 0u) << list.out;
    EXPECT_TRUE(contains(list.out, "wc-")) << "the id starts with the name: " << list.out;
    EXPECT_EQ(status_of("wc"), "ACTIVE");

    // The Nimbus found through the config instead of --nimbus.
    run_result by_conf =
        system_test::run({"list", "-c", "nimbus.seeds=[127.0.0.1]", "-c",
                          "nimbus.thrift.port=" + std::to_string(_nimbus->port())});
    EXPECT_EQ(by_conf.status, 0) << by_conf.err;
    EXPECT_TRUE(contains(by_conf.out, "ACTIVE")) << by_conf.out;

    r = cli("deactivate", {"wc"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(wait_status("wc", "INACTIVE"));
    r = cli("activate", {"wc"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(wait_status("wc", "ACTIVE"));

    r = cli("rebalance", {"wc", "-w", "0", "-n", "2", "-e", "split=2"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(wait_status("wc", "ACTIVE"));

    r = cli("kill", {"wc", "-w", "0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(wait_status("wc", ""));
    EXPECT_EQ(cli("list", {}).out, "No topologies running.\n");
}

TEST_F(nimbus_cli_test, reports_the_exceptions_nimbus_raises) {
    ASSERT_EQ(submit("dup").status, 0);
    expect_error(submit("dup"), "AlreadyAliveException");
    expect_error(cli("kill", {"nosuch", "-w", "0"}), "NotAliveException");
    expect_error(cli("activate", {"nosuch"}), "NotAliveException");
    expect_error(cli("deactivate", {"nosuch"}), "NotAliveException");
    expect_error(cli("rebalance", {"nosuch", "-n", "2"}), "NotAliveException");
    EXPECT_EQ(status_of("dup"), "ACTIVE");
}

TEST_F(nimbus_cli_test, refuses_an_unregistered_class_before_uploading) {
    run_result r = cli("jar", {TEMPEST_CLI_TEST_PKG, "--unregistered"});
    expect_error(r, "which tempest_register did not register");
    EXPECT_FALSE(contains(r.err, "uploaded")) << r.err;
    EXPECT_EQ(cli("list", {}).out, "No topologies running.\n");
}

TEST_F(nimbus_cli_test, names_an_unreachable_nimbus) {
    std::string nowhere = "127.0.0.1:" + std::to_string(test_support::pick_free_port());
    for (const char* command : {"list", "kill", "activate"}) {
        std::vector<std::string> args = {command, "--nimbus", nowhere};
        if (std::string(command) != "list") {
            args.push_back("wc");
        }
        run_result r = system_test::run(args);
        expect_error(r, "cannot reach Nimbus at " + nowhere);
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    expect_error(system_test::run({"jar", "--nimbus", nowhere, word_count_package()}),
                 "cannot reach Nimbus at " + nowhere);
}

// `errors`, `monitor` and the list's rate column against a Nimbus without supervisors: no
// executor runs, so there are no figures yet (the rate is "-", monitor counts 0) and no errors.
TEST_F(nimbus_cli_test, errors_monitor_and_list_rate_answer_before_any_figures) {
    ASSERT_EQ(submit("wc").status, 0);
    run_result r = cli("errors", {"wc"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "No errors reported by topology 'wc'.\n");
    expect_error(cli("errors", {"nosuch"}), "no topology named 'nosuch' is running");

    run_result list = cli("list", {});
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_TRUE(contains(list.out, "EMITTED/S")) << list.out;
    EXPECT_TRUE(contains(list.out, "  -\n")) << list.out;  // no worker reported yet

    expect_error(cli("monitor", {"nosuch", "-c", "split"}),
                 "no topology named 'nosuch' is running");
    r = cli("monitor", {"wc"});
    EXPECT_EQ(r.status, 2);
    expect_error(r,
                 "which component of 'wc'? give -c COMPONENT, one of: count, report, "
                 "sentences, split");
    expect_error(cli("monitor", {"wc", "-c", "nope"}),
                 "topology 'wc' has no component 'nope' (components: count, report, sentences, "
                 "split)");

    tempest_process monitor(
        {"monitor", "wc", "--nimbus", _nimbus->address(), "-c", "split", "-i", "0.2"});
    auto lines = [&] {
        std::string out = monitor.out();
        return std::count(out.begin(), out.end(), '\n');
    };
    ASSERT_TRUE(wait_until([&] { return lines() >= 3 || monitor.exited(); }, 15s))
        << monitor.out() << monitor.err();
    monitor.signal(SIGINT);
    EXPECT_EQ(monitor.wait(), 0) << monitor.err();
    std::string out = monitor.out();
    EXPECT_EQ(out.rfind("topology\tcomponent\tparallelism\tstream\ttime-diff ms\temitted\t", 0), 0U)
        << out;
    EXPECT_TRUE(contains(out, "\nwc\tsplit\t0\tdefault\t")) << out;
    EXPECT_TRUE(monitor.err().empty()) << monitor.err();
}

// `monitor` prints moving numbers: a supervisor record and worker heartbeats written here stand
// in for the daemons, each heartbeat raising the spout's all-time emitted count by 1000.
TEST_F(nimbus_cli_test, monitor_prints_the_throughput_of_the_counts_workers_report) {
    common::zk_cluster_state zk(
        {.servers = "127.0.0.1:" + std::to_string(zk_environment::server->port()), .root = _root});
    common::zk_paths paths("/");
    common::supervisor_record sup{.supervisor_id = "sup-a",
                                  .hostname = "sup-a.example",
                                  .ports = {6700, 6701, 6702, 6703},
                                  .version = "test"};
    ASSERT_TRUE(common::ensure_path(zk, paths.supervisors()));
    ASSERT_TRUE(zk.create(paths.supervisor("sup-a"), thrift::encode(sup)));
    ASSERT_EQ(submit("wc").status, 0);
    auto client = common::nimbus_client::connect("127.0.0.1", _nimbus->port(), 10s);
    common::topology_info info;
    ASSERT_TRUE(wait_until(
        [&] {
            info = client.info("wc");
            return !info.executors.empty() && !info.executors.front().host.empty();
        },
        15s));
    auto a = thrift::decode_assignment(zk.get(paths.assignment(info.id))->data);
    ASSERT_TRUE(a);
    std::map<int, std::string> component_of;  // by first task
    for (const auto& e : info.executors) {
        component_of[e.task_start] = e.component;
    }
    std::int64_t emitted = 0;
    auto write_beats = [&] {
        std::map<common::node_port, common::worker_heartbeat> beats;
        for (const auto& [e, np] : a->executor_node_port) {
            auto& hb = beats[np];
            hb.executors.push_back(e);
            if (component_of[e.task_start] == "sentences") {
                common::stats_record r;
                auto n = static_cast<std::uint64_t>(emitted);
                r.add(common::stat_kind::emitted, {"", "default"}, {n, n, n, n});
                hb.records[e] = r;
            }
        }
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        for (auto& [np, hb] : beats) {
            hb.topology_id = info.id;
            hb.time_secs = now;
            auto path = paths.workerbeat(info.id, np.node, np.port);
            if (!zk.set(path, thrift::encode(hb))) {
                ASSERT_TRUE(common::ensure_path(zk, paths.workerbeats(info.id)));
                ASSERT_TRUE(zk.create(path, thrift::encode(hb)));
            }
        }
    };
    write_beats();

    tempest_process monitor(
        {"monitor", "wc", "--nimbus", _nimbus->address(), "-c", "sentences", "-i", "0.2"});
    std::size_t lines_seen = 0;
    std::regex moving("\nwc\tsentences\t1\tdefault\t[0-9]+\t1000\t[0-9.]+\n");
    bool moved = wait_until(
        [&] {
            std::string out = monitor.out();
            auto lines = static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n'));
            if (lines > lines_seen) {  // a poll went by: the workers report 1000 more
                lines_seen = lines;
                emitted += 1000;
                write_beats();
            }
            return std::regex_search(out, moving) || monitor.exited();
        },
        20s);
    EXPECT_TRUE(moved) << monitor.out() << monitor.err();
    monitor.signal(SIGTERM);
    EXPECT_EQ(monitor.wait(), 0) << monitor.err();
    EXPECT_TRUE(std::regex_search(monitor.out(), moving)) << monitor.out();
}

TEST_F(nimbus_cli_test, a_restarted_nimbus_finds_its_topologies) {
    ASSERT_EQ(submit("survivor").status, 0);
    _nimbus->restart();
    EXPECT_EQ(status_of("survivor"), "ACTIVE");
    ASSERT_EQ(cli("kill", {"survivor", "-w", "0"}).status, 0);
    EXPECT_TRUE(wait_status("survivor", ""));
}

}  // namespace
}  // namespace tempest

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new tempest::zk_environment);
    return RUN_ALL_TESTS();
}
