// SPDX-License-Identifier: Apache-2.0
// nimbus_server end to end in one process: a throwaway ZooKeeper, the server on a free port, a
// Thrift client (framed transport, binary protocol) as Storm's clients use. Labelled `system`:
// it starts a ZooKeeper server (a JVM), so it is not a unit test despite living here.
#include "tempest/nimbus/nimbus_server.h"

#include "tempest/common/config_loader.h"
#include "tempest/test_support/zk_server.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/topology_convert.h"

#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <thread>

namespace tempest::nimbus {
namespace {

namespace fs = std::filesystem;
namespace th = tempest::thrift;

struct client {
    explicit client(int port) {
        using namespace apache::thrift;
        auto socket = std::make_shared<transport::TSocket>("127.0.0.1", port);
        transport = std::make_shared<transport::TFramedTransport>(socket);
        nimbus = std::make_unique<th::NimbusClient>(
            std::make_shared<protocol::TBinaryProtocol>(transport));
        transport->open();
    }
    ~client() { transport->close(); }
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

config nimbus_conf(const test_support::zk_server& zk, const fs::path& dir) {
    config conf = common::default_config();
    conf.set("storm.zookeeper.servers", value(value::list{value("127.0.0.1")}));
    conf.set("storm.zookeeper.port", zk.port());
    conf.set("storm.zookeeper.root", "/nimbus-server-test");
    conf.set("storm.local.dir", dir.string());
    conf.set("nimbus.thrift.port", 0);
    return conf;
}

fs::path temp_dir() {
    return fs::temp_directory_path() /
           ("tempest-nimbus-server-test-" + std::to_string(std::random_device{}()));
}

bool wait_until(const std::function<bool()>& pred, std::chrono::seconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

std::string upload(client& c) {
    std::string location;
    c.nimbus->beginFileUpload(location);
    c.nimbus->uploadChunk(location, "package");
    c.nimbus->finishFileUpload(location);
    return location;
}

TEST(nimbus_server_test, serves_submissions_and_finds_them_after_a_restart) {
    test_support::zk_server zk;
    auto dir = temp_dir();
    auto conf = nimbus_conf(zk, dir);

    std::string id;
    {
        nimbus_server server(conf);
        server.start();
        ASSERT_GT(server.port(), 0);
        client c(server.port());
        auto location = upload(c);
        c.nimbus->submitTopology("wc", location, "{}", th::to_thrift(one_spout()));
        EXPECT_THROW(c.nimbus->submitTopology("wc", location, "{}", th::to_thrift(one_spout())),
                     th::AlreadyAliveException);
        EXPECT_THROW(c.nimbus->killTopology("nope"), th::NotAliveException);
        std::vector<th::TopologySummary> list;
        c.nimbus->getTopologySummaries(list);
        ASSERT_EQ(list.size(), 1U);
        id = list[0].id;
        th::NimbusSummary leader;
        c.nimbus->getLeader(leader);
        EXPECT_EQ(leader.port, server.port());
    }
    {
        nimbus_server server(conf);
        server.start();
        client c(server.port());
        th::TopologyInfo info;
        c.nimbus->getTopologyInfoByName(info, "wc");
        EXPECT_EQ(info.id, id);
        EXPECT_EQ(info.status, "ACTIVE");
        th::KillOptions opts;
        opts.__set_wait_secs(0);
        c.nimbus->killTopologyWithOpts("wc", opts);
        std::vector<th::TopologySummary> list;
        c.nimbus->getTopologySummaries(list);
        EXPECT_TRUE(list.empty());
    }
    fs::remove_all(dir);
}

TEST(nimbus_server_test, a_standby_refuses_changes_and_takes_over_when_the_leader_goes) {
    test_support::zk_server zk;
    auto dir_a = temp_dir();
    auto dir_b = temp_dir();
    auto a = std::make_unique<nimbus_server>(nimbus_conf(zk, dir_a));
    a->start();
    nimbus_server b(nimbus_conf(zk, dir_b));
    b.start();
    {
        client cb(b.port());
        th::NimbusSummary leader;
        cb.nimbus->getLeader(leader);
        EXPECT_EQ(leader.port, a->port());
        std::string location;
        try {
            cb.nimbus->beginFileUpload(location);
            FAIL() << "a standby accepted an upload";
        } catch (const apache::thrift::TApplicationException& e) {
            EXPECT_NE(std::string(e.what()).find("not the leader"), std::string::npos) << e.what();
        }
        th::ClusterSummary cluster;
        cb.nimbus->getClusterInfo(cluster);
        EXPECT_EQ(cluster.nimbuses.size(), 2U);
    }
    a.reset();  // the leader goes; its ephemeral nodes with it
    client cb(b.port());
    EXPECT_TRUE(wait_until(
        [&] {
            th::NimbusSummary leader;
            cb.nimbus->getLeader(leader);
            return leader.port == b.port();
        },
        std::chrono::seconds(10)));
    cb.nimbus->submitTopology("wc", upload(cb), "{}", th::to_thrift(one_spout()));
    std::vector<th::TopologySummary> list;
    cb.nimbus->getTopologySummaries(list);
    EXPECT_EQ(list.size(), 1U);
    fs::remove_all(dir_a);
    fs::remove_all(dir_b);
}

}  // namespace
}  // namespace tempest::nimbus
