// SPDX-License-Identifier: Apache-2.0
// tuple: one message on a stream, as Storm's Tuple: the values plus where they came from. The
// runtime builds tuples directly in queue slots and moves them; a bolt receives `const tuple&`
// valid for the duration of execute(). A bolt that keeps a tuple to ack later keeps a copy
// (tuples are copyable) and acks or anchors on that copy.
#pragma once

#include "tempest/topology_api/fields.h"
#include "tempest/topology_api/values.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace tempest {

namespace detail {

// What a stream is, resolved once when the topology is compiled; tuples point at it so that
// field names and the source component cost nothing per tuple.
struct stream_schema {
    std::string component;
    std::string stream;
    tempest::fields fields;
    std::uint16_t stream_index = 0;  // position among the component's declared streams
    bool direct = false;
};

// One (root id, edge id) pair of Storm's acking algorithm.
struct anchor {
    std::uint64_t root = 0;
    std::uint64_t edge = 0;
};

// tuple::_kind_anchors: the message kind in the low kind_bits, then the bit that says the ack
// value is not started yet (it reads as 0), then the anchor count.
inline constexpr std::uint32_t kind_bits = 3;
inline constexpr std::uint32_t kind_mask = (1u << kind_bits) - 1;
inline constexpr std::uint32_t ack_unset_bit = 1u << kind_bits;
inline constexpr std::uint32_t anchors_shift = kind_bits + 1;

struct tuple_access;

}  // namespace detail

// The owning pointer for the anchors after the first costs no more than the raw pointer it
// replaced, so a tuple stays the size it was.
static_assert(sizeof(std::unique_ptr<detail::anchor[]>) == sizeof(detail::anchor*));

// Aligned to a cache line, 192 bytes (three lines). The fields a consumer reads for the common
// messages come first: the header, the first anchor and the values' header with their first 18
// encoded bytes in line 0, so that a word, tracked or not, or an acking message's (root, value)
// crosses threads as one line. The anchors after the first and the ack value follow the values.
// The producer of a tracked tuple does not write the ack value: a bit beside the kind says it
// is not started (reads as 0), and the first anchored emit of the receiving task writes it, so
// neither side touches that line for a short tuple that is only acked. (With the anchor and the
// ack value in line 2 a tracked word cost two lines; docs/PERFORMANCE.md, session 17.)
class alignas(64) tuple {
  public:
    tuple() noexcept = default;
    tuple(const tuple& o);
    tuple(tuple&& o) noexcept;
    tuple& operator=(const tuple& o);
    tuple& operator=(tuple&& o) noexcept;
    ~tuple() = default;
    // Exchanges everything; each side keeps buffers for reuse (see values::swap). Inline: the
    // runtime swaps a tuple into or out of a queue slot per tuple crossing between workers.
    void swap(tuple& o) noexcept {
        std::swap(_schema, o._schema);
        std::swap(_source_task, o._source_task);
        std::swap(_dest_task, o._dest_task);
        std::swap(_kind_anchors, o._kind_anchors);
        std::swap(_anchor, o._anchor);
        std::swap(_more, o._more);
        std::swap(_ack_val, o._ack_val);
        _values.swap(o._values);
    }
    friend void swap(tuple& a, tuple& b) noexcept { a.swap(b); }

    std::size_t size() const noexcept { return _values.size(); }
    value_type type_at(std::size_t i) const { return _values.type_at(i); }
    bool is_null(std::size_t i) const { return _values.is_null(i); }
    std::string_view get_string(std::size_t i) const { return _values.get_string(i); }
    std::int64_t get_int(std::size_t i) const { return _values.get_int(i); }
    double get_double(std::size_t i) const { return _values.get_double(i); }
    bool get_bool(std::size_t i) const { return _values.get_bool(i); }
    std::span<const std::byte> get_bytes(std::size_t i) const { return _values.get_bytes(i); }
    value get_value(std::size_t i) const { return _values.get(i); }

    // By declared field name; throws type_error naming the field when the stream has no such
    // field.
    int field_index(std::string_view name) const noexcept { return get_fields().index_of(name); }
    bool contains(std::string_view name) const noexcept { return field_index(name) >= 0; }
    std::string_view get_string_by_field(std::string_view f) const { return get_string(index(f)); }
    std::int64_t get_int_by_field(std::string_view f) const { return get_int(index(f)); }
    double get_double_by_field(std::string_view f) const { return get_double(index(f)); }
    bool get_bool_by_field(std::string_view f) const { return get_bool(index(f)); }
    value get_value_by_field(std::string_view f) const { return get_value(index(f)); }

    const values& get_values() const noexcept { return _values; }
    const fields& get_fields() const noexcept;
    const std::string& get_source_component() const noexcept;
    const std::string& get_source_stream_id() const noexcept;
    int get_source_task() const noexcept { return _source_task; }

    // "source:task/stream [values]"
    std::string to_string() const;

  private:
    friend struct detail::tuple_access;
    std::size_t index(std::string_view field) const;

    const detail::stream_schema* _schema = nullptr;
    detail::anchor _anchor{};  // the first (root, edge) pair
    std::int32_t _source_task = 0;
    std::int32_t _dest_task = 0;
    // The runtime message kind (0 = user data) in the low kind_bits, the ack value's not-started
    // bit, and the number of (root, edge) pairs (0 = not tracked); tuple_access reads and writes
    // them. Mutable with _ack_val: anchoring to a received `const tuple&` starts its ack value.
    mutable std::uint32_t _kind_anchors = 0;
    values _values;
    // Pairs after the first, anchor count - 1 of them; null for the common 0 or 1 anchor.
    std::unique_ptr<detail::anchor[]> _more;
    mutable std::uint64_t _ack_val = 0;  // XOR of the edges emitted anchored to this tuple
};

static_assert(sizeof(tuple) == 192 && alignof(tuple) == 64);

}  // namespace tempest
