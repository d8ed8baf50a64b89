// SPDX-License-Identifier: Apache-2.0
// Binary-protocol encoding of Thrift-generated structs to and from byte strings: the form in
// which cluster-state records (cluster_records.thrift) live in ZooKeeper, and what any other
// component uses to store or compare a generated struct as bytes.
//
//   std::string bytes = tempest::thrift::to_binary(record);
//   auto back = tempest::thrift::from_binary<records::AssignmentRecord>(bytes);
//   if (!back) { log("assignment of {} unreadable: {}", id, back.error().message()); }
//
// Decoding never throws on bad bytes: truncated, garbage or trailing data come back as a
// codec_errc. Stateless and thread-safe.
#pragma once

#include "tempest/common/result.h"

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace apache::thrift::protocol {
class TProtocol;
}

namespace tempest::thrift {

// Why a byte string is not a valid encoding of the requested struct.
enum class codec_errc : int {
    success = 0,
    truncated,       // the bytes end before the struct does
    invalid_data,    // a value is impossible for its type, or a required field is missing
    negative_size,   // a string or container declares a negative length
    size_limit,      // a length exceeds the bytes available or the protocol's limit
    depth_limit,     // structs or containers nest deeper than the protocol allows
    trailing_bytes,  // bytes are left over after the struct
    malformed,       // anything else the protocol rejected
};

const std::error_category& codec_category() noexcept;

inline std::error_code make_error_code(codec_errc e) noexcept {
    return {static_cast<int>(e), codec_category()};
}

namespace detail {
using write_fn = void (*)(const void* record, apache::thrift::protocol::TProtocol* out);
using read_fn = void (*)(void* record, apache::thrift::protocol::TProtocol* in);

std::string encode(const void* record, write_fn write);
common::result<void> decode(std::string_view bytes, void* record, read_fn read);
}  // namespace detail

// The struct's binary-protocol bytes (TBinaryProtocol, strict write, no message envelope).
// Record is any Thrift-generated struct, union or exception.
template <typename Record>
std::string to_binary(const Record& record) {
    return detail::encode(&record, [](const void* r, apache::thrift::protocol::TProtocol* out) {
        static_cast<const Record*>(r)->write(out);
    });
}

// Decodes exactly one Record from `bytes`. Errors: codec_errc (see above); a required field
// missing is invalid_data.
template <typename Record>
[[nodiscard]] common::result<Record> from_binary(std::string_view bytes) {
    static_assert(std::is_default_constructible_v<Record>);
    Record record;
    auto done =
        detail::decode(bytes, &record, [](void* r, apache::thrift::protocol::TProtocol* in) {
            static_cast<Record*>(r)->read(in);
        });
    if (!done) {
        return done.error();
    }
    return record;
}

}  // namespace tempest::thrift

template <>
struct std::is_error_code_enum<tempest::thrift::codec_errc> : std::true_type {};
