// SPDX-License-Identifier: Apache-2.0
// `tempest monitor` without Nimbus: argument checks, what one poll counts, and the loop's lines
// with polls, waits and the clock faked (no sleeps).
#include "monitor.h"

#include "cli_error.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

namespace tempest::cli {
namespace {

using namespace std::chrono_literals;

// A topology "wc": two "words" executors and one "count", every component listed in errors (as
// Nimbus lists them).
common::topology_info topology(std::int64_t words_a, std::int64_t words_b, bool late = false) {
    common::topology_info info;
    info.name = "wc";
    info.errors = {{"__acker", {}}, {"count", {}}, {"words", {}}};
    common::executor_summary a{.component = "words", .task_start = 1, .task_end = 1};
    a.all_time = common::stream_counts{.emitted = {{"default", words_a}, {"__ack_init", 5}},
                                       .transferred = {{"default", 2 * words_a}},
                                       .acked = {{"default", words_a / 2}}};
    common::executor_summary b{.component = "words", .task_start = 2, .task_end = 2};
    b.all_time = common::stream_counts{.emitted = {{"default", words_b}},
                                       .transferred = {{"default", 2 * words_b}},
                                       .acked = {{"default", words_b / 2}}};
    b.late = late;
    common::executor_summary count{.component = "count", .task_start = 3, .task_end = 4};
    info.executors = {a, b, count};
    return info;
}

template <typename Fn>
std::string error_of(Fn&& fn) {
    try {
        fn();
    } catch (const cli_error& e) {
        return e.what();
    }
    return "";
}

TEST(monitor_test, arguments_are_checked_with_clear_errors) {
    EXPECT_EQ(parse_monitor_metric("acked"), monitor_metric::acked);
    EXPECT_EQ(parse_monitor_metric("transferred"), monitor_metric::transferred);
    EXPECT_EQ(error_of([] { parse_monitor_metric("executed"); }),
              "bad -m 'executed': expected emitted, transferred or acked");
    EXPECT_EQ(parse_monitor_interval("4"), 4000ms);
    EXPECT_EQ(parse_monitor_interval("0.25"), 250ms);
    for (const auto* bad : {"0", "-1", "soon", "", "nan", "1e9"}) {
        EXPECT_NE(error_of([&] { parse_monitor_interval(bad); }).find("bad -i"), std::string::npos)
            << bad;
    }
    try {
        parse_monitor_interval("0");
    } catch (const cli_error& e) {
        EXPECT_EQ(e.exit_code(), exit_usage);
    }
}

TEST(monitor_test, a_sample_sums_the_stream_over_the_components_executors) {
    auto s = sample_component(topology(10, 30), "words", "default", monitor_metric::emitted);
    EXPECT_EQ(s.total, 40);
    EXPECT_EQ(s.parallelism, 2);
    EXPECT_EQ(s.reporting, 2);
    EXPECT_EQ(s.late, 0);
    EXPECT_EQ(
        sample_component(topology(10, 30), "words", "default", monitor_metric::transferred).total,
        80);
    EXPECT_EQ(sample_component(topology(10, 30), "words", "default", monitor_metric::acked).total,
              20);
    EXPECT_EQ(
        sample_component(topology(10, 30), "words", "__ack_init", monitor_metric::emitted).total,
        5);
    // A component whose executors have not reported counts 0, whatever the stream.
    auto count = sample_component(topology(10, 30), "count", "nope", monitor_metric::emitted);
    EXPECT_EQ(count.total, 0);
    EXPECT_EQ(count.reporting, 0);
    EXPECT_EQ(count.parallelism, 1);
}

TEST(monitor_test, unknown_components_and_streams_are_named_with_the_known_ones) {
    EXPECT_EQ(error_of([] {
                  sample_component(topology(1, 1), "split", "default", monitor_metric::emitted);
              }),
              "topology 'wc' has no component 'split' (components: count, words)");
    EXPECT_EQ(error_of([] {
                  sample_component(topology(1, 1), "words", "side", monitor_metric::transferred);
              }),
              "component 'words' has no transferred figures on stream 'side' (streams with "
              "transferred figures: default)");
    EXPECT_EQ(watchable_components(topology(1, 1)), (std::vector<std::string>{"count", "words"}));
}

// A fake of the loop's surroundings: polls answer from a queue, waits move the clock to the
// time asked for and stop after `waits` of them.
struct fake_run {
    std::deque<common::topology_info> polls;
    std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
    int waits = 0;
    std::vector<std::chrono::steady_clock::time_point> asked;

    std::string run(const monitor_request& r) {
        std::FILE* out = std::tmpfile();
        EXPECT_NE(out, nullptr);
        auto cleanup = [&] { std::fclose(out); };
        try {
            monitor_loop(
                r,
                [&] {
                    auto i = polls.front();
                    if (polls.size() > 1) {
                        polls.pop_front();
                    }
                    return i;
                },
                [&](std::chrono::steady_clock::time_point until) {
                    asked.push_back(until);
                    if (waits-- <= 0) {
                        return false;  // SIGINT
                    }
                    now = until;
                    return true;
                },
                [&] { return now; }, out);
        } catch (...) {
            cleanup();
            throw;
        }
        std::string text;
        std::rewind(out);
        for (int c = std::fgetc(out); c != EOF; c = std::fgetc(out)) {
            text += static_cast<char>(c);
        }
        cleanup();
        return text;
    }
};

TEST(monitor_test, prints_storms_columns_each_interval_until_stopped) {
    fake_run f;
    f.polls = {topology(0, 0), topology(1000, 3000), topology(3000, 5000, true)};
    f.waits = 2;
    monitor_request r;
    r.topology = "wc";
    r.component = "words";
    auto text = f.run(r);
    EXPECT_EQ(text,
              "topology\tcomponent\tparallelism\tstream\ttime-diff ms\temitted\tthroughput "
              "(Kt/s)\n"
              "wc\twords\t2\tdefault\t4000\t4000\t1.000\n"
              "wc\twords\t2\tdefault\t4000\t4000\t1.000\t(1 of 2 executors late: their counts "
              "are frozen)\n");
    // Ticks on a fixed schedule from the first poll: every 4 s.
    ASSERT_EQ(f.asked.size(), 3U);
    EXPECT_EQ(f.asked[1] - f.asked[0], 4s);
    EXPECT_EQ(f.asked[2] - f.asked[1], 4s);
}

TEST(monitor_test, without_a_component_it_asks_for_one_listing_them) {
    fake_run f;
    f.polls = {topology(0, 0)};
    monitor_request r;
    r.topology = "wc";
    try {
        f.run(r);
        FAIL() << "expected a usage error";
    } catch (const cli_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "which component of 'wc'? give -c COMPONENT, one of: count, words");
        EXPECT_EQ(e.exit_code(), exit_usage);
    }
    EXPECT_TRUE(f.asked.empty());  // nothing polled twice, nothing printed
}

TEST(monitor_test, counts_that_go_back_are_shown_as_a_restart) {
    monitor_request r;
    r.topology = "wc";
    r.component = "words";
    monitor_sample before{.total = 100, .parallelism = 2, .reporting = 2};
    monitor_sample after{.total = 10, .parallelism = 2, .reporting = 2};
    EXPECT_EQ(monitor_line(r, before, after, 4000ms),
              "wc\twords\t2\tdefault\t4000\t-\t-\t(counts restarted)");
    monitor_sample partial{.total = 10, .parallelism = 2, .reporting = 1};
    EXPECT_EQ(monitor_line(r, monitor_sample{}, partial, 2000ms),
              "wc\twords\t2\tdefault\t2000\t10\t0.005\t(1 of 2 executors without figures yet)");
}

}  // namespace
}  // namespace tempest::cli
