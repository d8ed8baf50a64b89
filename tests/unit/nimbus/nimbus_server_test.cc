// SPDX-License-Identifier: Apache-2.0
// nimbus_server end to end in one process: a throwaway ZooKeeper, the server on a free port, a
// Thrift client (framed transport, binary protocol) as Storm's clients use. Labelled `system`:
// it starts a ZooKeeper server (a JVM), so it is not a unit test despite living here.
#include "tempest/nimbus/nimbus_server.h"

#include "tempest/common/config_keys.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/cluster_records_types.h"
#include "tempest/thrift/topology_convert.h"
#include "thrift_wire.h"

#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tempest::nimbus {
namespace {

namespace fs = std::filesystem;
namespace th = tempest::thrift;
namespace rec = tempest::thrift::records;
using namespace std::chrono_literals;

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
    conf.set("nimbus.package.check", false);  // the packages here are not shared libraries
    return conf;
}

fs::path temp_dir() {
    return fs::temp_directory_path() /
           ("tempest-nimbus-server-test-" + std::to_string(std::random_device{}()));
}

using test_support::wait_until;

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

// The Thrift port under hostile input, through the daemon's own wiring: the frame limit and the
// request timeout from the conf, getNimbusConf reporting the limit, huge declared lengths
// refused with RSS bounded, an idle flood closed without delaying a good client.
TEST(nimbus_server_test, bounds_frames_and_connections_at_its_thrift_port) {
    test_support::zk_server zk;
    auto dir = temp_dir();
    auto conf = nimbus_conf(zk, dir);
    conf.set("nimbus.thrift.max_buffer_size", 2 * 1024 * 1024);
    conf.set("nimbus.thrift.client.idle.timeout.secs", 1);
    {
        nimbus_server server(conf);
        server.start();
        {
            client c(server.port());
            std::string json;
            c.nimbus->getNimbusConf(json);
            EXPECT_NE(json.find(R"("nimbus.thrift.max_buffer_size":2097152)"), std::string::npos)
                << json;
            // A 1.5 MiB chunk fits the configured 2 MiB frames.
            std::string location;
            c.nimbus->beginFileUpload(location);
            c.nimbus->uploadChunk(location, std::string(1536 * 1024, 'p'));
            c.nimbus->finishFileUpload(location);
        }

        const auto before = wire::usage();
        std::vector<std::unique_ptr<wire::raw_connection>> attackers;
        for (int i = 0; i < 3; ++i) {
            attackers.push_back(std::make_unique<wire::raw_connection>(server.port()));
            ASSERT_TRUE(attackers.back()->send(wire::huge_string_frame()));
        }
        for (auto& a : attackers) {
            auto reply = a->read_frame(10s);
            ASSERT_TRUE(reply);
            EXPECT_EQ(wire::read_exception(*reply).getType(),
                      apache::thrift::TApplicationException::PROTOCOL_ERROR);
        }
        auto oversized = std::make_unique<wire::raw_connection>(server.port());
        ASSERT_TRUE(oversized->send(wire::be32(0x7FFFFFF0U) + "abcd"));
        EXPECT_TRUE(oversized->closed_within(10s));
        EXPECT_LT(wire::usage().peak_rss_bytes - before.peak_rss_bytes, 64 * wire::mib);

        std::vector<std::unique_ptr<wire::raw_connection>> idle;
        for (int i = 0; i < 200; ++i) {
            idle.push_back(std::make_unique<wire::raw_connection>(server.port()));
        }
        const auto start = std::chrono::steady_clock::now();
        {
            client c(server.port());
            th::NimbusSummary leader;
            c.nimbus->getLeader(leader);
            EXPECT_EQ(leader.port, server.port());
        }
        EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
        for (auto& c : idle) {
            EXPECT_TRUE(c->closed_within(10s));
        }
        for (auto& a : attackers) {
            EXPECT_TRUE(a->closed_within(10s));  // idle after their answer
        }
    }
    fs::remove_all(dir);
}

TEST(nimbus_server_test, answers_queries_as_storms_clients_expect) {
    test_support::zk_server zk;
    auto dir = temp_dir();
    auto conf = nimbus_conf(zk, dir);  // nimbus.thrift.port 0: any free port
    {
        nimbus_server server(conf);
        server.start();
        ASSERT_GT(server.port(), 0);
        client c(server.port());
        std::string json;
        c.nimbus->getNimbusConf(json);
        EXPECT_EQ(common::conf_int(th::config_from_json(json), "nimbus.thrift.port"),
                  server.port());

        auto location = upload(c);
        c.nimbus->submitTopology("wc", location, "{}", th::to_thrift(one_spout()));
        th::TopologySummary by_name;
        c.nimbus->getTopologySummaryByName(by_name, "wc");
        th::TopologySummary by_id;
        c.nimbus->getTopologySummaryById(by_id, by_name.id);
        EXPECT_EQ(by_id.name, "wc");
        EXPECT_EQ(by_id.id, by_name.id);

        // Storm declares no NotAliveException for these: an unknown topology comes back as a
        // TApplicationException naming it, and the connection stays usable.
        auto application_error = [](auto&& call) -> std::string {
            try {
                call();
            } catch (const apache::thrift::TApplicationException& e) {
                return e.what();
            } catch (const std::exception& e) {
                return std::string("unexpected: ") + e.what();
            }
            return "none";
        };
        th::TopologySummary s;
        EXPECT_EQ(application_error([&] { c.nimbus->getTopologySummaryByName(s, "nope"); }),
                  "topology 'nope' is not alive");
        EXPECT_EQ(application_error([&] { c.nimbus->getTopologySummaryById(s, "nope-1-1"); }),
                  "no topology with id 'nope-1-1'");
        c.nimbus->getTopologySummaryById(s, by_name.id);
        EXPECT_EQ(s.name, "wc");
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

// Stands in for supervisors and their workers: a thread that rewrites, every 200 ms, the
// supervisor records and worker heartbeats named in `beating` ("sup-a", "<topology>/<node>-<port>")
// in ZooKeeper. The supervisor nodes are ephemeral nodes of this session, so they stay while it
// lives, as those of a hung supervisor process do.
class fake_daemons {
  public:
    explicit fake_daemons(common::zk_options options) : _zk(std::move(options)) {
        _thread = std::thread([this] { run(); });
    }
    ~fake_daemons() {
        {
            std::scoped_lock lock(_mu);
            _stop = true;
        }
        _wake.notify_all();
        _thread.join();
    }

    void add_supervisor(const std::string& id, std::vector<int> ports) {
        rec::SupervisorRecord s;
        s.supervisor_id = id;
        s.hostname = id + ".example";
        s.ports = std::move(ports);
        s.version = "test";
        ASSERT_TRUE(
            _zk.create(_paths.supervisor(id), th::to_binary(s), common::create_mode::ephemeral));
        std::scoped_lock lock(_mu);
        _supervisors[id] = s;
        _beating.insert(id);
    }
    void add_worker(const std::string& topology_id, const std::string& node, int port) {
        std::scoped_lock lock(_mu);
        _workers[topology_id + "/" + node + "-" + std::to_string(port)] = {topology_id, node, port};
        _beating.insert(topology_id + "/" + node + "-" + std::to_string(port));
    }
    void stop_beating(const std::string& key) {
        std::scoped_lock lock(_mu);
        _beating.erase(key);
    }

  private:
    struct worker {
        std::string topology_id;
        std::string node;
        int port = 0;
    };

    void run() {
        std::unique_lock lock(_mu);
        std::int64_t tick = 0;
        while (!_stop) {
            ++tick;
            for (auto& [id, s] : _supervisors) {
                if (_beating.contains(id)) {
                    s.time_secs = tick;
                    (void)_zk.set(_paths.supervisor(id), th::to_binary(s));  // retried next tick
                }
            }
            for (const auto& [key, w] : _workers) {
                if (!_beating.contains(key)) {
                    continue;
                }
                rec::WorkerHeartbeatRecord hb;
                hb.topology_id = w.topology_id;
                hb.time_secs = tick;
                auto path = _paths.workerbeat(w.topology_id, w.node, w.port);
                if (!_zk.set(path, th::to_binary(hb))) {
                    (void)common::ensure_path(_zk, _paths.workerbeats(w.topology_id));
                    (void)_zk.create(path, th::to_binary(hb));  // retried next tick
                }
            }
            _wake.wait_for(lock, 200ms);
        }
    }

    common::zk_cluster_state _zk;
    common::zk_paths _paths{"/"};
    std::mutex _mu;  // guards everything below
    std::condition_variable _wake;
    bool _stop = false;
    std::map<std::string, rec::SupervisorRecord> _supervisors;
    std::map<std::string, worker> _workers;
    std::set<std::string> _beating;
    std::thread _thread;
};

// "host:port" of every executor of `name`.
std::set<std::string> slots_of(client& c, const std::string& name) {
    th::TopologyInfo info;
    c.nimbus->getTopologyInfoByName(info, name);
    std::set<std::string> out;
    for (const auto& e : info.executors) {
        out.insert(e.host + ":" + std::to_string(e.port));
    }
    return out;
}

// Liveness over ZooKeeper's own node stats, with short timeouts: a supervisor whose node stays but
// whose record is no longer rewritten loses its executors after nimbus.supervisor.timeout.secs,
// and a worker whose heartbeat stops loses its slot after nimbus.task.timeout.secs.
TEST(nimbus_server_test, moves_executors_of_a_hung_supervisor_and_of_a_dead_worker) {
    test_support::zk_server zk;
    auto dir = temp_dir();
    auto conf = nimbus_conf(zk, dir);
    conf.set("nimbus.monitor.freq.secs", 1);
    conf.set("nimbus.task.launch.secs", 5);
    conf.set("nimbus.task.timeout.secs", 3);
    conf.set("nimbus.supervisor.timeout.secs", 3);
    nimbus_server server(conf);
    server.start();
    client c(server.port());
    fake_daemons daemons(
        {.servers = "127.0.0.1:" + std::to_string(zk.port()), .root = "/nimbus-server-test"});
    daemons.add_supervisor("sup-a", {6700, 6701});
    daemons.add_supervisor("sup-b", {6700});
    c.nimbus->submitTopology("wc", upload(c), R"({"topology.workers": 2})",
                             th::to_thrift(one_spout()));
    std::vector<th::TopologySummary> list;
    c.nimbus->getTopologySummaries(list);
    ASSERT_EQ(list.size(), 1U);
    auto id = list[0].id;
    const std::set<std::string> both{"sup-a.example:6700", "sup-b.example:6700"};
    ASSERT_EQ(slots_of(c, "wc"), both);
    daemons.add_worker(id, "sup-a", 6700);
    daemons.add_worker(id, "sup-b", 6700);
    daemons.add_worker(id, "sup-a", 6701);  // the worker that will start there

    // All alive: past the launch time nothing moves.
    EXPECT_FALSE(wait_until([&] { return slots_of(c, "wc") != both; }, 7s))
        << "executors moved while everything heartbeat";

    // sup-b hangs: its node stays, its record freezes.
    daemons.stop_beating("sup-b");
    EXPECT_TRUE(wait_until(
        [&] {
            return slots_of(c, "wc") ==
                   std::set<std::string>{"sup-a.example:6700", "sup-a.example:6701"};
        },
        15s))
        << "executors not moved off the hung supervisor";

    // The worker on sup-a:6700 dies: its executors join those on sup-a:6701.
    daemons.stop_beating(id + "/sup-a-6700");
    EXPECT_TRUE(wait_until(
        [&] { return slots_of(c, "wc") == std::set<std::string>{"sup-a.example:6701"}; }, 15s))
        << "executors not moved off the dead worker";
    fs::remove_all(dir);
}

// The figures of a worker's heartbeat (stats records, metric points) over a real socket: Storm's
// ExecutorStats in getTopologyInfo, the page-info calls' aggregates, and Tempest's staleness and
// metric fields, which a Thrift client decodes beside Storm's.
TEST(nimbus_server_test, reports_heartbeat_figures_and_their_staleness_over_the_wire) {
    test_support::zk_server zk;
    auto dir = temp_dir();
    auto conf = nimbus_conf(zk, dir);
    nimbus_server server(conf);
    server.start();
    client c(server.port());
    common::zk_cluster_state writer(
        {.servers = "127.0.0.1:" + std::to_string(zk.port()), .root = "/nimbus-server-test"});
    common::zk_paths paths("/");
    rec::SupervisorRecord sup;
    sup.supervisor_id = "sup-a";
    sup.hostname = "sup-a.example";
    sup.ports = {6700};
    sup.version = "test";
    ASSERT_TRUE(writer.create(paths.supervisor("sup-a"), th::to_binary(sup)));
    c.nimbus->submitTopology("wc", upload(c), R"({"topology.workers": 1})",
                             th::to_thrift(one_spout()));
    th::TopologyInfo info;
    c.nimbus->getTopologyInfoByName(info, "wc");
    ASSERT_FALSE(info.executors.empty());

    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    common::worker_heartbeat hb;
    hb.topology_id = info.id;
    hb.uptime_secs = 50;
    hb.sample_rate = 0.05;
    hb.metrics = {{"worker.rss_bytes", "__system", -1, 4096}};
    th::ExecutorInfo words;
    for (const auto& e : info.executors) {
        common::executor_info ex{e.executor_info.task_start, e.executor_info.task_end};
        hb.executors.push_back(ex);
        if (e.component_id == "words") {
            words = e.executor_info;
            common::stats_record r;
            r.add(common::stat_kind::emitted, {"", "default"}, {10, 20, 30, 40});
            r.add(common::stat_kind::acked, {"", "default"}, {5, 5, 5, 5});
            r.add(common::stat_kind::complete_latency_us, {"", "default"},
                  {3000, 3000, 3000, 3000});
            r.add(common::stat_kind::complete_samples, {"", "default"}, {1, 1, 1, 1});
            hb.records[ex] = r;
            hb.metrics.push_back({"my.counter", "words", ex.task_start, 7});
        }
    }
    auto write_beat = [&](std::int64_t time_secs) {
        hb.time_secs = time_secs;
        auto path = paths.workerbeat(info.id, "sup-a", 6700);
        if (!writer.set(path, th::encode(hb))) {
            ASSERT_TRUE(common::ensure_path(writer, paths.workerbeats(info.id)));
            ASSERT_TRUE(writer.create(path, th::encode(hb)));
        }
    };
    write_beat(now);

    c.nimbus->getTopologyInfoByName(info, "wc");
    bool seen = false;
    for (const auto& e : info.executors) {
        if (e.executor_info == words) {
            seen = true;
            ASSERT_TRUE(e.__isset.stats);
            EXPECT_EQ(e.stats.emitted.at("10800").at("default"), 20);
            EXPECT_DOUBLE_EQ(e.stats.specific.spout.complete_ms_avg.at("600").at("default"), 3.0);
            EXPECT_DOUBLE_EQ(e.stats.rate, 0.05);
            EXPECT_EQ(e.stats_time_secs, now);
            EXPECT_FALSE(e.late);
        }
    }
    EXPECT_TRUE(seen);
    th::TopologyPageInfo page;
    c.nimbus->getTopologyPageInfo(page, info.id, "600", false);
    EXPECT_EQ(page.id_to_spout_agg_stats.at("words").common_stats.emitted, 10);
    EXPECT_EQ(page.topology_stats.window_to_emitted.at(":all-time"), 40);
    EXPECT_EQ(page.num_late_executors, 0);
    ASSERT_EQ(page.workers.size(), 1U);
    EXPECT_EQ(page.workers[0].uptime_secs, 50);
    ASSERT_EQ(page.workers[0].metrics.size(), 1U);
    EXPECT_EQ(page.workers[0].metrics[0].name, "worker.rss_bytes");
    th::ComponentPageInfo comp;
    c.nimbus->getComponentPageInfo(comp, info.id, "words", ":all-time", false);
    EXPECT_EQ(comp.window_to_stats.at(":all-time").common_stats.emitted, 40);
    EXPECT_EQ(comp.sid_to_output_stats.at("default").common_stats.acked, 5);
    ASSERT_EQ(comp.metrics.size(), 1U);
    EXPECT_EQ(comp.metrics[0].name, "my.counter");
    th::SupervisorPageInfo sp;
    c.nimbus->getSupervisorPageInfo(sp, "sup-a", "", false);
    ASSERT_EQ(sp.worker_summaries.size(), 1U);
    EXPECT_FALSE(sp.worker_summaries[0].late);

    // A heartbeat written 100 s ago (nimbus.task.timeout.secs is 30): late, left out.
    write_beat(now - 100);
    page = th::TopologyPageInfo();  // a Thrift read leaves fields it does not see as they were
    comp = th::ComponentPageInfo();
    c.nimbus->getTopologyPageInfo(page, info.id, "600", false);
    EXPECT_GT(page.num_late_executors, 0);
    EXPECT_FALSE(page.__isset.topology_stats);  // no current figures
    EXPECT_TRUE(page.workers[0].late);
    EXPECT_GE(page.workers[0].heartbeat_age_secs, 100);
    c.nimbus->getComponentPageInfo(comp, info.id, "words", ":all-time", false);
    EXPECT_EQ(comp.num_late_executors, 1);
    EXPECT_FALSE(comp.window_to_stats.at(":all-time").common_stats.__isset.emitted);
    ASSERT_EQ(comp.exec_stats.size(), 1U);
    EXPECT_TRUE(comp.exec_stats[0].exec_summary.late);
    EXPECT_EQ(comp.exec_stats[0].stats.common_stats.emitted, 40);  // its own last figures
    fs::remove_all(dir);
}

}  // namespace
}  // namespace tempest::nimbus
