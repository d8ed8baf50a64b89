// SPDX-License-Identifier: Apache-2.0
// The Prometheus text writer (names, escaping, one family per name, values) and the /metrics
// exporter over a fake Nimbus (families and labels, the scrape cache, Nimbus unreachable).
#include "fake_nimbus.h"
#include "prometheus_exporter.h"
#include "prometheus_writer.h"
#include "router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace tempest::ui {
namespace {

using kind = prometheus_writer::kind;
using testing::fake_nimbus;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

int count_of(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
        ++n;
    }
    return n;
}

TEST(prometheus_writer_test, escapes_label_values_and_help) {
    prometheus_writer w;
    w.add("m", kind::gauge, "a \\ back\nslash", {{"v", "say \"hi\"\\\nbye"}}, 1);
    EXPECT_EQ(w.text(),
              "# HELP m a \\\\ back\\nslash\n"
              "# TYPE m gauge\n"
              "m{v=\"say \\\"hi\\\"\\\\\\nbye\"} 1\n");
}

TEST(prometheus_writer_test, sanitizes_names_and_ends_counters_in_total) {
    EXPECT_EQ(prometheus_writer::sanitize_name("my.metric-name/x"), "my_metric_name_x");
    EXPECT_EQ(prometheus_writer::sanitize_name("9lives"), "_9lives");
    EXPECT_EQ(prometheus_writer::sanitize_name("ok:name_1"), "ok:name_1");
    EXPECT_EQ(prometheus_writer::sanitize_name(""), "_");
    prometheus_writer w;
    w.add("tempest_things", kind::counter, "h", {}, 3);
    w.add("tempest_more_total", kind::counter, "h", {}, 4);
    auto text = w.text();
    EXPECT_NE(text.find("# TYPE tempest_things_total counter\ntempest_things_total 3\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("# TYPE tempest_more_total counter\ntempest_more_total 4\n"),
              std::string::npos)
        << text;
}

TEST(prometheus_writer_test, writes_each_family_once_with_its_samples_together) {
    prometheus_writer w;
    w.add("b_total", kind::counter, "b", {{"x", "1"}}, 1);
    w.add("a", kind::gauge, "a", {{"x", "1"}}, 1);
    w.add("b_total", kind::counter, "b", {{"x", "2"}}, 2);
    w.add("b_total", kind::counter, "b", {{"x", "1"}}, 5);  // same series: a counter adds
    w.add("a", kind::gauge, "a", {{"x", "1"}}, 7);          // a gauge replaces
    w.add("b_total", kind::gauge, "b", {{"x", "3"}}, 7);    // another type: dropped
    EXPECT_EQ(w.text(),
              "# HELP a a\n# TYPE a gauge\na{x=\"1\"} 7\n"
              "# HELP b_total b\n# TYPE b_total counter\nb_total{x=\"1\"} 6\nb_total{x=\"2\"} 2\n");
}

TEST(prometheus_writer_test, formats_values_as_prometheus_reads_them) {
    EXPECT_EQ(prometheus_writer::format_value(42), "42");
    EXPECT_EQ(prometheus_writer::format_value(-3), "-3");
    EXPECT_EQ(prometheus_writer::format_value(0.125), "0.125");
    EXPECT_EQ(prometheus_writer::format_value(1e20), "1e+20");
    EXPECT_EQ(prometheus_writer::format_value(std::nan("")), "NaN");
    EXPECT_EQ(prometheus_writer::format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(prometheus_writer::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
}

class prometheus_exporter_test : public ::testing::Test {
  protected:
    prometheus_exporter_test() {
        supervisor_info s;
        s.id = "sup-1";
        s.host = "node1";
        s.slots_total = 4;
        s.slots_used = 1;
        nimbus.info.supervisors = {s};
        nimbus.info.nimbuses = {{"n1", 6627, 10, true, "0.1.0"}};
        topology_info t;
        t.id = "wc-1-1700000000";
        t.name = "wc";
        t.status = "ACTIVE";
        t.uptime_secs = 60;
        t.num_workers = 1;
        t.num_executors = 3;
        t.num_tasks = 5;
        nimbus.info.topologies = {t};
        topology_page p;
        p.id = t.id;
        p.name = "wc";
        component_stats spout{.is_spout = true, .complete_latency_ms = 12.5};
        p.spouts["words"] = spout;
        component_stats bolt;
        bolt.execute_latency_ms = 0.25;
        bolt.process_latency_ms = 0.5;
        bolt.capacity = 0.75;
        p.bolts["count"] = bolt;
        worker_info w;
        w.host = "node1";
        w.port = 6700;
        w.uptime_secs = 50;
        w.heartbeat_age_secs = 1;
        w.late = false;
        w.metrics = {{"worker.rss_bytes", 1048576},
                     {"worker.cpu_seconds", 2.5},
                     {"transport.out.node2:6701.bytes", 300},
                     {"transport.dropped", 0}};
        p.workers = {w};
        p.metrics = {{"my.counter", "count", 3, 17},
                     {"__receive.population", "count", 3, 2},
                     {"worker.rss_bytes", "__system", -1, 1048576}};
        nimbus.pages[t.id] = p;
        executor_stream_counts a;
        a.component = "words";
        a.is_spout = true;
        a.emitted = {{"default", 100}};
        a.transferred = {{"default", 100}};
        a.inputs[{"", "default"}] = {.acked = 40, .failed = 1};
        auto b = a;
        b.emitted = {{"default", 50}};
        b.inputs[{"", "default"}] = {.acked = 10, .failed = 0};
        executor_stream_counts c;
        c.component = "count";
        c.inputs[{"words", "default"}] = {.acked = 140, .failed = 0, .executed = 150};
        nimbus.counts[t.id] = {a, b, c};
    }

    fake_nimbus nimbus;
};

TEST_F(prometheus_exporter_test, writes_cluster_topology_component_and_worker_families) {
    prometheus_exporter e(nimbus, std::chrono::milliseconds(0));
    auto text = e.scrape();
    for (const char* line : {
             "tempest_nimbus_leader_up 1",
             "tempest_cluster_supervisors 1",
             "tempest_cluster_slots 4",
             "tempest_cluster_slots_used 1",
             "tempest_cluster_slots_free 3",
             "tempest_cluster_topologies 1",
             "tempest_topology_status{topology=\"wc\",status=\"ACTIVE\"} 1",
             "tempest_topology_status{topology=\"wc\",status=\"INACTIVE\"} 0",
             "tempest_topology_info{topology=\"wc\",topology_id=\"wc-1-1700000000\"} 1",
             "tempest_topology_uptime_seconds{topology=\"wc\"} 60",
             "tempest_topology_workers{topology=\"wc\"} 1",
             "tempest_topology_executors{topology=\"wc\"} 3",
             "tempest_topology_tasks{topology=\"wc\"} 5",
             // Summed over the spout's two executors.
             "tempest_component_emitted_total{topology=\"wc\",component=\"words\","
             "stream=\"default\"} 150",
             "tempest_component_transferred_total{topology=\"wc\",component=\"words\","
             "stream=\"default\"} 200",
             "tempest_component_acked_total{topology=\"wc\",component=\"words\","
             "stream=\"default\"} 50",
             "tempest_component_failed_total{topology=\"wc\",component=\"words\","
             "stream=\"default\"} 1",
             "tempest_component_executed_total{topology=\"wc\",component=\"count\","
             "source_component=\"words\",stream=\"default\"} 150",
             "tempest_component_complete_latency_seconds{topology=\"wc\",component=\"words\"} "
             "0.0125",
             "tempest_component_execute_latency_seconds{topology=\"wc\",component=\"count\"} "
             "0.00025",
             "tempest_component_process_latency_seconds{topology=\"wc\",component=\"count\"} "
             "0.0005",
             "tempest_component_capacity{topology=\"wc\",component=\"count\"} 0.75",
             "tempest_worker_rss_bytes{topology=\"wc\",host=\"node1\",port=\"6700\"} 1048576",
             "tempest_worker_cpu_seconds_total{topology=\"wc\",host=\"node1\",port=\"6700\"} 2.5",
             "tempest_worker_transport_out_bytes_total{topology=\"wc\",host=\"node1\","
             "port=\"6700\",peer=\"node2:6701\"} 300",
             "tempest_worker_transport_dropped_total{topology=\"wc\",host=\"node1\","
             "port=\"6700\"} 0",
             "tempest_worker_heartbeat_age_seconds{topology=\"wc\",host=\"node1\",port=\"6700\"} 1",
             "tempest_worker_late{topology=\"wc\",host=\"node1\",port=\"6700\"} 0",
             "tempest_user_my_counter{topology=\"wc\",component=\"count\",task=\"3\"} 17",
             "tempest_executor_receive_population{topology=\"wc\",component=\"count\","
             "task=\"3\"} 2",
         }) {
        EXPECT_NE(text.find(std::string(line) + "\n"), std::string::npos)
            << "missing: " << line << "\n"
            << text;
    }
    // The worker's RSS once (from its worker row, not again from the topology's points).
    EXPECT_EQ(count_of(text, "tempest_worker_rss_bytes{"), 1) << text;
    // Every sample line belongs to the family its TYPE line announced last, and each family
    // is announced once.
    std::string family;
    std::set<std::string> seen;
    const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? \S+$)");
    for (const auto& line : lines_of(text)) {
        if (line.rfind("# TYPE ", 0) == 0) {
            family = line.substr(7, line.find(' ', 7) - 7);
            EXPECT_TRUE(seen.insert(family).second) << "family twice: " << family;
            const bool counter = line.ends_with(" counter");
            EXPECT_EQ(counter, family.ends_with("_total")) << line;
        } else if (line.rfind("# HELP ", 0) != 0) {
            std::smatch m;
            ASSERT_TRUE(std::regex_match(line, m, sample)) << line;
            EXPECT_EQ(m[1], family) << line;
        }
    }
    // The page is asked for the 600 s window (latencies, capacity) without system components.
    EXPECT_NE(
        std::find(nimbus.actions.begin(), nimbus.actions.end(), "topology wc-1-1700000000|600|0"),
        nimbus.actions.end());
}

TEST_F(prometheus_exporter_test, scrapes_within_the_ttl_share_one_round_of_nimbus_calls) {
    prometheus_exporter cached(nimbus, std::chrono::hours(1));
    std::vector<std::thread> scrapers;
    std::vector<std::string> texts(8);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        scrapers.emplace_back([&, i] { texts[i] = cached.scrape(); });
    }
    for (auto& t : scrapers) {
        t.join();
    }
    EXPECT_EQ(nimbus.counts_calls, 1);
    for (const auto& t : texts) {
        EXPECT_EQ(t, texts[0]);
    }
    prometheus_exporter fresh(nimbus, std::chrono::milliseconds(0));
    (void)fresh.scrape();
    (void)fresh.scrape();
    EXPECT_EQ(nimbus.counts_calls, 3);
}

TEST_F(prometheus_exporter_test, says_the_leader_is_down_when_nimbus_cannot_be_reached) {
    nimbus.failure.emplace(nimbus_failure::unreachable, "no Nimbus answered");
    prometheus_exporter e(nimbus, std::chrono::milliseconds(0));
    auto text = e.scrape();
    EXPECT_NE(text.find("# TYPE tempest_nimbus_leader_up gauge\ntempest_nimbus_leader_up 0\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("tempest_cluster_"), std::string::npos);
}

TEST_F(prometheus_exporter_test, a_topology_gone_between_calls_is_left_out) {
    nimbus.pages.clear();
    nimbus.counts.clear();
    prometheus_exporter e(nimbus, std::chrono::milliseconds(0));
    auto text = e.scrape();
    EXPECT_NE(text.find("tempest_topology_tasks{topology=\"wc\"} 5"), std::string::npos);
    EXPECT_EQ(text.find("tempest_component_"), std::string::npos);
}

TEST_F(prometheus_exporter_test, the_route_answers_the_text_format) {
    router r;
    prometheus_exporter e(nimbus);
    add_prometheus_route(r, e);
    http_request req;
    req.method = "GET";
    req.target = "/metrics";
    req.path = "/metrics";
    auto res = r.dispatch(req);
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(res.body.find("tempest_cluster_topologies 1"), std::string::npos);
}

}  // namespace
}  // namespace tempest::ui
