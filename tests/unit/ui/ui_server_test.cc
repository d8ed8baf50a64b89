// SPDX-License-Identifier: Apache-2.0
// ui_server against real Nimbus Thrift services in this process: nimbus_handler over the
// in-memory cluster state, served by a Thrift server on loopback, and the UI's REST API read
// over HTTP. Endpoint fields against what Nimbus holds, actions changing a topology's status,
// and the UI following the leader when it fails over. Labelled `cluster` (sockets, no ZooKeeper).
#include "tempest/ui/ui_server.h"

#include "../nimbus/nimbus_fixture.h"
#include "nimbus_handler.h"
#include "nimbus_leader_client.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/memory_cluster_state.h"
#include "tempest/common/stats_record.h"
#include "tempest/common/zk_paths.h"
#include "tempest/test_support/http_client.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/cluster_records_types.h"
#include "tempest/thrift/topology_convert.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <thread>

namespace tempest::ui {
namespace {

namespace fs = std::filesystem;
namespace th = tempest::thrift;
using json = nlohmann::json;
using namespace std::chrono_literals;
using test_support::http_client;

using nimbus::testing::word_count;

class ready_handler : public apache::thrift::server::TServerEventHandler {
  public:
    void preServe() override {
        std::call_once(_once, [this] { ready.set_value(); });
    }
    std::promise<void> ready;

  private:
    std::once_flag _once;
};

// A Nimbus Thrift service on host:port (0: any free port) over `state`, its local dir `dir`.
// `leads` says whether it leads; when not, it names `leader` (as a standby does).
class served_nimbus {
  public:
    served_nimbus(common::cluster_state& state, const fs::path& dir, const std::string& host,
                  int port) {
        using namespace apache::thrift;
        config conf = common::default_config();
        conf.set("storm.local.dir", dir.string());
        conf.set("nimbus.package.check", false);  // the packages here are not shared libraries
        handler = std::make_shared<nimbus::nimbus_handler>(state, conf, dir);
        socket = std::make_shared<transport::TServerSocket>(host, port);
        server = std::make_shared<server::TThreadedServer>(
            std::make_shared<th::NimbusProcessor>(handler), socket,
            std::make_shared<transport::TFramedTransportFactory>(),
            std::make_shared<protocol::TBinaryProtocolFactory>());
        auto events = std::make_shared<ready_handler>();
        server->setServerEventHandler(events);
        thread = std::thread([this] { server->serve(); });
        EXPECT_EQ(events->ready.get_future().wait_for(10s), std::future_status::ready);
        sockaddr_in addr{};
        socklen_t len = sizeof(addr);
        EXPECT_EQ(getsockname(socket->getSocketFD(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
        this->port = ntohs(addr.sin_port);
        this->host = host;
        handler->set_address(host, this->port);
        handler->set_leader_check([this]() -> std::optional<th::NimbusSummary> {
            if (leads.load()) {
                return std::nullopt;
            }
            std::scoped_lock lock(mu);
            return leader;
        });
    }
    ~served_nimbus() { stop(); }

    void stop() {
        if (thread.joinable()) {
            server->stop();
            thread.join();
        }
    }

    void follow(const served_nimbus& other) {
        std::scoped_lock lock(mu);
        other.handler->getLeader(leader);
        leads = false;
    }

    std::string host;
    int port = 0;
    std::shared_ptr<nimbus::nimbus_handler> handler;
    std::atomic<bool> leads{true};

  private:
    std::mutex mu;  // guards leader
    th::NimbusSummary leader;
    std::shared_ptr<apache::thrift::transport::TServerSocket> socket;
    std::shared_ptr<apache::thrift::server::TThreadedServer> server;
    std::thread thread;
};

// A Nimbus that answers getLeader (naming itself) and getClusterInfo only. Each getClusterInfo
// is held until `wanted` of them are in flight at once (at most 5 s), so calls that reach it
// one at a time fail the client's 2 s timeout; it records the most seen at once.
class gathering_nimbus : public th::NimbusNull {
  public:
    explicit gathering_nimbus(int wanted) : _wanted(wanted) {}
    void getLeader(th::NimbusSummary& out) override {
        out.host = "127.0.0.1";
        out.port = port;
        out.isLeader = true;
    }
    void getClusterInfo(th::ClusterSummary&) override {
        std::unique_lock lock(_mu);
        ++_in_flight;
        _most = std::max(_most, _in_flight);
        _cv.notify_all();
        _cv.wait_for(lock, 5s, [this] { return _in_flight >= _wanted || _released; });
        _released = _released || _in_flight >= _wanted;
        --_in_flight;
    }
    int most() {
        std::scoped_lock lock(_mu);
        return _most;
    }
    std::atomic<int> port{0};

  private:
    const int _wanted;
    std::mutex _mu;  // guards the counts below
    std::condition_variable _cv;
    int _in_flight = 0;
    int _most = 0;
    bool _released = false;
};

// `handler` served over Thrift on 127.0.0.1 (any free port) until destroyed.
class served_handler {
  public:
    explicit served_handler(std::shared_ptr<gathering_nimbus> h) : handler(std::move(h)) {
        using namespace apache::thrift;
        socket = std::make_shared<transport::TServerSocket>("127.0.0.1", 0);
        server = std::make_shared<server::TThreadedServer>(
            std::make_shared<th::NimbusProcessor>(handler), socket,
            std::make_shared<transport::TFramedTransportFactory>(),
            std::make_shared<protocol::TBinaryProtocolFactory>());
        auto events = std::make_shared<ready_handler>();
        server->setServerEventHandler(events);
        thread = std::thread([this] { server->serve(); });
        EXPECT_EQ(events->ready.get_future().wait_for(10s), std::future_status::ready);
        sockaddr_in addr{};
        socklen_t len = sizeof(addr);
        EXPECT_EQ(getsockname(socket->getSocketFD(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
        port = ntohs(addr.sin_port);
        handler->port = port;
    }
    ~served_handler() {
        server->stop();
        thread.join();
    }
    std::shared_ptr<gathering_nimbus> handler;
    int port = 0;

  private:
    std::shared_ptr<apache::thrift::transport::TServerSocket> socket;
    std::shared_ptr<apache::thrift::server::TThreadedServer> server;
    std::thread thread;
};

class ui_server_test : public ::testing::Test {
  protected:
    ui_server_test() {
        dir = fs::temp_directory_path() /
              ("tempest-ui-server-test-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir);
        for (const auto& p : paths.top_level()) {
            if (p != "/") {
                EXPECT_TRUE(common::ensure_path(state, p));
            }
        }
    }
    ~ui_server_test() override {
        ui.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    std::unique_ptr<served_nimbus> serve_nimbus(const std::string& host, int port,
                                                const std::string& name) {
        fs::create_directories(dir / name);
        return std::make_unique<served_nimbus>(state, dir / name, host, port);
    }

    void start_ui(const std::vector<std::string>& seeds, int nimbus_port) {
        config conf = common::default_config();
        value::list hosts;
        for (const auto& s : seeds) {
            hosts.emplace_back(s);
        }
        conf.set("nimbus.seeds", value(hosts));
        conf.set("nimbus.thrift.port", nimbus_port);
        conf.set("ui.port", 0);
        ui_options o;
        o.nimbus_timeout = 2s;
        ui = std::make_unique<ui_server>(conf, o);
        ui->start();
        ASSERT_GT(ui->port(), 0);
    }

    void add_supervisor(const std::string& id, std::vector<int> ports, std::vector<int> used = {}) {
        th::records::SupervisorRecord s;
        s.supervisor_id = id;
        s.hostname = id + ".example";
        s.ports = std::move(ports);
        s.used_ports = std::move(used);
        s.time_secs = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        s.uptime_secs = 42;
        s.version = "0.1.0";
        ASSERT_TRUE(state.create(paths.supervisor(id), th::to_binary(s)));
    }

    // Submits word count as `name` through `n`; returns its id.
    std::string submit(served_nimbus& n, const std::string& name) {
        std::string location;
        n.handler->beginFileUpload(location);
        n.handler->uploadChunk(location, "package");
        n.handler->finishFileUpload(location);
        n.handler->submitTopology(name, location, R"({"topology.workers": 2})",
                                  th::to_thrift(word_count()));
        th::TopologySummary s;
        n.handler->getTopologySummaryByName(s, name);
        return s.id;
    }

    // Every worker of `id` writes its heartbeat as a running worker would: each "words" executor
    // emitted and transferred `n` tuples on "default", `n / 2` of them acked; each "count"
    // executor executed and acked `n`; a user metric per task and the worker's RSS and CPU.
    void beat_workers(served_nimbus& n, const std::string& id, std::uint64_t v) {
        th::TopologyInfo info;
        n.handler->getTopologyInfo(info, id);
        ASSERT_FALSE(info.executors.empty());
        std::map<std::pair<std::string, int>, common::worker_heartbeat> beats;
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        for (const auto& e : info.executors) {
            // Supervisors here are "<id>.example" hosts; the heartbeat path takes the node id.
            const std::string node = e.host.substr(0, e.host.find(".example"));
            auto& hb = beats[{node, e.port}];
            common::executor_info ex{e.executor_info.task_start, e.executor_info.task_end};
            hb.executors.push_back(ex);
            common::window_values all{v, v, v, v};
            common::window_values half{v / 2, v / 2, v / 2, v / 2};
            common::stats_record r;
            if (e.component_id == "words") {
                r.add(common::stat_kind::emitted, {"", "default"}, all);
                r.add(common::stat_kind::transferred, {"", "default"}, all);
                r.add(common::stat_kind::acked, {"", "default"}, half);
                r.add(common::stat_kind::complete_latency_us, {"", "default"},
                      {v * 1000, v * 1000, v * 1000, v * 1000});
                r.add(common::stat_kind::complete_samples, {"", "default"}, all);
            } else if (e.component_id == "count") {
                r.add(common::stat_kind::executed, {"words", "default"}, all);
                r.add(common::stat_kind::acked, {"words", "default"}, all);
            }
            hb.records[ex] = r;
            hb.metrics.push_back({"words.seen", e.component_id, ex.task_start, 1.0 * v});
        }
        for (auto& [slot, hb] : beats) {
            hb.topology_id = id;
            hb.time_secs = now;
            hb.uptime_secs = 100;
            hb.host = slot.first + ".example";
            hb.port = slot.second;
            hb.sample_rate = 1.0;
            hb.metrics.push_back({"worker.rss_bytes", "__system", -1, 8e6});
            hb.metrics.push_back({"worker.cpu_seconds", "__system", -1, 0.5});
            auto path = paths.workerbeat(id, slot.first, slot.second);
            ASSERT_TRUE(common::ensure_path(state, paths.workerbeats(id)));
            auto bytes = th::encode(hb);
            if (state.get(path)) {
                ASSERT_TRUE(state.set(path, bytes));
            } else {
                ASSERT_TRUE(state.create(path, bytes));
            }
        }
    }

    std::string scrape() {
        http_client c(ui->port());
        auto r = c.request("GET", "/metrics");
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
        return r.body;
    }

    // The value of the sample `series` (name and labels, as written) in `text`; -1 when absent.
    static double sample(const std::string& text, const std::string& series) {
        auto pos = text.find("\n" + series + " ");
        if (pos == std::string::npos) {
            return -1;
        }
        return std::strtod(text.c_str() + pos + series.size() + 2, nullptr);
    }

    json get(const std::string& path, int status = 200) {
        http_client c(ui->port());
        auto r = c.request("GET", path);
        EXPECT_EQ(r.status, status) << path << ": " << r.body;
        EXPECT_EQ(r.headers["content-type"], "application/json");
        return json::parse(r.body);
    }
    json post(const std::string& path, int status = 200) {
        http_client c(ui->port());
        auto r = c.request("POST", path);
        EXPECT_EQ(r.status, status) << path << ": " << r.body;
        return json::parse(r.body);
    }
    std::string status_of(const std::string& id) {
        const auto summary = get("/api/v1/topology/summary");
        for (const auto& t : summary["topologies"]) {
            if (t["id"] == id) {
                return t["status"];
            }
        }
        return "gone";
    }

    fs::path dir;
    common::memory_cluster_state state;
    common::zk_paths paths{"/"};
    std::unique_ptr<ui_server> ui;
};

TEST_F(ui_server_test, serves_what_nimbus_holds_in_storms_shapes) {
    auto nimbus = serve_nimbus("127.0.0.1", 0, "a");
    add_supervisor("sup-1", {6700, 6701, 6702, 6703});
    add_supervisor("sup-2", {6700, 6701});
    auto id = submit(*nimbus, "wc");
    th::TopologySummary held;
    nimbus->handler->getTopologySummaryById(held, id);
    start_ui({"127.0.0.1"}, nimbus->port);

    auto conf = get("/api/v1/cluster/configuration");
    EXPECT_EQ(conf["nimbus.thrift.port"], nimbus->port);
    EXPECT_TRUE(conf["topology.workers"].is_number_integer());

    auto cluster = get("/api/v1/cluster/summary");
    EXPECT_EQ(cluster["supervisors"], 2);
    EXPECT_EQ(cluster["topologies"], 1);
    EXPECT_EQ(cluster["slotsTotal"], 6);
    EXPECT_TRUE(cluster["slotsUsed"].is_number_integer());
    EXPECT_EQ(cluster["tasksTotal"], held.num_tasks);  // word count's 6 and the ackers'
    EXPECT_EQ(cluster["executorsTotal"], held.num_executors);
    EXPECT_TRUE(std::regex_match(cluster["stormVersion"].get<std::string>(),
                                 std::regex(R"(\d+\.\d+\.\d+)")));

    auto nimbuses = get("/api/v1/nimbus/summary")["nimbuses"];
    ASSERT_EQ(nimbuses.size(), 1U);
    EXPECT_EQ(nimbuses[0]["host"], "127.0.0.1");
    EXPECT_EQ(nimbuses[0]["port"], nimbus->port);
    EXPECT_EQ(nimbuses[0]["status"], "Leader");
    EXPECT_TRUE(nimbuses[0]["nimbusUpTime"].is_string());

    auto supervisors = get("/api/v1/supervisor/summary")["supervisors"];
    ASSERT_EQ(supervisors.size(), 2U);
    auto one = get("/api/v1/supervisor/summary?id=sup-2")["supervisors"];
    ASSERT_EQ(one.size(), 1U);
    EXPECT_EQ(one[0]["host"], "sup-2.example");
    EXPECT_EQ(one[0]["slotsTotal"], 2);
    EXPECT_TRUE(one[0]["uptime"].is_string());
    get("/api/v1/supervisor/summary?id=nope", 404);
    auto page = get("/api/v1/supervisor?id=sup-1");
    EXPECT_EQ(page["supervisors"].size(), 1U);
    EXPECT_TRUE(page["workers"].is_array());
    get("/api/v1/supervisor?id=nope", 404);

    auto topologies = get("/api/v1/topology/summary")["topologies"];
    ASSERT_EQ(topologies.size(), 1U);
    const auto& t = topologies[0];
    EXPECT_EQ(t["id"], id);
    EXPECT_EQ(t["name"], "wc");
    EXPECT_EQ(t["status"], "ACTIVE");
    EXPECT_EQ(t["tasksTotal"], held.num_tasks);
    EXPECT_EQ(t["executorsTotal"], held.num_executors);
    EXPECT_EQ(t["workersTotal"], held.num_workers);
    EXPECT_TRUE(t["uptimeSeconds"].is_number_integer());
    EXPECT_TRUE(t["uptime"].is_string());

    auto missing = get("/api/v1/no/such/thing", 404);
    EXPECT_EQ(missing["error"], "Not Found");
}

TEST_F(ui_server_test, actions_change_the_topology_status) {
    auto nimbus = serve_nimbus("127.0.0.1", 0, "a");
    add_supervisor("sup-1", {6700, 6701});
    auto id = submit(*nimbus, "wc");
    start_ui({"127.0.0.1"}, nimbus->port);

    EXPECT_EQ(
        post("/api/v1/topology/" + id + "/deactivate"),
        (json{{"topologyOperation", "deactivate"}, {"topologyId", id}, {"status", "success"}}));
    EXPECT_EQ(status_of(id), "INACTIVE");
    EXPECT_EQ(post("/api/v1/topology/" + id + "/activate")["topologyOperation"], "activate");
    EXPECT_EQ(status_of(id), "ACTIVE");
    EXPECT_EQ(post("/api/v1/topology/" + id + "/rebalance/30")["status"], "success");
    EXPECT_EQ(status_of(id), "REBALANCING");

    auto bad = post("/api/v1/topology/" + id + "/kill/soon", 400);
    EXPECT_EQ(bad["error"], "Bad Request");
    post("/api/v1/topology/nope-1-1/kill/0", 404);

    EXPECT_EQ(post("/api/v1/topology/" + id + "/kill/30")["topologyOperation"], "kill");
    EXPECT_EQ(status_of(id), "KILLED");
}

TEST_F(ui_server_test, follows_the_leader_when_it_fails_over) {
    // The leader on 127.0.0.1 and a standby on 127.0.0.2, on the same port: nimbus.seeds name
    // both hosts with one nimbus.thrift.port, as in a real cluster.
    auto leader = serve_nimbus("127.0.0.1", 0, "a");
    auto standby = serve_nimbus("127.0.0.2", leader->port, "b");
    standby->follow(*leader);
    add_supervisor("sup-1", {6700, 6701});
    auto id = submit(*leader, "wc");
    start_ui({"127.0.0.2", "127.0.0.1"}, leader->port);

    // Asked first, the standby names the leader; actions go there and succeed.
    post("/api/v1/topology/" + id + "/deactivate");
    EXPECT_EQ(status_of(id), "INACTIVE");

    // The leader goes; the standby takes over. The next requests find it.
    leader->stop();
    standby->leads = true;
    auto cluster = get("/api/v1/cluster/summary");
    EXPECT_EQ(cluster["topologies"], 1);
    post("/api/v1/topology/" + id + "/activate");
    EXPECT_EQ(status_of(id), "ACTIVE");
    auto nimbuses = get("/api/v1/nimbus/summary")["nimbuses"];
    ASSERT_EQ(nimbuses.size(), 1U);
    EXPECT_EQ(nimbuses[0]["host"], "127.0.0.2");
    EXPECT_EQ(nimbuses[0]["status"], "Leader");
}

TEST_F(ui_server_test, moves_to_the_new_leader_when_the_old_one_refuses_as_a_standby) {
    auto a = serve_nimbus("127.0.0.1", 0, "a");
    auto b = serve_nimbus("127.0.0.2", a->port, "b");
    b->follow(*a);
    auto id = submit(*a, "wc");
    start_ui({"127.0.0.1"}, a->port);
    post("/api/v1/topology/" + id + "/deactivate");

    // Leadership moves while the UI's connection to `a` stays open: `a` now refuses actions
    // naming `b`, and the UI goes there.
    b->leads = true;
    a->follow(*b);
    post("/api/v1/topology/" + id + "/activate");
    EXPECT_EQ(status_of(id), "ACTIVE");
}

TEST_F(ui_server_test, answers_503_while_no_nimbus_answers_and_recovers) {
    // A port nobody listens on: bind one, note it, close it.
    int port = 0;
    {
        auto probe = serve_nimbus("127.0.0.1", 0, "probe");
        port = probe->port;
    }
    start_ui({"127.0.0.1"}, port);
    auto j = get("/api/v1/cluster/summary", 503);
    EXPECT_EQ(j["error"], "Service Unavailable");
    EXPECT_NE(j["errorMessage"].get<std::string>().find(std::to_string(port)), std::string::npos);
    // Within a second of a failed search the UI answers 503 at once; then it finds Nimbus.
    auto nimbus = serve_nimbus("127.0.0.1", port, "a");
    EXPECT_TRUE(test_support::wait_until(
        [&] {
            http_client c(ui->port());
            return c.request("GET", "/api/v1/cluster/summary").status == 200;
        },
        10s));
    EXPECT_EQ(get("/api/v1/cluster/summary")["topologies"], 0);
}

TEST_F(ui_server_test, concurrent_requests_use_several_nimbus_connections) {
    // Three requests at once reach Nimbus at once (the UI's four handler threads, one Nimbus
    // connection each); over one shared connection the second would wait past its timeout.
    // Their targets differ (a query the route ignores), or the response cache would answer
    // all three from one evaluation.
    served_handler nimbus(std::make_shared<gathering_nimbus>(3));
    start_ui({"127.0.0.1"}, nimbus.port);
    std::vector<std::future<int>> calls;
    for (int i = 0; i < 3; ++i) {
        calls.push_back(std::async(std::launch::async, [this, i] {
            http_client c(ui->port());
            return c.request("GET", "/api/v1/cluster/summary?client=" + std::to_string(i)).status;
        }));
    }
    for (auto& c : calls) {
        EXPECT_EQ(c.get(), 200);
    }
    EXPECT_EQ(nimbus.handler->most(), 3);
}

TEST_F(ui_server_test, the_connection_pool_never_opens_more_than_its_size) {
    // A pool of two: two calls meet at Nimbus at once, a third waits for a connection back.
    served_handler nimbus(std::make_shared<gathering_nimbus>(2));
    nimbus_leader_client client({{"127.0.0.1", nimbus.port}}, 2s, 1s, 2);
    std::vector<std::future<std::size_t>> calls;
    for (int i = 0; i < 3; ++i) {
        calls.push_back(std::async(std::launch::async, [&client] {
            (void)client.cluster();
            return client.open_connections();
        }));
    }
    for (auto& c : calls) {
        EXPECT_LE(c.get(), 2U);
    }
    EXPECT_EQ(nimbus.handler->most(), 2);
    EXPECT_EQ(client.open_connections(), 2U);
    EXPECT_EQ(client.current(), "127.0.0.1:" + std::to_string(nimbus.port));
}

TEST_F(ui_server_test, topology_pages_show_what_the_workers_report) {
    auto nimbus = serve_nimbus("127.0.0.1", 0, "a");
    add_supervisor("sup-1", {6700, 6701});
    auto id = submit(*nimbus, "wc");
    beat_workers(*nimbus, id, 100);
    start_ui({"127.0.0.1"}, nimbus->port);

    auto t = get("/api/v1/topology/" + id);
    EXPECT_EQ(t["id"], id);
    EXPECT_EQ(t["name"], "wc");
    EXPECT_EQ(t["status"], "ACTIVE");
    EXPECT_EQ(t["window"], ":all-time");
    EXPECT_EQ(t["configuration"]["topology.workers"], 2);
    EXPECT_EQ(t["statsLate"], false);
    EXPECT_TRUE(t["statsAgeSecs"].is_number_integer()) << t["statsAgeSecs"];
    ASSERT_EQ(t["topologyStats"].size(), 4U);
    ASSERT_EQ(t["spouts"].size(), 1U);
    const auto& words = t["spouts"][0];
    EXPECT_EQ(words["spoutId"], "words");
    EXPECT_EQ(words["executors"], 2);
    EXPECT_EQ(words["emitted"], 200);  // two executors, 100 each
    EXPECT_EQ(words["acked"], 100);
    EXPECT_EQ(words["completeLatency"], "1.000");  // 1 ms per sample
    ASSERT_EQ(t["bolts"].size(), 1U);              // the ackers only with sys=1
    EXPECT_EQ(t["bolts"][0]["boltId"], "count");
    EXPECT_EQ(t["bolts"][0]["executed"], 200);
    EXPECT_TRUE(t["bolts"][0]["capacity"].is_string());
    ASSERT_EQ(t["workers"].size(), 2U);
    for (const auto& w : t["workers"]) {
        EXPECT_EQ(w["host"], "sup-1.example");
        EXPECT_EQ(w["late"], false);
        EXPECT_EQ(w["workerLogLink"], "http://sup-1.example:8000/log?file=" + id + "%2F" +
                                          std::to_string(w["port"].get<int>()) + "%2Fworker.log");
    }
    EXPECT_GT(get("/api/v1/topology/" + id + "?sys=1")["bolts"].size(), 1U);
    EXPECT_EQ(get("/api/v1/topology/" + id + "?window=600")["window"], "600");
    get("/api/v1/topology/" + id + "?window=5", 400);
    get("/api/v1/topology/nope-1-1", 404);

    auto c = get("/api/v1/topology/" + id + "/component/count?window=600");
    EXPECT_EQ(c["componentType"], "bolt");
    EXPECT_EQ(c["executors"], 2);
    EXPECT_EQ(c["tasks"], 4);
    ASSERT_EQ(c["executorStats"].size(), 2U);
    EXPECT_EQ(c["executorStats"][0]["executed"], 100);
    EXPECT_NE(c["executorStats"][0]["workerLogLink"].get<std::string>().find(":8000/log?file="),
              std::string::npos);
    ASSERT_EQ(c["inputStats"].size(), 1U);
    EXPECT_EQ(c["inputStats"][0]["component"], "words");
    EXPECT_EQ(c["inputStats"][0]["executed"], 200);
    ASSERT_EQ(c["boltStats"].size(), 4U);
    auto s = get("/api/v1/topology/" + id + "/component/words");
    EXPECT_EQ(s["componentType"], "spout");
    EXPECT_EQ(s["spoutSummary"].size(), 4U);
    get("/api/v1/topology/" + id + "/component/nope", 404);
    get("/api/v1/topology/nope-1-1/component/words", 404);

    auto v = get("/api/v1/topology/" + id + "/visualization");
    ASSERT_TRUE(v.contains("words"));
    ASSERT_TRUE(v.contains("count"));
    EXPECT_FALSE(v.contains("__acker"));
    ASSERT_EQ(v["count"][":inputs"].size(), 1U);
    EXPECT_EQ(v["count"][":inputs"][0][":component"], "words");
    EXPECT_EQ(v["count"][":inputs"][0][":grouping"], "fields");
    EXPECT_EQ(v["words"][":stats"].size(), 2U);
    EXPECT_EQ(get("/api/v1/topology/" + id + "/lag"), json::object());
    EXPECT_EQ(get("/api/v1/topology/" + id + "/logconfig", 501)["error"], "Not Implemented");
}

TEST_F(ui_server_test, metrics_pass_promtool_and_counters_grow_between_scrapes) {
    auto nimbus = serve_nimbus("127.0.0.1", 0, "a");
    add_supervisor("sup-1", {6700, 6701});
    auto id = submit(*nimbus, "wc");
    beat_workers(*nimbus, id, 100);
    start_ui({"127.0.0.1"}, nimbus->port);

    const auto text = scrape();
    const std::string emitted =
        R"(tempest_component_emitted_total{topology="wc",component="words",stream="default"})";
    EXPECT_EQ(sample(text, emitted), 200) << text;
    EXPECT_EQ(sample(text, "tempest_cluster_supervisors"), 1);
    EXPECT_EQ(sample(text, "tempest_cluster_slots"), 2);
    EXPECT_EQ(sample(text, R"(tempest_topology_status{topology="wc",status="ACTIVE"})"), 1);
    EXPECT_EQ(sample(text, "tempest_nimbus_leader_up"), 1);
    EXPECT_NE(text.find("\ntempest_worker_rss_bytes{topology=\"wc\",host=\"sup-1.example\""),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\ntempest_user_words_seen{"), std::string::npos) << text;

    // Debian's promtool (package prometheus, in scripts/install-deps) parses and lints it.
    const auto file = dir / "scrape.txt";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
        ASSERT_EQ(std::fclose(f), 0);
    }
    ASSERT_TRUE(fs::exists("/usr/bin/promtool"))
        << "promtool is missing: install Debian's prometheus package (scripts/install-deps)";
    const auto report = dir / "promtool.txt";
    const int rc = std::system(
        ("/usr/bin/promtool check metrics < " + file.string() + " > " + report.string() + " 2>&1")
            .c_str());
    std::string out;
    if (std::FILE* f = std::fopen(report.c_str(), "r")) {
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) {
            out.append(buf, n);
        }
        std::fclose(f);
    }
    EXPECT_EQ(rc, 0) << out << "\n" << text;

    // The workers report more; within the scrape cache's second the counter grows.
    beat_workers(*nimbus, id, 250);
    EXPECT_TRUE(test_support::wait_until([&] { return sample(scrape(), emitted) == 500; }, 10s));
}

}  // namespace
}  // namespace tempest::ui
