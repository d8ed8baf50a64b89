// SPDX-License-Identifier: Apache-2.0
// cluster_records_codec: the bytes of the cluster-state records, from and to Tempest's own
// structs (tempest/common/cluster_records.h). The wire form is the Thrift struct of
// cluster_records.thrift in the binary protocol, exactly as before these structs existed; this
// header keeps the generated types out of its users (they live in cluster_records_codec_thrift.cc).
//
//   std::string bytes = tempest::thrift::encode(base);            // storms/<id>
//   auto back = tempest::thrift::decode_storm_base(bytes);
//   if (!back) { log("storms/{}: {}", id, back.error().message()); }
//   // "malformed StormBaseRecord: the bytes end before the struct does"
//
// Decoding never throws on bad bytes. Its errors are in record_category(): each names the
// record and the cause (a codec_errc; codec_cause() gives it back). Stateless and thread-safe.
#pragma once

#include "tempest/common/cluster_records.h"
#include "tempest/common/result.h"
#include "tempest/thrift/binary_codec.h"

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tempest::thrift {

// Which record a decoding error is about.
enum class record_kind : int {
    storm_base = 1,          // StormBaseRecord
    assignment,              // AssignmentRecord
    supervisor,              // SupervisorRecord
    worker_heartbeat,        // WorkerHeartbeatRecord
    local_worker_heartbeat,  // LocalWorkerHeartbeatRecord
    routes,                  // RoutesRecord
};

// The Thrift name of the record ("AssignmentRecord").
std::string_view record_name(record_kind k) noexcept;

// The category of decoding errors: message "malformed <record>: <cause>".
const std::error_category& record_category() noexcept;

// The error for `kind` failing with `cause`.
std::error_code record_error(record_kind kind, codec_errc cause) noexcept;

// The cause of a record_category() error (codec_errc::malformed for any other error).
codec_errc codec_cause(std::error_code ec) noexcept;

// Encodings (never fail).
std::string encode(const common::storm_base& r);
std::string encode(const common::assignment& r);
// Requires r's executors sorted with disjoint ranges of positive task ids and each slot index
// below r.slots.size() (as routes_of() makes them); throws std::invalid_argument otherwise.
std::string encode(const common::routes& r);
std::string encode(const common::supervisor_record& r);
std::string encode(const common::worker_heartbeat& r);
std::string encode(const common::local_worker_heartbeat& r);

// Decodings of exactly one record. Errors: record_category(), naming the record; a status
// outside topology_status is codec_errc::invalid_data.
// A worker heartbeat's metric points in WorkerHeartbeatRecord.metrics_packed's layout
// (cluster_records.thrift), and back; nullopt for bytes that are not such a list.
std::string pack_metric_points(const std::vector<common::metric_point>& points);
[[nodiscard]] std::optional<std::vector<common::metric_point>> unpack_metric_points(
    std::string_view bytes);

[[nodiscard]] common::result<common::storm_base> decode_storm_base(std::string_view bytes);
[[nodiscard]] common::result<common::assignment> decode_assignment(std::string_view bytes);
// Also invalid_data: executors out of task order or overlapping, a slot index past the slots,
// an executor count other than the executors' bytes hold, a task id past INT32_MAX.
[[nodiscard]] common::result<common::routes> decode_routes(std::string_view bytes);
[[nodiscard]] common::result<common::supervisor_record> decode_supervisor_record(
    std::string_view bytes);
[[nodiscard]] common::result<common::worker_heartbeat> decode_worker_heartbeat(
    std::string_view bytes);
[[nodiscard]] common::result<common::local_worker_heartbeat> decode_local_worker_heartbeat(
    std::string_view bytes);

}  // namespace tempest::thrift
