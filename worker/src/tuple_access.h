// SPDX-License-Identifier: Apache-2.0
// tuple_access: the runtime's door into tuple's private header fields (schema, tasks, anchors,
// message kind). Only worker/ includes this.
#pragma once

#include "tempest/topology_api/tuple.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace tempest::detail {

// What a slot in an executor queue carries besides user data.
enum class message_kind : std::uint32_t {
    data = 0,
    ack_init = 1,   // to an acker: root, xor of the first edges, spout task = source task
    ack = 2,        // to an acker: root, xor value
    fail = 3,       // to an acker: root
    ack_done = 4,   // to a spout task: root completed
    fail_done = 5,  // to a spout task: root failed
    // Between workers only, receiver to sender (remote_io.h): the sender may send `value` more
    // messages for the destination task (a credit grant).
    flow = 6,
};
static_assert(static_cast<std::uint32_t>(message_kind::flow) <= kind_mask);

struct tuple_access {
    static void set_header(tuple& t, const stream_schema* schema, int source_task, int dest_task,
                           message_kind kind) noexcept {
        t._schema = schema;
        t._source_task = source_task;
        t._dest_task = dest_task;
        t._kind_anchors = (t._kind_anchors & ~kind_mask) | static_cast<std::uint32_t>(kind);
    }
    // Neither this nor set_header touches the third line (_more) unless the slot held several
    // anchors: an untracked tuple is written in its first lines only (slot_lines). _more is set
    // only with an anchor count above 1 (a system message's merged count may be above 1 with no
    // _more).
    [[gnu::always_inline]] static void clear_anchors(tuple& t) noexcept {
        if (anchor_count(t) > 1) [[unlikely]] {
            free_more(t);
        }
        set_count(t, 0);
    }
    // Fills `t` as a data tuple of `v`, anchored to (root, edge) unless root is 0, when that
    // needs no call (the common emit, executor_core::emit_one and emit_one_anchored): the slot
    // holds at most one anchor (none to free) and `v` fits values::assign_small. Returns the
    // lines written (filled_lines), or 0, having changed nothing, otherwise. The header is
    // set_header(kind data) and set_anchor / clear_anchors in one write of the kind word; the
    // one anchor sits in the header's line.
    [[gnu::always_inline]] static std::uint32_t fill_small(tuple& t, const stream_schema* schema,
                                                           int source_task, int dest_task,
                                                           const values& v, std::uint64_t root,
                                                           std::uint64_t edge) noexcept {
        const std::uint32_t n = static_cast<std::uint32_t>(v.encoded().size());
        if (anchor_count(t) > 1 || !t._values.assign_small(v)) [[unlikely]] {
            return 0;
        }
        t._schema = schema;
        t._source_task = source_task;
        t._dest_task = dest_task;
        if (root == 0) {
            t._kind_anchors = static_cast<std::uint32_t>(message_kind::data) | ack_unset_bit;
        } else {
            t._anchor = {root, edge};
            t._kind_anchors = static_cast<std::uint32_t>(message_kind::data) | ack_unset_bit |
                              (1u << anchors_shift);
        }
        return (2u << ((values_offset - 1 + n) / 64)) - 1;  // slot_lines(n, false), n <= 128
    }
    // Neither this nor set_anchors writes the ack value (the XOR of the edges emitted anchored
    // to the tuple), which sits in the third line: they mark it not started, and it reads as 0
    // until the first xor_ack_val writes it (tuple.h).
    static void set_anchor(tuple& t, std::uint64_t root, std::uint64_t edge) noexcept {
        clear_anchors(t);
        t._anchor = {root, edge};
        set_count(t, 1);
    }
    static std::uint64_t ack_val(const tuple& t) noexcept {
        return (t._kind_anchors & ack_unset_bit) != 0 ? 0 : t._ack_val;
    }
    static void xor_ack_val(const tuple& t, std::uint64_t edge) noexcept {
        if ((t._kind_anchors & ack_unset_bit) != 0) {
            t._kind_anchors &= ~ack_unset_bit;
            t._ack_val = edge;
        } else {
            t._ack_val ^= edge;
        }
    }
    // Requires: n >= 1.
    static void set_anchors(tuple& t, const anchor* a, std::uint32_t n) {
        clear_anchors(t);
        t._anchor = a[0];
        if (n > 1) {
            // For overwrite: every element is written just below.
            t._more = std::make_unique_for_overwrite<anchor[]>(n - 1);
            for (std::uint32_t i = 1; i < n; ++i) {
                t._more[i - 1] = a[i];
            }
        }
        set_count(t, n);
    }
    // The cache lines of a tuple (bit i = line i) that a data tuple filled with `encoded_size`
    // bytes of inline values was written in: the header's line (with the first anchor), the
    // lines the encoded bytes reach (they start at values_offset; heap-held bytes leave only the
    // values' header in the slot), and _more's line with several anchors. For
    // spsc_ring::commit(lines).
    static constexpr std::uint32_t values_offset = 46;  // 36 bytes of header, 10 of values header
    static constexpr std::uint32_t anchor_line = 0;
    static constexpr std::uint32_t more_line = 2;
    static std::uint32_t slot_lines(std::uint32_t encoded_size, bool more_anchors) noexcept {
        const std::uint32_t last =
            encoded_size > values::inline_capacity ? 0 : (values_offset - 1 + encoded_size) / 64;
        return ((2u << last) - 1) | (more_anchors ? 1u << more_line : 0u);
    }
    // The lines a fill wrote, read back from the filled tuple (a system message's anchor count
    // is its merged count, not anchors).
    static std::uint32_t filled_lines(const tuple& t) noexcept {
        return slot_lines(static_cast<std::uint32_t>(t._values.encoded().size()),
                          kind(t) == message_kind::data && anchor_count(t) > 1);
    }
    // True when the values end in the first line (a one-line tuple, whose reader's vector
    // compares may read into the second line: spsc_ring::consume's hint). One load.
    static bool values_end_in_first_line(const tuple& t) noexcept {
        return t._values.encoded().size() <= 64 - values_offset;
    }
    // Where values_offset and anchor_line come from: for the test that pins them.
    static std::size_t values_offset_of(const tuple& t) noexcept {
        return static_cast<std::size_t>(t._values.encoded().data() -
                                        reinterpret_cast<const std::byte*>(&t));
    }
    static std::size_t anchor_offset_of(const tuple& t) noexcept {
        return static_cast<std::size_t>(reinterpret_cast<const std::byte*>(&t._anchor) -
                                        reinterpret_cast<const std::byte*>(&t));
    }
    static std::uint32_t anchor_count(const tuple& t) noexcept {
        return t._kind_anchors >> anchors_shift;
    }
    static std::size_t more_offset_of(const tuple& t) noexcept {
        return static_cast<std::size_t>(reinterpret_cast<const std::byte*>(&t._more) -
                                        reinterpret_cast<const std::byte*>(&t));
    }
    static const anchor& anchor_at(const tuple& t, std::uint32_t i) noexcept {
        return i == 0 ? t._anchor : t._more[i - 1];
    }
    static message_kind kind(const tuple& t) noexcept {
        return static_cast<message_kind>(t._kind_anchors & kind_mask);
    }
    static int dest_task(const tuple& t) noexcept { return t._dest_task; }
    static const stream_schema* schema(const tuple& t) noexcept { return t._schema; }
    static values& vals(tuple& t) noexcept { return t._values; }
    // System messages: (root, value) as 16 raw bytes in the values' buffer, with no fields
    // (size() is 0; the bytes are no encoding and are read only by sys_root/sys_val). They sit
    // in the tuple's first cache line, beside the header the consumer reads anyway, and copies,
    // moves and swaps keep them (those copy the values' bytes).
    static void set_system(tuple& t, std::uint64_t root, std::uint64_t val) noexcept {
        clear_anchors(t);
        std::byte raw[16];
        std::memcpy(raw, &root, 8);
        std::memcpy(raw + 8, &val, 8);
        // Cannot allocate: 16 bytes fit the inline buffer, and any buffer is at least that big.
        t._values.assign_trusted(raw, 16, 0);
    }
    // Process-latency sampling (executor_core): once a data tuple has been dispatched to its
    // task, its destination is never read again, so the executor marks a sampled tuple there
    // with the start of its execute() in microseconds (31 bits, negative = marked); copies the
    // bolt keeps carry the mark to a later ack. Differences are taken modulo 2^31 µs (35 min).
    static void mark_process_sample(tuple& t, std::uint64_t start_us) noexcept {
        t._dest_task =
            static_cast<std::int32_t>(static_cast<std::uint32_t>(start_us) | 0x80000000u);
    }
    static bool process_sampled(const tuple& t) noexcept { return t._dest_task < 0; }
    // Microseconds from the mark to `now_us`. Requires: process_sampled(t). A mark up to 2^30 µs
    // (18 min) after `now_us` reads 0, not ~35 min: a clock read on another core may run a
    // little behind (sample_clock reads each core's time-stamp counter).
    static std::uint64_t process_elapsed_us(const tuple& t, std::uint64_t now_us) noexcept {
        const std::uint32_t d =
            (static_cast<std::uint32_t>(now_us) - static_cast<std::uint32_t>(t._dest_task)) &
            0x7fffffffu;
        return d < (1u << 30) ? d : 0;
    }
    // Several system messages of one kind from one task to one task in one slot (a pack,
    // executor_core::hold_system): `n` (root, value) pairs of `words`, 16 bytes each, as
    // set_system writes one. Only between executors of one worker: the transport carries one.
    static constexpr std::uint32_t sys_max_entries = 7;
    static_assert(sys_max_entries * 16 <= values::inline_capacity);
    // Requires: 1 <= n <= sys_max_entries.
    static void set_system_entries(tuple& t, const std::uint64_t* words, std::uint32_t n) noexcept {
        clear_anchors(t);
        // Cannot allocate: 112 bytes fit the inline buffer, and a heap buffer is bigger.
        t._values.assign_trusted(reinterpret_cast<const std::byte*>(words), 16 * n, 0);
    }
    // The messages in a system message's slot (1 unless a pack).
    static std::uint32_t sys_entries(const tuple& t) noexcept {
        return static_cast<std::uint32_t>(t._values.encoded().size() / 16);
    }
    // A system message merged from several (acks of one root, executor_core::bolt_ack, or the
    // messages of a pack): how many it stands for besides the first, kept in the anchor count,
    // which system messages do not use otherwise (0 after set_system; the transport never
    // carries it).
    static void set_sys_merged(tuple& t, std::uint32_t n) noexcept { set_count(t, n); }
    static std::uint32_t sys_merged(const tuple& t) noexcept { return anchor_count(t); }
    static std::uint64_t sys_root(const tuple& t) noexcept { return sys_word(t, 0); }
    static std::uint64_t sys_val(const tuple& t) noexcept { return sys_word(t, 8); }
    // Entry `i` of a pack (entry 0 is sys_root/sys_val). Requires: i < sys_entries(t).
    static std::uint64_t sys_root_at(const tuple& t, std::uint32_t i) noexcept {
        return sys_word(t, 16 * std::size_t{i});
    }
    static std::uint64_t sys_val_at(const tuple& t, std::uint32_t i) noexcept {
        return sys_word(t, 16 * std::size_t{i} + 8);
    }

  private:
    // Out of line: clear_anchors inlines into every fill, and this runs only after a tuple with
    // several anchors.
    [[gnu::noinline]] static void free_more(tuple& t) noexcept { t._more.reset(); }
    // The anchor count (or a system message's merged count), below 2^28; the ack value not
    // started.
    static void set_count(tuple& t, std::uint32_t n) noexcept {
        t._kind_anchors = (t._kind_anchors & kind_mask) | ack_unset_bit | (n << anchors_shift);
    }
    static std::uint64_t sys_word(const tuple& t, std::size_t at) noexcept {
        std::uint64_t w;
        std::memcpy(&w, t._values.encoded().data() + at, 8);
        return w;
    }
};

}  // namespace tempest::detail
