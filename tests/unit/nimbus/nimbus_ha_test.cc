// SPDX-License-Identifier: Apache-2.0
// Nimbus high availability, in one process: a throwaway ZooKeeper, two nimbus_server objects with
// their own storm.local.dir (as on separate hosts), real Thrift clients. The standby replicates
// the leader's code and takes over when the leader stops or its ZooKeeper session is cut (a
// tcp_proxy between it and ZooKeeper); a Nimbus whose session expired registers again and goes
// on serving. Labelled `system`: it starts a ZooKeeper server (a JVM).
#include "code_replication.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/sha256.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/nimbus/nimbus_server.h"
#include "tempest/test_support/tcp_proxy.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/topology_convert.h"

#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <thread>

namespace tempest::nimbus {
namespace {

namespace fs = std::filesystem;
namespace th = tempest::thrift;
using namespace std::chrono_literals;

// The test configuration's short session timeout; failover must complete within it plus 5 s.
constexpr auto session_timeout = 2000ms;
constexpr auto failover_deadline = session_timeout + 5s;

struct client {
    explicit client(int port) {
        using namespace apache::thrift;
        auto socket = std::make_shared<transport::TSocket>("127.0.0.1", port);
        socket->setRecvTimeout(20000);
        socket->setSendTimeout(20000);
        transport = std::make_shared<transport::TFramedTransport>(socket);
        nimbus = std::make_unique<th::NimbusClient>(
            std::make_shared<protocol::TBinaryProtocol>(transport));
        transport->open();
    }
    ~client() { transport->close(); }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    bool leads(int port) {
        th::NimbusSummary leader;
        nimbus->getLeader(leader);
        return leader.port == port;
    }
    // The bytes of `file` as this Nimbus serves them.
    std::string download(const std::string& file) {
        std::string id;
        nimbus->beginFileDownload(id, file);
        std::string out;
        for (;;) {
            std::string chunk;
            nimbus->downloadChunk(chunk, id);
            if (chunk.empty()) {
                return out;
            }
            out += chunk;
        }
    }

    std::shared_ptr<apache::thrift::transport::TTransport> transport;
    std::unique_ptr<th::NimbusClient> nimbus;
};

tempest::topology one_spout() {
    tempest::topology t;
    component_def spout;
    spout.id = "words";
    spout.kind = component_kind::spout;
    spout.class_name = "word_spout";
    spout.outputs = {{"default", fields{"word"}, false}};
    t.components.push_back(spout);
    return t;
}

config nimbus_conf(int zk_port, const std::string& root, const fs::path& dir) {
    config conf = common::default_config();
    conf.set("storm.zookeeper.servers", value(value::list{value("127.0.0.1")}));
    conf.set("storm.zookeeper.port", zk_port);
    conf.set("storm.zookeeper.root", root);
    conf.set("storm.zookeeper.session.timeout", static_cast<std::int64_t>(session_timeout.count()));
    conf.set("storm.zookeeper.connection.timeout", 5000);
    conf.set("storm.local.dir", dir.string());
    conf.set("storm.local.hostname", "127.0.0.1");
    conf.set("nimbus.thrift.port", 0);
    conf.set("nimbus.package.check", false);  // the packages here are not shared libraries
    return conf;
}

// A fresh local dir, removed at the end of the test.
struct temp_dir {
    temp_dir()
        : path(fs::temp_directory_path() /
               ("tempest-nimbus-ha-test-" + std::to_string(std::random_device{}()))) {}
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    fs::path path;
};

// As test_support::wait_until, but a call that throws (a Nimbus between sessions) counts as "not
// yet".
template <typename Pred>
bool wait_until(Pred&& pred, std::chrono::steady_clock::duration deadline) {
    return test_support::wait_until(
        [&] {
            try {
                return static_cast<bool>(pred());
            } catch (const std::exception&) {
                return false;
            }
        },
        deadline);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// 2.5 MiB of pseudo-random bytes: more than two download chunks.
std::string package_bytes() {
    std::mt19937 gen(42);
    std::string out(5 << 19, '\0');
    for (auto& c : out) {
        c = static_cast<char>(gen());
    }
    return out;
}

// Uploads `bytes` in 512 KiB chunks (a call fits nimbus.thrift.max_buffer_size's 1 MiB) and submits
// topology `name`; returns its id.
std::string submit(client& c, const std::string& name, const std::string& bytes) {
    std::string location;
    c.nimbus->beginFileUpload(location);
    for (std::size_t at = 0; at < bytes.size(); at += 512 * 1024) {
        c.nimbus->uploadChunk(location, bytes.substr(at, 512 * 1024));
    }
    c.nimbus->finishFileUpload(location);
    c.nimbus->submitTopology(name, location, "{}", th::to_thrift(one_spout()));
    th::TopologyInfo info;
    c.nimbus->getTopologyInfoByName(info, name);
    return info.id;
}

fs::path stormdist(const fs::path& local_dir, const std::string& id) {
    return local_dir / "nimbus" / "stormdist" / id;
}

// True once `local_dir` holds the whole replicated code of `id` with the package's checksum.
bool has_code(const fs::path& local_dir, const std::string& id, const std::string& bytes) {
    auto dir = stormdist(local_dir, id);
    common::sha256 digest;
    digest.update(bytes);
    return read_file(dir / "stormjar.so") == bytes &&
           read_file(dir / "stormjar.so.sha256").starts_with(digest.hex()) &&
           fs::is_regular_file(dir / "stormcode.ser") &&
           fs::is_regular_file(dir / "stormconf.json");
}

struct nimbus_ha_test : ::testing::Test {
    static void SetUpTestSuite() { zk = std::make_unique<test_support::zk_server>(); }
    static void TearDownTestSuite() { zk.reset(); }

    // A root of its own per test.
    static std::string root() {
        return std::string("/nimbus-ha-") +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
    }

    static std::unique_ptr<test_support::zk_server> zk;
};

std::unique_ptr<test_support::zk_server> nimbus_ha_test::zk;

// The standby copies the leader's code; after the leader stops, it leads within the session
// timeout plus 5 s and serves the topology and its package byte for byte.
TEST_F(nimbus_ha_test, a_standby_replicates_code_and_serves_it_after_the_leader_stops) {
    temp_dir dir_a;
    temp_dir dir_b;
    auto a = std::make_unique<nimbus_server>(nimbus_conf(zk->port(), root(), dir_a.path));
    a->start();
    nimbus_server b(nimbus_conf(zk->port(), root(), dir_b.path));
    b.start();
    const auto bytes = package_bytes();
    std::string id;
    {
        client ca(a->port());
        ASSERT_TRUE(ca.leads(a->port()));
        id = submit(ca, "wc", bytes);
    }
    ASSERT_TRUE(wait_until([&] { return has_code(dir_b.path, id, bytes); }, 10s))
        << "the standby did not replicate " << id;
    EXPECT_EQ(read_file(stormdist(dir_b.path, id) / "stormjar.so.sha256"),
              read_file(stormdist(dir_a.path, id) / "stormjar.so.sha256"));
    EXPECT_EQ(read_file(stormdist(dir_b.path, id) / "stormcode.ser"),
              read_file(stormdist(dir_a.path, id) / "stormcode.ser"));

    auto stopped = std::chrono::steady_clock::now();
    a->stop();
    client cb(b.port());
    ASSERT_TRUE(wait_until([&] { return cb.leads(b.port()); }, failover_deadline));
    EXPECT_LE(std::chrono::steady_clock::now() - stopped, failover_deadline);
    std::vector<th::TopologySummary> list;
    cb.nimbus->getTopologySummaries(list);
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0].id, id);
    EXPECT_EQ(cb.download(id + "/stormjar.so"), bytes);
    EXPECT_EQ(cb.download((stormdist(dir_b.path, id) / "stormjar.so").string()), bytes);
    // The new leader accepts changes, and a killed topology's code goes from both Nimbuses.
    th::KillOptions opts;
    opts.__set_wait_secs(0);
    cb.nimbus->killTopologyWithOpts("wc", opts);
    EXPECT_FALSE(fs::exists(stormdist(dir_b.path, id)));
    a = std::make_unique<nimbus_server>(nimbus_conf(zk->port(), root(), dir_a.path));
    a->start();
    EXPECT_TRUE(wait_until([&] { return !fs::exists(stormdist(dir_a.path, id)); }, 10s))
        << "the restarted standby kept the code of the killed topology";
}

// The leader takes a kill with a wait and stops before the wait ends: the standby takes over,
// shows the topology KILLED, and removes it when the recorded wait has passed — its record,
// its assignment and its code — while the other topology stays.
TEST_F(nimbus_ha_test, the_new_leader_carries_out_a_kill_pending_when_the_leader_stopped) {
    temp_dir dir_a;
    temp_dir dir_b;
    auto a = std::make_unique<nimbus_server>(nimbus_conf(zk->port(), root(), dir_a.path));
    a->start();
    nimbus_server b(nimbus_conf(zk->port(), root(), dir_b.path));
    b.start();
    const std::string bytes = "package bytes";
    std::string id;
    std::string keep;
    {
        client ca(a->port());
        ASSERT_TRUE(ca.leads(a->port()));
        id = submit(ca, "wc", bytes);
        keep = submit(ca, "other", bytes);
        ASSERT_TRUE(wait_until([&] { return has_code(dir_b.path, id, bytes); }, 10s));
        th::KillOptions opts;
        opts.__set_wait_secs(4);
        ca.nimbus->killTopologyWithOpts("wc", opts);
        th::TopologyInfo info;
        ca.nimbus->getTopologyInfo(info, id);
        ASSERT_EQ(info.status, "KILLED");
    }
    a->stop();  // before the wait ends: the old leader never ran the kill
    common::zk_options opts;
    opts.servers = zk->connect_string();
    opts.root = root();
    common::zk_cluster_state observer(opts);
    common::zk_paths paths("/");
    ASSERT_TRUE(observer.get(paths.storm(id))) << "the stopped leader ran the kill";

    client cb(b.port());
    ASSERT_TRUE(wait_until([&] { return cb.leads(b.port()); }, failover_deadline));
    th::TopologyInfo info;
    cb.nimbus->getTopologyInfo(info, id);
    EXPECT_EQ(info.status, "KILLED");
    // The wait is counted again from the takeover, so the removal comes within it plus slack.
    EXPECT_TRUE(wait_until([&] { return !observer.exists(paths.storm(id)).value().has_value(); },
                           failover_deadline + 4s + 5s))
        << "the new leader did not carry out the pending kill";
    EXPECT_FALSE(observer.exists(paths.assignment(id)).value().has_value());
    // The code goes after the records (topology_store::remove): the record seen gone here may
    // be a few milliseconds ahead of it.
    EXPECT_TRUE(wait_until([&] { return !fs::exists(stormdist(dir_b.path, id)); }, 5s))
        << "the new leader kept the code of the killed topology";
    std::vector<th::TopologySummary> list;
    cb.nimbus->getTopologySummaries(list);
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0].id, keep);
    EXPECT_EQ(list[0].status, "ACTIVE");
    EXPECT_TRUE(cb.nimbus->isTopologyNameAllowed("wc"));
}

// The leader is cut from ZooKeeper: its session expires, the standby takes over within the
// session timeout plus 5 s and serves the code; once the link is back, the old leader registers
// again as a standby.
TEST_F(nimbus_ha_test, a_standby_takes_over_when_the_leaders_session_is_cut) {
    temp_dir dir_a;
    temp_dir dir_b;
    test_support::tcp_proxy proxy(zk->port());
    nimbus_server a(nimbus_conf(proxy.port(), root(), dir_a.path));
    a.start();
    nimbus_server b(nimbus_conf(zk->port(), root(), dir_b.path));
    b.start();
    const auto bytes = package_bytes();
    client ca(a.port());
    client cb(b.port());
    ASSERT_TRUE(ca.leads(a.port()));
    auto id = submit(ca, "wc", bytes);
    ASSERT_TRUE(wait_until([&] { return has_code(dir_b.path, id, bytes); }, 10s));

    auto cut = std::chrono::steady_clock::now();
    proxy.cut();
    ASSERT_TRUE(wait_until([&] { return cb.leads(b.port()); }, failover_deadline));
    EXPECT_LE(std::chrono::steady_clock::now() - cut, failover_deadline);
    std::vector<th::TopologySummary> list;
    cb.nimbus->getTopologySummaries(list);
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0].id, id);
    EXPECT_EQ(cb.download(id + "/stormjar.so"), bytes);

    proxy.restore();
    // The old leader's session expired: it opens a new one and joins as a standby.
    EXPECT_TRUE(wait_until(
        [&] {
            th::ClusterSummary cluster;
            ca.nimbus->getClusterInfo(cluster);
            return cluster.nimbuses.size() == 2U && !ca.leads(a.port()) && ca.leads(b.port());
        },
        15s));
    try {
        std::string location;
        ca.nimbus->beginFileUpload(location);
        ADD_FAILURE() << "the old leader accepted an upload after losing the lead";
    } catch (const apache::thrift::TApplicationException& e) {
        EXPECT_NE(std::string(e.what()).find("not the leader"), std::string::npos) << e.what();
    }
}

// A lone Nimbus cut from ZooKeeper for longer than its session timeout: once the link is back it
// registers again (a live election node), leads again, and still serves its topology.
TEST_F(nimbus_ha_test, a_nimbus_whose_session_expired_registers_again_and_goes_on) {
    temp_dir dir;
    test_support::tcp_proxy proxy(zk->port());
    nimbus_server n(nimbus_conf(proxy.port(), root(), dir.path));
    n.start();
    client c(n.port());
    const auto bytes = package_bytes();
    auto id = submit(c, "wc", bytes);

    common::zk_options opts;
    opts.servers = zk->connect_string();
    opts.root = root();
    common::zk_cluster_state observer(opts);
    common::zk_paths paths("/");
    auto election_nodes = [&] {
        auto ids = observer.children(paths.leader());
        return ids ? ids->size() : std::size_t{0};
    };
    ASSERT_EQ(election_nodes(), 1U);
    auto first = observer.children(paths.leader());
    ASSERT_TRUE(first);

    proxy.cut();
    // ZooKeeper expires the session: the election node goes.
    ASSERT_TRUE(wait_until([&] { return election_nodes() == 0U; }, failover_deadline));
    proxy.restore();
    ASSERT_TRUE(wait_until(
        [&] {
            auto ids = observer.children(paths.leader());
            return ids && ids->size() == 1U && (*ids)[0] != (*first)[0] && c.leads(n.port());
        },
        15s))
        << "the Nimbus did not register again after its session expired";
    th::ClusterSummary cluster;
    c.nimbus->getClusterInfo(cluster);
    ASSERT_EQ(cluster.topologies.size(), 1U);
    EXPECT_EQ(cluster.topologies[0].id, id);
    EXPECT_EQ(c.download(id + "/stormjar.so"), bytes);
    // It accepts changes again.
    EXPECT_NO_THROW(submit(c, "wc2", "package"));
}

// Fetching checks what arrives: a package that does not match its recorded SHA-256, or a
// topology the leader does not have, is an error naming what was wrong.
TEST_F(nimbus_ha_test, fetching_code_checks_the_package_checksum) {
    temp_dir dir;
    temp_dir copy;
    nimbus_server n(nimbus_conf(zk->port(), root(), dir.path));
    n.start();
    client c(n.port());
    auto id = submit(c, "wc", "package bytes");

    fetch_topology_code("127.0.0.1", n.port(), id, copy.path / "good", 10s);
    EXPECT_EQ(read_file(copy.path / "good" / "stormjar.so"), "package bytes");

    std::ofstream(stormdist(dir.path, id) / "stormjar.so", std::ios::trunc) << "tampered";
    try {
        fetch_topology_code("127.0.0.1", n.port(), id, copy.path / "bad", 10s);
        ADD_FAILURE() << "a package with the wrong checksum was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("SHA-256"), std::string::npos) << e.what();
    }
    try {
        fetch_topology_code("127.0.0.1", n.port(), "nope-1-1", copy.path / "none", 10s);
        ADD_FAILURE() << "fetching an unknown topology succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("nope-1-1/stormjar.so.sha256"), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace tempest::nimbus
