// SPDX-License-Identifier: Apache-2.0
// The Nimbus Thrift handler over the in-memory cluster state and a temporary local dir: no
// ZooKeeper, no sockets. Delayed actions and the monitor are driven by hand.
#include "nimbus_handler.h"

#include "tempest/common/config_keys.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/memory_cluster_state.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/cluster_records_types.h"
#include "tempest/thrift/topology_convert.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tempest::nimbus {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace th = tempest::thrift;
namespace rec = tempest::thrift::records;
using common::memory_cluster_state;
using common::zk_paths;

tempest::topology word_count() {
    tempest::topology t;
    component_def spout;
    spout.id = "words";
    spout.kind = component_kind::spout;
    spout.class_name = "word_spout";
    spout.args = {value("the quick fox")};
    spout.parallelism = 2;
    spout.num_tasks = 2;
    spout.outputs = {{"default", fields{"word"}, false}};
    t.components.push_back(spout);
    component_def bolt;
    bolt.id = "count";
    bolt.class_name = "count_bolt";
    bolt.parallelism = 2;
    bolt.num_tasks = 4;
    bolt.inputs = {{"words", "default", {grouping_type::fields, fields{"word"}, "", {}}}};
    t.components.push_back(bolt);
    std::sort(t.components.begin(), t.components.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    return t;
}

std::string temp_dir() {
    std::random_device rd;
    auto dir = fs::temp_directory_path() / ("tempest-nimbus-test-" + std::to_string(rd()));
    fs::create_directories(dir);
    return dir.string();
}

class nimbus_handler_test : public ::testing::Test {
  protected:
    nimbus_handler_test() : _dir(temp_dir()), _state(std::make_unique<memory_cluster_state>()) {
        _conf = common::default_config();
        _conf.set("nimbus.file.upload.max.bytes", 64);
        // The packages here are not shared libraries (package_check_test covers the check).
        _conf.set("nimbus.package.check", false);
        _handler = make_handler();
    }
    ~nimbus_handler_test() override {
        _handler.reset();
        std::error_code ec;
        fs::remove_all(_dir, ec);
    }

    // Handlers read the fake clocks below; advance() moves both.
    std::unique_ptr<nimbus_handler> make_handler() {
        auto h = std::make_unique<nimbus_handler>(*_state, _conf, fs::path(_dir), _paths);
        h->set_clocks({[this] { return _steady; }, [this] { return _unix; }});
        return h;
    }

    void advance(std::chrono::seconds by) {
        _steady += by;
        _unix += by.count();
    }

    std::string upload(const std::string& content = "package-bytes") {
        std::string location;
        _handler->beginFileUpload(location);
        _handler->uploadChunk(location, content);
        _handler->finishFileUpload(location);
        return location;
    }

    void submit(const std::string& name, const std::string& conf = R"({"topology.workers": 2})") {
        _handler->submitTopology(name, upload(), conf, th::to_thrift(word_count()));
    }

    std::vector<std::string> children(const std::string& path) {
        auto r = _state->children(path);
        return r ? *r : std::vector<std::string>{};
    }

    std::string only_id() {
        auto ids = children(_paths.storms());
        EXPECT_EQ(ids.size(), 1U);
        return ids.empty() ? "" : ids[0];
    }

    rec::StormBaseRecord storm(const std::string& id) {
        return th::from_binary<rec::StormBaseRecord>(_state->get(_paths.storm(id))->data).value();
    }

    rec::AssignmentRecord assignment_of(const std::string& id) {
        return th::from_binary<rec::AssignmentRecord>(_state->get(_paths.assignment(id))->data)
            .value();
    }

    // routes/<id> as stored, and as they must be: the routes of the stored assignment.
    common::routes stored_routes(const std::string& id) {
        auto data = _state->get(_paths.routes(id));
        EXPECT_TRUE(data) << _paths.routes(id);
        return data ? th::decode_routes(data->data).value() : common::routes{};
    }
    common::routes expected_routes(const std::string& id) {
        return common::routes_of(
            th::decode_assignment(_state->get(_paths.assignment(id))->data).value());
    }

    void add_supervisor(const std::string& id, std::vector<int> ports) {
        rec::SupervisorRecord s;
        s.supervisor_id = id;
        s.hostname = id + ".example";
        s.ports = std::move(ports);
        s.version = "test";
        ASSERT_TRUE(common::ensure_path(*_state, _paths.supervisors()));
        ASSERT_TRUE(_state->create(_paths.supervisor(id), th::to_binary(s)));
    }

    // The supervisor's periodic rewrite of its record (a new time_secs).
    void beat_supervisor(const std::string& id) {
        auto data = _state->get(_paths.supervisor(id));
        ASSERT_TRUE(data);
        auto s = th::from_binary<rec::SupervisorRecord>(data->data).value();
        s.time_secs = _unix;
        ASSERT_TRUE(_state->set(_paths.supervisor(id), th::to_binary(s)));
    }

    // A worker's heartbeat at workerbeats/<id>/<node>-<port>, written anew (as every second).
    void beat_worker(const std::string& id, const std::string& node, int port,
                     const rec::WorkerHeartbeatRecord& extra = {}) {
        rec::WorkerHeartbeatRecord hb = extra;
        hb.topology_id = id;
        hb.time_secs = _unix;
        auto bytes = th::to_binary(hb);
        auto path = _paths.workerbeat(id, node, port);
        ASSERT_TRUE(common::ensure_path(*_state, _paths.workerbeats(id)));
        if (_state->get(path)) {
            ASSERT_TRUE(_state->set(path, bytes));
        } else {
            ASSERT_TRUE(_state->create(path, bytes));
        }
    }

    // node:port of every executor, by first task.
    std::map<int, std::string> placement(const std::string& id) {
        std::map<int, std::string> out;
        for (const auto& [e, np] : assignment_of(id).executor_node_port) {
            out[e.task_start] = np.node + ":" + std::to_string(np.port);
        }
        return out;
    }

    std::int32_t assignment_version(const std::string& id) {
        return _state->get(_paths.assignment(id))->stat.version;
    }

    // Nothing of a failed submission is left: no topology record, no assignment, no code.
    void expect_nothing_stored() {
        EXPECT_TRUE(children(_paths.storms()).empty());
        EXPECT_TRUE(children(_paths.assignments()).empty());
        EXPECT_TRUE(children(_paths.routes()).empty());
        EXPECT_TRUE(fs::is_empty(_handler->stormdist_dir()));
    }

    std::string _dir;
    zk_paths _paths{"/tempest"};
    std::unique_ptr<memory_cluster_state> _state;
    config _conf;
    std::chrono::steady_clock::time_point _steady = std::chrono::steady_clock::now();
    std::int64_t _unix = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    std::unique_ptr<nimbus_handler> _handler;
};

template <typename Exception, typename Fn>
void expect_throw_with(Fn&& fn, const std::string& needle) {
    try {
        fn();
        FAIL() << "expected an exception mentioning: " << needle;
    } catch (const Exception& e) {
        EXPECT_NE(e.msg.find(needle), std::string::npos) << e.msg;
    }
}

TEST_F(nimbus_handler_test, submit_writes_records_code_and_an_empty_assignment) {
    auto location = upload("abc");
    _handler->submitTopology("wc", location, R"({"topology.workers": 2, "my.key": 1})",
                             th::to_thrift(word_count()));
    auto id = only_id();
    EXPECT_EQ(id.rfind("wc-1-", 0), 0U) << id;
    auto base = storm(id);
    EXPECT_EQ(base.name, "wc");
    EXPECT_EQ(base.status, rec::TopologyStatus::ACTIVE);
    EXPECT_EQ(base.num_workers, 2);
    EXPECT_EQ(base.component_executors.at("count"), 2);
    // No supervisors yet: an empty assignment.
    auto a = assignment_of(id);
    EXPECT_TRUE(a.executor_node_port.empty());
    EXPECT_EQ(a.code_dir, (_handler->stormdist_dir() / id).string());
    // Code and conf on disk; the upload moved out of the inbox.
    auto dir = _handler->stormdist_dir() / id;
    EXPECT_TRUE(fs::exists(dir / "stormjar.so"));
    EXPECT_TRUE(fs::exists(dir / "stormcode.ser"));
    EXPECT_TRUE(fs::exists(dir / "stormjar.so.sha256"));
    EXPECT_FALSE(fs::exists(location));
    // SHA-256 of "abc".
    std::string sum;
    std::ifstream(dir / "stormjar.so.sha256") >> sum;
    EXPECT_EQ(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    std::string conf_json;
    _handler->getTopologyConf(conf_json, id);
    auto conf = th::config_from_json(conf_json);
    EXPECT_EQ(conf.get_string("topology.name", ""), "wc");
    EXPECT_EQ(conf.get_int("my.key", 0), 1);
    EXPECT_EQ(conf.get_int("topology.acker.executors", -1), 2);  // fixed at submission

    std::vector<th::TopologySummary> summaries;
    _handler->getTopologySummaries(summaries);
    ASSERT_EQ(summaries.size(), 1U);
    EXPECT_EQ(summaries[0].name, "wc");
    EXPECT_EQ(summaries[0].status, "ACTIVE");
    EXPECT_FALSE(_handler->isTopologyNameAllowed("wc"));
    EXPECT_TRUE(_handler->isTopologyNameAllowed("other"));
    EXPECT_FALSE(_handler->isTopologyNameAllowed("a.b"));

    th::StormTopology user;
    _handler->getUserTopology(user, id);
    EXPECT_EQ(th::from_thrift(user), word_count());
}

TEST_F(nimbus_handler_test, submit_spreads_executors_over_live_supervisors) {
    add_supervisor("sup-a", {6700, 6701});
    add_supervisor("sup-b", {6700});
    submit("wc");
    auto id = only_id();
    auto a = assignment_of(id);
    // words 2 + count 2 + 2 ackers (one per worker).
    EXPECT_EQ(a.executor_node_port.size(), 6U);
    std::set<std::string> nodes;
    for (const auto& [e, np] : a.executor_node_port) {
        nodes.insert(np.node);
    }
    EXPECT_EQ(nodes, (std::set<std::string>{"sup-a", "sup-b"}));
    EXPECT_EQ(a.node_host.at("sup-a"), "sup-a.example");

    th::TopologyInfo info;
    _handler->getTopologyInfoByName(info, "wc");
    EXPECT_EQ(info.id, id);
    EXPECT_EQ(info.executors.size(), 6U);
    std::map<std::string, int> per_component;
    for (const auto& e : info.executors) {
        ++per_component[e.component_id];
    }
    EXPECT_EQ(per_component,
              (std::map<std::string, int>{{"__acker", 2}, {"count", 2}, {"words", 2}}));
    th::TopologySummary s;
    _handler->getTopologySummaryByName(s, "wc");
    EXPECT_EQ(s.num_workers, 2);
    EXPECT_EQ(s.num_executors, 6);
    EXPECT_EQ(s.num_tasks, 8);

    th::ClusterSummary cluster;
    _handler->getClusterInfo(cluster);
    EXPECT_EQ(cluster.supervisors.size(), 2U);
    EXPECT_EQ(cluster.topologies.size(), 1U);
    ASSERT_EQ(cluster.nimbuses.size(), 1U);
    EXPECT_TRUE(cluster.nimbuses[0].isLeader);
}

TEST_F(nimbus_handler_test, routes_beside_each_assignment_follow_it_and_are_restored) {
    add_supervisor("sup-a", {6700, 6701});
    add_supervisor("sup-b", {6700});
    submit("wc");
    const auto id = only_id();
    common::routes r = stored_routes(id);
    EXPECT_EQ(r, expected_routes(id));
    EXPECT_EQ(r.executors.size(), 6U);
    EXPECT_EQ(r.slots.size(), 2U);  // topology.workers 2
    EXPECT_EQ(r.node_host.size(), 2U);

    // A move rewrites both.
    ASSERT_TRUE(_state->remove(_paths.supervisor("sup-b")));
    EXPECT_EQ(_handler->monitor_once(), 1);
    EXPECT_EQ(stored_routes(id), expected_routes(id));
    EXPECT_EQ(stored_routes(id).node_host.size(), 1U);

    // An unchanged assignment is not written again, nor are its routes.
    const auto version = _state->get(_paths.routes(id))->stat.version;
    EXPECT_EQ(_handler->monitor_once(), 0);
    EXPECT_EQ(_state->get(_paths.routes(id))->stat.version, version);

    // Routes missing (an older Nimbus wrote the assignment), unreadable, or of another layout (a
    // Nimbus stopped between the two writes) are written again; the assignment is not.
    const auto assigned = assignment_version(id);
    ASSERT_TRUE(_state->remove(_paths.routes(id)));
    EXPECT_EQ(_handler->monitor_once(), 0);
    EXPECT_EQ(stored_routes(id), expected_routes(id));
    ASSERT_TRUE(_state->set(_paths.routes(id), "garbage"));
    EXPECT_EQ(_handler->monitor_once(), 0);
    EXPECT_EQ(stored_routes(id), expected_routes(id));
    common::routes other = expected_routes(id);
    other.executors.pop_back();
    ASSERT_TRUE(_state->set(_paths.routes(id), th::encode(other)));
    EXPECT_EQ(_handler->monitor_once(), 0);
    EXPECT_EQ(stored_routes(id), expected_routes(id));
    EXPECT_EQ(assignment_version(id), assigned);
}

TEST_F(nimbus_handler_test, assignments_and_routes_of_a_gone_topology_are_removed) {
    add_supervisor("sup-a", {6700, 6701});
    submit("wc");
    submit("other");
    std::string gone, kept;
    for (const auto& id : children(_paths.storms())) {
        (storm(id).name == "wc" ? gone : kept) = id;
    }
    // A kill whose removal stopped after the topology record (ZooKeeper lost for a moment): the
    // supervisors would go on running its workers.
    ASSERT_TRUE(_state->remove(_paths.storm(gone)));
    ASSERT_TRUE(_state->exists(_paths.assignment(gone))->has_value());
    _handler->monitor_once();
    EXPECT_EQ(children(_paths.assignments()), std::vector<std::string>{kept});
    EXPECT_EQ(children(_paths.routes()), std::vector<std::string>{kept});
    EXPECT_EQ(stored_routes(kept), expected_routes(kept));

    // A topology record that cannot be read (written by a newer Nimbus, say) is not a gone
    // one: its assignment stays.
    ASSERT_TRUE(_state->set(_paths.storm(kept), "not a StormBaseRecord"));
    _handler->monitor_once();
    EXPECT_EQ(children(_paths.assignments()), std::vector<std::string>{kept});
    EXPECT_EQ(children(_paths.routes()), std::vector<std::string>{kept});
}

TEST_F(nimbus_handler_test, duplicate_name_is_already_alive) {
    submit("wc");
    expect_throw_with<th::AlreadyAliveException>([&] { submit("wc"); },
                                                 "topology 'wc' is already alive");
    EXPECT_EQ(children(_paths.storms()).size(), 1U);
}

TEST_F(nimbus_handler_test, actions_on_unknown_names_are_not_alive) {
    expect_throw_with<th::NotAliveException>([&] { _handler->killTopology("nope"); },
                                             "topology 'nope' is not alive");
    expect_throw_with<th::NotAliveException>([&] { _handler->activate("nope"); }, "'nope'");
    expect_throw_with<th::NotAliveException>([&] { _handler->deactivate("nope"); }, "'nope'");
    expect_throw_with<th::NotAliveException>(
        [&] { _handler->rebalance("nope", th::RebalanceOptions()); }, "'nope'");
    th::TopologyInfo info;
    expect_throw_with<th::NotAliveException>([&] { _handler->getTopologyInfo(info, "nope-1-1"); },
                                             "nope-1-1");
}

TEST_F(nimbus_handler_test, invalid_topology_names_the_problem_and_stores_nothing) {
    auto t = word_count();
    t.components[0].inputs[0].component = "ghost";  // "count" subscribes to a missing spout
    auto location = upload();
    expect_throw_with<th::InvalidTopologyException>(
        [&] { _handler->submitTopology("wc", location, "{}", th::to_thrift(t)); }, "ghost");
    expect_nothing_stored();
    EXPECT_TRUE(fs::exists(location));  // the upload stays for a corrected submission

    auto wire = th::to_thrift(word_count());
    wire.bolts.at("count").bolt_object.__set_serialized_java("\xac\xed");
    expect_throw_with<th::InvalidTopologyException>(
        [&] { _handler->submitTopology("wc", location, "{}", wire); },
        "component 'count' is a serialized Java object");
    expect_nothing_stored();
}

TEST_F(nimbus_handler_test, invalid_conf_names_the_problem_and_stores_nothing) {
    auto location = upload();
    auto wire = th::to_thrift(word_count());
    expect_throw_with<th::InvalidTopologyException>(
        [&] { _handler->submitTopology("wc", location, "{\"topology.workers\": ", wire); },
        "malformed JSON conf");
    expect_throw_with<th::InvalidTopologyException>(
        [&] { _handler->submitTopology("wc", location, R"({"topology.workers": "x"})", wire); },
        "topology.workers");
    expect_throw_with<th::InvalidTopologyException>(
        [&] { _handler->submitTopology("wc", location, R"({"topology.wrokers": 1})", wire); },
        "topology.wrokers");
    expect_throw_with<th::InvalidTopologyException>(
        [&] { _handler->submitTopology("a/b", location, "{}", wire); }, "must not contain");
    expect_nothing_stored();
}

TEST_F(nimbus_handler_test, submit_without_upload_is_invalid) {
    auto missing = (_handler->inbox_dir() / "stormjar-none.so").string();
    expect_throw_with<th::InvalidTopologyException>(
        [&] { _handler->submitTopology("wc", missing, "{}", th::to_thrift(word_count())); },
        "no uploaded package at '" + missing + "'");
    expect_throw_with<th::InvalidTopologyException>(
        [&] { _handler->submitTopology("wc", "/etc/passwd", "{}", th::to_thrift(word_count())); },
        "no uploaded package");
    expect_nothing_stored();
}

TEST_F(nimbus_handler_test, upload_over_the_limit_is_refused_and_removed) {
    std::string location;
    _handler->beginFileUpload(location);
    _handler->uploadChunk(location, std::string(40, 'x'));
    try {
        _handler->uploadChunk(location, std::string(40, 'y'));
        FAIL() << "expected the upload limit";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("nimbus.file.upload.max.bytes (64 bytes)"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(fs::exists(location));
    EXPECT_THROW(_handler->uploadChunk(location, "z"), std::runtime_error);
}

TEST_F(nimbus_handler_test, kill_with_wait_deactivates_then_removes_everything) {
    submit("wc");
    auto id = only_id();
    ASSERT_TRUE(common::ensure_path(*_state, _paths.workerbeats(id) + "/sup-a-6700"));
    ASSERT_TRUE(common::ensure_path(*_state, _paths.error(id, "count") + "/e-0000000001"));

    th::KillOptions opts;
    opts.__set_wait_secs(30);
    _handler->killTopologyWithOpts("wc", opts);
    EXPECT_EQ(storm(id).status, rec::TopologyStatus::KILLED);
    th::TopologySummary s;
    _handler->getTopologySummaryByName(s, "wc");
    EXPECT_EQ(s.status, "KILLED");
    EXPECT_FALSE(_handler->isTopologyNameAllowed("wc"));
    EXPECT_EQ(_handler->run_due_actions(std::chrono::steady_clock::now()), 0);
    EXPECT_EQ(_handler->pending_actions(), 1U);

    EXPECT_EQ(
        _handler->run_due_actions(std::chrono::steady_clock::now() + std::chrono::seconds(31)), 1);
    EXPECT_TRUE(children(_paths.storms()).empty());
    EXPECT_TRUE(children(_paths.assignments()).empty());
    EXPECT_TRUE(children(_paths.routes()).empty());
    EXPECT_FALSE(_state->exists(_paths.workerbeats(id))->has_value());
    EXPECT_FALSE(_state->exists(_paths.errors(id))->has_value());
    EXPECT_FALSE(fs::exists(_handler->stormdist_dir() / id));
    EXPECT_TRUE(_handler->isTopologyNameAllowed("wc"));
    EXPECT_THROW(_handler->killTopology("wc"), th::NotAliveException);
}

TEST_F(nimbus_handler_test, kill_without_wait_removes_at_once) {
    submit("wc");
    th::KillOptions opts;
    opts.__set_wait_secs(0);
    _handler->killTopologyWithOpts("wc", opts);
    expect_nothing_stored();
    submit("wc");  // the name is free again
}

TEST_F(nimbus_handler_test, activate_and_deactivate_change_the_status) {
    submit("wc");
    auto id = only_id();
    _handler->deactivate("wc");
    EXPECT_EQ(storm(id).status, rec::TopologyStatus::INACTIVE);
    th::TopologyInfo info;
    _handler->getTopologyInfo(info, id);
    EXPECT_EQ(info.status, "INACTIVE");
    _handler->activate("wc");
    EXPECT_EQ(storm(id).status, rec::TopologyStatus::ACTIVE);
}

TEST_F(nimbus_handler_test, rebalance_changes_workers_and_executors_after_the_wait) {
    add_supervisor("sup-a", {6700, 6701, 6702});
    submit("wc");
    auto id = only_id();
    th::RebalanceOptions opts;
    opts.__set_wait_secs(10);
    opts.__set_num_workers(3);
    opts.__set_num_executors({{"count", 4}});
    _handler->rebalance("wc", opts);
    EXPECT_EQ(storm(id).status, rec::TopologyStatus::REBALANCING);
    th::TopologySummary s;
    _handler->getTopologySummaryByName(s, "wc");
    EXPECT_EQ(s.status, "REBALANCING");

    _handler->run_due_actions(std::chrono::steady_clock::now() + std::chrono::seconds(11));
    auto base = storm(id);
    EXPECT_EQ(base.status, rec::TopologyStatus::ACTIVE);
    EXPECT_EQ(base.num_workers, 3);
    EXPECT_EQ(base.component_executors.at("count"), 4);
    _handler->getTopologySummaryByName(s, "wc");
    EXPECT_EQ(s.num_workers, 3);
    EXPECT_EQ(s.num_executors, 2 + 4 + 2);  // ackers stay as fixed at submission
    EXPECT_EQ(s.num_tasks, 8);
}

TEST_F(nimbus_handler_test, rebalance_refuses_impossible_parallelism) {
    submit("wc");
    th::RebalanceOptions opts;
    opts.__set_wait_secs(0);
    opts.__set_num_executors({{"count", 5}});
    expect_throw_with<th::InvalidTopologyException>([&] { _handler->rebalance("wc", opts); },
                                                    "between 1 and 4");
    opts.__set_num_executors({{"ghost", 1}});
    expect_throw_with<th::InvalidTopologyException>([&] { _handler->rebalance("wc", opts); },
                                                    "no component 'ghost'");
    EXPECT_EQ(storm(only_id()).status, rec::TopologyStatus::ACTIVE);
}

TEST_F(nimbus_handler_test, monitor_moves_executors_off_vanished_supervisors) {
    add_supervisor("sup-a", {6700});
    add_supervisor("sup-b", {6700});
    submit("wc");
    auto id = only_id();
    EXPECT_EQ(_handler->monitor_once(), 0);  // nothing changed
    ASSERT_TRUE(_state->remove(_paths.supervisor("sup-b")));
    EXPECT_EQ(_handler->monitor_once(), 1);
    auto a = assignment_of(id);
    EXPECT_EQ(a.executor_node_port.size(), 6U);
    for (const auto& [e, np] : a.executor_node_port) {
        EXPECT_EQ(np.node, "sup-a");
    }
}

// The defaults the liveness tests below rely on.
TEST_F(nimbus_handler_test, liveness_defaults_are_storms) {
    EXPECT_EQ(_conf.get_int("nimbus.task.timeout.secs", 0), 30);
    EXPECT_EQ(_conf.get_int("nimbus.task.launch.secs", 0), 120);
    EXPECT_EQ(_conf.get_int("nimbus.supervisor.timeout.secs", 0), 60);
}

TEST_F(nimbus_handler_test, monitor_keeps_executors_while_their_workers_heartbeat) {
    add_supervisor("sup-a", {6700});
    add_supervisor("sup-b", {6700});
    submit("wc");
    auto id = only_id();
    auto before = placement(id);
    auto version = assignment_version(id);
    // Well past the launch time and both timeouts, with every heartbeat rewritten each 20 s.
    for (int round = 1; round <= 10; ++round) {
        advance(20s);
        beat_supervisor("sup-a");
        beat_supervisor("sup-b");
        beat_worker(id, "sup-a", 6700);
        beat_worker(id, "sup-b", 6700);
        EXPECT_EQ(_handler->monitor_once(), 0) << "round " << round;
    }
    EXPECT_EQ(placement(id), before);
    EXPECT_EQ(assignment_version(id), version) << "an unchanged assignment was rewritten";
}

TEST_F(nimbus_handler_test, monitor_moves_executors_of_a_worker_whose_heartbeat_stopped) {
    add_supervisor("sup-a", {6700, 6701});
    add_supervisor("sup-b", {6700});
    submit("wc");  // two workers: sup-a:6700 and sup-b:6700
    auto id = only_id();
    auto before = placement(id);
    auto start = _unix;
    auto round = [&](bool b_worker_beats) {
        advance(20s);
        beat_supervisor("sup-a");
        beat_supervisor("sup-b");
        beat_worker(id, "sup-a", 6700);
        if (b_worker_beats) {
            beat_worker(id, "sup-b", 6700);
        }
        return _handler->monitor_once();
    };
    for (int i = 0; i < 7; ++i) {  // 140 s: past nimbus.task.launch.secs
        ASSERT_EQ(round(true), 0);
    }
    // The worker on sup-b:6700 stops heartbeating; its supervisor goes on.
    EXPECT_EQ(round(false), 0);  // unchanged for 20 s
    EXPECT_EQ(round(false), 1);  // unchanged for 40 s > 30 s: its executors move
    auto after = placement(id);
    auto a = assignment_of(id);
    int moved = 0;
    for (const auto& [e, np] : a.executor_node_port) {
        const auto& was = before.at(e.task_start);
        if (was == "sup-b:6700") {
            ++moved;
            EXPECT_EQ(after.at(e.task_start), "sup-a:6701") << "executor " << e.task_start;
            EXPECT_EQ(a.executor_start_time_secs.at(e), _unix);
        } else {
            EXPECT_EQ(after.at(e.task_start), was) << "executor " << e.task_start;
            EXPECT_EQ(a.executor_start_time_secs.at(e), start);
        }
    }
    EXPECT_EQ(moved, 3);
    EXPECT_EQ(a.node_host.count("sup-b"), 0U);
    EXPECT_EQ(round(false), 0);  // the new slot is within its launch time
}

TEST_F(nimbus_handler_test, monitor_waits_for_launch_time_then_moves_executors_without_heartbeat) {
    add_supervisor("sup-a", {6700, 6701});
    submit("wc", R"({"topology.workers": 1})");
    auto id = only_id();
    auto before = placement(id);
    for (const auto& [task, slot] : before) {
        ASSERT_EQ(slot, "sup-a:6700") << "task " << task;
    }
    for (int i = 0; i < 5; ++i) {  // 100 s < nimbus.task.launch.secs = 120: no heartbeat yet
        advance(20s);
        beat_supervisor("sup-a");
        EXPECT_EQ(_handler->monitor_once(), 0);
    }
    advance(20s);  // 120 s and still no heartbeat
    beat_supervisor("sup-a");
    EXPECT_EQ(_handler->monitor_once(), 1);
    // All of them moved, and not back onto the dead slot though it is free in this round.
    auto after = placement(id);
    EXPECT_EQ(after.size(), before.size());
    for (const auto& [task, slot] : after) {
        EXPECT_EQ(slot, "sup-a:6701") << "task " << task;
    }
    advance(20s);
    beat_supervisor("sup-a");
    EXPECT_EQ(_handler->monitor_once(), 0);
}

TEST_F(nimbus_handler_test, monitor_moves_executors_off_a_supervisor_that_stopped_heartbeating) {
    add_supervisor("sup-a", {6700});
    add_supervisor("sup-b", {6700});
    submit("wc");  // first sight of both supervisor records
    auto id = only_id();
    auto before = placement(id);
    std::set<std::string> nodes;
    for (const auto& [task, slot] : before) {
        nodes.insert(slot);
    }
    ASSERT_EQ(nodes, (std::set<std::string>{"sup-a:6700", "sup-b:6700"}));
    // sup-b's node stays (a hung process keeps its session) but its record is never rewritten;
    // its worker still heartbeats.
    for (int i = 0; i < 2; ++i) {
        advance(20s);
        beat_supervisor("sup-a");
        beat_worker(id, "sup-a", 6700);
        beat_worker(id, "sup-b", 6700);
        EXPECT_EQ(_handler->monitor_once(), 0);  // 40 s < nimbus.supervisor.timeout.secs
    }
    advance(20s);
    beat_supervisor("sup-a");
    beat_worker(id, "sup-a", 6700);
    beat_worker(id, "sup-b", 6700);
    EXPECT_EQ(_handler->monitor_once(), 1);
    for (const auto& [task, slot] : placement(id)) {
        EXPECT_EQ(slot, "sup-a:6700") << "task " << task;
    }
    EXPECT_EQ(assignment_of(id).node_host.count("sup-b"), 0U);
}

TEST_F(nimbus_handler_test, a_new_nimbus_gives_every_heartbeat_a_full_timeout) {
    add_supervisor("sup-a", {6700, 6701});
    submit("wc", R"({"topology.workers": 1})");
    auto id = only_id();
    beat_worker(id, "sup-a", 6700);
    advance(300s);  // the heartbeat and the supervisor record are old by any clock
    _handler = make_handler();
    EXPECT_EQ(_handler->monitor_once(), 0);  // first sight: unchanged for 0 s
    advance(20s);
    EXPECT_EQ(_handler->monitor_once(), 0);
    EXPECT_EQ(placement(id).begin()->second, "sup-a:6700");
    advance(20s);
    beat_supervisor("sup-a");
    EXPECT_EQ(_handler->monitor_once(), 1);  // the worker's heartbeat: unchanged for 40 s
    EXPECT_EQ(placement(id).begin()->second, "sup-a:6701");
}

TEST_F(nimbus_handler_test, topology_info_carries_uptime_and_stats_from_worker_heartbeats) {
    add_supervisor("sup-a", {6700});
    submit("wc", R"({"topology.workers": 1})");
    auto id = only_id();
    auto a = assignment_of(id);
    ASSERT_FALSE(a.executor_node_port.empty());
    th::ExecutorInfo first = a.executor_node_port.begin()->first;
    rec::WorkerHeartbeatRecord hb;
    for (const auto& [e, np] : a.executor_node_port) {
        hb.executors.push_back(e);
    }
    hb.uptime_secs = 42;
    th::ExecutorStats stats;
    stats.emitted["600"]["default"] = 7;
    stats.specific.__set_spout(th::SpoutStats());
    stats.rate = 1.0;
    hb.executor_stats[first] = stats;
    beat_worker(id, "sup-a", 6700, hb);

    th::TopologyInfo info;
    _handler->getTopologyInfo(info, id);
    ASSERT_EQ(info.executors.size(), a.executor_node_port.size());
    for (const auto& s : info.executors) {
        EXPECT_EQ(s.uptime_secs, 42);
        if (s.executor_info == first) {
            ASSERT_TRUE(s.__isset.stats);
            EXPECT_EQ(s.stats.emitted.at("600").at("default"), 7);
        } else {
            EXPECT_FALSE(s.__isset.stats);
        }
    }
}

TEST_F(nimbus_handler_test, cluster_info_counts_used_workers_from_the_supervisor_record) {
    add_supervisor("sup-a", {6700, 6701, 6702});
    auto s = th::from_binary<rec::SupervisorRecord>(_state->get(_paths.supervisor("sup-a"))->data)
                 .value();
    s.used_ports = {6700, 6702};
    ASSERT_TRUE(_state->set(_paths.supervisor("sup-a"), th::to_binary(s)));
    th::ClusterSummary cluster;
    _handler->getClusterInfo(cluster);
    ASSERT_EQ(cluster.supervisors.size(), 1U);
    EXPECT_EQ(cluster.supervisors[0].num_workers, 3);
    EXPECT_EQ(cluster.supervisors[0].num_used_workers, 2);
}

TEST_F(nimbus_handler_test, a_standby_refuses_changes_and_names_the_leader) {
    submit("wc");
    th::NimbusSummary other;
    other.host = "nimbus-a";
    other.port = 6627;
    _handler->set_leader_check([&]() -> std::optional<th::NimbusSummary> { return other; });
    std::string location;
    try {
        _handler->beginFileUpload(location);
        FAIL() << "a standby accepted an upload";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("the leader is nimbus-a:6627"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(_handler->killTopology("wc"), std::runtime_error);
    EXPECT_THROW(_handler->deactivate("wc"), std::runtime_error);
    th::NimbusSummary leader;
    _handler->getLeader(leader);
    EXPECT_EQ(leader.host, "nimbus-a");
    std::vector<th::TopologySummary> list;
    _handler->getTopologySummaries(list);  // queries still answered
    EXPECT_EQ(list.size(), 1U);
    _handler->set_leader_check([]() -> std::optional<th::NimbusSummary> { return std::nullopt; });
    _handler->deactivate("wc");
}

TEST_F(nimbus_handler_test, monitor_removes_expired_uploads) {
    auto old_upload = upload();
    auto fresh_upload = upload();
    fs::last_write_time(old_upload, fs::file_time_type::clock::now() - std::chrono::hours(2));
    _handler->monitor_once();
    EXPECT_FALSE(fs::exists(old_upload));
    EXPECT_TRUE(fs::exists(fresh_upload));
}

TEST_F(nimbus_handler_test, a_new_handler_over_the_same_state_finds_the_topology) {
    submit("wc");
    auto id = only_id();
    th::KillOptions opts;
    opts.__set_wait_secs(60);
    submit("other");
    _handler->killTopologyWithOpts("other", opts);
    _handler.reset();

    _handler = make_handler();
    th::TopologyInfo info;
    _handler->getTopologyInfoByName(info, "wc");
    EXPECT_EQ(info.id, id);
    EXPECT_EQ(info.status, "ACTIVE");
    th::StormTopology user;
    _handler->getUserTopology(user, id);
    EXPECT_EQ(th::from_thrift(user), word_count());
    EXPECT_THROW(submit("wc"), th::AlreadyAliveException);
    EXPECT_EQ(_handler->pending_actions(), 1U);  // the kill of "other" carries on
}

TEST_F(nimbus_handler_test, downloads_serve_only_stormdist) {
    std::string content(3 * 1000, 'q');
    _conf.set("nimbus.file.upload.max.bytes", 1 << 20);
    _handler = make_handler();
    _handler->submitTopology("wc", upload(content), "{}", th::to_thrift(word_count()));
    auto file = (_handler->stormdist_dir() / only_id() / "stormjar.so").string();
    std::string id;
    _handler->beginFileDownload(id, file);
    std::string got;
    for (std::string chunk;; got += chunk) {
        _handler->downloadChunk(chunk, id);
        if (chunk.empty()) {
            break;
        }
    }
    EXPECT_EQ(got, content);
    // A path relative to stormdist, as a standby replicating code asks for it.
    _handler->beginFileDownload(id, only_id() + "/stormjar.so");
    std::string first;
    _handler->downloadChunk(first, id);
    EXPECT_EQ(first, content);
    EXPECT_THROW(_handler->beginFileDownload(id, "../inbox/x"), std::runtime_error);
    EXPECT_THROW(_handler->beginFileDownload(id, "/etc/passwd"), std::runtime_error);
    EXPECT_THROW(_handler->beginFileDownload(
                     id, (_handler->stormdist_dir() / ".." / "inbox" / "x").string()),
                 std::runtime_error);
    EXPECT_THROW(_handler->beginFileDownload(id, _handler->stormdist_dir().string()),
                 std::runtime_error);
}

// What a call throws, as the Thrift server would classify it: a declared NotAliveException, or
// a std::runtime_error (sent as a TApplicationException carrying its message).
template <typename Fn>
std::string failure_of(Fn&& fn) {
    try {
        fn();
    } catch (const th::NotAliveException& e) {
        return "NotAliveException: " + e.msg;
    } catch (const std::runtime_error& e) {
        return std::string("application error: ") + e.what();
    }
    return "none";
}

TEST_F(nimbus_handler_test, topology_summary_by_id_matches_the_one_by_name) {
    add_supervisor("sup-a", {6700, 6701});
    submit("wc");
    auto id = only_id();
    th::TopologySummary by_id;
    _handler->getTopologySummaryById(by_id, id);
    th::TopologySummary by_name;
    _handler->getTopologySummaryByName(by_name, "wc");
    EXPECT_EQ(by_id.id, id);
    EXPECT_EQ(by_id.name, "wc");
    EXPECT_EQ(by_id.status, "ACTIVE");
    EXPECT_EQ(by_id.num_executors, 6);  // words 2 + count 2 + 2 ackers
    EXPECT_EQ(by_id.num_tasks, 8);
    EXPECT_EQ(by_id.num_workers, 2);
    EXPECT_EQ(by_id.num_executors, by_name.num_executors);
    EXPECT_EQ(by_id.num_workers, by_name.num_workers);
}

// Storm's IDL declares only AuthorizationException for the summary lookups, so an unknown
// topology must not be a NotAliveException (it would land in the field Storm's clients read as
// AuthorizationException) but an application error naming it.
TEST_F(nimbus_handler_test, summaries_of_unknown_topologies_are_application_errors) {
    submit("wc");
    th::TopologySummary s;
    EXPECT_EQ(failure_of([&] { _handler->getTopologySummaryByName(s, "nope"); }),
              "application error: topology 'nope' is not alive");
    EXPECT_EQ(failure_of([&] { _handler->getTopologySummaryById(s, "nope-1-1"); }),
              "application error: no topology with id 'nope-1-1'");
    // An id is not a name, nor a name an id.
    EXPECT_NE(failure_of([&] { _handler->getTopologySummaryById(s, "wc"); }), "none");
    EXPECT_NE(failure_of([&] { _handler->getTopologySummaryByName(s, only_id()); }), "none");
}

TEST_F(nimbus_handler_test, nimbus_conf_reports_the_port_served_on) {
    _conf.set("nimbus.thrift.port", 0);
    _handler = make_handler();
    std::string json;
    _handler->getNimbusConf(json);
    EXPECT_EQ(common::conf_int(th::config_from_json(json), "nimbus.thrift.port"), 0);
    _handler->set_address("nimbus-a", 41234);
    _handler->getNimbusConf(json);
    auto conf = th::config_from_json(json);
    EXPECT_EQ(common::conf_int(conf, "nimbus.thrift.port"), 41234);
    // The rest is the daemon conf as configured.
    EXPECT_EQ(common::conf_int(conf, "nimbus.file.upload.max.bytes"), 64);
}

class topology_errors_test : public nimbus_handler_test {
  protected:
    // Errors as workers report them: errors/<id>/<component>/<node>, node names not in time
    // order.
    void report_error(const std::string& id, const std::string& component, const std::string& node,
                      const std::string& text, std::int32_t time) {
        th::ErrorInfo e;
        e.error = text;
        e.error_time_secs = time;
        auto dir = _paths.errors(id) + "/" + component;
        ASSERT_TRUE(common::ensure_path(*_state, dir));
        ASSERT_TRUE(_state->create(dir + "/" + node, th::to_binary(e)));
    }

    // Error texts per component, as getTopologyInfoWithOpts returns them.
    std::map<std::string, std::vector<std::string>> errors_with(
        const std::string& id, std::optional<th::NumErrorsChoice::type> choice) {
        th::GetInfoOptions opts;
        if (choice) {
            opts.__set_num_err_choice(*choice);
        }
        th::TopologyInfo info;
        _handler->getTopologyInfoWithOpts(info, id, opts);
        return texts(info);
    }

    static std::map<std::string, std::vector<std::string>> texts(const th::TopologyInfo& info) {
        std::map<std::string, std::vector<std::string>> out;
        for (const auto& [component, list] : info.errors) {
            auto& v = out[component];
            for (const auto& e : list) {
                v.push_back(e.error);
            }
        }
        return out;
    }

    std::string report_three() {
        submit("wc");
        auto id = only_id();
        report_error(id, "count", "e2", "count: late", 300);
        report_error(id, "count", "e1", "count: early", 100);
        report_error(id, "count", "e3", "count: middle", 200);
        report_error(id, "words", "e1", "words: only", 150);
        return id;
    }
};

TEST_F(topology_errors_test, all_returns_every_error_oldest_first) {
    auto id = report_three();
    std::map<std::string, std::vector<std::string>> all{
        {"__acker", {}},
        {"count", {"count: early", "count: middle", "count: late"}},
        {"words", {"words: only"}}};
    EXPECT_EQ(errors_with(id, th::NumErrorsChoice::ALL), all);
}

TEST_F(topology_errors_test, none_returns_no_errors_but_every_component) {
    auto id = report_three();
    std::map<std::string, std::vector<std::string>> none{
        {"__acker", {}}, {"count", {}}, {"words", {}}};
    EXPECT_EQ(errors_with(id, th::NumErrorsChoice::NONE), none);
}

TEST_F(topology_errors_test, one_returns_the_latest_error_per_component) {
    auto id = report_three();
    std::map<std::string, std::vector<std::string>> one{
        {"__acker", {}}, {"count", {"count: late"}}, {"words", {"words: only"}}};
    EXPECT_EQ(errors_with(id, th::NumErrorsChoice::ONE), one);
}

TEST_F(topology_errors_test, without_a_choice_and_plain_info_return_all) {
    auto id = report_three();
    std::map<std::string, std::vector<std::string>> all{
        {"__acker", {}},
        {"count", {"count: early", "count: middle", "count: late"}},
        {"words", {"words: only"}}};
    EXPECT_EQ(errors_with(id, std::nullopt), all);
    th::TopologyInfo info;
    _handler->getTopologyInfo(info, id);
    EXPECT_EQ(texts(info), all);
    _handler->getTopologyInfoByName(info, "wc");
    EXPECT_EQ(texts(info), all);
    th::GetInfoOptions one;
    one.__set_num_err_choice(th::NumErrorsChoice::ONE);
    _handler->getTopologyInfoByNameWithOpts(info, "wc", one);
    EXPECT_EQ(texts(info)["count"], std::vector<std::string>{"count: late"});
}

// A spout executor's figures in the all-time window, on its "default" stream.
th::ExecutorStats spout_figures(std::int64_t emitted, std::int64_t acked, double complete_ms) {
    th::ExecutorStats s;
    s.emitted[":all-time"]["default"] = emitted;
    s.transferred[":all-time"]["default"] = emitted;
    th::SpoutStats spout;
    spout.acked[":all-time"]["default"] = acked;
    spout.complete_ms_avg[":all-time"]["default"] = complete_ms;
    s.specific.__set_spout(spout);
    s.rate = 1.0;
    return s;
}

class page_info_test : public nimbus_handler_test {
  protected:
    // "wc" (words 2 executors / 2 tasks, count 2 / 4, 2 ackers) on two workers of sup-a.
    std::string submit_wc() {
        add_supervisor("sup-a", {6700, 6701});
        submit("wc");
        return only_id();
    }

    // Every worker of `id` heartbeats; the two "words" executors report 10 emitted / 4 acked at
    // 5 ms and 30 emitted / 12 acked at 10 ms.
    void beat_with_spout_figures(const std::string& id) {
        th::TopologyInfo info;
        _handler->getTopologyInfo(info, id);
        std::map<th::ExecutorInfo, std::string> component;
        for (const auto& e : info.executors) {
            component[e.executor_info] = e.component_id;
        }
        std::vector<th::ExecutorStats> words{spout_figures(10, 4, 5.0),
                                             spout_figures(30, 12, 10.0)};
        std::map<std::pair<std::string, int>, rec::WorkerHeartbeatRecord> beats;
        std::size_t next = 0;
        for (const auto& [e, np] : assignment_of(id).executor_node_port) {
            auto& hb = beats[{np.node, np.port}];
            hb.executors.push_back(e);
            hb.uptime_secs = 100;
            if (component.at(e) == "words") {
                ASSERT_LT(next, words.size());
                hb.executor_stats[e] = words[next++];
            }
        }
        ASSERT_EQ(next, words.size());
        for (const auto& [slot, hb] : beats) {
            beat_worker(id, slot.first, slot.second, hb);
        }
    }
};

TEST_F(page_info_test, topology_page_counts_and_leaves_unreported_figures_unset) {
    auto id = submit_wc();
    th::TopologyPageInfo page;
    _handler->getTopologyPageInfo(page, id, ":all-time", false);
    EXPECT_EQ(page.id, id);
    EXPECT_EQ(page.name, "wc");
    EXPECT_EQ(page.status, "ACTIVE");
    EXPECT_EQ(page.num_executors, 6);
    EXPECT_EQ(page.num_tasks, 8);
    EXPECT_EQ(page.num_workers, 2);
    EXPECT_TRUE(page.__isset.topology_conf);
    ASSERT_EQ(page.id_to_spout_agg_stats.size(), 1U);
    const auto& words = page.id_to_spout_agg_stats.at("words");
    EXPECT_EQ(words.type, th::ComponentType::SPOUT);
    EXPECT_EQ(words.common_stats.num_executors, 2);
    EXPECT_EQ(words.common_stats.num_tasks, 2);
    EXPECT_FALSE(words.common_stats.__isset.emitted);  // no worker has reported
    EXPECT_FALSE(words.__isset.specific_stats);
    // System components only when asked for.
    EXPECT_EQ(page.id_to_bolt_agg_stats.size(), 1U);
    EXPECT_EQ(page.id_to_bolt_agg_stats.at("count").common_stats.num_tasks, 4);
    EXPECT_FALSE(page.__isset.topology_stats);
    ASSERT_EQ(page.workers.size(), 2U);
    int tasks = 0;
    for (const auto& w : page.workers) {
        EXPECT_EQ(w.supervisor_id, "sup-a");
        EXPECT_EQ(w.host, "sup-a.example");
        EXPECT_EQ(w.topology_id, id);
        EXPECT_FALSE(w.__isset.time_secs);  // no heartbeat yet
        EXPECT_FALSE(w.component_to_num_tasks.contains("__acker"));
        for (const auto& [c, n] : w.component_to_num_tasks) {
            tasks += static_cast<int>(n);
        }
    }
    EXPECT_EQ(tasks, 6);  // words 2 + count 4

    _handler->getTopologyPageInfo(page, id, "", true);
    EXPECT_EQ(page.id_to_bolt_agg_stats.size(), 2U);
    EXPECT_TRUE(page.id_to_bolt_agg_stats.contains("__acker"));
}

TEST_F(page_info_test, topology_page_aggregates_reported_figures_as_storm) {
    auto id = submit_wc();
    beat_with_spout_figures(id);
    th::TopologyPageInfo page;
    _handler->getTopologyPageInfo(page, id, ":all-time", false);
    const auto& words = page.id_to_spout_agg_stats.at("words");
    EXPECT_EQ(words.common_stats.emitted, 40);
    EXPECT_EQ(words.common_stats.transferred, 40);
    EXPECT_EQ(words.common_stats.acked, 16);
    ASSERT_TRUE(words.specific_stats.__isset.spout);
    // Averaged per executor, then weighted by acked: (5 × 4 + 10 × 12) / 16.
    EXPECT_DOUBLE_EQ(words.specific_stats.spout.complete_latency_ms, 8.75);
    ASSERT_TRUE(page.__isset.topology_stats);
    EXPECT_EQ(page.topology_stats.window_to_emitted.at(":all-time"), 40);
    EXPECT_EQ(page.topology_stats.window_to_acked.at(":all-time"), 16);
    EXPECT_DOUBLE_EQ(page.topology_stats.window_to_complete_latencies_ms.at(":all-time"), 8.75);
    EXPECT_EQ(page.topology_stats.window_to_emitted.at("600"), 0);
    for (const auto& w : page.workers) {
        EXPECT_EQ(w.time_secs, _unix);
        EXPECT_EQ(w.uptime_secs, 100);
    }
    // The 600 s window holds nothing yet.
    _handler->getTopologyPageInfo(page, id, "600", false);
    EXPECT_EQ(page.id_to_spout_agg_stats.at("words").common_stats.emitted, 0);
}

TEST_F(page_info_test, topology_page_refuses_unknown_topologies_and_windows) {
    auto id = submit_wc();
    th::TopologyPageInfo page;
    expect_throw_with<th::NotAliveException>(
        [&] { _handler->getTopologyPageInfo(page, "nope-1-1", ":all-time", false); }, "nope-1-1");
    EXPECT_EQ(failure_of([&] { _handler->getTopologyPageInfo(page, id, "60", false); }),
              "application error: unknown window '60' (expected 600, 10800, 86400 or "
              ":all-time)");
}

TEST_F(page_info_test, component_page_has_windows_streams_executors_and_errors) {
    auto id = submit_wc();
    beat_with_spout_figures(id);
    th::ErrorInfo err;
    err.error = "words: broke";
    err.error_time_secs = 100;
    ASSERT_TRUE(common::ensure_path(*_state, _paths.errors(id) + "/words"));
    ASSERT_TRUE(_state->create(_paths.errors(id) + "/words/e1", th::to_binary(err)));

    th::ComponentPageInfo page;
    _handler->getComponentPageInfo(page, id, "words", ":all-time", false);
    EXPECT_EQ(page.component_id, "words");
    EXPECT_EQ(page.component_type, th::ComponentType::SPOUT);
    EXPECT_EQ(page.topology_id, id);
    EXPECT_EQ(page.topology_name, "wc");
    EXPECT_EQ(page.topology_status, "ACTIVE");
    EXPECT_EQ(page.num_executors, 2);
    EXPECT_EQ(page.num_tasks, 2);
    ASSERT_EQ(page.window_to_stats.size(), 4U);
    EXPECT_EQ(page.window_to_stats.at(":all-time").common_stats.emitted, 40);
    EXPECT_EQ(page.window_to_stats.at("10800").common_stats.emitted, 0);
    EXPECT_DOUBLE_EQ(page.window_to_stats.at(":all-time").specific_stats.spout.complete_latency_ms,
                     8.75);
    ASSERT_TRUE(page.sid_to_output_stats.contains("default"));
    EXPECT_EQ(page.sid_to_output_stats.at("default").common_stats.emitted, 40);
    EXPECT_EQ(page.sid_to_output_stats.at("default").common_stats.acked, 16);
    EXPECT_FALSE(page.__isset.gsid_to_input_stats);  // a spout has no inputs
    ASSERT_EQ(page.exec_stats.size(), 2U);
    std::set<std::int64_t> emitted;
    for (const auto& x : page.exec_stats) {
        EXPECT_EQ(x.exec_summary.component_id, "words");
        emitted.insert(x.stats.common_stats.emitted);
    }
    EXPECT_EQ(emitted, (std::set<std::int64_t>{10, 30}));
    ASSERT_EQ(page.errors.size(), 1U);
    EXPECT_EQ(page.errors[0].error, "words: broke");

    // A bolt nobody reported for: counts only.
    _handler->getComponentPageInfo(page, id, "count", "600", false);
    EXPECT_EQ(page.component_type, th::ComponentType::BOLT);
    EXPECT_EQ(page.num_tasks, 4);
    EXPECT_FALSE(page.window_to_stats.at("600").common_stats.__isset.emitted);
    EXPECT_FALSE(page.__isset.sid_to_output_stats);
    EXPECT_TRUE(page.errors.empty());

    EXPECT_EQ(failure_of([&] { _handler->getComponentPageInfo(page, id, "nope", "", false); }),
              "application error: topology " + id + " has no component 'nope'");
    expect_throw_with<th::NotAliveException>(
        [&] { _handler->getComponentPageInfo(page, "nope-1-1", "words", "", false); }, "nope-1-1");
}

TEST_F(page_info_test, supervisor_page_by_id_or_host_lists_its_workers) {
    auto id = submit_wc();
    add_supervisor("sup-b", {6700});
    th::SupervisorPageInfo page;
    _handler->getSupervisorPageInfo(page, "sup-a", "", false);
    ASSERT_EQ(page.supervisor_summaries.size(), 1U);
    EXPECT_EQ(page.supervisor_summaries[0].supervisor_id, "sup-a");
    ASSERT_EQ(page.worker_summaries.size(), 2U);
    for (const auto& w : page.worker_summaries) {
        EXPECT_EQ(w.topology_id, id);
        EXPECT_EQ(w.topology_name, "wc");
        EXPECT_EQ(w.supervisor_id, "sup-a");
    }
    _handler->getSupervisorPageInfo(page, "", "sup-b.example", false);
    ASSERT_EQ(page.supervisor_summaries.size(), 1U);
    EXPECT_EQ(page.supervisor_summaries[0].supervisor_id, "sup-b");
    EXPECT_TRUE(page.worker_summaries.empty());  // assigned before sup-b came
    expect_throw_with<th::NotAliveException>(
        [&] { _handler->getSupervisorPageInfo(page, "sup-x", "", false); }, "sup-x");
    expect_throw_with<th::NotAliveException>(
        [&] { _handler->getSupervisorPageInfo(page, "", "nowhere", false); }, "nowhere");
}

// ---------------------------------------------------------------------------------------------
// Figures from the workers' stats records (WorkerHeartbeatRecord field 8), their time and
// lateness, and Storm's aggregates over them.

using common::stat_kind;

// The same figure in every window.
common::window_values all_windows(std::uint64_t v) {
    return {v, v, v, v};
}

// A spout executor: `emitted` (= transferred) and `acked` on "default", complete latency
// `samples` samples summing `sum_ms`.
common::stats_record spout_record(std::uint64_t emitted, std::uint64_t acked, std::uint64_t samples,
                                  std::uint64_t sum_ms) {
    common::stats_record r;
    r.add(stat_kind::emitted, {"", "default"}, all_windows(emitted));
    r.add(stat_kind::transferred, {"", "default"}, all_windows(emitted));
    r.add(stat_kind::emitted, {"", "__ack_init"}, all_windows(acked));
    r.add(stat_kind::acked, {"", "default"}, all_windows(acked));
    r.add(stat_kind::complete_latency_us, {"", "default"}, all_windows(sum_ms * 1000));
    r.add(stat_kind::complete_samples, {"", "default"}, all_windows(samples));
    return r;
}

// A count executor: executes and acks `executed` tuples of words:default at `execute_ms` (one
// sample per 10 tuples) with process latency `process_ms`, and emits nothing.
common::stats_record bolt_record(std::uint64_t executed, double execute_ms, double process_ms) {
    common::stats_record r;
    common::stream_key in{"words", "default"};
    std::uint64_t samples = executed / 10;
    r.add(stat_kind::executed, in, all_windows(executed));
    r.add(stat_kind::acked, in, all_windows(executed));
    r.add(stat_kind::execute_latency_us, in,
          all_windows(static_cast<std::uint64_t>(execute_ms * 1000) * samples));
    r.add(stat_kind::execute_samples, in, all_windows(samples));
    r.add(stat_kind::process_latency_us, in,
          all_windows(static_cast<std::uint64_t>(process_ms * 1000) * samples));
    r.add(stat_kind::process_samples, in, all_windows(samples));
    return r;
}

class executor_records_test : public page_info_test {
  protected:
    // The executors of `id` by component, and their slots.
    std::map<std::string, std::vector<th::ExecutorInfo>> by_component(const std::string& id) {
        th::TopologyInfo info;
        _handler->getTopologyInfo(info, id);
        std::map<std::string, std::vector<th::ExecutorInfo>> out;
        for (const auto& e : info.executors) {
            out[e.component_id].push_back(e.executor_info);
        }
        for (auto& [c, list] : out) {
            std::sort(list.begin(), list.end());
        }
        return out;
    }

    std::pair<std::string, int> slot_of(const std::string& id, const th::ExecutorInfo& e) {
        auto np = assignment_of(id).executor_node_port.at(e);  // a copy: the record is a temporary
        return {np.node, np.port};
    }

    // Every worker of `id` (or only `only`) writes a new heartbeat with `records` for the
    // executors it runs, uptime 100 s and sample rate 0.05, a metric point of its own and one
    // per task of its executors.
    void beat_records(const std::string& id,
                      const std::map<th::ExecutorInfo, common::stats_record>& records,
                      std::optional<std::pair<std::string, int>> only = std::nullopt) {
        std::map<std::pair<std::string, int>, common::worker_heartbeat> beats;
        for (const auto& [e, np] : assignment_of(id).executor_node_port) {
            auto& hb = beats[{np.node, np.port}];
            common::executor_info ex{e.task_start, e.task_end};
            hb.executors.push_back(ex);
            if (auto r = records.find(e); r != records.end()) {
                hb.records[ex] = r->second;
            }
            hb.metrics.push_back({"task.metric", "", e.task_start, 1.0 * e.task_start});
        }
        for (auto& [slot, hb] : beats) {
            if (only && slot != *only) {
                continue;
            }
            hb.topology_id = id;
            hb.time_secs = _unix;
            hb.uptime_secs = 100;
            hb.sample_rate = 0.05;
            hb.metrics.push_back({"worker.rss_bytes", "__system", -1, 4096});
            auto path = _paths.workerbeat(id, slot.first, slot.second);
            ASSERT_TRUE(common::ensure_path(*_state, _paths.workerbeats(id)));
            auto bytes = th::encode(hb);
            if (_state->get(path)) {
                ASSERT_TRUE(_state->set(path, bytes));
            } else {
                ASSERT_TRUE(_state->create(path, bytes));
            }
        }
    }

    // words: 100 emitted / 40 acked at 5 ms (4 samples) and 300 / 120 at 10 ms (2 samples);
    // count: 1000 executed at 2 ms (process 3 ms) and 3000 at 4 ms (process 1 ms).
    std::map<th::ExecutorInfo, common::stats_record> storm_example(const std::string& id) {
        auto c = by_component(id);
        EXPECT_EQ(c["words"].size(), 2U);
        EXPECT_EQ(c["count"].size(), 2U);
        return {{c["words"][0], spout_record(100, 40, 4, 20)},
                {c["words"][1], spout_record(300, 120, 2, 20)},
                {c["count"][0], bolt_record(1000, 2.0, 3.0)},
                {c["count"][1], bolt_record(3000, 4.0, 1.0)}};
    }
};

TEST_F(executor_records_test, topology_info_builds_storms_executor_stats_from_records) {
    auto id = submit_wc();
    beat_records(id, storm_example(id));
    auto c = by_component(id);
    th::TopologyInfo info;
    _handler->getTopologyInfo(info, id);
    int seen = 0;
    for (const auto& e : info.executors) {
        EXPECT_EQ(e.uptime_secs, 100);
        ASSERT_TRUE(e.__isset.stats_time_secs) << e.component_id;
        EXPECT_EQ(e.stats_time_secs, _unix);
        EXPECT_EQ(e.stats_age_secs, 0);
        EXPECT_FALSE(e.late);
        if (e.component_id == "__acker") {
            EXPECT_FALSE(e.__isset.stats);  // listed, but no figures
            continue;
        }
        ASSERT_TRUE(e.__isset.stats);
        const auto& s = e.stats;
        EXPECT_DOUBLE_EQ(s.rate, 0.05);
        EXPECT_EQ(s.emitted.size(), 4U);  // every window
        if (e.executor_info == c["words"][1]) {
            ++seen;
            ASSERT_TRUE(s.specific.__isset.spout);
            for (const auto* w : {"600", "10800", "86400", ":all-time"}) {
                EXPECT_EQ(s.emitted.at(w).at("default"), 300) << w;
                EXPECT_EQ(s.transferred.at(w).at("default"), 300) << w;
                EXPECT_EQ(s.emitted.at(w).at("__ack_init"), 120) << w;
                EXPECT_EQ(s.specific.spout.acked.at(w).at("default"), 120) << w;
                EXPECT_DOUBLE_EQ(s.specific.spout.complete_ms_avg.at(w).at("default"), 10.0);
            }
        }
        if (e.executor_info == c["count"][1]) {
            ++seen;
            ASSERT_TRUE(s.specific.__isset.bolt);
            th::GlobalStreamId words;
            words.componentId = "words";
            words.streamId = "default";
            EXPECT_EQ(s.specific.bolt.executed.at("600").at(words), 3000);
            EXPECT_EQ(s.specific.bolt.acked.at(":all-time").at(words), 3000);
            EXPECT_DOUBLE_EQ(s.specific.bolt.execute_ms_avg.at("600").at(words), 4.0);
            EXPECT_DOUBLE_EQ(s.specific.bolt.process_ms_avg.at("86400").at(words), 1.0);
            EXPECT_TRUE(s.emitted.at("600").empty());  // a count bolt emits nothing
        }
    }
    EXPECT_EQ(seen, 2);
}

// Storm's aggregation (StatsUtil): latencies averaged weighted by counts (complete by acked,
// execute by executed, process by acked), capacity the maximum over executors, topology acked
// and complete latency from the spouts only, emitted summed over every component.
TEST_F(executor_records_test, page_aggregates_are_storms) {
    auto id = submit_wc();
    beat_records(id, storm_example(id));
    th::TopologyPageInfo page;
    _handler->getTopologyPageInfo(page, id, "600", false);
    const auto& words = page.id_to_spout_agg_stats.at("words");
    EXPECT_EQ(words.common_stats.emitted, 400);  // system streams left out
    EXPECT_EQ(words.common_stats.acked, 160);
    // (5 × 40 + 10 × 120) / 160, not the per-sample mean 40 ms / 6.
    EXPECT_DOUBLE_EQ(words.specific_stats.spout.complete_latency_ms, 8.75);
    EXPECT_EQ(words.num_late_executors, 0);
    const auto& count = page.id_to_bolt_agg_stats.at("count");
    EXPECT_EQ(count.specific_stats.bolt.executed, 4000);
    EXPECT_DOUBLE_EQ(count.specific_stats.bolt.execute_latency_ms, 3.5);  // (2×1000+4×3000)/4000
    EXPECT_DOUBLE_EQ(count.specific_stats.bolt.process_latency_ms, 1.5);  // (3×1000+1×3000)/4000
    // max(1000 × 2, 3000 × 4) / (1000 × min(100, 600)).
    EXPECT_DOUBLE_EQ(count.specific_stats.bolt.capacity, 0.12);
    EXPECT_EQ(count.common_stats.acked, 4000);
    ASSERT_TRUE(page.__isset.topology_stats);
    EXPECT_EQ(page.topology_stats.window_to_emitted.at("600"), 400);
    EXPECT_EQ(page.topology_stats.window_to_acked.at(":all-time"), 160);  // spouts only
    EXPECT_DOUBLE_EQ(page.topology_stats.window_to_complete_latencies_ms.at("10800"), 8.75);
    EXPECT_EQ(page.num_late_executors, 0);

    th::ComponentPageInfo comp;
    _handler->getComponentPageInfo(comp, id, "count", "600", false);
    th::GlobalStreamId in;
    in.componentId = "words";
    in.streamId = "default";
    ASSERT_TRUE(comp.gsid_to_input_stats.contains(in));
    EXPECT_EQ(comp.gsid_to_input_stats.at(in).specific_stats.bolt.executed, 4000);
    EXPECT_DOUBLE_EQ(comp.gsid_to_input_stats.at(in).specific_stats.bolt.execute_latency_ms, 3.5);
    EXPECT_DOUBLE_EQ(comp.window_to_stats.at("600").specific_stats.bolt.capacity, 0.12);
    std::set<double> capacities;
    for (const auto& x : comp.exec_stats) {
        capacities.insert(x.stats.specific_stats.bolt.capacity);
        EXPECT_FALSE(x.exec_summary.late);
    }
    EXPECT_EQ(capacities, (std::set<double>{0.02, 0.12}));

    // With system components and streams: ackers' and __ack_init counted.
    _handler->getTopologyPageInfo(page, id, ":all-time", true);
    EXPECT_EQ(page.id_to_spout_agg_stats.at("words").common_stats.emitted, 560);
}

TEST_F(executor_records_test, metric_points_reach_the_pages) {
    auto id = submit_wc();
    beat_records(id, storm_example(id));
    th::TopologyPageInfo page;
    _handler->getTopologyPageInfo(page, id, ":all-time", false);
    int workers = 0;
    int tasks = 0;
    for (const auto& m : page.metrics) {
        (m.task < 0 ? workers : tasks) += 1;
    }
    EXPECT_EQ(workers, 2);
    EXPECT_EQ(tasks, 4);  // words 2 + count 2 executors; ackers' left out without include_sys
    for (const auto& w : page.workers) {
        ASSERT_EQ(w.metrics.size(), 1U);
        EXPECT_EQ(w.metrics[0].name, "worker.rss_bytes");
        EXPECT_DOUBLE_EQ(w.metrics[0].value, 4096);
        EXPECT_FALSE(w.late);
    }
    th::ComponentPageInfo comp;
    _handler->getComponentPageInfo(comp, id, "words", "", false);
    std::set<int> task_ids;
    for (const auto& m : comp.metrics) {
        EXPECT_EQ(m.name, "task.metric");
        task_ids.insert(m.task);
    }
    EXPECT_EQ(task_ids.size(), 2U);
}

// A worker whose heartbeat is older than nimbus.task.timeout.secs (30 s by default) is late:
// its executors keep their last figures, marked late with their age, and the aggregates leave
// them out and count them.
TEST_F(executor_records_test, a_late_worker_is_reported_late_and_left_out_of_aggregates) {
    auto id = submit_wc();
    auto records = storm_example(id);
    beat_records(id, records);
    auto c = by_component(id);
    auto fresh_slot = slot_of(id, c["words"][0]);
    std::set<th::ExecutorInfo> stale;
    for (const auto& [e, np] : assignment_of(id).executor_node_port) {
        if (std::make_pair(np.node, np.port) != fresh_slot) {
            stale.insert(e);
        }
    }
    ASSERT_FALSE(stale.empty());
    advance(31s);
    beat_records(id, records, fresh_slot);  // only one worker goes on

    th::TopologyInfo info;
    _handler->getTopologyInfo(info, id);
    for (const auto& e : info.executors) {
        bool is_stale = stale.contains(e.executor_info);
        EXPECT_EQ(e.late, is_stale);
        EXPECT_EQ(e.stats_age_secs, is_stale ? 31 : 0);
        EXPECT_EQ(e.stats_time_secs, is_stale ? _unix - 31 : _unix);
        if (records.contains(e.executor_info)) {
            EXPECT_TRUE(e.__isset.stats);  // the last figures stay, marked late
        }
    }

    th::TopologyPageInfo page;
    _handler->getTopologyPageInfo(page, id, ":all-time", true);
    EXPECT_EQ(page.num_late_executors, static_cast<int>(stale.size()));
    std::int64_t emitted = 0;
    std::int32_t late = 0;
    for (const auto& [e, r] : records) {
        if (!stale.contains(e)) {
            for (auto s : {"default", "__ack_init"}) {
                emitted += static_cast<std::int64_t>(r.get(stat_kind::emitted, {"", s})[3]);
            }
        }
    }
    for (const auto* m : {&page.id_to_spout_agg_stats, &page.id_to_bolt_agg_stats}) {
        for (const auto& [component, s] : *m) {
            late += s.num_late_executors;
        }
    }
    EXPECT_EQ(late, page.num_late_executors);
    EXPECT_EQ(page.topology_stats.window_to_emitted.at(":all-time"), emitted);
    for (const auto& w : page.workers) {
        bool is_fresh = std::make_pair(w.supervisor_id, w.port) == fresh_slot;
        EXPECT_EQ(w.late, !is_fresh);
        EXPECT_EQ(w.heartbeat_age_secs, is_fresh ? 0 : 31);
        EXPECT_EQ(w.time_secs, is_fresh ? _unix : _unix - 31);
    }
    // The late worker's metric points are left out: one worker's own point remains.
    EXPECT_EQ(std::count_if(page.metrics.begin(), page.metrics.end(),
                            [](const th::MetricPoint& m) { return m.task < 0; }),
              1);

    th::ComponentPageInfo comp;
    _handler->getComponentPageInfo(comp, id, "words", ":all-time", false);
    int stale_words = static_cast<int>(
        std::count_if(c["words"].begin(), c["words"].end(),
                      [&](const th::ExecutorInfo& e) { return stale.contains(e); }));
    EXPECT_EQ(comp.num_late_executors, stale_words);
    EXPECT_EQ(comp.window_to_stats.at(":all-time").num_late_executors, stale_words);
    EXPECT_EQ(comp.window_to_stats.at(":all-time").common_stats.num_executors, 2);
    for (const auto& x : comp.exec_stats) {
        EXPECT_EQ(x.exec_summary.late, stale.contains(x.exec_summary.executor_info));
        EXPECT_TRUE(x.stats.common_stats.__isset.emitted);  // its own last figures
    }
}

}  // namespace
}  // namespace tempest::nimbus
