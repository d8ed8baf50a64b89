// SPDX-License-Identifier: Apache-2.0
// The worker transport's frame decoder, as tcp_server runs it: length prefixes checked with
// check_frame_length, each body decoded by decode_frame_body into one reused decoded_batch.
// A frame that decodes must re-encode to exactly its bytes, and every value must be readable.
#include "fuzz_check.h"
#include "fuzz_entries.h"
#include "tempest/worker/transport/frame.h"
#include "tuple_access.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <vector>

namespace tempest::fuzz {
namespace {

using worker::transport::decoded_batch;
using worker::transport::frame_encoder;
using worker::transport::frame_error;
using worker::transport::schema_table;

constexpr std::uint32_t max_frame_bytes = 1u << 20;

// Four tasks: task 0 has streams 0 (three fields) and 1 (one field), task 1 has stream 0 (no
// fields), task 2 has stream 2 only (a gap at 0 and 1).
struct schemas {
    schemas() : table(4) {
        three.component = "spout";
        three.stream = "default";
        three.fields = fields{"a", "b", "c"};
        one.component = "spout";
        one.stream = "side";
        one.fields = fields{"x"};
        one.stream_index = 1;
        none.component = "bolt";
        none.stream = "default";
        gap.component = "gap";
        gap.stream = "late";
        gap.fields = fields{"y", "z"};
        gap.stream_index = 2;
        table.set(0, 0, &three);
        table.set(0, 1, &one);
        table.set(1, 0, &none);
        table.set(2, 2, &gap);
    }
    detail::stream_schema three;
    detail::stream_schema one;
    detail::stream_schema none;
    detail::stream_schema gap;
    schema_table table;
};

const schema_table& table() {
    static const schemas s;
    return s.table;
}

}  // namespace

int frame_entry(const std::uint8_t* data, std::size_t size) {
    const auto* p = reinterpret_cast<const std::byte*>(data);
    std::span<const std::byte> in(p, size);
    decoded_batch batch;
    frame_encoder encoder;
    while (in.size() >= worker::transport::frame_length_bytes) {
        std::uint32_t length = 0;
        std::memcpy(&length, in.data(), 4);
        if (worker::transport::check_frame_length(length, max_frame_bytes) != frame_error::none) {
            break;  // the connection would be closed here
        }
        const std::size_t take = std::min<std::size_t>(length, in.size() - 4);
        const auto body = in.subspan(4, take);
        const frame_error e = worker::transport::decode_frame_body(body, table(), batch);
        if (e != frame_error::none) {
            TEMPEST_FUZZ_CHECK(batch.size() == 0, "a refused frame left tuples in the batch");
            TEMPEST_FUZZ_CHECK(!worker::transport::to_string(e).empty(), "an error without text");
        } else {
            encoder.begin();
            for (tuple& t : batch.tuples()) {
                (void)t.get_values().to_string();  // reads every value
                encoder.add(t);
            }
            const auto again = encoder.finish();
            TEMPEST_FUZZ_CHECK(
                again.size() == take + 4 && std::memcmp(again.data() + 4, body.data(), take) == 0,
                "a decoded frame does not re-encode to its bytes");
        }
        in = in.subspan(4 + take);
    }
    return 0;
}

}  // namespace tempest::fuzz
