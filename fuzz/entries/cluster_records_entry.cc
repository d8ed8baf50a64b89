// SPDX-License-Identifier: Apache-2.0
// Cluster-state records as Nimbus, supervisors, workers and the UI read them from ZooKeeper (and
// the worker's local heartbeat file). The first input byte picks the decoder, the rest are the
// node's bytes. Decoding must never throw; a record that decodes must survive a round trip
// (encoding it, decoding that and encoding again gives the same bytes).
#include "fuzz_check.h"
#include "fuzz_entries.h"
#include "tempest/common/stats_record.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/nimbus_types.h"

#include <string>
#include <string_view>

namespace tempest::fuzz {
namespace {

// Decodes with `decode`, and when that works checks the round trip through `encode`.
template <typename Decode, typename Encode>
void round_trip(std::string_view bytes, Decode decode, Encode encode) {
    auto first = decode(bytes);
    if (!first) {
        TEMPEST_FUZZ_CHECK(!first.error().message().empty(), "a decoding error without text");
        return;
    }
    const std::string once = encode(*first);
    auto second = decode(once);
    TEMPEST_FUZZ_CHECK(static_cast<bool>(second), "a decoded record's encoding does not decode");
    TEMPEST_FUZZ_CHECK(encode(*second) == once, "a record changes over a round trip");
}

template <typename Record>
void thrift_round_trip(std::string_view bytes) {
    round_trip(
        bytes, [](std::string_view b) { return thrift::from_binary<Record>(b); },
        [](const Record& r) { return thrift::to_binary(r); });
}

}  // namespace

int cluster_records_entry(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto enc = [](const auto& r) { return thrift::encode(r); };
    switch (data[0] % 9) {
        case 0:
            round_trip(bytes, thrift::decode_storm_base, enc);
            break;
        case 1:
            round_trip(bytes, thrift::decode_assignment, enc);
            break;
        case 2:
            round_trip(bytes, thrift::decode_supervisor_record, enc);
            break;
        case 3:
            round_trip(bytes, thrift::decode_worker_heartbeat, enc);
            break;
        case 4:
            round_trip(bytes, thrift::decode_local_worker_heartbeat, enc);
            break;
        case 5:
            round_trip(bytes, common::decode_stats, common::encode_stats);
            break;
        case 6:
            thrift_round_trip<thrift::ErrorInfo>(bytes);  // errors/<id>/<component>
            break;
        case 7:
            thrift_round_trip<thrift::NimbusSummary>(bytes);  // nimbuses/<id>, leader
            break;
        default:
            round_trip(bytes, thrift::decode_routes, enc);
            break;
    }
    return 0;
}

}  // namespace tempest::fuzz
