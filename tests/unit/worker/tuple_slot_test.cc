// SPDX-License-Identifier: Apache-2.0
// How the runtime writes a tuple into a queue slot: which cache lines a fill touches (the
// producer prefetches only those, spsc_ring::commit(lines)), and the anchor bookkeeping that
// keeps an untracked fill out of the anchors' line.
#include "tempest/worker/spsc_ring.h"
#include "tuple_access.h"

#include <gtest/gtest.h>

#include <string>

namespace tempest::worker {
namespace {

using detail::anchor;
using detail::message_kind;
using detail::tuple_access;

TEST(tuple_slot_test, the_layout_constants_are_where_the_fields_are) {
    tuple t;
    tuple_access::vals(t).add(std::string_view("fox"));
    EXPECT_EQ(tuple_access::values_offset_of(t), tuple_access::values_offset);
    EXPECT_EQ(tuple_access::anchor_offset_of(t) / 64, tuple_access::anchor_line);
    EXPECT_EQ(tuple_access::anchor_line, 0u);  // a tracked word is one line, as an untracked one
    EXPECT_EQ(tuple_access::more_offset_of(t) / 64, tuple_access::more_line);
    EXPECT_EQ(spsc_ring<tuple>::all_lines, 0b111u);  // a tuple is three lines
}

TEST(tuple_slot_test, slot_lines_follow_the_encoded_bytes_and_the_anchors_after_the_first) {
    // Line 0 holds the first 64 - 46 = 18 encoded bytes.
    EXPECT_EQ(tuple_access::slot_lines(0, false), 0b001u);
    EXPECT_EQ(tuple_access::slot_lines(8, false), 0b001u);   // "the": tag, length, 3 bytes
    EXPECT_EQ(tuple_access::slot_lines(18, false), 0b001u);  // zipf-agg's (key, 1)
    EXPECT_EQ(tuple_access::slot_lines(19, false), 0b011u);
    EXPECT_EQ(tuple_access::slot_lines(82, false), 0b011u);
    EXPECT_EQ(tuple_access::slot_lines(83, false), 0b111u);
    EXPECT_EQ(tuple_access::slot_lines(105, false), 0b111u);  // const-null's 100-byte string
    EXPECT_EQ(tuple_access::slot_lines(values::inline_capacity, false), 0b111u);
    // On the heap: only the values' header in the slot.
    EXPECT_EQ(tuple_access::slot_lines(values::inline_capacity + 1, false), 0b001u);
    // Anchors after the first: _more, in the third line.
    EXPECT_EQ(tuple_access::slot_lines(8, true), 0b101u);
    EXPECT_EQ(tuple_access::slot_lines(30, true), 0b111u);
    EXPECT_EQ(tuple_access::slot_lines(1000, true), 0b101u);
}

TEST(tuple_slot_test, filled_lines_reads_the_lines_back_from_a_filled_tuple) {
    tuple t;
    tuple_access::set_header(t, nullptr, 1, 2, message_kind::data);
    tuple_access::vals(t).add(std::string_view("the"));
    tuple_access::clear_anchors(t);
    EXPECT_EQ(tuple_access::filled_lines(t), 0b001u);
    tuple_access::set_anchor(t, 3, 4);
    EXPECT_EQ(tuple_access::filled_lines(t), 0b001u);  // one anchor: in the header's line
    const anchor two[] = {{3, 4}, {5, 6}};
    tuple_access::set_anchors(t, two, 2);
    EXPECT_EQ(tuple_access::filled_lines(t), 0b101u);
    tuple_access::set_anchor(t, 3, 4);
    tuple_access::vals(t).add(std::string(40, 'x'));
    EXPECT_EQ(tuple_access::filled_lines(t), 0b011u);
    tuple_access::set_anchors(t, two, 2);
    EXPECT_EQ(tuple_access::filled_lines(t), 0b111u);
    // A system message: (root, value) in the first line; a merged count is no anchor.
    tuple_access::set_header(t, nullptr, 1, 2, message_kind::ack);
    tuple_access::set_system(t, 5, 6);
    tuple_access::set_sys_merged(t, 3);
    EXPECT_EQ(tuple_access::filled_lines(t), 0b001u);
    // A pack of seven (112 bytes) reaches the third line.
    std::uint64_t words[2 * tuple_access::sys_max_entries] = {};
    tuple_access::set_system_entries(t, words, tuple_access::sys_max_entries);
    EXPECT_EQ(tuple_access::filled_lines(t), 0b111u);
}

TEST(tuple_slot_test, a_tracked_fill_starts_its_ack_value_at_zero_without_writing_it) {
    tuple slot;
    tuple_access::set_header(slot, nullptr, 1, 2, message_kind::data);
    tuple_access::set_anchor(slot, 7, 9);
    EXPECT_EQ(tuple_access::ack_val(slot), 0u);
    tuple_access::xor_ack_val(slot, 0x55);  // a bolt emitted anchored to it
    tuple_access::xor_ack_val(slot, 0x0f);
    EXPECT_EQ(tuple_access::ack_val(slot), 0x5au);
    const tuple copy = slot;  // a bolt keeping the input for later carries its ack value
    EXPECT_EQ(tuple_access::ack_val(copy), 0x5au);
    // Reused for an untracked tuple, then a tracked one: the old value is still in the slot's
    // third line (the fill did not write it) but reads as 0 until the first anchored emit.
    tuple_access::set_header(slot, nullptr, 1, 2, message_kind::data);
    tuple_access::clear_anchors(slot);
    EXPECT_EQ(tuple_access::anchor_count(slot), 0u);
    EXPECT_EQ(tuple_access::kind(slot), message_kind::data);
    tuple_access::set_header(slot, nullptr, 1, 2, message_kind::data);
    tuple_access::set_anchor(slot, 11, 13);
    EXPECT_EQ(tuple_access::ack_val(slot), 0u);
    tuple_access::xor_ack_val(slot, 0x66);
    EXPECT_EQ(tuple_access::ack_val(slot), 0x66u);
    EXPECT_EQ(tuple_access::anchor_at(slot, 0).root, 11u);
    EXPECT_EQ(tuple_access::anchor_count(slot), 1u);

    const anchor several[] = {{1, 2}, {3, 4}, {5, 6}};
    tuple_access::set_anchors(slot, several, 3);
    EXPECT_EQ(tuple_access::ack_val(slot), 0u);
    EXPECT_EQ(tuple_access::anchor_count(slot), 3u);
    EXPECT_EQ(tuple_access::anchor_at(slot, 2).edge, 6u);
    EXPECT_EQ(tuple_access::kind(slot), message_kind::data);
}

TEST(tuple_slot_test, the_kind_and_the_anchor_count_share_a_word_without_mixing) {
    tuple t;
    tuple_access::set_header(t, nullptr, 1, 2, message_kind::flow);
    tuple_access::set_sys_merged(t, (1u << 28) - 1);  // the largest count the word holds
    EXPECT_EQ(tuple_access::kind(t), message_kind::flow);
    EXPECT_EQ(tuple_access::sys_merged(t), (1u << 28) - 1);
    tuple_access::set_header(t, nullptr, 1, 2, message_kind::ack_done);
    EXPECT_EQ(tuple_access::sys_merged(t), (1u << 28) - 1);
    EXPECT_EQ(tuple_access::kind(t), message_kind::ack_done);
    tuple moved = std::move(t);
    EXPECT_EQ(tuple_access::kind(moved), message_kind::ack_done);
    EXPECT_EQ(tuple_access::anchor_count(t), 0u);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(tuple_access::kind(t), message_kind::ack_done);
}

TEST(tuple_slot_test, clearing_several_anchors_frees_them_and_a_system_count_needs_no_free) {
    tuple slot;
    const anchor several[] = {{1, 2}, {3, 4}};
    tuple_access::set_anchors(slot, several, 2);
    tuple_access::clear_anchors(slot);
    EXPECT_EQ(tuple_access::anchor_count(slot), 0u);
    // A copy of the cleared slot has nothing after the first anchor to copy (ASan would see
    // a use after free or a leak if _more were left behind).
    tuple copy = slot;
    EXPECT_EQ(tuple_access::anchor_count(copy), 0u);
    tuple_access::set_anchors(slot, several, 2);
    tuple_access::set_header(slot, nullptr, 1, 2, message_kind::ack);
    tuple_access::set_system(slot, 5, 6);
    EXPECT_EQ(tuple_access::anchor_count(slot), 0u);
    tuple_access::set_sys_merged(slot, 4);  // the anchor count holds a pack's merged count
    tuple_access::clear_anchors(slot);      // with no anchors to free
    EXPECT_EQ(tuple_access::sys_merged(slot), 0u);
    EXPECT_EQ(tuple_access::sys_root(slot), 5u);
}

// The process latency's mark (executor_core::execute_sampled) lives in the destination field
// as 31 bits of microseconds: differences wrap modulo 2^31, and a mark a little after the ack's
// clock reading (another core's time-stamp counter behind) reads 0, not 35 minutes.
TEST(tuple_slot_test, a_process_sample_mark_measures_forward_across_the_wrap_and_never_backward) {
    tuple t;
    tuple_access::set_header(t, nullptr, 1, 2, message_kind::data);
    EXPECT_FALSE(tuple_access::process_sampled(t));
    const std::uint64_t start = (std::uint64_t{7} << 31) + 0x7ffffff0u;  // 16 us before a wrap
    tuple_access::mark_process_sample(t, start);
    EXPECT_TRUE(tuple_access::process_sampled(t));
    EXPECT_EQ(tuple_access::process_elapsed_us(t, start), 0u);
    EXPECT_EQ(tuple_access::process_elapsed_us(t, start + 5), 5u);
    EXPECT_EQ(tuple_access::process_elapsed_us(t, start + 40), 40u);  // across the wrap
    EXPECT_EQ(tuple_access::process_elapsed_us(t, start + 600'000'000), 600'000'000u);  // 10 min
    EXPECT_EQ(tuple_access::process_elapsed_us(t, start - 3), 0u);  // the mark 3 us ahead
    EXPECT_EQ(tuple_access::process_elapsed_us(t, start - 1'000'000), 0u);
}

}  // namespace
}  // namespace tempest::worker
