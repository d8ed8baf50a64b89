// SPDX-License-Identifier: Apache-2.0
// The local assignment: computed from the assignments, and its file; worker heartbeat files.
#include "tempest/supervisor/local_assignment.h"

#include "tempest/thrift/cluster_records_codec.h"
#include "worker_dirs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace tempest::supervisor {
namespace {

namespace fs = std::filesystem;
common::assignment record(std::vector<std::tuple<int, int, std::string, int>> placements) {
    common::assignment r;
    r.code_dir = "/nimbus/stormdist/x";
    for (const auto& [start, end, node, port] : placements) {
        const common::executor_info e{start, end};
        r.executor_node_port[e] = {node, port};
        r.executor_start_time_secs[e] = 1;
        r.node_host[node] = node + ".example";
    }
    return r;
}

TEST(supervisor_local_assignment_test, keeps_only_this_nodes_executors_grouped_by_port) {
    std::map<std::string, common::assignment> all;
    all["wc-1"] = record({{5, 5, "me", 6701},
                          {1, 2, "me", 6700},
                          {3, 4, "other", 6700},
                          {6, 6, "me", 6700},
                          {7, 7, "other", 6702}});
    all["ex-2"] = record({{1, 1, "other", 6701}, {2, 3, "me", 6702}});
    auto got = compute_local_assignments("me", all);
    port_assignments want{
        {6700, {"wc-1", {{1, 2}, {6, 6}}}}, {6701, {"wc-1", {{5, 5}}}}, {6702, {"ex-2", {{2, 3}}}}};
    EXPECT_EQ(got, want);
}

TEST(supervisor_local_assignment_test, is_empty_when_nothing_is_assigned_to_this_node) {
    std::map<std::string, common::assignment> all;
    all["wc-1"] = record({{1, 1, "other", 6700}});
    EXPECT_TRUE(compute_local_assignments("me", all).empty());
    EXPECT_TRUE(compute_local_assignments("me", {}).empty());
}

TEST(supervisor_local_assignment_test, keeps_one_topology_when_two_claim_a_port) {
    std::map<std::string, common::assignment> all;
    all["a-1"] = record({{1, 1, "me", 6700}});
    all["b-1"] = record({{2, 2, "me", 6700}});
    auto got = compute_local_assignments("me", all);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[6700], (local_assignment{"a-1", {{1, 1}}}));
}

TEST(supervisor_local_assignment_test, skips_ports_out_of_range) {
    std::map<std::string, common::assignment> all;
    all["a-1"] = record({{1, 1, "me", 0}, {2, 2, "me", 70000}, {3, 3, "me", 6700}});
    auto got = compute_local_assignments("me", all);
    EXPECT_EQ(got, (port_assignments{{6700, {"a-1", {{3, 3}}}}}));
}

struct supervisor_local_assignment_file_test : ::testing::Test {
    fs::path dir;
    void SetUp() override {
        dir = fs::temp_directory_path() /
              ("tempest-la-test-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    void write_text(const fs::path& p, const std::string& text) {
        std::ofstream(p, std::ios::binary) << text;
    }
};

TEST_F(supervisor_local_assignment_file_test, round_trips) {
    port_assignments a{{6700, {"wc-1", {{1, 2}, {6, 6}}}}, {6702, {"ex-2", {{2, 3}}}}};
    ASSERT_TRUE(write_local_assignments(dir / "la.json", a));
    auto back = read_local_assignments(dir / "la.json");
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, a);
    EXPECT_FALSE(fs::exists(dir / "la.json.tmp"));

    // Rewriting replaces the content.
    ASSERT_TRUE(write_local_assignments(dir / "la.json", {}));
    back = read_local_assignments(dir / "la.json");
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->empty());
}

TEST_F(supervisor_local_assignment_file_test, missing_file_is_an_empty_assignment) {
    auto got = read_local_assignments(dir / "none.json");
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->empty());
}

TEST_F(supervisor_local_assignment_file_test, corrupt_files_are_errors) {
    for (const std::string text :
         {"not json", "{\"ports\": []}",
          R"({"ports": {"abc": {"topology_id": "t", "executors": []}}})",
          R"({"ports": {"0": {"topology_id": "t", "executors": []}}})",
          R"({"ports": {"6700": {"topology_id": "", "executors": []}}})",
          R"({"ports": {"6700": {"topology_id": "t", "executors": [[1]]}}})",
          R"({"ports": {"6700": {"executors": []}}})"}) {
        write_text(dir / "bad.json", text);
        auto got = read_local_assignments(dir / "bad.json");
        ASSERT_FALSE(got) << text;
        EXPECT_EQ(got.error(), std::make_error_code(std::errc::illegal_byte_sequence)) << text;
    }
}

TEST_F(supervisor_local_assignment_file_test, reads_worker_heartbeats) {
    worker_heartbeat hb{
        .time_ms = 123, .topology_id = "wc-1", .executors = {{1, 2}}, .port = 6700, .pid = 99};
    write_text(dir / "heartbeat", thrift::encode(hb));
    auto got = detail::read_heartbeat_file(dir / "heartbeat", "w");
    ASSERT_TRUE(got.heartbeat);
    EXPECT_FALSE(got.unreadable);
    EXPECT_EQ(got.heartbeat->time_ms, 123);
    EXPECT_EQ(got.heartbeat->topology_id, "wc-1");
    EXPECT_EQ(got.heartbeat->executors, (std::vector<executor_range>{{1, 2}}));
    EXPECT_EQ(got.heartbeat->port, 6700);
    EXPECT_EQ(got.heartbeat->pid, 99);

    auto none = detail::read_heartbeat_file(dir / "missing", "w");
    EXPECT_FALSE(none.heartbeat);
    EXPECT_FALSE(none.unreadable);

    write_text(dir / "garbage", "\x01\x02garbage");
    auto bad = detail::read_heartbeat_file(dir / "garbage", "w");
    EXPECT_FALSE(bad.heartbeat);
    EXPECT_TRUE(bad.unreadable);

    auto bytes = thrift::encode(hb);
    write_text(dir / "truncated", bytes.substr(0, bytes.size() / 2));
    EXPECT_TRUE(detail::read_heartbeat_file(dir / "truncated", "w").unreadable);
}

}  // namespace
}  // namespace tempest::supervisor
