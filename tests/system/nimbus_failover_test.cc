// SPDX-License-Identifier: Apache-2.0
// Nimbus failover across processes: two `tempest nimbus` processes share one ZooKeeper root, each
// with its own storm.local.dir (as on two hosts). A topology submitted to the leader is refused
// by the standby with one error line naming the leader; once the standby holds a copy of its
// code, the leader is SIGKILLed, and within the ZooKeeper session timeout plus 5 s the survivor
// leads: it lists the topology ACTIVE and kills it. The CLI given only nimbus.seeds (both
// Nimbus processes) follows the leader, rides out its loss and names every address it tried
// when none answers.
//
// Also `tempest jar --wait`, which needs a ZooKeeper as well: with no supervisor it times out
// saying what is missing, and a change in ZooKeeper (a worker heartbeat node) is reported at
// once, not at the next timer poll.
//
// The ZooKeeper server (a JVM) serves the whole binary through a global test environment.
#include "nimbus_process.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace tempest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using system_test::run_result;
using test_support::wait_until;

// Short, so that the killed leader's election node goes soon; the server allows down to 400 ms.
constexpr auto session_timeout = 2000ms;
constexpr auto failover_deadline = session_timeout + 5s;

class zk_environment : public ::testing::Environment {
  public:
    void SetUp() override { server = std::make_unique<test_support::zk_server>(); }
    void TearDown() override { server.reset(); }
    static inline std::unique_ptr<test_support::zk_server> server;
};

std::string word_count_package() {
    return (system_test::build_dir() / "examples" / "word_count.so").string();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

run_result cli(const std::string& command, const system_test::nimbus_process& nimbus,
               std::vector<std::string> args) {
    args.insert(args.begin(), {command, "--nimbus", nimbus.address()});
    return system_test::run(args);
}

// The STATUS column of `tempest list` for `name` at `nimbus`; "" when it is not listed, "?" when
// list failed.
std::string status_of(const system_test::nimbus_process& nimbus, const std::string& name) {
    run_result r = cli("list", nimbus, {});
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

// True when the stormdist of `nimbus` holds the package of a topology whose id starts with
// "<name>-".
bool has_code(const system_test::nimbus_process& nimbus, const std::string& name) {
    fs::path stormdist = nimbus.local_dir() / "nimbus" / "stormdist";
    std::error_code ec;
    for (fs::directory_iterator it(stormdist, ec), end; !ec && it != end; it.increment(ec)) {
        std::string id = it->path().filename().string();
        if (id.rfind(name + "-", 0) == 0 && fs::is_regular_file(it->path() / "stormjar.so")) {
            return true;
        }
    }
    return false;
}

class nimbus_failover_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-failover-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
        // Each test its own root: a SIGKILLed Nimbus of an earlier test leads there until its
        // session times out.
        static int counter = 0;
        _root =
            "/nimbus-failover-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    }
    void TearDown() override {
        _standby.reset();
        _leader.reset();
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }

    std::unique_ptr<system_test::nimbus_process> start_nimbus(const std::string& dir) {
        return std::make_unique<system_test::nimbus_process>(
            zk_environment::server->port(), _root, _dir / dir,
            std::vector<std::string>{"storm.zookeeper.session.timeout=" +
                                     std::to_string(session_timeout.count())});
    }

    // -c overrides that point the CLI at this test's ZooKeeper root.
    std::vector<std::string> zk_overrides() const {
        return {"-c", "storm.zookeeper.servers=[127.0.0.1]",
                "-c", "storm.zookeeper.port=" + std::to_string(zk_environment::server->port()),
                "-c", "storm.zookeeper.root=" + _root};
    }

    // The ID column of `tempest list` for `name`; "" when it is not listed.
    std::string id_of(const system_test::nimbus_process& nimbus, const std::string& name) {
        std::istringstream lines(cli("list", nimbus, {}).out);
        for (std::string line; std::getline(lines, line);) {
            std::istringstream cols(line);
            std::string n, id;
            cols >> n >> id;
            if (n == name) {
                return id;
            }
        }
        return "";
    }

    fs::path _dir;
    std::string _root;
    std::unique_ptr<system_test::nimbus_process> _leader;
    std::unique_ptr<system_test::nimbus_process> _standby;
};

TEST_F(nimbus_failover_test, the_standby_takes_over_after_the_leader_is_killed) {
    _leader = start_nimbus("a");
    ASSERT_TRUE(contains(_leader->err(), "(leader)")) << _leader->err();
    _standby = start_nimbus("b");
    ASSERT_TRUE(contains(_standby->err(), "standby, leader ")) << _standby->err();

    std::string package = word_count_package();
    run_result r = cli("jar", *_leader, {package, "--name", "wc"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(status_of(*_leader, "wc"), "ACTIVE");

    // The standby refuses what only the leader may do, in one error line naming the leader. (The
    // word_count package's tempest_main adds a line of its own when its submission fails.)
    std::string leader_port = ":" + std::to_string(_leader->port());
    auto expect_refused = [&](const run_result& refused) {
        EXPECT_NE(refused.status, 0) << refused.out << refused.err;
        std::istringstream lines(refused.err);
        std::vector<std::string> errors;
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind("tempest: error: ", 0) == 0) {
                errors.push_back(line);
            }
        }
        ASSERT_EQ(errors.size(), 1u) << refused.err;
        EXPECT_TRUE(contains(errors[0], "this Nimbus is not the leader; the leader is "))
            << errors[0];
        EXPECT_TRUE(contains(errors[0], leader_port)) << errors[0];
    };
    expect_refused(cli("jar", *_standby, {package, "--name", "wc2"}));
    run_result refused_kill = cli("kill", *_standby, {"wc"});
    expect_refused(refused_kill);
    EXPECT_EQ(std::count(refused_kill.err.begin(), refused_kill.err.end(), '\n'), 1)
        << refused_kill.err;
    EXPECT_EQ(status_of(*_leader, "wc"), "ACTIVE") << "a refused kill must not touch it";
    EXPECT_EQ(status_of(*_leader, "wc2"), "") << "a refused jar must not submit";

    ASSERT_TRUE(wait_until([&] { return has_code(*_standby, "wc"); }, 15s))
        << "the standby did not replicate the code of 'wc': " << _standby->err();

    ASSERT_TRUE(_leader->kill());
    auto deadline = std::chrono::steady_clock::now() + failover_deadline;
    auto left = [&] { return deadline - std::chrono::steady_clock::now(); };
    std::string last;
    bool listed =
        wait_until([&] { return (last = status_of(*_standby, "wc")) == "ACTIVE"; }, left());
    ASSERT_TRUE(listed) << "after the leader was killed, the survivor lists 'wc' as '" << last
                        << "': " << _standby->err();
    // It leads: it accepts the kill it refused as a standby, within the same deadline.
    run_result killed;
    ASSERT_TRUE(wait_until(
        [&] {
            return (killed = cli("kill", *_standby, {"-w", "0", "wc"})).status == 0;
        },
        left()))
        << "the survivor did not lead within " << failover_deadline.count() << " ms: " << killed.err
        << _standby->err();
    EXPECT_TRUE(contains(killed.out, "killed topology 'wc'")) << killed.out;
    EXPECT_TRUE(wait_until([&] { return status_of(*_standby, "wc").empty(); }, 15s));
}

// The CLI without --nimbus: nimbus.seeds lists both Nimbus processes (HOST:PORT entries, the
// standby first). It follows the leader the seeds name, answers from the standby at once when
// the leader is SIGKILLed, reaches the new leader after failover, and, with both gone, fails
// with one error line naming every address it tried.
TEST_F(nimbus_failover_test, the_cli_finds_the_leader_among_the_seeds) {
    _leader = start_nimbus("a");
    ASSERT_TRUE(contains(_leader->err(), "(leader)")) << _leader->err();
    _standby = start_nimbus("b");
    ASSERT_TRUE(contains(_standby->err(), "standby, leader ")) << _standby->err();
    const std::string seeds =
        "nimbus.seeds=[\"" + _standby->address() + "\", \"" + _leader->address() + "\"]";
    auto seeded = [&](const std::string& command, std::vector<std::string> args) {
        args.insert(args.begin(), {command, "-c", seeds});
        return system_test::run(args);
    };

    // A change goes to the leader although the standby is the first seed.
    run_result r = seeded("jar", {word_count_package(), "--name", "wc"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(status_of(*_leader, "wc"), "ACTIVE");
    run_result listed = seeded("list", {});
    EXPECT_EQ(listed.status, 0) << listed.err;
    EXPECT_TRUE(contains(listed.out, "wc")) << listed.out;
    ASSERT_TRUE(wait_until([&] { return has_code(*_standby, "wc"); }, 15s))
        << "the standby did not replicate the code of 'wc': " << _standby->err();

    // The leader dies: `list` is answered at once by the survivor (it still names the dead
    // leader until its session expires, and answers queries meanwhile).
    ASSERT_TRUE(_leader->kill());
    auto deadline = std::chrono::steady_clock::now() + failover_deadline;
    auto left = [&] { return deadline - std::chrono::steady_clock::now(); };
    listed = seeded("list", {});
    EXPECT_EQ(listed.status, 0) << listed.out << listed.err;
    EXPECT_TRUE(contains(listed.out, "wc")) << listed.out;
    // Once the survivor leads, a change through the seeds reaches it.
    run_result killed;
    EXPECT_TRUE(wait_until(
        [&] {
            return (killed = seeded("kill", {"-w", "0", "wc"})).status == 0;
        },
        left()))
        << "the survivor did not take a kill within " << failover_deadline.count()
        << " ms: " << killed.err;
    EXPECT_TRUE(contains(killed.out, "killed topology 'wc'")) << killed.out;

    // Both gone: one error line naming both addresses.
    ASSERT_TRUE(_standby->kill());
    run_result none = seeded("list", {});
    EXPECT_NE(none.status, 0) << none.out;
    std::vector<std::string> errors;
    std::istringstream lines(none.err);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("tempest: error: ", 0) == 0) {
            errors.push_back(line);
        }
    }
    ASSERT_EQ(errors.size(), 1u) << none.err;
    EXPECT_TRUE(contains(errors[0], "cannot reach any Nimbus")) << errors[0];
    EXPECT_TRUE(contains(errors[0], _standby->address())) << errors[0];
    EXPECT_TRUE(contains(errors[0], _leader->address())) << errors[0];
}

// No supervisor takes the executors, so `jar --wait 2` reports the state it saw and gives up
// with a line saying what is missing; the same without a reachable ZooKeeper, after a warning.
TEST_F(nimbus_failover_test, jar_wait_times_out_without_supervisors) {
    _leader = start_nimbus("a");
    std::vector<std::string> args = zk_overrides();
    args.insert(args.end(), {"--wait", "2", word_count_package(), "--name", "lonely"});
    auto start = std::chrono::steady_clock::now();
    run_result r = cli("jar", *_leader, args);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_NE(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "tempest: topology 'lonely' is ACTIVE: 0 of ")) << r.out;
    EXPECT_TRUE(contains(r.out, "executors assigned, 0 of 1 workers with heartbeats")) << r.out;
    EXPECT_TRUE(contains(r.err, "tempest: error: topology 'lonely' is not running after 2 s: "))
        << r.err;
    EXPECT_TRUE(
        contains(r.err, "executors are not assigned (is a supervisor with free slots running?)"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "1 of 1 workers have no heartbeat")) << r.err;
    EXPECT_FALSE(contains(r.err, "warning")) << r.err;
    EXPECT_LT(took, 15s);

    // No ZooKeeper on this port: one warning line, then Nimbus is polled alone.
    std::string nowhere = std::to_string(test_support::pick_free_port());
    r = cli("jar", *_leader,
            {"-c", "storm.zookeeper.servers=[127.0.0.1]", "-c", "storm.zookeeper.port=" + nowhere,
             "--wait", "2", word_count_package(), "--name", "alone"});
    EXPECT_NE(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "tempest: warning: cannot watch ZooKeeper")) << r.err;
    EXPECT_TRUE(contains(r.out, "heartbeats not watched")) << r.out;
    EXPECT_TRUE(contains(r.err, "tempest: error: topology 'alone' is not running after 2 s: "))
        << r.err;
    EXPECT_FALSE(contains(r.err, "have no heartbeat")) << r.err;
}

// A heartbeat node appearing in ZooKeeper is reported within 2 s; the timer alone would re-poll
// only 5 s after the previous report.
TEST_F(nimbus_failover_test, jar_wait_reports_a_zookeeper_change_at_once) {
    _leader = start_nimbus("a");
    std::vector<std::string> args{"jar", "--nimbus", _leader->address()};
    for (const auto& a : zk_overrides()) {
        args.push_back(a);
    }
    args.insert(args.end(), {"--wait", "60", word_count_package(), "--name", "watched"});
    system_test::tempest_process jar(args);
    ASSERT_TRUE(wait_until(
        [&] { return contains(jar.out(), "0 of 1 workers with heartbeats") || jar.exited(); }, 20s))
        << jar.out() << jar.err();
    ASSERT_FALSE(jar.exited()) << jar.out() << jar.err();
    std::string id = id_of(*_leader, "watched");
    ASSERT_FALSE(id.empty());

    common::zk_cluster_state zk(
        {.servers = "127.0.0.1:" + std::to_string(zk_environment::server->port()), .root = _root});
    common::zk_paths paths("/");
    // The worker that would run there: its heartbeat node, under a folder only workers create.
    auto changed = std::chrono::steady_clock::now();
    ASSERT_TRUE(zk.create(paths.workerbeats(id), ""));
    ASSERT_TRUE(zk.create(paths.workerbeat(id, "node-1", 6700), ""));
    EXPECT_TRUE(
        wait_until([&] { return contains(jar.out(), "1 of 1 workers with heartbeats"); }, 2s))
        << "not reported within 2 s: " << jar.out() << jar.err();
    EXPECT_LT(std::chrono::steady_clock::now() - changed, 2s);
    EXPECT_FALSE(jar.exited()) << "still waiting for its executors: " << jar.out() << jar.err();
}

}  // namespace
}  // namespace tempest

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new tempest::zk_environment);
    return RUN_ALL_TESTS();
}
