// SPDX-License-Identifier: Apache-2.0
// Tuple values from untrusted bytes: values::assign_encoded, then every reader. Input: a u16
// value count (little-endian), then the encoded values. Bytes it accepts must read back without
// error and rebuild (values::from_list) to the same encoding; bytes it refuses leave it empty.
#include "fuzz_check.h"
#include "fuzz_entries.h"
#include "tempest/topology_api/values.h"

#include <cstring>
#include <span>
#include <string>
#include <utility>

namespace tempest::fuzz {

int values_entry(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    std::uint16_t count = 0;
    std::memcpy(&count, data, 2);
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data) + 2, size - 2);

    values v{"left over", 7};  // content the decoder must replace
    if (!v.assign_encoded(bytes, count)) {
        TEMPEST_FUZZ_CHECK(v.empty() && v.encoded().empty(), "a refused encoding left values");
        return 0;
    }
    TEMPEST_FUZZ_CHECK(v.size() == count, "value count differs from the one given");
    TEMPEST_FUZZ_CHECK(v.encoded().size() == bytes.size() &&
                           std::memcmp(v.encoded().data(), bytes.data(), bytes.size()) == 0,
                       "accepted bytes were not kept as given");
    for (std::size_t i = 0; i < v.size(); ++i) {
        const value one = v.get(i);
        TEMPEST_FUZZ_CHECK(one.type() == v.type_at(i), "get() and type_at() disagree");
        switch (v.type_at(i)) {
            case value_type::boolean:
                TEMPEST_FUZZ_CHECK(v.get_bool(i) == one.as_bool(), "bool reads differ");
                break;
            case value_type::int64:
                TEMPEST_FUZZ_CHECK(v.get_int(i) == one.as_int(), "int reads differ");
                (void)v.get_double(i);
                break;
            case value_type::float64:
                (void)v.get_double(i);
                break;
            case value_type::string:
                TEMPEST_FUZZ_CHECK(v.get_string(i) == one.as_string(), "string reads differ");
                break;
            case value_type::bytes:
                TEMPEST_FUZZ_CHECK(v.get_bytes(i).size() == one.as_bytes().data.size(),
                                   "bytes reads differ");
                break;
            default:
                break;
        }
        (void)one.to_string();
    }
    (void)v.to_string();
    const values rebuilt = values::from_list(v.to_list());
    TEMPEST_FUZZ_CHECK(rebuilt == v, "values rebuilt from to_list() encode differently");

    // Copies, moves and swaps between inline and heap storage keep the content.
    values small{1};
    values copy = v;
    TEMPEST_FUZZ_CHECK(copy == v, "a copy differs");
    copy.swap(small);
    TEMPEST_FUZZ_CHECK(small == v, "a swap lost content");
    values moved = std::move(small);
    TEMPEST_FUZZ_CHECK(moved == v, "a move lost content");
    return 0;
}

}  // namespace tempest::fuzz
