// SPDX-License-Identifier: Apache-2.0
// tempest_fuzz_seeds DIR: writes the binary seed inputs of fuzz/corpus/ (valid frames, encoded
// values, Nimbus requests, cluster records) under DIR/<target>/, made with the same encoders
// the daemons use. The YAML seeds (config, flux) are plain files written by hand. Run it again
// when a format changes: `build/bin/tempest_fuzz_seeds fuzz/corpus`.
#include "tempest/common/cluster_records.h"
#include "tempest/common/stats_record.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/topology_convert.h"
#include "tempest/worker/transport/frame.h"
#include "tuple_access.h"

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace th = tempest::thrift;
using namespace tempest;
using detail::message_kind;
using detail::tuple_access;
using worker::transport::frame_encoder;

fs::path out_dir;

void write(const std::string& target, const std::string& name, std::string_view bytes) {
    const fs::path dir = out_dir / target;
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string as_string(std::span<const std::byte> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// The frame target's schemas (frame_entry.cc): task 0 streams 0 (three fields) and 1 (one),
// task 1 stream 0 (none), task 2 stream 2 (two).
struct schemas {
    schemas() {
        three.fields = fields{"a", "b", "c"};
        one.fields = fields{"x"};
        one.stream_index = 1;
        gap.fields = fields{"y", "z"};
        gap.stream_index = 2;
    }
    detail::stream_schema three, one, none, gap;
};

tuple data_tuple(const detail::stream_schema* s, int source, int dest, values v) {
    tuple t;
    tuple_access::set_header(t, s, source, dest, message_kind::data);
    tuple_access::vals(t) = std::move(v);
    return t;
}

tuple system_tuple(message_kind kind, int source, int dest, std::uint64_t root, std::uint64_t v) {
    tuple t;
    tuple_access::set_header(t, nullptr, source, dest, kind);
    tuple_access::set_system(t, root, v);
    return t;
}

std::string frame_of(const std::vector<tuple>& ts) {
    frame_encoder e;
    for (const auto& t : ts) {
        e.add(t);
    }
    return as_string(e.finish());
}

void frames() {
    const schemas s;
    std::vector<tuple> ts;
    ts.push_back(data_tuple(&s.three, 0, 1, values{"fox", std::int64_t{-3}, 2.5}));
    tuple_access::set_anchor(ts.back(), 11, 12);
    ts.push_back(data_tuple(&s.one, 0, 3, values{value::list{value(1), value("x")}}));
    const detail::anchor three[] = {{1, 2}, {3, 4}, {5, 6}};
    tuple_access::set_anchors(ts.back(), three, 3);
    ts.push_back(data_tuple(&s.none, 1, 0, values{}));
    ts.push_back(data_tuple(&s.gap, 2, 0, values{nullptr, bytes{std::string(200, 'z')}}));
    ts.push_back(system_tuple(message_kind::ack_init, 0, 3, 0xdeadbeefcafef00dULL, 77));
    ts.push_back(system_tuple(message_kind::fail_done, 3, 0, 5, 0));
    write("frame", "mixed", frame_of(ts));
    write("frame", "empty", frame_of({}));
    // Runs of one head (written as repeats): data with and without anchors, and system messages.
    std::vector<tuple> runs;
    for (int i = 0; i < 3; ++i) {
        runs.push_back(data_tuple(&s.one, 0, 1, values{std::string(1 + i, 'w')}));
    }
    for (int i = 0; i < 2; ++i) {
        runs.push_back(data_tuple(&s.three, 0, 2, values{"a", std::int64_t{i}, 0.5}));
        tuple_access::set_anchor(runs.back(), 20 + i, 30 + i);
    }
    runs.push_back(data_tuple(&s.none, 1, 2, values{}));
    runs.push_back(data_tuple(&s.none, 1, 2, values{}));
    runs.push_back(system_tuple(message_kind::ack, 1, 0, 7, 8));
    runs.push_back(system_tuple(message_kind::ack, 1, 0, 9, 10));
    write("frame", "runs", frame_of(runs));
    std::vector<tuple> one;
    one.push_back(data_tuple(&s.three, 0, 2, values{true, false, "x"}));
    write("frame", "two_frames", frame_of(one) + frame_of(ts));
}

std::string values_seed(const values& v) {
    const auto count = static_cast<std::uint16_t>(v.size());
    std::string out(2, '\0');
    std::memcpy(out.data(), &count, 2);
    return out + as_string(v.encoded());
}

void value_seeds() {
    write("values", "every_type",
          values_seed(values{nullptr, true, std::int64_t{-42}, 2.5, "fox",
                             bytes{std::string("\x01\x00", 2)},
                             value::list{value(1), value("x"), value(value::list{})}}));
    write("values", "heap_sized", values_seed(values{std::string(500, 'z'), 7}));
    value nested = value(value::list{});
    for (int i = 0; i < 8; ++i) {
        nested = value(value::list{nested, value(i)});
    }
    write("values", "nested", values_seed(values{nested}));
    write("values", "empty", values_seed(values{}));
}

// The request frames (u32 big-endian length + bytes) that `calls` sends.
std::string requests(const std::function<void(th::NimbusClient&)>& calls) {
    auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
    auto framed = std::make_shared<apache::thrift::transport::TFramedTransport>(buffer);
    auto protocol = std::make_shared<apache::thrift::protocol::TBinaryProtocol>(framed);
    th::NimbusClient client(protocol);
    calls(client);
    return buffer->getBufferAsString();
}

tempest::topology small_topology() {
    tempest::topology t;
    component_def spout;
    spout.id = "s";
    spout.kind = component_kind::spout;
    spout.class_name = "word_spout";
    spout.outputs = {{"default", fields{"word"}, false}};
    t.components.push_back(spout);
    return t;
}

void nimbus_seeds() {
    const std::string id = "wc-1-1800000000";  // the id the entry's fixed clock gives "wc"
    write("nimbus_thrift", "queries", requests([&](th::NimbusClient& c) {
              c.send_getClusterInfo();
              c.send_getTopologyInfo(id);
              c.send_getTopologySummaryByName("wc");
              c.send_getTopologyPageInfo(id, ":all-time", true);
              c.send_getComponentPageInfo(id, "count", "600", false);
              c.send_getSupervisorPageInfo("sup-1", "", false);
              c.send_getTopologyConf(id);
              c.send_getLeader();
          }));
    write("nimbus_thrift", "actions", requests([&](th::NimbusClient& c) {
              c.send_deactivate("wc");
              th::RebalanceOptions r;
              r.__set_wait_secs(0);
              r.__set_num_workers(1);
              r.__set_num_executors({{"count", 4}});
              c.send_rebalance("wc", r);
              c.send_activate("wc");
              th::KillOptions k;
              k.__set_wait_secs(5);
              c.send_killTopologyWithOpts("wc", k);
          }));
    write("nimbus_thrift", "files", requests([&](th::NimbusClient& c) {
              c.send_beginFileUpload();
              c.send_uploadChunk("/nowhere/stormjar.so", "bytes");
              c.send_beginFileDownload(id + "/stormjar.so");
              c.send_downloadChunk("no-such-download");
              c.send_getNimbusConf();
          }));
    write("nimbus_thrift", "submit", requests([&](th::NimbusClient& c) {
              c.send_isTopologyNameAllowed("wc2");
              c.send_submitTopology("wc2", "/nowhere/stormjar.so", R"({"topology.workers": 1})",
                                    th::to_thrift(small_topology()));
              c.send_getTopology(id);
              c.send_getUserTopology(id);
          }));
}

void record_seed(const std::string& name, char tag, const std::string& bytes) {
    write("cluster_records", name, std::string(1, tag) + bytes);
}

void record_seeds() {
    common::storm_base base;
    base.name = "wc";
    base.status = common::topology_status::rebalancing;
    base.owner = "fuzz";
    base.launch_time_secs = 1'800'000'000;
    base.num_workers = 2;
    base.component_executors = {{"count", 2}, {"words", 2}};
    base.prev_status = common::topology_status::active;
    common::rebalance_options r;
    r.wait_secs = 3;
    r.num_executors = std::map<std::string, int>{{"count", 4}};
    base.rebalance = r;
    record_seed("storm_base", 0, th::encode(base));

    common::assignment a;
    a.code_dir = "/var/tempest/stormdist/wc-1";
    a.node_host = {{"sup-1", "sup-1.example"}};
    a.executor_node_port = {{{1, 2}, {"sup-1", 6700}}, {{3, 3}, {"sup-1", 6701}}};
    a.executor_start_time_secs = {{{1, 2}, 1'800'000'000}};
    a.owner = "fuzz";
    record_seed("assignment", 1, th::encode(a));
    record_seed("routes", 8, th::encode(common::routes_of(a)));

    common::supervisor_record s;
    s.supervisor_id = "sup-1";
    s.hostname = "sup-1.example";
    s.ports = {6700, 6701};
    s.used_ports = {6700};
    s.version = "0.1.0";
    record_seed("supervisor", 2, th::encode(s));

    common::stats_record stats;
    stats.add(common::stat_kind::emitted, {"", "default"}, {1, 2, 3, 4});
    stats.add(common::stat_kind::executed, {"words", "default"}, {5, 6, 7, 8});
    common::worker_heartbeat hb;
    hb.topology_id = "wc-1-1800000000";
    hb.executors = {{1, 2}, {3, 3}};
    hb.time_secs = 1'800'000'000;
    hb.uptime_secs = 12;
    common::executor_stats es;
    es.emitted = {{"600", {{"default", 10}}}};
    es.is_spout = true;
    es.complete_ms_avg = {{"600", {{"default", 1.5}}}};
    hb.stats = {{{1, 2}, es}};
    hb.host = "sup-1.example";
    hb.port = 6700;
    hb.records = {{{1, 2}, stats}};
    // Packed, as workers write them now; the corpus' worker_heartbeat_list has them as the list
    // older workers wrote.
    hb.metrics = {{"__receive.population", "words", 1, 3.0},
                  {"transport.out.sup-2.example:6701.bytes", "__system", -1, 123456.0},
                  {"transport.out.sup-2.example:6701.tuples", "__system", -1, 789.0},
                  {"worker.cpu_seconds", "__system", -1, 1.25}};
    hb.sample_rate = 0.05;
    record_seed("worker_heartbeat", 3, th::encode(hb));

    common::local_worker_heartbeat local;
    local.time_ms = 1'800'000'000'000;
    local.topology_id = "wc-1-1800000000";
    local.executors = {{1, 2}};
    local.port = 6700;
    local.pid = 4242;
    record_seed("local_worker_heartbeat", 4, th::encode(local));

    record_seed("stats", 5, common::encode_stats(stats));

    th::ErrorInfo e;
    e.error = "java.lang.RuntimeException: boom";
    e.error_time_secs = 1'800'000'000;
    e.__set_host("sup-1.example");
    e.__set_port(6700);
    e.__set_task(3);
    record_seed("error_info", 6, th::to_binary(e));

    th::NimbusSummary n;
    n.host = "nimbus.example";
    n.port = 6627;
    n.uptime_secs = 5;
    n.isLeader = true;
    n.version = "0.1.0";
    record_seed("nimbus_summary", 7, th::to_binary(n));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR (fuzz/corpus)\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    frames();
    value_seeds();
    nimbus_seeds();
    record_seeds();
    return 0;
}
