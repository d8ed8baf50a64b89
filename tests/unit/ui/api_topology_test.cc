// SPDX-License-Identifier: Apache-2.0
// The topology routes of /api/v1 over a fake Nimbus: Storm's topology and component pages field
// by field (names and JSON types of STORM-UI-REST-API.md, latencies as 3-decimal strings),
// Tempest's staleness fields beside them, worker log links, the visualization graph, spout lag,
// logconfig's 501, and the 400s and 404s.
#include "api_v1.h"
#include "fake_nimbus.h"
#include "json_fields.h"
#include "router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>

namespace tempest::ui {
namespace {

using json = nlohmann::json;
using testing::expect_fields;
using testing::fake_nimbus;
using testing::kind;

constexpr const char* topo = "wc-1-1700000000";

long long now_secs() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class api_topology_test : public ::testing::Test {
  protected:
    api_topology_test() {
        add_api_v1_routes(routes, nimbus, api_options{.logviewer_port = 8123});
        nimbus.info.topologies.push_back({});
        nimbus.info.topologies.back().id = topo;
        nimbus.info.topologies.back().name = "wc";
        nimbus.info.topologies.back().owner = "alice";

        topology_page p;
        p.id = topo;
        p.name = "wc";
        p.status = "ACTIVE";
        p.uptime_secs = 1759;
        p.num_tasks = 8;
        p.num_workers = 2;
        p.num_executors = 6;
        p.conf_json = R"({"topology.message.timeout.secs": 45, "topology.workers": 2})";
        component_stats words;
        words.is_spout = true;
        words.num_executors = 2;
        words.num_tasks = 2;
        words.emitted = 400;
        words.transferred = 400;
        words.acked = 160;
        words.failed = 3;
        words.complete_latency_ms = 7.5;
        words.last_error = error_info{"boom", now_secs() - 65, "node1", 6701, 2};
        p.spouts["words"] = words;
        component_stats count;
        count.num_executors = 2;
        count.num_tasks = 4;
        count.emitted = 10;
        count.transferred = 0;
        count.acked = 4000;
        count.failed = 0;
        count.executed = 4000;
        count.execute_latency_ms = 3.5;
        count.process_latency_ms = 1.5;
        count.capacity = 0.0123;
        count.num_late_executors = 1;
        p.bolts["count"] = count;
        for (const char* w : {":all-time", "600", "10800", "86400"}) {
            p.totals[w] = {.emitted = 410,
                           .transferred = 400,
                           .acked = 160,
                           .failed = 3,
                           .complete_latency_ms = 7.5};
        }
        worker_info w;
        w.supervisor_id = "sup-1";
        w.host = "node1";
        w.port = 6701;
        w.topology_id = topo;
        w.topology_name = "wc";
        w.num_executors = 3;
        w.uptime_secs = 100;
        w.heartbeat_age_secs = 2;
        w.late = false;
        worker_info w2 = w;
        w2.port = 6702;
        w2.heartbeat_age_secs = 40;
        w2.late = true;
        p.workers = {w, w2};
        p.num_late_executors = 1;
        p.metrics = {
            {"lag/clicks/0", "words", 1, 12},          {"lag/clicks/0/committed", "words", 1, 88},
            {"lag/clicks/0/head", "words", 1, 100},    {"lag/clicks/1", "words", 2, 5},
            {"lag/clicks/0", "count", 3, 999},  // a bolt's: not a spout's lag
            {"worker.rss_bytes", "__system", -1, 4096}};
        nimbus.pages[topo] = p;

        component_page c;
        c.component_id = "count";
        c.topology_id = topo;
        c.topology_name = "wc";
        c.topology_status = "ACTIVE";
        c.num_executors = 2;
        c.num_tasks = 4;
        for (const char* win : {":all-time", "600", "10800", "86400"}) {
            c.window_stats[win] = count;
        }
        component_stats in;
        in.acked = 4000;
        in.failed = 0;
        in.executed = 4000;
        in.execute_latency_ms = 3.5;
        in.process_latency_ms = 1.5;
        c.input_stats[{"words", "default"}] = in;
        component_stats out;
        out.emitted = 10;
        out.transferred = 0;
        c.output_stats["default"] = out;
        executor_row e;
        e.task_start = 3;
        e.task_end = 4;
        e.host = "node1";
        e.port = 6701;
        e.uptime_secs = 99;
        e.stats_age_secs = 2;
        e.late = false;
        e.stats = count;
        c.executors = {e};
        c.errors = {{"first", now_secs() - 100, "node1", 6701, 3},
                    {"second", now_secs(), "", {}, {}}};
        c.num_late_executors = 1;
        nimbus.components[{topo, "count"}] = c;
        component_page s = c;
        s.component_id = "words";
        s.is_spout = true;
        s.input_stats.clear();
        s.window_stats.clear();
        s.window_stats[":all-time"] = words;
        component_stats sout;
        sout.emitted = 400;
        sout.transferred = 400;
        sout.acked = 160;
        sout.failed = 3;
        sout.complete_latency_ms = 7.5;
        s.output_stats = {{"default", sout}};
        s.executors[0].stats = words;
        nimbus.components[{topo, "words"}] = s;

        topology_graph g;
        g.components = {{"words", true}, {"count", false}, {"__acker", false}};
        g.inputs["count"] = {{"words", "default", "fields"}};
        g.inputs["__acker"] = {{"words", "__ack_init", "fields"}};
        g.inputs["words"] = {{"__acker", "__ack_ack", "direct"}};
        nimbus.graphs[topo] = g;
        executor_stream_counts x;
        x.component = "words";
        x.is_spout = true;
        x.host = "node1";
        x.port = 6701;
        x.uptime_secs = 99;
        x.transferred_by_window = {{":all-time", {{"default", 400}, {"__ack_init", 160}}},
                                   {"600", {{"default", 300}}}};
        nimbus.counts[topo] = {x};
    }

    json get_json(const std::string& target, int status = 200) {
        http_request r;
        r.method = "GET";
        r.target = target;
        EXPECT_TRUE(parse_target(target, r.path, r.query));
        auto res = routes.dispatch(r);
        EXPECT_EQ(res.status, status) << target << ": " << res.body;
        EXPECT_EQ(res.content_type, "application/json");
        return json::parse(res.body);
    }

    fake_nimbus nimbus;
    router routes;
};

TEST_F(api_topology_test, topology_page_has_storms_fields_and_types) {
    auto j = get_json(std::string("/api/v1/topology/") + topo);
    expect_fields(j, {{"id", kind::string},
                      {"encodedId", kind::string},
                      {"name", kind::string},
                      {"status", kind::string},
                      {"uptime", kind::string},
                      {"uptimeSeconds", kind::integer},
                      {"tasksTotal", kind::integer},
                      {"workersTotal", kind::integer},
                      {"executorsTotal", kind::integer},
                      {"msgTimeout", kind::integer},
                      {"window", kind::string},
                      {"windowHint", kind::string},
                      {"schedulerDisplayResource", kind::boolean},
                      {"replicationCount", kind::integer},
                      {"debug", kind::boolean},
                      {"samplingPct", kind::number},
                      {"assignedMemOnHeap", kind::number},
                      {"assignedMemOffHeap", kind::number},
                      {"assignedTotalMem", kind::number},
                      {"assignedCpu", kind::number},
                      {"requestedMemOnHeap", kind::number},
                      {"requestedMemOffHeap", kind::number},
                      {"requestedCpu", kind::number},
                      {"topologyStats", kind::array},
                      {"spouts", kind::array},
                      {"bolts", kind::array},
                      {"workers", kind::array},
                      {"configuration", kind::object},
                      {"statsAgeSecs", kind::integer},
                      {"statsLate", kind::boolean},
                      {"lateExecutors", kind::integer}});
    EXPECT_EQ(j["id"], topo);
    EXPECT_EQ(j["uptime"], "29m 19s");
    EXPECT_EQ(j["uptimeSeconds"], 1759);
    EXPECT_EQ(j["msgTimeout"], 45);
    EXPECT_EQ(j["window"], ":all-time");
    EXPECT_EQ(j["windowHint"], "All time");
    EXPECT_EQ(j["configuration"]["topology.workers"], 2);
    EXPECT_EQ(j["statsAgeSecs"], 40);  // the oldest worker heartbeat
    EXPECT_EQ(j["statsLate"], true);
    EXPECT_EQ(j["lateExecutors"], 1);
    EXPECT_EQ(nimbus.actions.back(), std::string("topology ") + topo + "|:all-time|0");

    // topologyStats: Storm's four windows in its order.
    ASSERT_EQ(j["topologyStats"].size(), 4U);
    const char* order[] = {"600", "10800", "86400", ":all-time"};
    const char* pretty[] = {"10m 0s", "3h 0m 0s", "1d 0h 0m 0s", "All time"};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& s = j["topologyStats"][i];
        expect_fields(s, {{"windowPretty", kind::string},
                          {"window", kind::string},
                          {"emitted", kind::integer},
                          {"transferred", kind::integer},
                          {"completeLatency", kind::string},
                          {"acked", kind::integer},
                          {"failed", kind::integer}});
        EXPECT_EQ(s["window"], order[i]);
        EXPECT_EQ(s["windowPretty"], pretty[i]);
    }
    EXPECT_EQ(j["topologyStats"][3]["completeLatency"], "7.500");
    EXPECT_EQ(j["topologyStats"][3]["emitted"], 410);

    ASSERT_EQ(j["spouts"].size(), 1U);
    const auto& spout = j["spouts"][0];
    expect_fields(spout, {{"spoutId", kind::string},
                          {"encodedSpoutId", kind::string},
                          {"executors", kind::integer},
                          {"tasks", kind::integer},
                          {"emitted", kind::integer},
                          {"transferred", kind::integer},
                          {"completeLatency", kind::string},
                          {"acked", kind::integer},
                          {"failed", kind::integer},
                          {"lastError", kind::string},
                          {"errorHost", kind::string},
                          {"errorPort", kind::integer},
                          {"errorTime", kind::integer},
                          {"errorLapsedSecs", kind::integer},
                          {"errorWorkerLogLink", kind::string},
                          {"requestedMemOnHeap", kind::number},
                          {"requestedMemOffHeap", kind::number},
                          {"requestedCpu", kind::number}});
    EXPECT_EQ(spout["spoutId"], "words");
    EXPECT_EQ(spout["completeLatency"], "7.500");
    EXPECT_EQ(spout["acked"], 160);
    EXPECT_EQ(spout["lastError"], "boom");
    EXPECT_GE(spout["errorLapsedSecs"].get<long long>(), 65);
    EXPECT_LT(spout["errorLapsedSecs"].get<long long>(), 65 + 60);
    EXPECT_EQ(spout["errorWorkerLogLink"],
              "http://node1:8123/log?file=wc-1-1700000000%2F6701%2Fworker.log");

    ASSERT_EQ(j["bolts"].size(), 1U);
    const auto& bolt = j["bolts"][0];
    expect_fields(bolt, {{"boltId", kind::string},
                         {"encodedBoltId", kind::string},
                         {"executors", kind::integer},
                         {"tasks", kind::integer},
                         {"emitted", kind::integer},
                         {"transferred", kind::integer},
                         {"capacity", kind::string},
                         {"executeLatency", kind::string},
                         {"executed", kind::integer},
                         {"processLatency", kind::string},
                         {"acked", kind::integer},
                         {"failed", kind::integer},
                         {"lastError", kind::string},
                         {"errorHost", kind::string},
                         {"errorWorkerLogLink", kind::string}});
    EXPECT_EQ(bolt["capacity"], "0.012");
    EXPECT_EQ(bolt["executeLatency"], "3.500");
    EXPECT_EQ(bolt["processLatency"], "1.500");
    EXPECT_EQ(bolt["executed"], 4000);
    EXPECT_EQ(bolt["lastError"], "");
    EXPECT_TRUE(bolt["errorPort"].is_null());
    EXPECT_TRUE(bolt["errorLapsedSecs"].is_null());

    ASSERT_EQ(j["workers"].size(), 2U);
    expect_fields(j["workers"][0], {{"supervisorId", kind::string},
                                    {"host", kind::string},
                                    {"port", kind::integer},
                                    {"topologyId", kind::string},
                                    {"topologyName", kind::string},
                                    {"executorsTotal", kind::integer},
                                    {"componentNumTasks", kind::object},
                                    {"uptime", kind::string},
                                    {"uptimeSeconds", kind::integer},
                                    {"workerLogLink", kind::string},
                                    {"heartbeatAgeSecs", kind::integer},
                                    {"late", kind::boolean}});
    EXPECT_EQ(j["workers"][0]["workerLogLink"],
              "http://node1:8123/log?file=wc-1-1700000000%2F6701%2Fworker.log");
    EXPECT_EQ(j["workers"][1]["late"], true);
}

TEST_F(api_topology_test, topology_page_passes_window_and_sys_and_refuses_bad_ones) {
    auto j = get_json(std::string("/api/v1/topology/") + topo + "?window=600&sys=1");
    EXPECT_EQ(j["window"], "600");
    EXPECT_EQ(j["windowHint"], "10m 0s");
    EXPECT_EQ(nimbus.actions.back(), std::string("topology ") + topo + "|600|1");
    get_json(std::string("/api/v1/topology/") + topo + "?window=10800&sys=false");
    EXPECT_EQ(nimbus.actions.back(), std::string("topology ") + topo + "|10800|0");
    get_json(std::string("/api/v1/topology/") + topo + "?window=:all-time&sys=true");
    EXPECT_EQ(nimbus.actions.back(), std::string("topology ") + topo + "|:all-time|1");

    const auto before = nimbus.actions.size();
    for (const auto* q : {"?window=60", "?window=all", "?sys=yes", "?window=600&sys=2"}) {
        auto e = get_json(std::string("/api/v1/topology/") + topo + q, 400);
        EXPECT_EQ(e["error"], "Bad Request") << q;
        EXPECT_FALSE(e["errorMessage"].get<std::string>().empty());
    }
    EXPECT_NE(get_json(std::string("/api/v1/topology/") + topo + "?window=60", 400)["errorMessage"]
                  .get<std::string>()
                  .find("window"),
              std::string::npos);
    EXPECT_EQ(nimbus.actions.size(), before);  // refused before asking Nimbus
    auto missing = get_json("/api/v1/topology/nope-1-1", 404);
    EXPECT_EQ(missing["error"], "Not Found");
    EXPECT_NE(missing["errorMessage"].get<std::string>().find("nope-1-1"), std::string::npos);
}

TEST_F(api_topology_test, a_topology_no_worker_reported_has_no_window_figures) {
    auto& p = nimbus.pages[topo];
    p.totals.clear();
    p.workers.clear();
    p.spouts["words"] = component_stats{.is_spout = true, .num_executors = 2, .num_tasks = 2};
    auto j = get_json(std::string("/api/v1/topology/") + topo);
    EXPECT_TRUE(j["topologyStats"].empty());
    EXPECT_TRUE(j["statsAgeSecs"].is_null());
    EXPECT_EQ(j["spouts"][0]["emitted"], 0);
    EXPECT_EQ(j["spouts"][0]["completeLatency"], "0.000");
}

TEST_F(api_topology_test, bolt_component_page_has_storms_fields) {
    auto j = get_json(std::string("/api/v1/topology/") + topo + "/component/count?window=600");
    expect_fields(j, {{"id", kind::string},
                      {"encodedId", kind::string},
                      {"name", kind::string},
                      {"executors", kind::integer},
                      {"tasks", kind::integer},
                      {"user", kind::string},
                      {"topologyId", kind::string},
                      {"encodedTopologyId", kind::string},
                      {"topologyStatus", kind::string},
                      {"window", kind::string},
                      {"windowHint", kind::string},
                      {"componentType", kind::string},
                      {"debug", kind::boolean},
                      {"samplingPct", kind::number},
                      {"eventLogLink", kind::string},
                      {"profilingAndDebuggingCapable", kind::boolean},
                      {"profileActionEnabled", kind::boolean},
                      {"profilerActive", kind::array},
                      {"schedulerDisplayResource", kind::boolean},
                      {"requestedMemOnHeap", kind::number},
                      {"requestedMemOffHeap", kind::number},
                      {"requestedCpu", kind::number},
                      {"componentErrors", kind::array},
                      {"boltStats", kind::array},
                      {"inputStats", kind::array},
                      {"outputStats", kind::array},
                      {"executorStats", kind::array},
                      {"lateExecutors", kind::integer}});
    EXPECT_FALSE(j.contains("spoutSummary"));
    EXPECT_EQ(j["componentType"], "bolt");
    EXPECT_EQ(j["name"], "wc");
    EXPECT_EQ(j["user"], "alice");
    EXPECT_EQ(j["window"], "600");
    EXPECT_EQ(nimbus.actions.back(), std::string("component ") + topo + "|count|600|0");

    ASSERT_EQ(j["boltStats"].size(), 4U);
    EXPECT_EQ(j["boltStats"][0]["window"], "600");
    expect_fields(j["boltStats"][0], {{"windowPretty", kind::string},
                                      {"window", kind::string},
                                      {"emitted", kind::integer},
                                      {"transferred", kind::integer},
                                      {"executeLatency", kind::string},
                                      {"processLatency", kind::string},
                                      {"executed", kind::integer},
                                      {"capacity", kind::string},
                                      {"acked", kind::integer},
                                      {"failed", kind::integer}});
    ASSERT_EQ(j["inputStats"].size(), 1U);
    expect_fields(j["inputStats"][0], {{"component", kind::string},
                                       {"encodedComponentId", kind::string},
                                       {"stream", kind::string},
                                       {"executeLatency", kind::string},
                                       {"processLatency", kind::string},
                                       {"executed", kind::integer},
                                       {"acked", kind::integer},
                                       {"failed", kind::integer}});
    EXPECT_EQ(j["inputStats"][0]["component"], "words");
    EXPECT_EQ(j["inputStats"][0]["executeLatency"], "3.500");
    ASSERT_EQ(j["outputStats"].size(), 1U);
    expect_fields(
        j["outputStats"][0],
        {{"stream", kind::string}, {"emitted", kind::integer}, {"transferred", kind::integer}});

    ASSERT_EQ(j["executorStats"].size(), 1U);
    const auto& e = j["executorStats"][0];
    expect_fields(e, {{"id", kind::string},
                      {"encodedId", kind::string},
                      {"host", kind::string},
                      {"port", kind::integer},
                      {"uptime", kind::string},
                      {"uptimeSeconds", kind::integer},
                      {"emitted", kind::integer},
                      {"transferred", kind::integer},
                      {"capacity", kind::string},
                      {"executeLatency", kind::string},
                      {"executed", kind::integer},
                      {"processLatency", kind::string},
                      {"acked", kind::integer},
                      {"failed", kind::integer},
                      {"workerLogLink", kind::string},
                      {"statsAgeSecs", kind::integer},
                      {"late", kind::boolean}});
    EXPECT_EQ(e["id"], "[3-4]");
    EXPECT_EQ(e["workerLogLink"], "http://node1:8123/log?file=wc-1-1700000000%2F6701%2Fworker.log");

    ASSERT_EQ(j["componentErrors"].size(), 2U);
    const auto& err = j["componentErrors"][0];
    expect_fields(err, {{"errorTime", kind::integer},
                        {"errorHost", kind::string},
                        {"errorPort", kind::integer},
                        {"error", kind::string},
                        {"errorLapsedSecs", kind::integer},
                        {"errorWorkerLogLink", kind::string}});
    EXPECT_EQ(err["error"], "first");
    EXPECT_EQ(err["errorWorkerLogLink"],
              "http://node1:8123/log?file=wc-1-1700000000%2F6701%2Fworker.log");
    EXPECT_EQ(j["componentErrors"][1]["errorWorkerLogLink"], "");  // no host known
}

TEST_F(api_topology_test, spout_component_page_has_spout_summary) {
    auto j = get_json(std::string("/api/v1/topology/") + topo + "/component/words?sys=1");
    EXPECT_EQ(j["componentType"], "spout");
    EXPECT_FALSE(j.contains("boltStats"));
    EXPECT_FALSE(j.contains("inputStats"));
    ASSERT_EQ(j["spoutSummary"].size(), 1U);
    expect_fields(j["spoutSummary"][0], {{"windowPretty", kind::string},
                                         {"window", kind::string},
                                         {"emitted", kind::integer},
                                         {"transferred", kind::integer},
                                         {"completeLatency", kind::string},
                                         {"acked", kind::integer},
                                         {"failed", kind::integer}});
    EXPECT_EQ(j["spoutSummary"][0]["completeLatency"], "7.500");
    expect_fields(j["outputStats"][0], {{"stream", kind::string},
                                        {"emitted", kind::integer},
                                        {"transferred", kind::integer},
                                        {"completeLatency", kind::string},
                                        {"acked", kind::integer},
                                        {"failed", kind::integer}});
    expect_fields(j["executorStats"][0], {{"completeLatency", kind::string}});
    EXPECT_EQ(nimbus.actions.back(), std::string("component ") + topo + "|words|:all-time|1");
}

TEST_F(api_topology_test, component_page_errors) {
    get_json(std::string("/api/v1/topology/") + topo + "/component/nope", 404);
    get_json("/api/v1/topology/nope-1-1/component/count", 404);
    get_json(std::string("/api/v1/topology/") + topo + "/component/count?window=1", 400);
    get_json(std::string("/api/v1/topology/") + topo + "/component/count?sys=x", 400);
}

TEST_F(api_topology_test, visualization_is_storms_graph) {
    auto j = get_json(std::string("/api/v1/topology/") + topo + "/visualization");
    ASSERT_TRUE(j.is_object());
    EXPECT_FALSE(j.contains("__acker"));  // system components only with sys=1
    ASSERT_TRUE(j.contains("words"));
    ASSERT_TRUE(j.contains("count"));
    for (const auto& [id, node] : j.items()) {
        expect_fields(node, {{":type", kind::string},
                             {":capacity", kind::number},
                             {":stats", kind::array},
                             {":link", kind::string},
                             {":inputs", kind::array}});
    }
    EXPECT_EQ(j["words"][":type"], "spout");
    EXPECT_EQ(j["count"][":type"], "bolt");
    EXPECT_DOUBLE_EQ(j["count"][":capacity"].get<double>(), 0.0123);
    EXPECT_DOUBLE_EQ(j["count"][":latency"].get<double>(), 1.5);
    EXPECT_EQ(j["words"][":transferred"], 400);
    EXPECT_TRUE(j["words"][":inputs"].empty());  // its acker input is a system stream
    ASSERT_EQ(j["count"][":inputs"].size(), 1U);
    const auto& in = j["count"][":inputs"][0];
    expect_fields(in, {{":component", kind::string},
                       {":stream", kind::string},
                       {":sani-stream", kind::string},
                       {":grouping", kind::string}});
    EXPECT_EQ(in[":component"], "words");
    EXPECT_EQ(in[":stream"], "default");
    EXPECT_EQ(in[":grouping"], "fields");
    ASSERT_EQ(j["words"][":stats"].size(), 1U);
    const auto& st = j["words"][":stats"][0];
    expect_fields(st, {{":host", kind::string},
                       {":port", kind::integer},
                       {":uptime_secs", kind::integer},
                       {":transferred", kind::object}});
    // Transferred per window by sanitized stream, matching the inputs' :sani-stream.
    const std::string sani = in[":sani-stream"];
    EXPECT_EQ(st[":transferred"][":all-time"][sani], 400);
    EXPECT_EQ(st[":transferred"]["600"][sani], 300);
    EXPECT_EQ(st[":transferred"][":all-time"].size(), 1U);  // __ack_init left out

    auto sys = get_json(std::string("/api/v1/topology/") + topo + "/visualization?sys=1");
    ASSERT_TRUE(sys.contains("__acker"));
    EXPECT_EQ(sys["words"][":inputs"][0][":grouping"], "direct");
    EXPECT_NE(sys["__acker"][":inputs"][0][":sani-stream"], sani);
    get_json("/api/v1/topology/nope-1-1/visualization", 404);
}

TEST_F(api_topology_test, lag_is_empty_without_lag_metrics_and_storms_shape_with_them) {
    auto j = get_json(std::string("/api/v1/topology/") + topo + "/lag");
    ASSERT_EQ(j.size(), 1U) << j.dump();  // the bolt's lag-named gauge is not a spout's lag
    const auto& words = j["words"];
    expect_fields(
        words,
        {{"spoutId", kind::string}, {"spoutType", kind::string}, {"spoutLagResult", kind::object}});
    const auto& clicks = words["spoutLagResult"]["clicks"];
    EXPECT_EQ(clicks["0"]["lag"], 12);
    EXPECT_EQ(clicks["0"]["consumerCommittedOffset"], 88);
    EXPECT_EQ(clicks["0"]["logHeadOffset"], 100);
    EXPECT_EQ(clicks["1"]["lag"], 5);

    nimbus.pages[topo].metrics.clear();
    EXPECT_EQ(get_json(std::string("/api/v1/topology/") + topo + "/lag"), json::object());
    get_json("/api/v1/topology/nope-1-1/lag", 404);
}

TEST_F(api_topology_test, logconfig_is_not_supported) {
    auto j = get_json(std::string("/api/v1/topology/") + topo + "/logconfig", 501);
    EXPECT_EQ(j["error"], "Not Implemented");
    EXPECT_NE(j["errorMessage"].get<std::string>().find("not supported"), std::string::npos);
    get_json("/api/v1/topology/nope-1-1/logconfig", 404);
}

TEST_F(api_topology_test, supervisor_page_workers_link_their_logs) {
    supervisor_info s;
    s.id = "sup-1";
    s.host = "node1";
    nimbus.info.supervisors = {s};
    nimbus.workers = nimbus.pages[topo].workers;
    auto j = get_json("/api/v1/supervisor?id=sup-1");
    ASSERT_EQ(j["workers"].size(), 2U);
    EXPECT_EQ(j["workers"][1]["workerLogLink"],
              "http://node1:8123/log?file=wc-1-1700000000%2F6702%2Fworker.log");
    EXPECT_EQ(j["workers"][1]["heartbeatAgeSecs"], 40);
}

}  // namespace
}  // namespace tempest::ui
