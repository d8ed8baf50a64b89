// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/transport/frame.h"

#include "tuple_access.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace tempest::worker::transport {
namespace {

using detail::message_kind;
using detail::tuple_access;

// Four tasks; task 0 declares streams 0 ("default", seven fields) and 1 ("side", one field);
// task 1 declares stream 0 (one field).
struct fixture {
    fixture() : table(4) {
        all.component = "spout";
        all.stream = "default";
        all.fields = fields{"n", "b", "i", "d", "s", "y", "l"};
        all.stream_index = 0;
        side.component = "spout";
        side.stream = "side";
        side.fields = fields{"x"};
        side.stream_index = 1;
        other.component = "bolt";
        other.stream = "default";
        other.fields = fields{"w"};
        other.stream_index = 0;
        table.set(0, 0, &all);
        table.set(0, 1, &side);
        table.set(1, 0, &other);
    }
    detail::stream_schema all;
    detail::stream_schema side;
    detail::stream_schema other;
    schema_table table;
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

std::vector<tuple> sample_batch(const fixture& f) {
    std::vector<tuple> ts;
    ts.push_back(data_tuple(
        &f.all, 0, 2,
        values{nullptr, true, std::int64_t{-42}, 2.5, "fox", bytes{std::string("\x01\x00", 2)},
               value::list{value(1), value("x"), value(value::list{})}}));
    tuple_access::set_anchor(ts.back(), 11, 12);
    ts.push_back(data_tuple(&f.side, 0, 3, values{"side value"}));
    const detail::anchor three[] = {{1, 2}, {3, 4}, {5, 6}};
    tuple_access::set_anchors(ts.back(), three, 3);
    // The same head again: a repeat, with its own anchors.
    ts.push_back(data_tuple(&f.side, 0, 3, values{"again"}));
    const detail::anchor other_three[] = {{7, 8}, {9, 10}, {11, 12}};
    tuple_access::set_anchors(ts.back(), other_three, 3);
    ts.push_back(data_tuple(&f.other, 1, 0, values{std::string(500, 'z')}));  // heap-sized
    ts.push_back(data_tuple(&f.other, 1, 0, values{"short"}));  // a repeat without anchors
    ts.push_back(system_tuple(message_kind::ack_init, 0, 3, 0xdeadbeefcafef00dULL, 77));
    ts.push_back(system_tuple(message_kind::fail_done, 3, 0, 5, 0));
    ts.push_back(system_tuple(message_kind::fail_done, 3, 0, 6, 1));  // a system repeat
    return ts;
}

std::vector<std::byte> encode(const std::vector<tuple>& ts) {
    frame_encoder e;
    for (const auto& t : ts) {
        e.add(t);
    }
    auto s = e.finish();
    return {s.begin(), s.end()};
}

void expect_same(const tuple& want, const tuple& got) {
    EXPECT_EQ(tuple_access::kind(want), tuple_access::kind(got));
    EXPECT_EQ(tuple_access::dest_task(want), tuple_access::dest_task(got));
    EXPECT_EQ(want.get_source_task(), got.get_source_task());
    EXPECT_EQ(tuple_access::schema(want), tuple_access::schema(got));
    if (tuple_access::kind(want) != message_kind::data) {
        EXPECT_EQ(tuple_access::sys_root(want), tuple_access::sys_root(got));
        EXPECT_EQ(tuple_access::sys_val(want), tuple_access::sys_val(got));
        EXPECT_EQ(got.size(), 0u);
        return;
    }
    ASSERT_EQ(tuple_access::anchor_count(want), tuple_access::anchor_count(got));
    for (std::uint32_t i = 0; i < tuple_access::anchor_count(want); ++i) {
        EXPECT_EQ(tuple_access::anchor_at(want, i).root, tuple_access::anchor_at(got, i).root);
        EXPECT_EQ(tuple_access::anchor_at(want, i).edge, tuple_access::anchor_at(got, i).edge);
    }
    EXPECT_TRUE(want.get_values() == got.get_values());
}

void put_u32(std::vector<std::byte>& b, std::size_t at, std::uint32_t v) {
    std::memcpy(b.data() + at, &v, 4);
}

TEST(frame_test, round_trips_every_value_type_anchors_and_system_messages) {
    fixture f;
    const auto batch = sample_batch(f);
    const auto bytes = encode(batch);
    decoded_batch out;
    ASSERT_EQ(decode_frame(bytes, f.table, out), frame_error::none);
    ASSERT_EQ(out.size(), batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        expect_same(batch[i], out.tuples()[i]);
    }
    const tuple& first = out.tuples()[0];
    EXPECT_TRUE(first.is_null(0));
    EXPECT_TRUE(first.get_bool(1));
    EXPECT_EQ(first.get_int(2), -42);
    EXPECT_EQ(first.get_double(3), 2.5);
    EXPECT_EQ(first.get_string(4), "fox");
    EXPECT_EQ(first.get_bytes(5).size(), 2u);
    const value want_list(value::list{value(1), value("x"), value(value::list{})});
    EXPECT_EQ(first.type_at(6), value_type::list);
    EXPECT_TRUE(first.get_value(6) == want_list);
    EXPECT_EQ(first.get_source_component(), "spout");
    EXPECT_EQ(out.tuples()[1].get_source_stream_id(), "side");
    EXPECT_EQ(first.get_string_by_field("s"), "fox");
}

TEST(frame_test, decoding_reuses_tuples_and_resets_their_headers) {
    fixture f;
    decoded_batch out;
    ASSERT_EQ(decode_frame(encode(sample_batch(f)), f.table, out), frame_error::none);
    // The same slots now get messages of other shapes: no stale anchors, values or kinds.
    std::vector<tuple> second;
    second.push_back(system_tuple(message_kind::ack, 2, 3, 9, 10));  // slot had data + anchor
    second.push_back(data_tuple(&f.other, 1, 2, values{7}));         // slot had three anchors
    ASSERT_EQ(decode_frame(encode(second), f.table, out), frame_error::none);
    ASSERT_EQ(out.size(), 2u);
    expect_same(second[0], out.tuples()[0]);
    expect_same(second[1], out.tuples()[1]);
    EXPECT_EQ(tuple_access::anchor_count(out.tuples()[1]), 0u);
}

TEST(frame_test, a_run_of_one_head_is_written_as_repeats) {
    fixture f;
    std::vector<tuple> run;
    for (int i = 0; i < 100; ++i) {
        run.push_back(data_tuple(&f.other, 1, 2, values{std::string(1 + i % 9, 'w')}));
    }
    const auto bytes = encode(run);
    // The first message whole (15 head + 6 value head + its values), each other one its tag,
    // its values' length and its values.
    std::size_t want = frame_header_bytes + 15 + 6 + run[0].get_values().encoded().size();
    for (std::size_t i = 1; i < run.size(); ++i) {
        want += 1 + 4 + run[i].get_values().encoded().size();
    }
    EXPECT_EQ(bytes.size(), want);
    decoded_batch out;
    ASSERT_EQ(decode_frame(bytes, f.table, out), frame_error::none);
    ASSERT_EQ(out.size(), run.size());
    for (std::size_t i = 0; i < run.size(); ++i) {
        expect_same(run[i], out.tuples()[i]);
        EXPECT_EQ(out.tuples()[i].get_source_component(), "bolt");
    }
    // Another dest, source or kind in between breaks the run: each change is written whole.
    std::vector<tuple> mixed;
    mixed.push_back(data_tuple(&f.other, 1, 2, values{"a"}));
    mixed.push_back(data_tuple(&f.other, 1, 3, values{"b"}));
    mixed.push_back(system_tuple(message_kind::ack, 1, 3, 4, 5));
    mixed.push_back(data_tuple(&f.other, 1, 3, values{"c"}));
    const auto whole = encode(mixed);
    std::size_t all_whole = frame_header_bytes + 15 + 16 + 6;  // the ack
    for (const std::size_t k : {0u, 1u, 3u}) {
        all_whole += 15 + 6 + mixed[k].get_values().encoded().size();
    }
    EXPECT_EQ(whole.size(), all_whole);
    ASSERT_EQ(decode_frame(whole, f.table, out), frame_error::none);
    ASSERT_EQ(out.size(), mixed.size());
    for (std::size_t i = 0; i < mixed.size(); ++i) {
        expect_same(mixed[i], out.tuples()[i]);
    }
}

TEST(frame_test, empty_frame_round_trips) {
    fixture f;
    decoded_batch out;
    frame_encoder e;
    const auto s = e.finish();
    EXPECT_EQ(s.size(), frame_header_bytes);
    EXPECT_EQ(decode_frame(s, f.table, out), frame_error::none);
    EXPECT_EQ(out.size(), 0u);
}

TEST(frame_test, rejects_every_truncation) {
    fixture f;
    const auto bytes = encode(sample_batch(f));
    decoded_batch out;
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<long>(len));
        EXPECT_NE(decode_frame(cut, f.table, out), frame_error::none) << "length " << len;
        EXPECT_EQ(out.size(), 0u);
        // The same cut with a length prefix that agrees with it: the body itself is short.
        if (len >= frame_header_bytes) {
            put_u32(cut, 0, static_cast<std::uint32_t>(len - frame_length_bytes));
            EXPECT_NE(decode_frame(cut, f.table, out), frame_error::none) << "length " << len;
            EXPECT_EQ(out.size(), 0u);
        }
    }
}

TEST(frame_test, rejects_oversize_and_undersize_lengths) {
    fixture f;
    auto bytes = encode(sample_batch(f));
    decoded_batch out;
    put_u32(bytes, 0, 0xffffffffu);
    EXPECT_EQ(decode_frame(bytes, f.table, out), frame_error::bad_length);
    EXPECT_EQ(check_frame_length(0xffffffffu), frame_error::bad_length);
    EXPECT_EQ(check_frame_length(default_max_frame_bytes + 1), frame_error::bad_length);
    EXPECT_EQ(check_frame_length(5), frame_error::bad_length);  // shorter than version + count
    EXPECT_EQ(check_frame_length(6), frame_error::none);
    // Under a smaller configured limit, the valid frame itself is too long.
    auto good = encode(sample_batch(f));
    EXPECT_EQ(decode_frame(good, f.table, out, 64), frame_error::bad_length);
}

TEST(frame_test, names_each_kind_of_malformed_message) {
    fixture f;
    decoded_batch out;
    const auto one = [&](const tuple& t) { return encode(std::vector<tuple>{t}); };
    // Message layout after the 10-byte header: kind @10, dest @11, source @15, stream @19,
    // anchor count @21.
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1}));
        b[4] = std::byte{9};
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::bad_version);
    }
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1}));
        put_u32(b, 6, max_messages_per_frame + 1);
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::too_many_messages);
    }
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1}));
        put_u32(b, 11, 4);  // dest == num_tasks
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::bad_task);
    }
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1}));
        b[19] = std::byte{7};
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::unknown_stream);
    }
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1}));
        b[10] = std::byte{7};  // one past message_kind::flow
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::bad_kind);
    }
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1}));
        put_u32(b, 21, max_anchors_per_message + 1);
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::too_many_anchors);
    }
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1, 2}));  // side declares one field
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::value_count_mismatch);
    }
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1}));
        b[25 + 6] = std::byte{99};  // the value's tag: no such value_type
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::bad_values);
    }
    {
        auto b = one(system_tuple(message_kind::ack, 0, 1, 1, 2));
        put_u32(b, 21, 0);
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::bad_system_message);
    }
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1}));
        b.push_back(std::byte{0});
        put_u32(b, 0, static_cast<std::uint32_t>(b.size() - 4));
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::trailing_bytes);
    }
    {
        auto b = one(data_tuple(&f.side, 0, 1, values{1}));
        b[10] = std::byte{repeat_tag};  // a repeat with no message before it
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::bad_repeat);
    }
    {
        // A whole head that repeats the one before it: the encoder never writes that.
        const std::size_t first = one(data_tuple(&f.side, 0, 1, values{1})).size();
        auto b =
            encode({data_tuple(&f.side, 0, 1, values{1}), data_tuple(&f.side, 0, 2, values{2})});
        ASSERT_EQ(b[first], std::byte{0});  // the second message is whole: its kind, data
        put_u32(b, first + 1, 1);           // its dest, now the first one's
        EXPECT_EQ(decode_frame(b, f.table, out), frame_error::bad_repeat);
    }
    EXPECT_EQ(to_string(frame_error::truncated), "truncated frame");
    EXPECT_NE(to_string(frame_error::bad_values), to_string(frame_error::bad_kind));
}

// An accepted frame must be exactly what encoding its decoded tuples produces: every header
// field, anchor and value consistent with the schema table.
void expect_consistent_if_accepted(const fixture& f, const std::vector<std::byte>& b,
                                   decoded_batch& out, int& accepted) {
    if (decode_frame(b, f.table, out) != frame_error::none) {
        EXPECT_EQ(out.size(), 0u);
        return;
    }
    ++accepted;
    frame_encoder e;
    for (const tuple& t : out.tuples()) {
        ASSERT_LT(tuple_access::dest_task(t), 4);
        ASSERT_LT(t.get_source_task(), 4);
        if (tuple_access::kind(t) == message_kind::data) {
            ASSERT_NE(tuple_access::schema(t), nullptr);
            ASSERT_EQ(t.size(), tuple_access::schema(t)->fields.size());
            (void)t.get_values().to_string();  // every value readable
        }
        e.add(t);
    }
    const auto again = e.finish();
    ASSERT_EQ(again.size(), b.size());
    for (std::size_t i = 0; i < b.size(); ++i) {
        ASSERT_EQ(again[i], b[i]) << "first difference at byte " << i;
    }
}

TEST(frame_test, random_garbage_never_crashes_or_yields_an_inconsistent_batch) {
    fixture f;
    std::mt19937_64 rng(20240501);
    decoded_batch out;
    int accepted = 0;
    // Pure garbage, half of it with a plausible header so that the message decoder is reached.
    for (int i = 0; i < 5000; ++i) {
        std::vector<std::byte> b(rng() % 300);
        for (auto& x : b) {
            x = static_cast<std::byte>(rng() % 8 == 0 ? 0 : rng());
        }
        if (i % 2 == 0 && b.size() >= frame_header_bytes) {
            put_u32(b, 0, static_cast<std::uint32_t>(b.size() - 4));
            b[4] = std::byte{frame_version};
            b[5] = std::byte{0};
            put_u32(b, 6, static_cast<std::uint32_t>(rng() % 4));
        }
        expect_consistent_if_accepted(f, b, out, accepted);
    }
    // Valid frames with a few corrupted bytes.
    const auto good = encode(sample_batch(f));
    for (int i = 0; i < 5000; ++i) {
        auto b = good;
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < flips; ++k) {
            b[rng() % b.size()] = static_cast<std::byte>(rng());
        }
        expect_consistent_if_accepted(f, b, out, accepted);
    }
    EXPECT_GT(accepted, 0);  // some corruptions land in payload bytes and stay valid
}

}  // namespace
}  // namespace tempest::worker::transport
