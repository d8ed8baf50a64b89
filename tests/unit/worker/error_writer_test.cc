// SPDX-License-Identifier: Apache-2.0
// error_writer: reported errors reach errors/<topology>/<component>/ as Nimbus reads them,
// throttled per executor, the newest 10 kept per component.
#include "error_writer.h"

#include "tempest/common/memory_cluster_state.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/nimbus_types.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tempest::worker {
namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;  // unix ms
const std::string topology = "wc-1-1700000000";

struct error_writer_fixture : ::testing::Test {
    error_writer_fixture() { EXPECT_TRUE(writer.start(state)); }

    static error_writer_options options() {
        error_writer_options o;
        o.topology_id = topology;
        o.host = "node1.example";
        o.port = 6701;
        o.throttle_interval_ms = 10'000;
        o.max_per_interval = 5;
        return o;
    }

    // The component's error nodes, in name order, decoded as Nimbus decodes them.
    std::vector<std::pair<std::string, thrift::ErrorInfo>> nodes(const std::string& component) {
        std::vector<std::pair<std::string, thrift::ErrorInfo>> out;
        auto dir = paths.error(topology, component);
        auto names = state.children(dir);
        if (!names) {
            return out;
        }
        std::sort(names->begin(), names->end());
        for (const auto& n : *names) {
            auto data = state.get(dir + "/" + n);
            EXPECT_TRUE(data) << n;
            auto info = thrift::from_binary<thrift::ErrorInfo>(data->data);
            EXPECT_TRUE(info) << n;
            out.emplace_back(n, *info);
        }
        return out;
    }

    common::memory_cluster_state state;
    common::zk_paths paths{"/tempest"};
    // Executors [1-2] and [3-3] of "split", [4-4] of "count".
    error_writer writer{paths, options(), {{1, 2}, {3, 3}, {4, 4}}};
};

error_record err(const std::string& component, int task, std::int64_t time_ms, int n) {
    return {component, task, "boom " + std::to_string(n), time_ms};
}

TEST_F(error_writer_fixture, each_error_is_an_error_info_with_host_port_task_and_time) {
    EXPECT_EQ(writer.write(state, {err("split", 2, t0 + 1500, 1)}), 1u);
    auto n = nodes("split");
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].first, "e0000000000");
    const thrift::ErrorInfo& e = n[0].second;
    EXPECT_EQ(e.error, "boom 1");
    EXPECT_EQ(e.error_time_secs, (t0 + 1500) / 1000);
    ASSERT_TRUE(e.__isset.host);
    EXPECT_EQ(e.host, "node1.example");
    ASSERT_TRUE(e.__isset.port);
    EXPECT_EQ(e.port, 6701);
    ASSERT_TRUE(e.__isset.task);
    EXPECT_EQ(e.task, 2);
    auto back =
        decode_error_node(state.get(paths.error(topology, "split") + "/" + n[0].first)->data);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->task, 2);
}

TEST_F(error_writer_fixture, six_errors_in_an_interval_write_five_and_count_one_suppressed) {
    std::vector<error_record> errors;
    for (int i = 0; i < 6; ++i) {
        errors.push_back(err("split", 1 + i % 2, t0 + i * 100, i));  // tasks 1 and 2: one executor
    }
    EXPECT_EQ(writer.write(state, errors), 5u);
    EXPECT_EQ(writer.suppressed(), 1u);
    EXPECT_EQ(writer.written(), 5u);
    auto n = nodes("split");
    ASSERT_EQ(n.size(), 5u);
    EXPECT_EQ(n.back().second.error, "boom 4") << "the first five pass, the sixth is dropped";
    // Another executor of the same component has its own allowance...
    EXPECT_EQ(writer.write(state, {err("split", 3, t0 + 700, 6)}), 1u);
    // ...and the next interval admits the first executor again.
    EXPECT_EQ(writer.write(state, {err("split", 1, t0 + 10'000, 7)}), 1u);
    EXPECT_EQ(nodes("split").size(), 7u);
    EXPECT_EQ(writer.suppressed(), 1u);
}

TEST_F(error_writer_fixture, only_the_newest_ten_per_component_are_kept) {
    for (int i = 0; i < 15; ++i) {
        // One per interval: none throttled.
        EXPECT_EQ(writer.write(state, {err("count", 4, t0 + i * 10'000, i)}), 1u);
    }
    EXPECT_EQ(writer.write(state, {err("split", 1, t0, 99)}), 1u);
    auto n = nodes("count");
    ASSERT_EQ(n.size(), 10u);
    for (std::size_t i = 0; i < n.size(); ++i) {
        EXPECT_EQ(n[i].second.error, "boom " + std::to_string(i + 5));
    }
    EXPECT_EQ(nodes("split").size(), 1u) << "kept per component";
    // A batch of several at once is pruned too.
    std::vector<error_record> many;
    for (int i = 0; i < 5; ++i) {
        many.push_back(err("count", 4, t0 + 200'000 + i, 100 + i));
    }
    EXPECT_EQ(writer.write(state, many), 5u);
    n = nodes("count");
    ASSERT_EQ(n.size(), 10u);
    EXPECT_EQ(n.back().second.error, "boom 104");
    EXPECT_EQ(n.front().second.error, "boom 10");
}

TEST_F(error_writer_fixture, nothing_is_written_once_the_topology_is_removed) {
    EXPECT_EQ(writer.write(state, {err("split", 1, t0, 1)}), 1u);
    ASSERT_TRUE(common::remove_recursive(state, paths.errors(topology)));
    EXPECT_EQ(writer.write(state, {err("count", 4, t0, 2)}), 0u);
    EXPECT_TRUE(writer.topology_gone());
    auto gone = state.exists(paths.errors(topology));
    ASSERT_TRUE(gone);
    EXPECT_FALSE(gone->has_value()) << "the worker must not re-create a removed topology's folder";
}

}  // namespace
}  // namespace tempest::worker
