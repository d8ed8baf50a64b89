// SPDX-License-Identifier: Apache-2.0
// stats_record and stats_aggregate: the heartbeat's figures survive encoding exactly, malformed
// bytes are refused, and the aggregates follow Storm's arithmetic (sums, count-weighted latency
// averages, capacity as the maximum over executors, spouts alone for a topology's acks).
#include "tempest/common/stats_record.h"

#include "tempest/common/stats_aggregate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tempest::common {
namespace {

const stream_key out_default{"", "default"};

window_values all4(std::uint64_t v) {
    return {v, v, v, v};
}

stats_record sample_record() {
    stats_record r;
    r.add(stat_kind::emitted, out_default, {10, 20, 30, 40});
    r.add(stat_kind::transferred, out_default, {30, 60, 90, 120});
    r.add(stat_kind::executed, {"spout", "default"}, {5, 6, 7, 8});
    r.add(stat_kind::execute_latency_us, {"spout", "default"}, {1u << 31, 0, 1, 0});
    r.add(stat_kind::emitted, {"", "__metrics"}, {1, 1, 1, 1});
    return r;
}

TEST(stats_record_test, round_trips_exactly) {
    stats_record r = sample_record();
    auto back = decode_stats(encode_stats(r));
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, r);
    EXPECT_EQ(back->get(stat_kind::transferred, out_default), (window_values{30, 60, 90, 120}));
    auto empty = decode_stats(encode_stats(stats_record{}));
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->entries.empty());
}

TEST(stats_record_test, add_merges_and_get_of_absent_is_zero) {
    stats_record r;
    r.add(stat_kind::acked, out_default, {1, 2, 3, 4});
    r.add(stat_kind::acked, out_default, {1, 1, 1, 1});
    EXPECT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.get(stat_kind::acked, out_default), (window_values{2, 3, 4, 5}));
    EXPECT_EQ(r.get(stat_kind::failed, out_default), window_values{});
    EXPECT_EQ(r.get(stat_kind::acked, {"x", "default"}), window_values{});
}

TEST(stats_record_test, refuses_malformed_bytes) {
    std::string good = encode_stats(sample_record());
    for (std::size_t n = 0; n < good.size(); ++n) {
        EXPECT_FALSE(decode_stats(good.substr(0, n))) << "truncated to " << n;
    }
    EXPECT_FALSE(decode_stats(good + "x"));  // trailing bytes
    std::string v2 = good;
    v2[0] = 2;  // unknown version
    EXPECT_FALSE(decode_stats(v2));
    stats_record r;
    r.add(stat_kind::emitted, out_default, all4(1));
    std::string bytes = encode_stats(r);
    // version, 1 key, "" "default", 1 entry, kind, key index, 4 values
    std::size_t kind_at = 1 + 1 + 1 + 1 + 7 + 1;
    ASSERT_EQ(static_cast<int>(bytes[kind_at]), 0);
    std::string bad_kind = bytes;
    bad_kind[kind_at] = static_cast<char>(num_stat_kinds);
    EXPECT_FALSE(decode_stats(bad_kind));
    std::string bad_key = bytes;
    bad_key[kind_at + 1] = 1;  // only key 0 exists
    EXPECT_FALSE(decode_stats(bad_key));
    auto e = decode_stats("\x01\xff\xff\xff\xff\x0f");  // a huge key count and nothing else
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error(), std::errc::bad_message);
}

TEST(stats_record_test, a_heartbeat_of_100_executors_stays_small) {
    // Three output streams and three inputs with every figure, large values in every window.
    std::size_t total = 0;
    for (int ex = 0; ex < 100; ++ex) {
        stats_record r;
        for (const char* s : {"default", "words", "errors"}) {
            for (auto k : {stat_kind::emitted, stat_kind::transferred}) {
                r.add(k, {"", s}, {1'000'000, 20'000'000, 150'000'000, 1'000'000'000});
            }
            for (auto k : {stat_kind::executed, stat_kind::acked, stat_kind::failed,
                           stat_kind::execute_latency_us, stat_kind::execute_samples,
                           stat_kind::process_latency_us, stat_kind::process_samples}) {
                r.add(k, {"split", s}, {1'000'000, 20'000'000, 150'000'000, 1'000'000'000});
            }
        }
        total += encode_stats(r).size();
    }
    EXPECT_LT(total, 100u * 1024);  // ZooKeeper's node limit is 1 MiB
}

executor_figures bolt(const stats_record& r, int uptime) {
    return {"count", false, uptime, &r};
}

stats_record bolt_record(std::uint64_t executed, std::uint64_t avg_us, std::uint64_t acked,
                         std::uint64_t process_avg_us) {
    stats_record r;
    stream_key in{"split", "default"};
    r.add(stat_kind::executed, in, all4(executed));
    r.add(stat_kind::execute_latency_us, in, all4(avg_us * 10));
    r.add(stat_kind::execute_samples, in, all4(10));
    r.add(stat_kind::acked, in, all4(acked));
    r.add(stat_kind::process_latency_us, in, all4(process_avg_us * 4));
    r.add(stat_kind::process_samples, in, all4(4));
    return r;
}

TEST(stats_aggregate_test, latencies_are_weighted_by_counts_and_capacity_is_the_maximum) {
    stats_record a = bolt_record(150'000, 2000, 100, 1000);  // 2 ms, process 1 ms
    stats_record b = bolt_record(60'000, 4000, 300, 3000);   // 4 ms, process 3 ms
    std::vector<executor_figures> ex = {bolt(a, 900), bolt(b, 300)};
    aggregate g = aggregate_executors(ex, 0);
    EXPECT_EQ(g.executed, 210'000u);
    EXPECT_EQ(g.acked, 400u);
    EXPECT_DOUBLE_EQ(g.execute_latency_ms, (2.0 * 150'000 + 4.0 * 60'000) / 210'000);
    EXPECT_DOUBLE_EQ(g.process_latency_ms, (1.0 * 100 + 3.0 * 300) / 400);
    // a: 150000 x 2 ms over 600 s = 0.5; b: 60000 x 4 ms over its 300 s of uptime = 0.8
    EXPECT_DOUBLE_EQ(executor_capacity(a, 900), 0.5);
    EXPECT_DOUBLE_EQ(executor_capacity(b, 300), 0.8);
    EXPECT_DOUBLE_EQ(g.capacity, 0.8);
    EXPECT_DOUBLE_EQ(executor_capacity(a, 0), 0.0);
}

TEST(stats_aggregate_test, system_streams_count_only_when_asked) {
    stats_record r = sample_record();
    std::vector<executor_figures> ex = {{"split", false, 100, &r}};
    EXPECT_EQ(aggregate_executors(ex, 3).emitted, 40u);
    EXPECT_EQ(aggregate_executors(ex, 3, true).emitted, 41u);
    auto streams = aggregate_by_stream(ex, 1);
    EXPECT_EQ(streams.count({"", "__metrics"}), 0u);
    EXPECT_EQ(streams.at(out_default).transferred, 60u);
    EXPECT_EQ(streams.at(stream_key{"spout", "default"}).executed, 6u);
}

TEST(stats_aggregate_test, topology_acks_and_complete_latency_come_from_spouts_only) {
    stats_record s1;
    s1.add(stat_kind::emitted, out_default, all4(100));
    s1.add(stat_kind::acked, out_default, all4(100));
    s1.add(stat_kind::complete_latency_us, out_default, all4(5 * 10'000));  // 10 ms
    s1.add(stat_kind::complete_samples, out_default, all4(5));
    stats_record s2;
    s2.add(stat_kind::emitted, out_default, all4(50));
    s2.add(stat_kind::acked, out_default, all4(300));
    s2.add(stat_kind::failed, out_default, all4(7));
    s2.add(stat_kind::complete_latency_us, out_default, all4(2 * 30'000));  // 30 ms
    s2.add(stat_kind::complete_samples, out_default, all4(2));
    stats_record b = bolt_record(500, 1000, 900, 1000);
    b.add(stat_kind::emitted, out_default, all4(500));
    std::vector<executor_figures> ex = {
        {"spout", true, 10, &s1}, {"spout", true, 10, &s2}, bolt(b, 10), {"x", false, 0, nullptr}};
    aggregate t = aggregate_topology(ex, 0);
    EXPECT_EQ(t.emitted, 650u);
    EXPECT_EQ(t.acked, 400u);  // the bolt's 900 acks are not the topology's
    EXPECT_EQ(t.failed, 7u);
    EXPECT_DOUBLE_EQ(t.complete_latency_ms, (10.0 * 100 + 30.0 * 300) / 400);
}

}  // namespace
}  // namespace tempest::common
