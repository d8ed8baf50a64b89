// SPDX-License-Identifier: Apache-2.0
// Storm UI's /api/v1 as api_v1 serves it, over a fake Nimbus: every field of each endpoint with
// the type Storm's STORM-UI-REST-API.md gives it, the actions' replies, and the errors.
#include "api_v1.h"

#include "fake_nimbus.h"
#include "json_fields.h"
#include "router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

namespace tempest::ui {
namespace {

using json = nlohmann::json;
using testing::expect_fields;
using testing::fake_nimbus;
using testing::kind;

class api_v1_test : public ::testing::Test {
  protected:
    api_v1_test() {
        add_api_v1_routes(routes, nimbus);
        supervisor_info s1;
        s1.id = "sup-1";
        s1.host = "node1";
        s1.uptime_secs = 358;
        s1.slots_total = 4;
        s1.slots_used = 3;
        s1.version = "0.1.0";
        s1.total_resources = {{"memory", 4096.0}, {"cpu", 400.0}};
        s1.used_mem = 1024.0;
        s1.used_cpu = 100.0;
        supervisor_info s2;
        s2.id = "sup-2";
        s2.host = "node2";
        s2.slots_total = 2;
        nimbus.info.supervisors = {s1, s2};
        topology_info t;
        t.id = "wc-1-1700000000";
        t.name = "wc";
        t.status = "ACTIVE";
        t.uptime_secs = 365;
        t.num_tasks = 28;
        t.num_executors = 20;
        t.num_workers = 3;
        topology_info t2 = t;
        t2.id = "other-2-1700000001";
        t2.name = "other";
        t2.status = "INACTIVE";
        t2.num_tasks = 2;
        t2.num_executors = 2;
        nimbus.info.topologies = {t, t2};
        nimbus.info.nimbuses = {{"n1", 6627, 213, true, "0.1.0"}, {"n2", 6627, 5, false, "0.1.0"}};
        worker_info w;
        w.supervisor_id = "sup-1";
        w.host = "node1";
        w.port = 6700;
        w.topology_id = t.id;
        w.topology_name = "wc";
        w.num_executors = 8;
        w.component_num_tasks = {{"words", 5}};
        w.uptime_secs = 167;
        nimbus.workers = {w};
    }

    http_response call(const std::string& method, const std::string& target,
                       const std::string& body = "") {
        http_request r;
        r.method = method;
        r.target = target;
        r.body = body;
        EXPECT_TRUE(parse_target(target, r.path, r.query));
        return routes.dispatch(r);
    }
    json get_json(const std::string& target, int status = 200) {
        auto res = call("GET", target);
        EXPECT_EQ(res.status, status) << target << ": " << res.body;
        EXPECT_EQ(res.content_type, "application/json");
        return json::parse(res.body);
    }

    fake_nimbus nimbus;
    router routes;
};

TEST_F(api_v1_test, cluster_configuration_is_nimbus_conf_as_an_object) {
    auto j = get_json("/api/v1/cluster/configuration");
    EXPECT_EQ(j["ui.port"], 8080);
    EXPECT_EQ(j["nimbus.seeds"], json::array({"localhost"}));
}

TEST_F(api_v1_test, cluster_summary_has_storms_fields_and_sums) {
    auto j = get_json("/api/v1/cluster/summary");
    expect_fields(j, {{"stormVersion", kind::string},
                      {"supervisors", kind::integer},
                      {"topologies", kind::integer},
                      {"slotsTotal", kind::integer},
                      {"slotsUsed", kind::integer},
                      {"slotsFree", kind::integer},
                      {"executorsTotal", kind::integer},
                      {"tasksTotal", kind::integer},
                      {"schedulerDisplayResource", kind::boolean},
                      {"totalMem", kind::number},
                      {"totalCpu", kind::number},
                      {"availMem", kind::number},
                      {"availCpu", kind::number},
                      {"memAssignedPercentUtil", kind::number},
                      {"cpuAssignedPercentUtil", kind::number}});
    EXPECT_TRUE(
        std::regex_match(j["stormVersion"].get<std::string>(), std::regex(R"(\d+\.\d+\.\d+)")))
        << j["stormVersion"];
    EXPECT_EQ(j["supervisors"], 2);
    EXPECT_EQ(j["topologies"], 2);
    EXPECT_EQ(j["slotsTotal"], 6);
    EXPECT_EQ(j["slotsUsed"], 3);
    EXPECT_EQ(j["slotsFree"], 3);
    EXPECT_EQ(j["executorsTotal"], 22);
    EXPECT_EQ(j["tasksTotal"], 30);
    EXPECT_DOUBLE_EQ(j["totalMem"].get<double>(), 4096.0);
    EXPECT_DOUBLE_EQ(j["availMem"].get<double>(), 3072.0);
    EXPECT_DOUBLE_EQ(j["memAssignedPercentUtil"].get<double>(), 25.0);
    EXPECT_DOUBLE_EQ(j["cpuAssignedPercentUtil"].get<double>(), 25.0);
}

TEST_F(api_v1_test, nimbus_summary_lists_leader_and_standbys) {
    auto j = get_json("/api/v1/nimbus/summary");
    ASSERT_EQ(j["nimbuses"].size(), 2U);
    for (const auto& n : j["nimbuses"]) {
        expect_fields(n, {{"host", kind::string},
                          {"port", kind::integer},
                          {"status", kind::string},
                          {"nimbusUpTime", kind::string},
                          {"nimbusUpTimeSeconds", kind::string},
                          {"version", kind::string}});
    }
    EXPECT_EQ(j["nimbuses"][0]["status"], "Leader");
    EXPECT_EQ(j["nimbuses"][0]["nimbusUpTime"], "3m 33s");
    EXPECT_EQ(j["nimbuses"][0]["nimbusUpTimeSeconds"], "213");
    EXPECT_EQ(j["nimbuses"][1]["status"], "Not a Leader");
}

TEST_F(api_v1_test, supervisor_summary_lists_every_supervisor_or_the_one_asked_for) {
    auto j = get_json("/api/v1/supervisor/summary");
    expect_fields(j, {{"supervisors", kind::array}, {"schedulerDisplayResource", kind::boolean}});
    ASSERT_EQ(j["supervisors"].size(), 2U);
    for (const auto& s : j["supervisors"]) {
        expect_fields(s, {{"id", kind::string},
                          {"host", kind::string},
                          {"uptime", kind::string},
                          {"uptimeSeconds", kind::integer},
                          {"slotsTotal", kind::integer},
                          {"slotsUsed", kind::integer},
                          {"totalMem", kind::number},
                          {"totalCpu", kind::number},
                          {"usedMem", kind::number},
                          {"usedCpu", kind::number},
                          {"version", kind::string}});
    }
    EXPECT_EQ(j["supervisors"][0]["uptime"], "5m 58s");
    auto one = get_json("/api/v1/supervisor/summary?id=sup-2");
    ASSERT_EQ(one["supervisors"].size(), 1U);
    EXPECT_EQ(one["supervisors"][0]["host"], "node2");
    auto none = get_json("/api/v1/supervisor/summary?id=nope", 404);
    EXPECT_EQ(none["error"], "Not Found");
}

TEST_F(api_v1_test, supervisor_page_has_supervisors_and_workers) {
    auto j = get_json("/api/v1/supervisor?id=sup-1&sys=1");
    expect_fields(j, {{"supervisors", kind::array},
                      {"workers", kind::array},
                      {"schedulerDisplayResource", kind::boolean}});
    ASSERT_EQ(j["workers"].size(), 1U);
    expect_fields(j["workers"][0], {{"supervisorId", kind::string},
                                    {"host", kind::string},
                                    {"port", kind::integer},
                                    {"topologyId", kind::string},
                                    {"topologyName", kind::string},
                                    {"executorsTotal", kind::integer},
                                    {"assignedMemOnHeap", kind::number},
                                    {"assignedMemOffHeap", kind::number},
                                    {"assignedCpu", kind::number},
                                    {"componentNumTasks", kind::object},
                                    {"uptime", kind::string},
                                    {"uptimeSeconds", kind::integer}});
    EXPECT_EQ(j["workers"][0]["componentNumTasks"]["words"], 5);
    EXPECT_EQ(nimbus.actions.back(), "supervisor sup-1||1");
    get_json("/api/v1/supervisor?host=node2");
    EXPECT_EQ(nimbus.actions.back(), "supervisor |node2|0");
    get_json("/api/v1/supervisor", 400);
    get_json("/api/v1/supervisor?id=sup-1&sys=maybe", 400);
    get_json("/api/v1/supervisor?id=nope", 404);
}

TEST_F(api_v1_test, topology_summary_has_storms_fields) {
    auto j = get_json("/api/v1/topology/summary");
    expect_fields(j, {{"topologies", kind::array}, {"schedulerDisplayResource", kind::boolean}});
    ASSERT_EQ(j["topologies"].size(), 2U);
    const auto& t = j["topologies"][0];
    expect_fields(t, {{"id", kind::string},
                      {"name", kind::string},
                      {"status", kind::string},
                      {"uptime", kind::string},
                      {"uptimeSeconds", kind::integer},
                      {"tasksTotal", kind::integer},
                      {"workersTotal", kind::integer},
                      {"executorsTotal", kind::integer},
                      {"replicationCount", kind::integer},
                      {"requestedMemOnHeap", kind::number},
                      {"requestedMemOffHeap", kind::number},
                      {"requestedTotalMem", kind::number},
                      {"requestedCpu", kind::number},
                      {"assignedMemOnHeap", kind::number},
                      {"assignedMemOffHeap", kind::number},
                      {"assignedTotalMem", kind::number},
                      {"assignedCpu", kind::number}});
    EXPECT_EQ(t["id"], "wc-1-1700000000");
    EXPECT_EQ(t["uptime"], "6m 5s");
    EXPECT_EQ(t["tasksTotal"], 28);
    EXPECT_EQ(t["workersTotal"], 3);
    EXPECT_EQ(t["executorsTotal"], 20);
}

TEST_F(api_v1_test, actions_reach_nimbus_by_name_and_answer_storms_shape) {
    struct action {
        std::string path;
        std::string operation;
        std::string expected;
    };
    for (const auto& a : std::vector<action>{
             {"/activate", "activate", "activate wc"},
             {"/deactivate", "deactivate", "deactivate wc"},
             {"/rebalance/7", "rebalance", "rebalance wc 7"},
             {"/kill/30", "kill", "kill wc 30"},
         }) {
        auto res = call("POST", "/api/v1/topology/wc-1-1700000000" + a.path);
        ASSERT_EQ(res.status, 200) << a.path << ": " << res.body;
        auto j = json::parse(res.body);
        EXPECT_EQ(j, (json{{"topologyOperation", a.operation},
                           {"topologyId", "wc-1-1700000000"},
                           {"status", "success"}}));
        EXPECT_EQ(nimbus.actions.back(), a.expected);
    }
}

TEST_F(api_v1_test, rebalance_reads_storms_options_body) {
    auto res = call("POST", "/api/v1/topology/wc-1-1700000000/rebalance/0",
                    R"({"rebalanceOptions": {"numWorkers": 2,
                        "executors": {"words": "5", "count": 7}}, "callback": "foo"})");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(nimbus.actions.back(), "rebalance wc 0 workers=2 count=7 words=5");
    for (const auto* bad :
         {"not json", R"({"rebalanceOptions": 3})", R"({"rebalanceOptions": {"numWorkers": 0}})",
          R"({"rebalanceOptions": {"executors": {"words": "x"}}})"}) {
        auto r = call("POST", "/api/v1/topology/wc-1-1700000000/rebalance/0", bad);
        EXPECT_EQ(r.status, 400) << bad;
        EXPECT_EQ(json::parse(r.body)["error"], "Bad Request");
    }
}

TEST_F(api_v1_test, bad_wait_times_are_400_and_reach_no_nimbus) {
    for (const auto* wait : {"abc", "-1", "1.5", "99999999999", "3s"}) {
        for (const auto* op : {"kill", "rebalance"}) {
            auto res =
                call("POST", std::string("/api/v1/topology/wc-1-1700000000/") + op + "/" + wait);
            EXPECT_EQ(res.status, 400) << op << " " << wait;
            auto j = json::parse(res.body);
            EXPECT_EQ(j["error"], "Bad Request");
            EXPECT_NE(j["errorMessage"].get<std::string>().find("wait-time"), std::string::npos);
        }
    }
    EXPECT_TRUE(nimbus.actions.empty());
}

TEST_F(api_v1_test, an_unknown_topology_is_404) {
    for (const auto* path : {"/activate", "/deactivate", "/kill/0", "/rebalance/0"}) {
        auto res = call("POST", std::string("/api/v1/topology/nope-9-9") + path);
        EXPECT_EQ(res.status, 404) << path;
        EXPECT_NE(json::parse(res.body)["errorMessage"].get<std::string>().find("nope-9-9"),
                  std::string::npos);
    }
    EXPECT_EQ(call("GET", "/api/v1/topology/wc-1-1700000000/activate").status, 405);
}

TEST_F(api_v1_test, nimbus_failures_map_to_statuses) {
    struct mapping {
        nimbus_failure failure;
        int status;
    };
    for (auto [failure, status] : std::vector<mapping>{{nimbus_failure::unreachable, 503},
                                                       {nimbus_failure::failed, 502},
                                                       {nimbus_failure::not_found, 404},
                                                       {nimbus_failure::invalid, 400},
                                                       {nimbus_failure::forbidden, 403}}) {
        nimbus.failure.emplace(failure, "it went wrong");
        auto j = get_json("/api/v1/cluster/summary", status);
        EXPECT_EQ(j["errorMessage"], "it went wrong");
        EXPECT_EQ(j["error"], reason_phrase(status));
    }
}

TEST_F(api_v1_test, a_callback_parameter_wraps_the_json) {
    auto res = call("GET", "/api/v1/nimbus/summary?callback=show");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.content_type, "application/javascript");
    EXPECT_EQ(res.body.rfind("show(", 0), 0U);
    EXPECT_EQ(call("GET", "/api/v1/nimbus/summary?callback=alert(1)").status, 400);
}

TEST(pretty_uptime_test, drops_leading_zero_units_as_storm_does) {
    EXPECT_EQ(pretty_uptime(0), "0s");
    EXPECT_EQ(pretty_uptime(59), "59s");
    EXPECT_EQ(pretty_uptime(365), "6m 5s");
    EXPECT_EQ(pretty_uptime(3600), "1h 0m 0s");
    EXPECT_EQ(pretty_uptime(2 * 86400 + 3 * 3600 + 4 * 60 + 5), "2d 3h 4m 5s");
    EXPECT_EQ(pretty_uptime(-4), "0s");
}

}  // namespace
}  // namespace tempest::ui
