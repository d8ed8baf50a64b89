// SPDX-License-Identifier: Apache-2.0
// cluster_records_codec: our structs encode to the very bytes the generated structs wrote, decode
// back to what was encoded, and decoding errors name the record and the cause.
#include "tempest/thrift/cluster_records_codec.h"

#include "samples.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <limits>
#include <stdexcept>

namespace tempest::thrift {
namespace {

using testing::full;

// A worker heartbeat as workers write it: each executor's statistics are either a spout's or a
// bolt's (never both, which the generated union would allow).
records::WorkerHeartbeatRecord worker_beat(bool spout) {
    auto r = full<records::WorkerHeartbeatRecord>();
    ExecutorStats s = full<ExecutorStats>();
    s.specific = ExecutorSpecificStats();
    if (spout) {
        s.specific.__set_spout(full<SpoutStats>());
    } else {
        s.specific.__set_bolt(full<BoltStats>());
    }
    r.executor_stats = {{full<ExecutorInfo>(), s}};
    return r;
}

records::LocalWorkerHeartbeatRecord local_beat() {
    records::LocalWorkerHeartbeatRecord r;
    r.time_ms = 1700000000123;
    r.topology_id = "wc-1-1700000000";
    r.executors = {full<ExecutorInfo>()};
    r.port = 6700;
    r.pid = 4242;
    return r;
}

// Thrift bytes -> ours -> bytes gives the same bytes, and ours -> bytes -> ours the same struct.
template <typename Decode>
void expect_same_bytes(const std::string& wire, Decode decode) {
    auto ours = decode(wire);
    ASSERT_TRUE(ours) << ours.error().message();
    EXPECT_EQ(encode(*ours), wire);
    auto again = decode(encode(*ours));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *ours);
}

TEST(cluster_records_codec_test, every_record_keeps_its_bytes) {
    expect_same_bytes(to_binary(full<records::StormBaseRecord>()), decode_storm_base);
    expect_same_bytes(to_binary(full<records::AssignmentRecord>()), decode_assignment);
    expect_same_bytes(to_binary(full<records::SupervisorRecord>()), decode_supervisor_record);
    expect_same_bytes(to_binary(worker_beat(true)), decode_worker_heartbeat);
    expect_same_bytes(to_binary(worker_beat(false)), decode_worker_heartbeat);
    expect_same_bytes(to_binary(local_beat()), decode_local_worker_heartbeat);
}

TEST(cluster_records_codec_test, unset_optional_fields_stay_unset) {
    records::StormBaseRecord base;  // required fields only
    base.name = "wc";
    base.status = records::TopologyStatus::ACTIVE;
    base.component_executors = {{"spout", 1}};
    expect_same_bytes(to_binary(base), decode_storm_base);
    auto ours = decode_storm_base(to_binary(base));
    ASSERT_TRUE(ours);
    EXPECT_FALSE(ours->prev_status);
    EXPECT_FALSE(ours->kill);
    EXPECT_FALSE(ours->rebalance);
    EXPECT_FALSE(ours->topology_version);

    records::AssignmentRecord a = full<records::AssignmentRecord>();
    a.__isset.owner = false;
    expect_same_bytes(to_binary(a), decode_assignment);
    records::WorkerHeartbeatRecord hb = worker_beat(true);
    hb.__isset.host = false;
    hb.__isset.port = false;
    expect_same_bytes(to_binary(hb), decode_worker_heartbeat);
    EXPECT_FALSE(decode_worker_heartbeat(to_binary(hb))->port);
}

TEST(cluster_records_codec_test, heartbeat_carries_stats_records_metrics_and_sample_rate) {
    common::worker_heartbeat hb;
    hb.topology_id = "wc-1";
    hb.executors = {{1, 2}};
    common::stats_record r;
    r.add(common::stat_kind::transferred, {"", "default"}, {3, 9, 9, 12});
    hb.records[{1, 2}] = r;
    hb.metrics.push_back({"queue.population", "split", 2, 17});
    hb.sample_rate = 0.05;
    auto back = decode_worker_heartbeat(encode(hb));
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, hb);
    EXPECT_EQ(back->records.at({1, 2}).get(common::stat_kind::transferred, {"", "default"})[3],
              12U);

    // A stats record that is not one makes the whole heartbeat malformed, named as such.
    auto wire = from_binary<records::WorkerHeartbeatRecord>(encode(hb));
    ASSERT_TRUE(wire);
    wire->executor_records.begin()->second = "\x07garbage";
    auto bad = decode_worker_heartbeat(to_binary(*wire));
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message().find("WorkerHeartbeatRecord"), std::string::npos)
        << bad.error().message();
}

TEST(cluster_records_codec_test, fields_land_where_they_belong) {
    common::storm_base base;
    base.name = "wc";
    base.status = common::topology_status::rebalancing;
    base.owner = "alice";
    base.launch_time_secs = 1700000000;
    base.num_workers = 3;
    base.component_executors = {{"split", 4}};
    base.prev_status = common::topology_status::inactive;
    base.kill = common::kill_options{5};
    base.rebalance = common::rebalance_options{};
    base.rebalance->num_executors = std::map<std::string, int>{{"split", 2}};
    auto wire = from_binary<records::StormBaseRecord>(encode(base));
    ASSERT_TRUE(wire);
    EXPECT_EQ(wire->status, records::TopologyStatus::REBALANCING);
    EXPECT_EQ(wire->prev_status, records::TopologyStatus::INACTIVE);
    EXPECT_EQ(wire->num_workers, 3);
    EXPECT_EQ(wire->kill_options.wait_secs, 5);
    EXPECT_FALSE(wire->rebalance_options.__isset.wait_secs);
    EXPECT_EQ(wire->rebalance_options.num_executors.at("split"), 2);
    EXPECT_FALSE(wire->__isset.topology_version);

    common::assignment a;
    a.node_host = {{"sup-1", "host-a"}};
    a.executor_node_port[{1, 2}] = {"sup-1", 6700};
    a.executor_start_time_secs[{1, 2}] = 99;
    auto wa = from_binary<records::AssignmentRecord>(encode(a));
    ASSERT_TRUE(wa);
    ASSERT_EQ(wa->executor_node_port.size(), 1U);
    EXPECT_EQ(wa->executor_node_port.begin()->first.task_start, 1);
    EXPECT_EQ(wa->executor_node_port.begin()->first.task_end, 2);
    EXPECT_EQ(wa->executor_node_port.begin()->second.node, "sup-1");
    EXPECT_EQ(wa->executor_node_port.begin()->second.port, 6700);
    EXPECT_FALSE(wa->__isset.owner);

    common::worker_heartbeat hb;
    hb.topology_id = "wc-1";
    hb.executors = {{1, 2}};
    common::executor_stats s;
    s.bolt_acked[":all-time"][{"spout", "default"}] = 7;
    hb.stats[{1, 2}] = s;
    auto wh = from_binary<records::WorkerHeartbeatRecord>(encode(hb));
    ASSERT_TRUE(wh);
    const ExecutorStats& ws = wh->executor_stats.begin()->second;
    ASSERT_TRUE(ws.specific.__isset.bolt);
    EXPECT_FALSE(ws.specific.__isset.spout);
    GlobalStreamId g;
    g.componentId = "spout";
    g.streamId = "default";
    EXPECT_EQ(ws.specific.bolt.acked.at(":all-time").at(g), 7);
}

TEST(cluster_records_codec_test, errors_name_the_record_and_the_cause) {
    const std::string bytes = encode(common::assignment{});
    auto truncated = decode_assignment(bytes.substr(0, bytes.size() - 1));
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.error().category(), record_category());
    EXPECT_EQ(codec_cause(truncated.error()), codec_errc::truncated);
    EXPECT_NE(truncated.error().message().find("malformed AssignmentRecord"), std::string::npos)
        << truncated.error().message();

    auto trailing = decode_local_worker_heartbeat(encode(common::local_worker_heartbeat{}) + "x");
    ASSERT_FALSE(trailing);
    EXPECT_EQ(codec_cause(trailing.error()), codec_errc::trailing_bytes);
    EXPECT_NE(trailing.error().message().find("LocalWorkerHeartbeatRecord"), std::string::npos);

    // A record of another type is not this one.
    auto other = decode_supervisor_record(encode(common::storm_base{}));
    ASSERT_FALSE(other);
    EXPECT_NE(other.error().message().find("SupervisorRecord"), std::string::npos);
    EXPECT_EQ(codec_cause(std::make_error_code(std::errc::io_error)), codec_errc::malformed);
}

// The bytes of `base` with the i32 field `id` (holding `from`) set to `to`: a status no enum
// value names cannot be put in a generated struct without undefined behaviour.
std::string with_i32_field(const records::StormBaseRecord& base, int id, std::int32_t from,
                           std::int32_t to) {
    auto field = [id](std::int32_t v) {
        return std::string{'\x08',
                           '\x00',
                           static_cast<char>(id),
                           static_cast<char>((v >> 24) & 0xff),
                           static_cast<char>((v >> 16) & 0xff),
                           static_cast<char>((v >> 8) & 0xff),
                           static_cast<char>(v & 0xff)};
    };
    std::string bytes = to_binary(base);
    auto at = bytes.find(field(from));
    EXPECT_NE(at, std::string::npos);
    return at == std::string::npos ? bytes : bytes.replace(at, 7, field(to));
}

TEST(cluster_records_codec_test, unknown_status_is_invalid_data) {
    const records::StormBaseRecord base = full<records::StormBaseRecord>();  // REBALANCING
    auto ours = decode_storm_base(with_i32_field(base, 2, records::TopologyStatus::REBALANCING, 9));
    ASSERT_FALSE(ours);
    EXPECT_EQ(codec_cause(ours.error()), codec_errc::invalid_data);
    EXPECT_NE(ours.error().message().find("StormBaseRecord"), std::string::npos);

    // prev_status (field 7, ACTIVE in the sample) is checked too.
    EXPECT_FALSE(decode_storm_base(with_i32_field(base, 7, records::TopologyStatus::ACTIVE, 0)));
    EXPECT_TRUE(decode_storm_base(to_binary(base)));
}

// An assignment of `executors` single-task executors dealt round-robin over `workers` slots of
// ten nodes, as Nimbus writes them (36-character node ids, a start time each).
common::assignment dealt(int executors, int workers) {
    common::assignment a;
    a.code_dir = "/var/tempest/nimbus/stormdist/wc-1-1800000000";
    for (int e = 1; e <= executors; ++e) {
        const int w = (e - 1) % workers;
        std::string node = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f" + std::to_string(w % 10);
        a.node_host[node] = "host-" + std::to_string(w % 10) + ".example";
        a.executor_node_port[{e, e}] = {node, 6700 + w / 10};
        a.executor_start_time_secs[{e, e}] = 1'800'000'000;
    }
    return a;
}

TEST(cluster_records_codec_test, routes_round_trip_in_a_few_bytes_per_executor) {
    const common::assignment a = dealt(2100, 100);
    const common::routes r = common::routes_of(a);
    const std::string bytes = encode(r);
    auto back = decode_routes(bytes);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, r);
    // What a worker reads against what it read before: 2,100 executors on 100 workers.
    const std::size_t whole = encode(a).size();
    EXPECT_LT(bytes.size() * 20, whole)
        << bytes.size() << " bytes of routes, " << whole << " of the assignment";
    EXPECT_LT(bytes.size(), 2100U * 4 + 100U * 60);
    std::cout << "2100 executors on 100 workers: routes " << bytes.size() << " bytes, assignment "
              << whole << " bytes\n";

    // Executors with gaps between their tasks and several tasks each keep them.
    common::routes sparse;
    sparse.slots = {{"a", 1}, {"b", 2}};
    sparse.node_host = {{"a", "h"}};
    sparse.executors = {{{3, 5}, 1}, {{200, 200}, 0}, {{70'000, 2'000'000'000}, 1}};
    auto sparse_back = decode_routes(encode(sparse));
    ASSERT_TRUE(sparse_back) << sparse_back.error().message();
    EXPECT_EQ(*sparse_back, sparse);
    EXPECT_TRUE(decode_routes(encode(common::routes{})));
}

TEST(cluster_records_codec_test, routes_that_are_not_a_layout_are_refused_both_ways) {
    common::routes r;
    r.slots = {{"a", 1}, {"b", 2}};
    r.node_host = {{"a", "host-a"}};
    r.executors = {{{1, 2}, 0}, {{3, 3}, 1}};
    ASSERT_TRUE(decode_routes(encode(r)));

    auto refused = [](const common::routes& bad) {
        EXPECT_THROW((void)encode(bad), std::invalid_argument);
    };
    auto port_past = r;
    port_past.slots[1].port = 70'000;
    refused(port_past);
    auto overlapping = r;
    overlapping.executors[1].executor = {2, 3};
    refused(overlapping);
    auto unordered = r;
    std::swap(unordered.executors[0], unordered.executors[1]);
    refused(unordered);
    auto past_slots = r;
    past_slots.executors[1].slot = 2;
    refused(past_slots);
    auto task_zero = r;
    task_zero.executors[0].executor = {0, 2};
    refused(task_zero);
    auto unsorted_slots = r;
    std::swap(unsorted_slots.slots[0], unsorted_slots.slots[1]);
    refused(unsorted_slots);

    // The same faults in bytes: each decodes to invalid_data naming the record.
    auto invalid = [](const records::RoutesRecord& wire) {
        auto d = decode_routes(to_binary(wire));
        ASSERT_FALSE(d);
        EXPECT_EQ(codec_cause(d.error()), codec_errc::invalid_data);
        EXPECT_NE(d.error().message().find("malformed RoutesRecord"), std::string::npos)
            << d.error().message();
    };
    const records::RoutesRecord good = to_thrift(r);
    auto bad_slot = good;
    bad_slot.executors.back() = '\x02';  // the last executor on slot 2 of 2
    invalid(bad_slot);
    auto more_counted = good;
    more_counted.executor_count = 3;
    invalid(more_counted);
    auto huge_count = good;
    huge_count.executor_count = 1'000'000'000;  // must not size anything
    invalid(huge_count);
    auto negative = good;
    negative.executor_count = -1;
    invalid(negative);
    auto fewer_counted = good;  // bytes left over
    fewer_counted.executor_count = 1;
    invalid(fewer_counted);
    auto truncated_varint = good;
    truncated_varint.executors = std::string("\x00\x00\x80", 3);  // the slot's varint goes on
    truncated_varint.executor_count = 1;
    invalid(truncated_varint);
    auto past_int32 = good;  // task_end = 1 + 2^31 - 1 + ... > INT32_MAX
    past_int32.executors = std::string("\x00\xff\xff\xff\xff\x07\x00", 7);
    past_int32.executor_count = 1;
    invalid(past_int32);
    ASSERT_EQ(good.slots, std::string("\x00\x01\x01\x02", 4));  // a:1, b:2
    auto duplicate_slots = good;
    duplicate_slots.slots = std::string("\x00\x01\x00\x01", 4);
    invalid(duplicate_slots);
    auto unknown_node = good;
    unknown_node.slots = std::string("\x00\x01\x02\x02", 4);
    invalid(unknown_node);
    auto not_a_port = good;
    not_a_port.slots = std::string("\x00\x01\x01\x80\x80\x04", 6);  // port 65536
    invalid(not_a_port);
    auto hosts_short = good;
    hosts_short.hosts.pop_back();
    invalid(hosts_short);
    auto unsorted_nodes = good;
    std::swap(unsorted_nodes.nodes[0], unsorted_nodes.nodes[1]);
    invalid(unsorted_nodes);
    auto huge_slots = good;
    huge_slots.slot_count = 1'000'000'000;
    invalid(huge_slots);
}

// The metric points of a worker with 21 executors among 100 workers that all talk to each
// other: per peer three outbound and two inbound transport points, per executor three queue
// points, and the worker's own.
std::vector<common::metric_point> busy_worker_points() {
    std::vector<common::metric_point> points;
    for (int e = 0; e < 21; ++e) {
        const std::string component = e < 7 ? "sentences" : e < 14 ? "split" : "count";
        points.push_back({"__receive.population", component, 100 + e, double(e * 37)});
        points.push_back({"__receive.capacity", component, 100 + e, 1024});
        points.push_back({"__backpressure.seconds", component, 100 + e, 0.25 * e});
    }
    points.push_back({"worker.rss_bytes", "__system", -1, 29884416});
    points.push_back({"worker.cpu_seconds", "__system", -1, 1234.56});
    for (int peer = 1; peer < 100; ++peer) {
        const std::string out = "transport.out.host-" + std::to_string(peer % 10) +
                                ".example:" + std::to_string(6700 + peer / 10);
        points.push_back({out + ".bytes", "__system", -1, 123456789.0 + peer});
        points.push_back({out + ".tuples", "__system", -1, 2345678.0 * peer});
        points.push_back({out + ".credit_waits", "__system", -1, double(peer % 3)});
        const std::string in = "transport.in.10.0." + std::to_string(peer % 10) + "." +
                               std::to_string(peer) + ":" + std::to_string(40000 + peer);
        points.push_back({in + ".bytes", "__system", -1, 98765432.0 + peer});
        points.push_back({in + ".tuples", "__system", -1, 1876543.0 * peer});
    }
    return points;
}

TEST(cluster_records_codec_test, metric_points_are_packed_in_a_fraction_of_the_bytes) {
    common::worker_heartbeat hb;
    hb.topology_id = "wc-1-1700000000";
    hb.executors = {{1, 1}};
    hb.metrics = busy_worker_points();
    const std::string packed = encode(hb);
    auto back = decode_worker_heartbeat(packed);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, hb);  // every point, in order

    // The same heartbeat as older workers wrote it, with the points as a list of structs.
    auto wire = from_binary<records::WorkerHeartbeatRecord>(packed);
    ASSERT_TRUE(wire);
    ASSERT_TRUE(wire->__isset.metrics_packed);
    EXPECT_FALSE(wire->__isset.metrics);
    wire->__isset.metrics_packed = false;
    for (const auto& m : hb.metrics) {
        records::MetricPointRecord p;
        p.name = m.name;
        p.component = m.component;
        p.task = m.task;
        p.value = m.value;
        wire->metrics.push_back(p);
    }
    wire->__isset.metrics = true;
    const std::string listed = to_binary(*wire);
    EXPECT_LT(packed.size() * 3, listed.size()) << packed.size() << " against " << listed.size();
    std::cout << hb.metrics.size() << " metric points of a worker among 100: packed "
              << packed.size() << " bytes, as a list " << listed.size() << " bytes\n";

    // Older workers' heartbeats are read as before.
    auto old = decode_worker_heartbeat(listed);
    ASSERT_TRUE(old) << old.error().message();
    EXPECT_EQ(*old, hb);
}

TEST(cluster_records_codec_test, any_value_and_task_survive_packing) {
    const std::vector<common::metric_point> points = {
        {"", "", 0, 0},
        {"no_dot", "c", -1, -0.0},
        {"trailing.", "c", 2147483647, 9007199254740991.0},      // 2^53 - 1: an integer
        {".leading", "c", -2147483647 - 1, 9007199254740992.0},  // 2^53: a double
        {"a.b.c", "c", 7, -3},
        {"a.b.c", "c", 7, 0.5},
        {"a.b.d", "d", 7, 1e300},
        {"inf", "c", 1, std::numeric_limits<double>::infinity()},
        {"tiny", "c", 1, std::numeric_limits<double>::denorm_min()},
    };
    auto back = unpack_metric_points(pack_metric_points(points));
    ASSERT_TRUE(back);
    ASSERT_EQ(*back, points);
    EXPECT_TRUE(std::signbit((*back)[1].value) || (*back)[1].value == 0);
    auto nan = unpack_metric_points(
        pack_metric_points({{"n", "c", 1, std::numeric_limits<double>::quiet_NaN()}}));
    ASSERT_TRUE(nan && nan->size() == 1);
    EXPECT_TRUE(std::isnan((*nan)[0].value));
    auto none = unpack_metric_points(pack_metric_points({}));
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST(cluster_records_codec_test, packed_metrics_that_are_not_a_list_make_the_heartbeat_malformed) {
    const std::string good = pack_metric_points({{"a.b", "c", -1, 5}, {"a.d", "c", 3, 0.5}});
    ASSERT_TRUE(unpack_metric_points(good));
    // strings "a", ".b", "c", ".d"; then 2 points: (0, 1, 2, task 1, tag 0, 5) and
    // (0, 3, 2, task 6, tag 1, 8 bytes).
    ASSERT_EQ(good.substr(0, 13), std::string("\x04\x01"
                                              "a\x02.b\x01"
                                              "c\x02.d\x02",
                                              13));
    const std::vector<std::string> bad = {
        good.substr(0, good.size() - 1),         // the last double cut short
        good + "x",                              // bytes after the last point
        std::string("\xff\xff\xff\xff\x0f", 5),  // 2^32 - 1 strings in five bytes
        std::string("\x01\x05"
                    "ab",
                    4),                          // a string longer than the bytes
        std::string("\x00\xff\xff\xff\x0f", 5),  // 2^32 - 1 points in no bytes
        std::string("\x01\x01"
                    "a\x01\x00\x00\x01\x02\x00\x05",
                    10),  // component index 1 of 1
        std::string("\x01\x01"
                    "a\x01\x00\x00\x00\x02\x07\x05",
                    10),  // value tag 7
        std::string("\x01\x01"
                    "a\x01\x00\x00\x00\x02\x00\x80\x80\x80\x80\x80\x80\x80\x80\x80"
                    "\x01",
                    19),  // an integer of 64 bits or more
        std::string("\x01\x01"
                    "a\x01\x00\x00\x00\x02\x00\x80\x80\x80\x80\x80\x80\x80\x10",
                    17),
        // 2^53: not an integer slot's value
        std::string("\x01\x01"
                    "a\x01\x00\x00\x00\x80\x80\x80\x80\x80\x80",
                    13),
        // a task's varint of over five bytes
    };
    common::worker_heartbeat hb;
    hb.topology_id = "wc-1";
    hb.metrics = {{"x", "y", 1, 2}};
    auto wire = from_binary<records::WorkerHeartbeatRecord>(encode(hb));
    ASSERT_TRUE(wire);
    for (std::size_t i = 0; i < bad.size(); ++i) {
        EXPECT_FALSE(unpack_metric_points(bad[i])) << "case " << i;
        wire->metrics_packed = bad[i];
        auto d = decode_worker_heartbeat(to_binary(*wire));
        ASSERT_FALSE(d) << "case " << i;
        EXPECT_EQ(codec_cause(d.error()), codec_errc::invalid_data) << "case " << i;
        EXPECT_NE(d.error().message().find("malformed WorkerHeartbeatRecord"), std::string::npos)
            << d.error().message();
    }
}

TEST(cluster_records_codec_test, executor_stats_convert_both_ways) {
    ExecutorStats spout = full<ExecutorStats>();
    spout.specific = ExecutorSpecificStats();
    spout.specific.__set_spout(full<SpoutStats>());
    common::executor_stats ours = from_thrift(spout);
    EXPECT_TRUE(ours.is_spout);
    EXPECT_EQ(ours.emitted.at(":all-time").at("default"), 100);
    EXPECT_EQ(to_binary(to_thrift(ours)), to_binary(spout));
}

}  // namespace
}  // namespace tempest::thrift
