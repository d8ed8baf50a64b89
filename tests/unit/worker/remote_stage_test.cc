// SPDX-License-Identifier: Apache-2.0
// remote_stage and the frame's runs: tuples staged as bytes and moved into frames run by run
// (in pieces, as credits and frame sizes cut them) make exactly the frames that encoding each
// tuple makes, and decode to the tuples staged.
#include "remote_stage.h"

#include "executor/output_links.h"
#include "tuple_access.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tempest::worker {
namespace {

using detail::message_kind;
using detail::tuple_access;
using transport::decoded_batch;
using transport::frame_encoder;
using transport::frame_error;

// Tasks 0..3; task 0 emits stream 0 (one field) and stream 1 (two fields).
struct fixture {
    fixture() : table(4) {
        one.component = "spout";
        one.stream = "default";
        one.fields = fields{"w"};
        two.component = "spout";
        two.stream = "pairs";
        two.fields = fields{"a", "b"};
        two.stream_index = 1;
        table.set(0, 0, &one);
        table.set(0, 1, &two);
    }
    detail::stream_schema one;
    detail::stream_schema two;
    transport::schema_table table;
};

// A random message: mostly words for one or two tasks (long runs), sometimes anchored, with
// several anchors, of the other stream, or a system message.
tuple random_message(const fixture& f, std::mt19937_64& rng) {
    tuple t;
    const int dest = rng() % 4 == 0 ? 2 : 1;
    const unsigned pick = rng() % 20;
    if (pick == 0) {
        tuple_access::set_header(t, nullptr, 0, 3, message_kind::ack);
        tuple_access::set_system(t, rng() | 1, rng());
        return t;
    }
    if (pick == 1) {
        tuple_access::set_header(t, &f.two, 0, dest, message_kind::data);
        tuple_access::vals(t) = values{std::int64_t(rng() % 100), std::string(rng() % 40, 'p')};
        return t;
    }
    tuple_access::set_header(t, &f.one, 0, dest, message_kind::data);
    tuple_access::vals(t) = values{std::string(1 + rng() % 12, 'w')};
    if (pick == 2) {
        const detail::anchor three[] = {{rng(), rng()}, {rng(), rng()}, {rng(), rng()}};
        tuple_access::set_anchors(t, three, 3);
    } else if (pick < 6) {
        tuple_access::set_anchor(t, rng() | 1, rng());
    }
    return t;
}

std::vector<std::byte> bytes_of(std::span<const std::byte> s) {
    return {s.begin(), s.end()};
}

TEST(remote_stage_test, runs_moved_in_pieces_make_the_frames_each_tuple_makes) {
    fixture f;
    std::mt19937_64 rng(20261205);
    remote_stage stage(1u << 20);
    for (int round = 0; round < 200; ++round) {
        // Stage a batch (add() for any message, add_data() for one anchor or none, as the emit
        // path does), encoding each tuple directly beside it.
        frame_encoder direct;
        std::vector<tuple> batch;
        const int n = 1 + static_cast<int>(rng() % 300);
        for (int i = 0; i < n; ++i) {
            batch.push_back(random_message(f, rng));
            const tuple& t = batch.back();
            direct.add(t);
            const bool plain =
                tuple_access::kind(t) == message_kind::data && tuple_access::anchor_count(t) <= 1;
            if (plain && rng() % 2 == 0) {
                const auto a = tuple_access::anchor_count(t) == 1 ? tuple_access::anchor_at(t, 0)
                                                                  : detail::anchor{0, 0};
                stage.add_data(t.get_source_task(), tuple_access::dest_task(t),
                               tuple_access::schema(t), t.get_values(), a.root, a.edge);
            } else {
                stage.add(t);
            }
        }
        ASSERT_EQ(stage.size(), batch.size());
        // Move it out in random pieces (a credit or a frame size cutting a run).
        frame_encoder runs;
        while (!stage.empty()) {
            const remote_stage::run& r = stage.front();
            const auto max_count = static_cast<std::uint32_t>(1 + rng() % (r.count + 2));
            const transport::run_prefix p =
                transport::fit_run(r.head, stage.front_bytes(), r.count, max_count,
                                   rng() % 3 == 0 ? rng() % 200 : r.bytes, true);
            ASSERT_GE(p.count, 1u);
            ASSERT_LE(p.count, r.count);
            runs.add_run(r.head, stage.front_bytes().first(p.bytes), p.count);
            stage.pop_front(p.count, p.bytes);
        }
        const auto want = bytes_of(direct.finish());
        const auto got = bytes_of(runs.finish());
        ASSERT_EQ(got, want) << "round " << round;
        decoded_batch out;
        ASSERT_EQ(transport::decode_frame(got, f.table, out), frame_error::none);
        ASSERT_EQ(out.size(), batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const tuple& a = batch[i];
            const tuple& b = out.tuples()[i];
            ASSERT_EQ(tuple_access::dest_task(a), tuple_access::dest_task(b));
            ASSERT_EQ(tuple_access::kind(a), tuple_access::kind(b));
            if (tuple_access::kind(a) == message_kind::data) {
                ASSERT_TRUE(a.get_values() == b.get_values());
                ASSERT_EQ(tuple_access::anchor_count(a), tuple_access::anchor_count(b));
            } else {
                ASSERT_EQ(tuple_access::sys_root(a), tuple_access::sys_root(b));
                ASSERT_EQ(tuple_access::sys_val(a), tuple_access::sys_val(b));
            }
        }
    }
}

TEST(remote_stage_test, a_frame_that_ends_inside_a_run_starts_the_next_one_whole) {
    fixture f;
    remote_stage stage(64);
    std::vector<tuple> words;
    for (int i = 0; i < 5; ++i) {
        tuple t;
        tuple_access::set_header(t, &f.one, 0, 1, message_kind::data);
        tuple_access::vals(t) = values{std::string(3 + i, 'x')};
        stage.add(t);
        words.push_back(std::move(t));
    }
    ASSERT_EQ(stage.front().count, 5u);  // one run
    // Two messages into one frame, three into the next: the second frame's first message is
    // whole, as encoding those three tuples alone makes it.
    const transport::run_prefix two =
        transport::fit_run(stage.front().head, stage.front_bytes(), 5, 2, 1u << 20, true);
    ASSERT_EQ(two.count, 2u);
    frame_encoder first;
    first.add_run(stage.front().head, stage.front_bytes().first(two.bytes), 2);
    stage.pop_front(two.count, two.bytes);
    frame_encoder second;
    second.add_run(stage.front().head, stage.front_bytes(), stage.front().count);
    stage.pop_front(3, stage.front_bytes().size());
    EXPECT_TRUE(stage.empty());
    frame_encoder want_first;
    frame_encoder want_second;
    for (int i = 0; i < 5; ++i) {
        (i < 2 ? want_first : want_second).add(words[static_cast<std::size_t>(i)]);
    }
    EXPECT_EQ(bytes_of(first.finish()), bytes_of(want_first.finish()));
    EXPECT_EQ(bytes_of(second.finish()), bytes_of(want_second.finish()));
}

TEST(remote_stage_test, fit_run_stops_at_the_count_and_the_bytes_given) {
    fixture f;
    remote_stage stage(64);
    for (int i = 0; i < 4; ++i) {
        tuple t;
        tuple_access::set_header(t, &f.one, 0, 1, message_kind::data);
        tuple_access::vals(t) = values{std::string(10, 'y')};  // 1 + 4 + (1 + 4 + 10) bytes
        stage.add(t);
    }
    const auto& h = stage.front().head;
    const auto all = stage.front_bytes();
    ASSERT_EQ(all.size(), 4u * 20u);
    EXPECT_EQ(transport::fit_run(h, all, 4, 4, 80, false).count, 4u);  // the whole run: no walk
    EXPECT_EQ(transport::fit_run(h, all, 4, 3, 80, false).count, 3u);
    EXPECT_EQ(transport::fit_run(h, all, 4, 4, 59, false).count, 2u);
    EXPECT_EQ(transport::fit_run(h, all, 4, 4, 59, false).bytes, 40u);
    EXPECT_EQ(transport::fit_run(h, all, 4, 4, 5, false).count, 0u);
    EXPECT_EQ(transport::fit_run(h, all, 4, 4, 5, true).count, 1u);  // at least one
}

TEST(remote_stage_test, is_full_past_its_limit_and_compacts_what_is_left) {
    fixture f;
    remote_stage stage(3);
    const auto word = [&](int dest, const std::string& w) {
        tuple t;
        tuple_access::set_header(t, &f.one, 0, dest, message_kind::data);
        tuple_access::vals(t) = values{w};
        stage.add(t);
    };
    word(1, "a");
    word(1, "b");
    EXPECT_FALSE(stage.full());
    word(2, "c");
    EXPECT_TRUE(stage.full());
    // Take the first run, then add much more: the buffer moves what is left to its front.
    stage.pop_front(2, stage.front_bytes().size());
    EXPECT_FALSE(stage.full());
    EXPECT_EQ(stage.front().head.dest, 2u);
    for (int i = 0; i < 2000; ++i) {
        word(2, std::string(1 + i % 50, 'z'));
    }
    EXPECT_EQ(stage.size(), 2001u);
    ASSERT_EQ(stage.front().count, 2001u);  // "c" and the 2000 after it: one run
    frame_encoder e;
    e.add_run(stage.front().head, stage.front_bytes(), stage.front().count);
    decoded_batch out;
    ASSERT_EQ(transport::decode_frame(bytes_of(e.finish()), f.table, out), frame_error::none);
    ASSERT_EQ(out.size(), 2001u);
    EXPECT_EQ(out.tuples()[0].get_string(0), "c");
    EXPECT_EQ(out.tuples()[2000].get_string(0), std::string(1 + 1999 % 50, 'z'));
}

TEST(remote_stage_test, a_full_stage_is_backpressure_until_taken_from) {
    fixture f;
    remote_stage stage(2);
    output_links links(4, 8);
    const int tasks[] = {1, 2};
    links.add_remote(&stage, tasks);
    out_link* l = links.link_for(1);
    ASSERT_NE(l, nullptr);
    ASSERT_TRUE(l->remote);
    EXPECT_EQ(links.try_claim(*l), nullptr);  // no ring: the emit path stages instead
    const values v{std::string("w")};
    links.stage_data(*l, 0, 1, &f.one, v, 0, 0);
    EXPECT_FALSE(links.overflowed());
    // Any other message goes through the scratch tuple (executor_core::send).
    tuple& t = links.scratch();
    tuple_access::set_header(t, &f.one, 0, 2, message_kind::data);
    tuple_access::vals(t) = v;
    tuple_access::clear_anchors(t);
    links.stage_scratch(*links.link_for(2));
    EXPECT_TRUE(links.overflowed());
    EXPECT_FALSE(links.can_drain());
    links.stage_taken();
    EXPECT_TRUE(links.overflowed());  // still full
    stage.pop_front(1, stage.front_bytes().size());
    EXPECT_FALSE(links.can_drain());  // no ring: room for the stage is remote_io's to tell
    links.stage_taken();
    EXPECT_FALSE(links.overflowed());
    EXPECT_EQ(stage.front().head.dest, 2u);
}

TEST(remote_stage_test, a_full_local_ring_beside_a_stage_with_room_is_no_reason_to_run) {
    // An executor backpressured by a local consumer parks until that one frees room: the stage
    // beside it (not full) must not make the parking re-check say there is work.
    fixture f;
    remote_stage stage(100);
    spsc_ring<tuple> ring(2);
    output_links links(4, 1);
    const int remote_tasks[] = {2};
    const int local_tasks[] = {1};
    links.add_remote(&stage, remote_tasks);
    links.add(&ring, local_tasks);
    const values v{std::string("w")};
    links.stage_data(*links.link_for(2), 0, 2, &f.one, v, 0, 0);
    for (int i = 0; i < 3; ++i) {  // two fill the ring, the third overflows
        links.send(*links.link_for(1), [&](tuple& t) {
            tuple_access::set_header(t, &f.one, 0, 1, message_kind::data);
            tuple_access::vals(t) = v;
            tuple_access::clear_anchors(t);
        });
    }
    ASSERT_TRUE(links.overflowed());
    links.stage_taken();
    EXPECT_TRUE(links.overflowed());  // the local overflow still holds it
    EXPECT_FALSE(links.can_drain());  // and nothing can move until the consumer takes some
    ring.consume(1, [](tuple&) { return true; });
    EXPECT_TRUE(links.can_drain());
    EXPECT_TRUE(links.drain_overflow());
    EXPECT_FALSE(links.overflowed());
}

}  // namespace
}  // namespace tempest::worker
