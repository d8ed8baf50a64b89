// SPDX-License-Identifier: Apache-2.0
// The cluster records' adapter: our structs <-> the generated structs of cluster_records.thrift
// <-> binary-protocol bytes. Optional fields are set (__isset) exactly when ours hold a value, so
// the bytes are those the generated structs wrote before.
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/cluster_records_convert.h"
#include "varint.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace tempest::thrift {

namespace rec = records;
using detail::put_varint;
using detail::take_varint;

namespace {

class record_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "tempest.records"; }
    std::string message(int code) const override {
        auto kind = static_cast<record_kind>(code / 16);
        auto cause = static_cast<codec_errc>(code % 16);
        return "malformed " + std::string(record_name(kind)) + ": " +
               make_error_code(cause).message();
    }
};

// Our status from the wire value; nullopt for a value outside the enum. The generated reader
// stores any i32 in the enum: its bytes are read as an int, since loading an enum that holds a
// value outside it is undefined.
std::optional<common::topology_status> status_of(const rec::TopologyStatus::type& t) {
    std::int32_t v = 0;
    static_assert(sizeof(t) == sizeof(v));
    std::memcpy(&v, &t, sizeof(v));
    switch (v) {
        case rec::TopologyStatus::ACTIVE:
            return common::topology_status::active;
        case rec::TopologyStatus::INACTIVE:
            return common::topology_status::inactive;
        case rec::TopologyStatus::REBALANCING:
            return common::topology_status::rebalancing;
        case rec::TopologyStatus::KILLED:
            return common::topology_status::killed;
        default:
            return std::nullopt;
    }
}

rec::TopologyStatus::type wire_status(common::topology_status s) {
    return static_cast<rec::TopologyStatus::type>(static_cast<int>(s));
}

std::vector<ExecutorInfo> executors_to_thrift(const std::vector<common::executor_info>& v) {
    std::vector<ExecutorInfo> out;
    out.reserve(v.size());
    for (const auto& e : v) {
        out.push_back(thrift::to_thrift(e));
    }
    return out;
}

std::vector<common::executor_info> executors_from_thrift(const std::vector<ExecutorInfo>& v) {
    std::vector<common::executor_info> out;
    out.reserve(v.size());
    for (const auto& e : v) {
        out.push_back(thrift::from_thrift(e));
    }
    return out;
}

// window -> stream id -> value, between GlobalStreamId and stream_id keys.
template <typename Value>
std::map<std::string, std::map<GlobalStreamId, Value>> streams_to_thrift(
    const common::executor_stats::per_window<common::stream_id, Value>& m) {
    std::map<std::string, std::map<GlobalStreamId, Value>> out;
    for (const auto& [window, by_stream] : m) {
        auto& o = out[window];
        for (const auto& [sid, v] : by_stream) {
            GlobalStreamId g;
            g.componentId = sid.component;
            g.streamId = sid.stream;
            o[g] = v;
        }
    }
    return out;
}

template <typename Value>
common::executor_stats::per_window<common::stream_id, Value> streams_from_thrift(
    const std::map<std::string, std::map<GlobalStreamId, Value>>& m) {
    common::executor_stats::per_window<common::stream_id, Value> out;
    for (const auto& [window, by_stream] : m) {
        auto& o = out[window];
        for (const auto& [g, v] : by_stream) {
            o[{g.componentId, g.streamId}] = v;
        }
    }
    return out;
}

// Decodes `bytes` as Record and converts it; errors name `kind`.
template <typename Record, typename Convert>
auto decode(std::string_view bytes, record_kind kind, Convert convert)
    -> common::result<std::remove_cvref_t<decltype(*convert(std::declval<const Record&>()))>> {
    // Decoded in place, never copied: a generated struct holding an enum value the IDL does not
    // name (from the wire) must not be copied, which loads the enum.
    Record r;
    auto done = detail::decode(bytes, &r, [](void* p, apache::thrift::protocol::TProtocol* in) {
        static_cast<Record*>(p)->read(in);
    });
    if (!done) {
        auto cause = done.error().category() == codec_category()
                         ? static_cast<codec_errc>(done.error().value())
                         : codec_errc::malformed;
        return record_error(kind, cause);
    }
    auto ours = convert(r);
    if (!ours) {
        return record_error(kind, codec_errc::invalid_data);
    }
    return std::move(*ours);
}

}  // namespace

std::string_view record_name(record_kind k) noexcept {
    switch (k) {
        case record_kind::storm_base:
            return "StormBaseRecord";
        case record_kind::assignment:
            return "AssignmentRecord";
        case record_kind::supervisor:
            return "SupervisorRecord";
        case record_kind::worker_heartbeat:
            return "WorkerHeartbeatRecord";
        case record_kind::local_worker_heartbeat:
            return "LocalWorkerHeartbeatRecord";
        case record_kind::routes:
            return "RoutesRecord";
    }
    return "record";
}

const std::error_category& record_category() noexcept {
    static const record_category_impl category;
    return category;
}

std::error_code record_error(record_kind kind, codec_errc cause) noexcept {
    return {static_cast<int>(kind) * 16 + static_cast<int>(cause), record_category()};
}

codec_errc codec_cause(std::error_code ec) noexcept {
    if (ec.category() != record_category()) {
        return codec_errc::malformed;
    }
    return static_cast<codec_errc>(ec.value() % 16);
}

ExecutorInfo to_thrift(const common::executor_info& e) {
    ExecutorInfo out;
    out.task_start = e.task_start;
    out.task_end = e.task_end;
    return out;
}

common::executor_info from_thrift(const ExecutorInfo& e) {
    return {e.task_start, e.task_end};
}

ExecutorStats to_thrift(const common::executor_stats& s) {
    ExecutorStats out;
    out.emitted = s.emitted;
    out.transferred = s.transferred;
    out.rate = s.rate;
    if (s.is_spout) {
        SpoutStats sp;
        sp.acked = s.spout_acked;
        sp.failed = s.spout_failed;
        sp.complete_ms_avg = s.complete_ms_avg;
        out.specific.__set_spout(sp);
    } else {
        BoltStats b;
        b.acked = streams_to_thrift(s.bolt_acked);
        b.failed = streams_to_thrift(s.bolt_failed);
        b.process_ms_avg = streams_to_thrift(s.process_ms_avg);
        b.executed = streams_to_thrift(s.executed);
        b.execute_ms_avg = streams_to_thrift(s.execute_ms_avg);
        out.specific.__set_bolt(b);
    }
    return out;
}

common::executor_stats from_thrift(const ExecutorStats& s) {
    common::executor_stats out;
    out.emitted = s.emitted;
    out.transferred = s.transferred;
    out.rate = s.rate;
    out.is_spout = s.specific.__isset.spout;
    if (out.is_spout) {
        out.spout_acked = s.specific.spout.acked;
        out.spout_failed = s.specific.spout.failed;
        out.complete_ms_avg = s.specific.spout.complete_ms_avg;
    } else {
        const BoltStats& b = s.specific.bolt;
        out.bolt_acked = streams_from_thrift(b.acked);
        out.bolt_failed = streams_from_thrift(b.failed);
        out.process_ms_avg = streams_from_thrift(b.process_ms_avg);
        out.executed = streams_from_thrift(b.executed);
        out.execute_ms_avg = streams_from_thrift(b.execute_ms_avg);
    }
    return out;
}

rec::StormBaseRecord to_thrift(const common::storm_base& r) {
    rec::StormBaseRecord out;
    out.name = r.name;
    out.status = wire_status(r.status);
    out.owner = r.owner;
    out.launch_time_secs = r.launch_time_secs;
    out.num_workers = r.num_workers;
    out.component_executors = r.component_executors;
    if (r.prev_status) {
        out.__set_prev_status(wire_status(*r.prev_status));
    }
    if (r.kill) {
        KillOptions k;
        if (r.kill->wait_secs) {
            k.__set_wait_secs(*r.kill->wait_secs);
        }
        out.__set_kill_options(k);
    }
    if (r.rebalance) {
        const common::rebalance_options& o = *r.rebalance;
        RebalanceOptions ro;
        if (o.wait_secs) {
            ro.__set_wait_secs(*o.wait_secs);
        }
        if (o.num_workers) {
            ro.__set_num_workers(*o.num_workers);
        }
        if (o.num_executors) {
            ro.__set_num_executors(*o.num_executors);
        }
        if (o.resources_overrides) {
            ro.__set_topology_resources_overrides(*o.resources_overrides);
        }
        if (o.topology_conf_overrides) {
            ro.__set_topology_conf_overrides(*o.topology_conf_overrides);
        }
        if (o.principal) {
            ro.__set_principal(*o.principal);
        }
        out.__set_rebalance_options(ro);
    }
    if (r.topology_version) {
        out.__set_topology_version(*r.topology_version);
    }
    return out;
}

common::result<common::storm_base> from_thrift(const rec::StormBaseRecord& r) {
    common::storm_base out;
    auto status = status_of(r.status);
    if (!status) {
        return codec_errc::invalid_data;
    }
    out.name = r.name;
    out.status = *status;
    out.owner = r.owner;
    out.launch_time_secs = r.launch_time_secs;
    out.num_workers = r.num_workers;
    out.component_executors = r.component_executors;
    if (r.__isset.prev_status) {
        out.prev_status = status_of(r.prev_status);
        if (!out.prev_status) {
            return codec_errc::invalid_data;
        }
    }
    if (r.__isset.kill_options) {
        common::kill_options k;
        if (r.kill_options.__isset.wait_secs) {
            k.wait_secs = r.kill_options.wait_secs;
        }
        out.kill = k;
    }
    if (r.__isset.rebalance_options) {
        out.rebalance = from_thrift(r.rebalance_options);
    }
    if (r.__isset.topology_version) {
        out.topology_version = r.topology_version;
    }
    return out;
}

rec::AssignmentRecord to_thrift(const common::assignment& r) {
    rec::AssignmentRecord out;
    out.code_dir = r.code_dir;
    out.node_host = r.node_host;
    for (const auto& [e, slot] : r.executor_node_port) {
        rec::NodePort np;
        np.node = slot.node;
        np.port = slot.port;
        out.executor_node_port[to_thrift(e)] = np;
    }
    for (const auto& [e, t] : r.executor_start_time_secs) {
        out.executor_start_time_secs[to_thrift(e)] = t;
    }
    if (r.owner) {
        out.__set_owner(*r.owner);
    }
    return out;
}

common::assignment from_thrift(const rec::AssignmentRecord& r) {
    common::assignment out;
    out.code_dir = r.code_dir;
    out.node_host = r.node_host;
    for (const auto& [e, np] : r.executor_node_port) {
        out.executor_node_port[from_thrift(e)] = {np.node, np.port};
    }
    for (const auto& [e, t] : r.executor_start_time_secs) {
        out.executor_start_time_secs[from_thrift(e)] = t;
    }
    if (r.__isset.owner) {
        out.owner = r.owner;
    }
    return out;
}

rec::RoutesRecord to_thrift(const common::routes& r) {
    auto refuse = [](const std::string& what) { throw std::invalid_argument("routes: " + what); };
    rec::RoutesRecord out;
    for (const auto& slot : r.slots) {
        if (out.nodes.empty() || out.nodes.back() != slot.node) {
            out.nodes.push_back(slot.node);
        }
    }
    out.hosts.reserve(out.nodes.size());
    for (const auto& node : out.nodes) {
        auto h = r.node_host.find(node);
        out.hosts.push_back(h != r.node_host.end() ? h->second : std::string());
    }
    out.slot_count = static_cast<std::int32_t>(r.slots.size());
    out.slots.reserve(r.slots.size() * 3);
    std::size_t node = 0;
    for (std::size_t i = 0; i < r.slots.size(); ++i) {
        const auto& slot = r.slots[i];
        if ((i > 0 && !(r.slots[i - 1] < slot)) || slot.port < 0 || slot.port > 65535) {
            refuse("slot " + slot.node + ":" + std::to_string(slot.port) +
                   " out of order, repeated, or not a port");
        }
        while (out.nodes[node] != slot.node) {
            ++node;
        }
        put_varint(out.slots, node);
        put_varint(out.slots, static_cast<std::uint64_t>(slot.port));
    }
    out.executor_count = static_cast<std::int32_t>(r.executors.size());
    out.executors.reserve(r.executors.size() * 3);
    std::int64_t previous_end = 0;
    for (const auto& [e, slot] : r.executors) {
        if (e.task_start <= previous_end || e.task_end < e.task_start || slot >= r.slots.size()) {
            refuse("executor [" + std::to_string(e.task_start) + "-" + std::to_string(e.task_end) +
                   "] out of task order, overlapping, or on slot " + std::to_string(slot) + " of " +
                   std::to_string(r.slots.size()));
        }
        put_varint(out.executors, static_cast<std::uint64_t>(e.task_start - previous_end - 1));
        put_varint(out.executors, static_cast<std::uint64_t>(e.task_end - e.task_start));
        put_varint(out.executors, slot);
        previous_end = e.task_end;
    }
    return out;
}

std::optional<common::routes> from_thrift(const rec::RoutesRecord& r) {
    // Each slot takes at least two bytes and each executor three: a count above that cannot be
    // honest, and would otherwise size the reservations below.
    if (r.nodes.size() != r.hosts.size() || r.slot_count < 0 ||
        static_cast<std::size_t>(r.slot_count) > r.slots.size() / 2 || r.executor_count < 0 ||
        static_cast<std::size_t>(r.executor_count) > r.executors.size() / 3) {
        return std::nullopt;
    }
    common::routes out;
    for (std::size_t i = 0; i < r.nodes.size(); ++i) {
        if (i > 0 && !(r.nodes[i - 1] < r.nodes[i])) {
            return std::nullopt;
        }
        if (!r.hosts[i].empty()) {
            out.node_host.emplace_hint(out.node_host.end(), r.nodes[i], r.hosts[i]);
        }
    }
    out.slots.reserve(static_cast<std::size_t>(r.slot_count));
    std::string_view slots = r.slots;
    for (std::int32_t i = 0; i < r.slot_count; ++i) {
        auto node = take_varint(slots);
        auto port = node ? take_varint(slots) : std::nullopt;
        if (!port || *node >= r.nodes.size() || *port > 65535) {
            return std::nullopt;
        }
        out.slots.push_back({r.nodes[*node], static_cast<int>(*port)});
        if (out.slots.size() > 1 && !(out.slots[out.slots.size() - 2] < out.slots.back())) {
            return std::nullopt;  // executors_of() searches them: sorted, distinct
        }
    }
    out.executors.reserve(static_cast<std::size_t>(r.executor_count));
    std::string_view in = r.executors;
    std::int64_t previous_end = 0;
    constexpr std::int64_t max_task = std::numeric_limits<std::int32_t>::max();
    for (std::int32_t i = 0; i < r.executor_count; ++i) {
        auto gap = take_varint(in);
        auto width = gap ? take_varint(in) : std::nullopt;
        auto slot = width ? take_varint(in) : std::nullopt;
        if (!slot || *slot >= out.slots.size()) {
            return std::nullopt;
        }
        std::int64_t start = previous_end + 1 + *gap;
        std::int64_t end = start + *width;
        if (end > max_task) {
            return std::nullopt;
        }
        out.executors.push_back({{static_cast<int>(start), static_cast<int>(end)}, *slot});
        previous_end = end;
    }
    if (!slots.empty() || !in.empty()) {
        return std::nullopt;
    }
    return out;
}

rec::SupervisorRecord to_thrift(const common::supervisor_record& r) {
    rec::SupervisorRecord out;
    out.supervisor_id = r.supervisor_id;
    out.hostname = r.hostname;
    out.time_secs = r.time_secs;
    out.uptime_secs = r.uptime_secs;
    out.ports.assign(r.ports.begin(), r.ports.end());
    out.used_ports.assign(r.used_ports.begin(), r.used_ports.end());
    out.version = r.version;
    return out;
}

common::supervisor_record from_thrift(const rec::SupervisorRecord& r) {
    common::supervisor_record out;
    out.supervisor_id = r.supervisor_id;
    out.hostname = r.hostname;
    out.time_secs = r.time_secs;
    out.uptime_secs = r.uptime_secs;
    out.ports.assign(r.ports.begin(), r.ports.end());
    out.used_ports.assign(r.used_ports.begin(), r.used_ports.end());
    out.version = r.version;
    return out;
}

rec::WorkerHeartbeatRecord to_thrift(const common::worker_heartbeat& r) {
    rec::WorkerHeartbeatRecord out;
    out.topology_id = r.topology_id;
    out.executors = executors_to_thrift(r.executors);
    out.time_secs = r.time_secs;
    out.uptime_secs = r.uptime_secs;
    for (const auto& [e, s] : r.stats) {
        out.executor_stats[to_thrift(e)] = to_thrift(s);
    }
    if (r.host) {
        out.__set_host(*r.host);
    }
    if (r.port) {
        out.__set_port(*r.port);
    }
    if (!r.records.empty()) {
        std::map<ExecutorInfo, std::string> records;
        for (const auto& [e, s] : r.records) {
            records[to_thrift(e)] = common::encode_stats(s);
        }
        out.__set_executor_records(std::move(records));
    }
    if (!r.metrics.empty()) {
        out.__set_metrics_packed(pack_metric_points(r.metrics));
    }
    if (r.sample_rate) {
        out.__set_stats_sample_rate(*r.sample_rate);
    }
    return out;
}

std::optional<common::worker_heartbeat> from_thrift(const rec::WorkerHeartbeatRecord& r) {
    common::worker_heartbeat out;
    out.topology_id = r.topology_id;
    out.executors = executors_from_thrift(r.executors);
    out.time_secs = r.time_secs;
    out.uptime_secs = r.uptime_secs;
    for (const auto& [e, s] : r.executor_stats) {
        out.stats[from_thrift(e)] = from_thrift(s);
    }
    if (r.__isset.host) {
        out.host = r.host;
    }
    if (r.__isset.port) {
        out.port = r.port;
    }
    if (r.__isset.executor_records) {
        for (const auto& [e, bytes] : r.executor_records) {
            auto s = common::decode_stats(bytes);
            if (!s) {
                return std::nullopt;  // a malformed record makes the heartbeat malformed
            }
            out.records[from_thrift(e)] = std::move(*s);
        }
    }
    if (r.__isset.metrics) {  // written by older workers
        out.metrics.reserve(r.metrics.size());
        for (const auto& m : r.metrics) {
            out.metrics.push_back({m.name, m.component, m.task, m.value});
        }
    }
    if (r.__isset.metrics_packed) {
        auto packed = unpack_metric_points(r.metrics_packed);
        if (!packed) {
            return std::nullopt;
        }
        out.metrics.insert(out.metrics.end(), std::make_move_iterator(packed->begin()),
                           std::make_move_iterator(packed->end()));
    }
    if (r.__isset.stats_sample_rate) {
        out.sample_rate = r.stats_sample_rate;
    }
    return out;
}

rec::LocalWorkerHeartbeatRecord to_thrift(const common::local_worker_heartbeat& r) {
    rec::LocalWorkerHeartbeatRecord out;
    out.time_ms = r.time_ms;
    out.topology_id = r.topology_id;
    out.executors = executors_to_thrift(r.executors);
    out.port = r.port;
    out.pid = r.pid;
    return out;
}

common::local_worker_heartbeat from_thrift(const rec::LocalWorkerHeartbeatRecord& r) {
    common::local_worker_heartbeat out;
    out.time_ms = r.time_ms;
    out.topology_id = r.topology_id;
    out.executors = executors_from_thrift(r.executors);
    out.port = r.port;
    out.pid = r.pid;
    return out;
}

std::string encode(const common::storm_base& r) {
    return to_binary(to_thrift(r));
}
std::string encode(const common::assignment& r) {
    return to_binary(to_thrift(r));
}
std::string encode(const common::routes& r) {
    return to_binary(to_thrift(r));
}
std::string encode(const common::supervisor_record& r) {
    return to_binary(to_thrift(r));
}
std::string encode(const common::worker_heartbeat& r) {
    return to_binary(to_thrift(r));
}
std::string encode(const common::local_worker_heartbeat& r) {
    return to_binary(to_thrift(r));
}

common::result<common::storm_base> decode_storm_base(std::string_view bytes) {
    return decode<rec::StormBaseRecord>(
        bytes, record_kind::storm_base, [](const rec::StormBaseRecord& r) {
            auto ours = from_thrift(r);
            return ours ? std::optional(std::move(*ours)) : std::nullopt;
        });
}

common::result<common::assignment> decode_assignment(std::string_view bytes) {
    return decode<rec::AssignmentRecord>(
        bytes, record_kind::assignment,
        [](const rec::AssignmentRecord& r) { return std::optional(from_thrift(r)); });
}

common::result<common::routes> decode_routes(std::string_view bytes) {
    return decode<rec::RoutesRecord>(bytes, record_kind::routes,
                                     [](const rec::RoutesRecord& r) { return from_thrift(r); });
}

common::result<common::supervisor_record> decode_supervisor_record(std::string_view bytes) {
    return decode<rec::SupervisorRecord>(
        bytes, record_kind::supervisor,
        [](const rec::SupervisorRecord& r) { return std::optional(from_thrift(r)); });
}

common::result<common::worker_heartbeat> decode_worker_heartbeat(std::string_view bytes) {
    return decode<rec::WorkerHeartbeatRecord>(
        bytes, record_kind::worker_heartbeat,
        [](const rec::WorkerHeartbeatRecord& r) { return from_thrift(r); });
}

common::result<common::local_worker_heartbeat> decode_local_worker_heartbeat(
    std::string_view bytes) {
    return decode<rec::LocalWorkerHeartbeatRecord>(
        bytes, record_kind::local_worker_heartbeat,
        [](const rec::LocalWorkerHeartbeatRecord& r) { return std::optional(from_thrift(r)); });
}

common::rebalance_options from_thrift(const RebalanceOptions& r) {
    common::rebalance_options o;
    if (r.__isset.wait_secs) {
        o.wait_secs = r.wait_secs;
    }
    if (r.__isset.num_workers) {
        o.num_workers = r.num_workers;
    }
    if (r.__isset.num_executors) {
        o.num_executors = r.num_executors;
    }
    if (r.__isset.topology_resources_overrides) {
        o.resources_overrides = r.topology_resources_overrides;
    }
    if (r.__isset.topology_conf_overrides) {
        o.topology_conf_overrides = r.topology_conf_overrides;
    }
    if (r.__isset.principal) {
        o.principal = r.principal;
    }
    return o;
}

}  // namespace tempest::thrift
