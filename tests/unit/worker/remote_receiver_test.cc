// SPDX-License-Identifier: Apache-2.0
// remote_receiver: received tuples into executors' rings, overflows, and the credits owed for
// them (no sockets: frames are handed over as the server's I/O thread would).
#include "remote_receiver.h"

#include "tempest/worker/remote_options.h"
#include "tuple_access.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace tempest::worker {
namespace {

using detail::message_kind;
using detail::tuple_access;
using ring_t = remote_receiver::ring_t;

// Tasks 1..4 may be addressed; task 0 emits stream 0 with one int field.
struct fixture {
    fixture() {
        schema.component = "spout";
        schema.stream = "default";
        schema.fields = fields{"n"};
    }
    // A frame of tuples (task, n) as the decoder leaves them.
    std::vector<tuple> frame(const std::vector<std::pair<int, std::int64_t>>& msgs) const {
        std::vector<tuple> out(msgs.size());
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            tuple_access::set_header(out[i], &schema, 0, msgs[i].first, message_kind::data);
            tuple_access::vals(out[i]) = values{msgs[i].second};
        }
        return out;
    }
    // Credits granted so far, by (connection, task).
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> granted;
    std::size_t grant_frames = 0;
    credit_ledger::grant_fn grant_fn() {
        return [this](std::uint32_t connection, std::span<const transport::credit_grant> gs) {
            ++grant_frames;
            for (const auto& g : gs) {
                granted[{connection, g.task}] += g.count;
            }
        };
    }
    std::uint64_t credit(std::uint32_t connection, std::uint32_t task) {
        return granted[{connection, task}];
    }
    detail::stream_schema schema;
};

// Takes everything published in `r`, in order: (dest task, n).
std::vector<std::pair<int, std::int64_t>> take_all(ring_t& r) {
    std::vector<std::pair<int, std::int64_t>> got;
    r.consume(1u << 20, [&](tuple& t) {
        got.emplace_back(tuple_access::dest_task(t), t.get_int(0));
        return true;
    });
    return got;
}

constexpr std::uint32_t task_limit = 5;

TEST(remote_receiver_test, delivers_into_the_ring_and_owes_credit_for_what_it_delivered) {
    fixture f;
    remote_receiver rx(task_limit, 64, f.grant_fn());
    ring_t ring(8);
    rx.add_inbound(&ring, {1, 2});
    auto batch = f.frame({{1, 10}, {2, 11}, {1, 12}});
    rx.on_batch(7, batch);
    EXPECT_EQ(take_all(ring),
              (std::vector<std::pair<int, std::int64_t>>{{1, 10}, {2, 11}, {1, 12}}));
    EXPECT_EQ(rx.received(), 3u);
    EXPECT_EQ(rx.held(), 0u);
    // Below a quarter of the window: owed, not yet granted.
    EXPECT_EQ(f.grant_frames, 0u);
    EXPECT_TRUE(rx.owes());
    rx.grant_all();
    EXPECT_EQ(f.credit(7, 1), 2u);
    EXPECT_EQ(f.credit(7, 2), 1u);
    EXPECT_EQ(rx.credits_granted(), 3u);
    EXPECT_FALSE(rx.owes());
}

TEST(remote_receiver_test, grants_as_soon_as_a_task_is_owed_a_quarter_of_the_window) {
    fixture f;
    remote_receiver rx(task_limit, 16, f.grant_fn());  // a quarter: 4
    ring_t ring(64);
    rx.add_inbound(&ring, {1});
    auto first = f.frame({{1, 0}, {1, 1}, {1, 2}});
    rx.on_batch(3, first);
    EXPECT_EQ(f.grant_frames, 0u);
    auto second = f.frame({{1, 3}});
    rx.on_batch(3, second);
    EXPECT_EQ(f.grant_frames, 1u);
    EXPECT_EQ(f.credit(3, 1), 4u);
    EXPECT_FALSE(rx.owes());
}

TEST(remote_receiver_test, the_default_window_grants_at_most_once_per_two_full_frames_of_words) {
    // A frame of remote_options' batch size holds this many words of word count (a repeat of a
    // one-string message with a five-letter word takes 15 bytes: frame.h). Were a quarter of
    // the window smaller, every frame would draw a grant frame back.
    const remote_options defaults;
    const std::size_t per_frame = defaults.batch_bytes / 15;
    fixture f;
    remote_receiver rx(task_limit, defaults.credit_window, f.grant_fn());
    ring_t ring(8192);
    rx.add_inbound(&ring, {1});
    constexpr std::size_t frames = 16;
    for (std::size_t i = 0; i < frames; ++i) {
        std::vector<std::pair<int, std::int64_t>> msgs(per_frame, {1, 0});
        auto batch = f.frame(msgs);
        rx.on_batch(3, batch);
        ring.consume(per_frame, [](tuple&) { return true; });
    }
    EXPECT_EQ(rx.received(), frames * per_frame);
    EXPECT_LE(f.grant_frames, frames / 2);
    EXPECT_GE(f.grant_frames, 1u) << "a quarter of the window is owed after a few frames";
}

TEST(remote_receiver_test,
     a_full_ring_parks_tuples_in_the_overflow_and_grants_only_once_in_the_ring) {
    fixture f;
    remote_receiver rx(task_limit, 1024, f.grant_fn());
    ring_t ring(4);
    rx.add_inbound(&ring, {1});
    std::vector<std::pair<int, std::int64_t>> msgs;
    for (std::int64_t n = 0; n < 10; ++n) {
        msgs.emplace_back(1, n);
    }
    auto batch = f.frame(msgs);
    rx.on_batch(5, batch);
    EXPECT_EQ(rx.received(), 10u);
    EXPECT_EQ(rx.held(), 6u);
    // Only the four in the ring are owed, however often credits are granted.
    rx.grant_all();
    EXPECT_EQ(f.credit(5, 1), 4u);
    EXPECT_EQ(rx.retry(), 0u);  // the ring is still full
    rx.grant_all();
    EXPECT_EQ(f.credit(5, 1), 4u);

    std::vector<std::pair<int, std::int64_t>> got = take_all(ring);
    EXPECT_EQ(rx.retry(), 4u);
    EXPECT_EQ(rx.held(), 2u);
    rx.grant_all();
    EXPECT_EQ(f.credit(5, 1), 8u);
    // A new frame queues behind the overflow: order is kept.
    auto later = f.frame({{1, 10}});
    rx.on_batch(5, later);
    EXPECT_EQ(rx.held(), 3u);
    for (auto& g : take_all(ring)) {
        got.push_back(g);
    }
    EXPECT_EQ(rx.retry(), 3u);
    EXPECT_EQ(rx.held(), 0u);
    for (auto& g : take_all(ring)) {
        got.push_back(g);
    }
    ASSERT_EQ(got.size(), 11u);
    for (std::int64_t n = 0; n < 11; ++n) {
        EXPECT_EQ(got[static_cast<std::size_t>(n)].second, n);
    }
    rx.grant_all();
    EXPECT_EQ(f.credit(5, 1), 11u);
    EXPECT_EQ(rx.credits_granted(), 11u);
}

TEST(remote_receiver_test, one_full_executor_does_not_hold_up_another) {
    fixture f;
    remote_receiver rx(task_limit, 1024, f.grant_fn());
    ring_t full(2);
    ring_t free(16);
    rx.add_inbound(&full, {1});
    rx.add_inbound(&free, {2});
    auto batch = f.frame({{1, 0}, {1, 1}, {1, 2}, {2, 3}, {1, 4}, {2, 5}});
    rx.on_batch(9, batch);
    EXPECT_EQ(take_all(free), (std::vector<std::pair<int, std::int64_t>>{{2, 3}, {2, 5}}));
    EXPECT_EQ(rx.held(), 2u);
    rx.grant_all();
    EXPECT_EQ(f.credit(9, 1), 2u);
    EXPECT_EQ(f.credit(9, 2), 2u);
}

TEST(remote_receiver_test, tuples_for_tasks_elsewhere_and_stray_grants_are_dropped_and_credited) {
    fixture f;
    remote_receiver rx(task_limit, 1024, f.grant_fn());
    ring_t ring(16);
    rx.add_inbound(&ring, {1});
    auto batch = f.frame({{1, 0}, {3, 1}});
    tuple grant;
    tuple_access::set_header(grant, nullptr, 0, 1, message_kind::flow);
    tuple_access::set_system(grant, 0, 5);
    batch.push_back(std::move(grant));
    rx.on_batch(2, batch);
    EXPECT_EQ(take_all(ring), (std::vector<std::pair<int, std::int64_t>>{{1, 0}}));
    EXPECT_EQ(rx.received(), 1u);
    EXPECT_EQ(rx.dropped(), 2u);
    rx.grant_all();
    EXPECT_EQ(f.credit(2, 1), 2u);  // the data tuple and the stray grant
    EXPECT_EQ(f.credit(2, 3), 1u);
}

TEST(remote_receiver_test, a_closed_connection_is_owed_nothing) {
    fixture f;
    remote_receiver rx(task_limit, 1024, f.grant_fn());
    ring_t ring(2);
    rx.add_inbound(&ring, {1});
    auto batch = f.frame({{1, 0}, {1, 1}, {1, 2}, {1, 3}});
    rx.on_batch(4, batch);
    EXPECT_EQ(rx.held(), 2u);
    rx.on_close(4);
    EXPECT_FALSE(rx.owes());
    // Its tuples are still delivered, in order; no credit goes to the closed connection.
    std::vector<std::pair<int, std::int64_t>> got = take_all(ring);
    EXPECT_EQ(rx.retry(), 2u);
    for (auto& g : take_all(ring)) {
        got.push_back(g);
    }
    EXPECT_EQ(got.size(), 4u);
    EXPECT_EQ(got.back().second, 3);
    rx.grant_all();
    EXPECT_EQ(f.grant_frames, 0u);
    // A connection id that comes again is a new connection with a fresh ledger.
    auto again = f.frame({{1, 4}});
    rx.on_batch(4, again);
    rx.grant_all();
    EXPECT_EQ(f.credit(4, 1), 1u);
}

// ---- frames decoded straight into the rings (on_frame, as the worker's server calls it) ----

// The body (after the length prefix) of a frame holding `msgs`.
std::vector<std::byte> body_of(std::vector<tuple>& msgs) {
    transport::frame_encoder enc;
    for (const tuple& t : msgs) {
        enc.add(t);
    }
    const auto frame = enc.finish();
    return {frame.begin() + transport::frame_length_bytes, frame.end()};
}

struct frame_fixture : fixture {
    frame_fixture() : table(task_limit) { table.set(0, 0, &schema); }
    std::vector<std::byte> body(const std::vector<std::pair<int, std::int64_t>>& msgs) {
        auto ts = frame(msgs);
        return body_of(ts);
    }
    transport::schema_table table;
};

TEST(remote_receiver_test, a_frame_goes_straight_into_the_rings_behind_the_overflow_in_order) {
    frame_fixture f;
    remote_receiver rx(task_limit, 1024, f.grant_fn());
    ring_t full(4);
    ring_t free(64);
    rx.add_inbound(&full, {1});
    rx.add_inbound(&free, {2});
    std::vector<std::pair<int, std::int64_t>> msgs;
    for (std::int64_t n = 0; n < 10; ++n) {
        msgs.emplace_back(n % 3 == 2 ? 2 : 1, n);
    }
    EXPECT_EQ(rx.on_frame(5, f.body(msgs), f.table), transport::frame_error::none);
    EXPECT_EQ(rx.received(), 10u);
    EXPECT_EQ(rx.held(), 3u);  // seven for task 1, four fit
    EXPECT_EQ(take_all(free), (std::vector<std::pair<int, std::int64_t>>{{2, 2}, {2, 5}, {2, 8}}));
    rx.grant_all();
    EXPECT_EQ(f.credit(5, 1), 4u);  // only what is in a ring is owed
    EXPECT_EQ(f.credit(5, 2), 3u);
    std::vector<std::pair<int, std::int64_t>> got = take_all(full);
    EXPECT_EQ(rx.on_frame(5, f.body({{1, 10}, {2, 11}}), f.table), transport::frame_error::none);
    EXPECT_EQ(rx.held(), 0u);  // the overflow went first, then the new frame
    for (auto& g : take_all(full)) {
        got.push_back(g);
    }
    EXPECT_EQ(got, (std::vector<std::pair<int, std::int64_t>>{
                       {1, 0}, {1, 1}, {1, 3}, {1, 4}, {1, 6}, {1, 7}, {1, 9}, {1, 10}}));
    rx.grant_all();
    EXPECT_EQ(f.credit(5, 1), 8u);
    EXPECT_EQ(f.credit(5, 2), 4u);
}

TEST(remote_receiver_test, a_long_overflow_wraps_and_grows_and_keeps_the_order) {
    frame_fixture f;
    remote_receiver rx(task_limit, 1u << 20, f.grant_fn());
    ring_t ring(8);
    rx.add_inbound(&ring, {1});
    std::int64_t next = 0;
    std::vector<std::int64_t> got;
    // Frames of 700 while the executor takes a few each time: the overflow's circle wraps
    // around and grows past its first 1024 slots with its oldest tuple in the middle.
    for (int round = 0; round < 6; ++round) {
        std::vector<std::pair<int, std::int64_t>> msgs;
        for (int i = 0; i < 700; ++i) {
            msgs.emplace_back(1, next++);
        }
        ASSERT_EQ(rx.on_frame(1, f.body(msgs), f.table), transport::frame_error::none);
        for (int k = 0; k < 40; ++k) {
            for (auto& g : take_all(ring)) {
                got.push_back(g.second);
            }
            rx.retry();
        }
    }
    while (rx.held() > 0 || ring.size_approx() > 0) {
        for (auto& g : take_all(ring)) {
            got.push_back(g.second);
        }
        rx.retry();
    }
    ASSERT_EQ(got.size(), 4200u);
    for (std::size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i], static_cast<std::int64_t>(i));
    }
    rx.grant_all();
    EXPECT_EQ(f.credit(1, 1), 4200u);
}

TEST(remote_receiver_test, a_retry_says_how_much_of_a_full_ring_its_executor_took) {
    frame_fixture f;
    remote_receiver rx(task_limit, 1024, f.grant_fn());
    ring_t ring(8);
    rx.add_inbound(&ring, {1});
    std::vector<std::pair<int, std::int64_t>> msgs;
    for (std::int64_t n = 0; n < 40; ++n) {
        msgs.emplace_back(1, n);
    }
    ASSERT_EQ(rx.on_frame(1, f.body(msgs), f.table), transport::frame_error::none);
    EXPECT_EQ(rx.held(), 32u);
    ring.consume(2, [](tuple&) { return true; });  // the executor took a quarter
    EXPECT_EQ(rx.retry(), 2u);
    EXPECT_EQ(rx.last_refill_percent(), 25u);
    // ... then all of it (a consumer sees newly published slots on its next call).
    while (ring.consume(8, [](tuple&) { return true; }) > 0) {
    }
    EXPECT_EQ(rx.retry(), 8u);
    EXPECT_EQ(rx.last_refill_percent(), 100u);
    EXPECT_EQ(rx.retry(), 0u);  // nothing taken: the ring is still full
    EXPECT_EQ(rx.last_refill_percent(), 0u);
    while (rx.held() > 0) {
        while (ring.consume(8, [](tuple&) { return true; }) > 0) {
        }
        rx.retry();
    }
    // The last drain emptied the overflow: no ring is left full, so no share is given.
    EXPECT_EQ(rx.last_refill_percent(), 0u);
}

TEST(remote_receiver_test, a_bad_message_ends_its_frame_after_the_messages_before_it) {
    frame_fixture f;
    remote_receiver rx(task_limit, 1024, f.grant_fn());
    ring_t ring(16);
    rx.add_inbound(&ring, {1});
    auto ts = f.frame({{1, 0}, {1, 1}, {1, 2}});
    // The third message names a stream task 0 does not have.
    detail::stream_schema other = f.schema;
    other.stream_index = 3;
    tuple_access::set_header(ts[2], &other, 0, 1, message_kind::data);
    auto body = body_of(ts);
    EXPECT_EQ(rx.on_frame(6, body, f.table), transport::frame_error::unknown_stream);
    EXPECT_EQ(take_all(ring), (std::vector<std::pair<int, std::int64_t>>{{1, 0}, {1, 1}}));
    EXPECT_EQ(rx.received(), 2u);
    rx.grant_all();
    EXPECT_EQ(f.credit(6, 1), 2u);
    // A body cut short is refused at the message it cuts.
    auto whole = f.body({{1, 3}, {1, 4}});
    body.assign(whole.begin(), whole.end() - 3);
    EXPECT_EQ(rx.on_frame(6, body, f.table), transport::frame_error::truncated);
    EXPECT_EQ(take_all(ring), (std::vector<std::pair<int, std::int64_t>>{{1, 3}}));
}

TEST(remote_receiver_test, a_bad_value_inside_a_run_ends_its_frame_after_the_messages_before_it) {
    frame_fixture f;
    remote_receiver rx(task_limit, 1024, f.grant_fn());
    ring_t ring(16);
    rx.add_inbound(&ring, {1});
    // Messages two to four repeat the first one's head: read in the receiver's loop for runs.
    auto body = f.body({{1, 0}, {1, 1}, {1, 2}, {1, 3}});
    // The last message is a repeat (tag, length, then an int64 value: its tag and 8 bytes); the
    // third one's value tag is 14 bytes before that one's.
    ASSERT_EQ(body[body.size() - 14], std::byte{transport::repeat_tag});
    body[body.size() - 14 - 9] = std::byte{99};  // no such value_type
    EXPECT_EQ(rx.on_frame(4, body, f.table), transport::frame_error::bad_values);
    EXPECT_EQ(take_all(ring), (std::vector<std::pair<int, std::int64_t>>{{1, 0}, {1, 1}}));
    EXPECT_EQ(rx.received(), 2u);
    rx.grant_all();
    EXPECT_EQ(f.credit(4, 1), 2u);
    // The same frame intact is delivered whole, also into a ring that the run fills midway.
    ring_t small(2);
    remote_receiver rx2(task_limit, 1024, f.grant_fn());
    rx2.add_inbound(&small, {1});
    EXPECT_EQ(rx2.on_frame(5, f.body({{1, 0}, {1, 1}, {1, 2}, {1, 3}}), f.table),
              transport::frame_error::none);
    EXPECT_EQ(rx2.held(), 2u);
    std::vector<std::pair<int, std::int64_t>> got = take_all(small);
    EXPECT_EQ(rx2.retry(), 2u);
    for (auto& g : take_all(small)) {
        got.push_back(g);
    }
    EXPECT_EQ(got, (std::vector<std::pair<int, std::int64_t>>{{1, 0}, {1, 1}, {1, 2}, {1, 3}}));
}

TEST(remote_receiver_test, a_frame_for_tasks_elsewhere_and_stray_grants_is_dropped_and_credited) {
    frame_fixture f;
    remote_receiver rx(task_limit, 1024, f.grant_fn());
    ring_t ring(16);
    rx.add_inbound(&ring, {1});
    auto ts = f.frame({{1, 0}, {3, 1}});
    tuple grant;
    tuple_access::set_header(grant, nullptr, 0, 1, message_kind::flow);
    tuple_access::set_system(grant, 0, 5);
    ts.push_back(std::move(grant));
    EXPECT_EQ(rx.on_frame(2, body_of(ts), f.table), transport::frame_error::none);
    EXPECT_EQ(take_all(ring), (std::vector<std::pair<int, std::int64_t>>{{1, 0}}));
    EXPECT_EQ(rx.received(), 1u);
    EXPECT_EQ(rx.dropped(), 2u);
    rx.grant_all();
    EXPECT_EQ(f.credit(2, 1), 2u);
    EXPECT_EQ(f.credit(2, 3), 1u);
}

}  // namespace
}  // namespace tempest::worker
