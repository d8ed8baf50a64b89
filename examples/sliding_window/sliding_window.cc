// SPDX-License-Identifier: Apache-2.0
// sliding_window: windowed bolts as Storm's SlidingWindowTopology shows them, as a Tempest
// package.
//
//   numbers ──shuffle──▶ sliding_sum ──shuffle──▶ tumbling_avg ──global──▶ printer
//   (i, ts)             (count window of 30        (event-time window of 3 s
//                        sliding by 10: its sum)    tumbling on ts: average of
//                                                   the sums, late ones printed)
//
// Reliable: the spout emits with message ids; each windowed bolt's input is acked when it leaves
// the window, and what a window emits is anchored to its tuples, so the spout's ack() runs once
// a number's sums and averages are all processed. Every component runs on its executor's thread.
#include "../common/example_args.h"
#include "tempest/topology.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {

using namespace std::chrono_literals;

// Emits (i, ts) with i = 0, 1, 2, ... and ts its emit time (epoch ms), a few hundred per second;
// counts the acks it gets.
class number_spout final : public tempest::spout {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override {
        d.declare({"value", "ts"});
    }
    void open(const tempest::config&, const tempest::topology_context&,
              tempest::spout_output_collector& collector) override {
        _out = &collector;
    }
    void next_tuple() override {
        const auto now = std::chrono::system_clock::now();
        if (now < _next) {
            return;
        }
        _next = now + 2ms;
        const auto ts =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
        _out->emit(tempest::values{_i, static_cast<std::int64_t>(ts)},
                   tempest::message_id{static_cast<std::uint64_t>(_i)});
        ++_i;
    }
    void ack(tempest::message_id) override { ++_acked; }
    void close() override {
        std::printf("sliding_window: %lld numbers emitted, %lld fully processed\n",
                    static_cast<long long>(_i), static_cast<long long>(_acked));
        std::fflush(stdout);
    }

  private:
    tempest::spout_output_collector* _out = nullptr;
    std::chrono::system_clock::time_point _next{};
    std::int64_t _i = 0;
    std::int64_t _acked = 0;
};

// The sum of the last 30 numbers, every 10, kept from each window's new and expired tuples.
// Emits (sum, ts of the newest) unanchored: the runtime anchors it to the window.
class sliding_sum final : public tempest::windowed_bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override {
        d.declare({"sum", "ts"});
    }
    void prepare(const tempest::config&, const tempest::topology_context&,
                 tempest::output_collector& collector) override {
        _out = &collector;
    }
    void execute(const tempest::tuple_window& w) override {
        std::int64_t newest = 0;
        for (const tempest::tuple* t : w.get_new()) {
            _sum += t->get_int(0);
            newest = t->get_int(1);
        }
        for (const tempest::tuple* t : w.get_expired()) {
            _sum -= t->get_int(0);
        }
        _out->emit(tempest::values{_sum, newest});
    }

  private:
    tempest::output_collector* _out = nullptr;
    std::int64_t _sum = 0;
};

// The average of the sums whose ts falls in each 3-second window (event time).
class tumbling_avg final : public tempest::windowed_bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override {
        d.declare({"avg", "count", "end"});
    }
    void prepare(const tempest::config&, const tempest::topology_context&,
                 tempest::output_collector& collector) override {
        _out = &collector;
    }
    void execute(const tempest::tuple_window& w) override {
        double total = 0;
        for (const tempest::tuple* t : w.get()) {
            total += static_cast<double>(t->get_int(0));
        }
        const auto n = static_cast<std::int64_t>(w.get().size());
        _out->emit(tempest::values{total / static_cast<double>(n), n, w.get_end_timestamp()});
    }

  private:
    tempest::output_collector* _out = nullptr;
};

// Prints the averages and the late tuples.
class printer final : public tempest::basic_bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer&) override {}
    void execute(const tempest::tuple& input, tempest::basic_output_collector&) override {
        if (input.get_source_stream_id() == "late") {
            std::printf("sliding_window: late sum %s\n", input.get_value(0).to_string().c_str());
        } else {
            std::printf("sliding_window: window ending %lld: average of %lld sums = %.1f\n",
                        static_cast<long long>(input.get_int(2)),
                        static_cast<long long>(input.get_int(1)), input.get_double(0));
        }
        std::fflush(stdout);
    }
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" __attribute__((visibility("default"))) void tempest_register(
    tempest::component_registry& registry) {
    registry.add_spout<number_spout>("sliding_window.number_spout");
    registry.add_bolt<sliding_sum>("sliding_window.sliding_sum");
    registry.add_bolt<tumbling_avg>("sliding_window.tumbling_avg");
    registry.add_bolt<printer>("sliding_window.printer");
}

extern "C" __attribute__((visibility("default"))) int tempest_main(int argc, char** argv,
                                                                   tempest::submitter& submitter) {
    std::string name = "sliding-window";
    int workers = 1;
    double duration = 0;
    tempest::examples::arg_parser args("sliding_window");
    args.add_string("name", &name, "topology name (default sliding-window)");
    args.add_int("workers", &workers, 1, 1024, "worker processes (default 1)");
    args.add_double("duration", &duration, 0, 1e9,
                    "local mode: stop after this many seconds (default: until Ctrl-C)");
    switch (args.parse(argc, argv)) {
        case tempest::examples::parse_outcome::help:
            return 0;
        case tempest::examples::parse_outcome::error:
            return 2;
        case tempest::examples::parse_outcome::run:
            break;
    }

    tempest_register(tempest::component_registry::instance());
    tempest::topology_builder b;
    b.set_spout("numbers", "sliding_window.number_spout", {}, 1);
    b.set_bolt("sliding_sum", "sliding_window.sliding_sum", {}, 1)
        .shuffle_grouping("numbers")
        .with_window(tempest::window_count(30), tempest::window_count(10));
    b.set_bolt("tumbling_avg", "sliding_window.tumbling_avg", {}, 1)
        .shuffle_grouping("sliding_sum")
        .with_tumbling_window(3s)
        .with_timestamp_field("ts")
        .with_lag(500ms)
        .with_watermark_interval(200ms)
        .with_late_tuple_stream("late");
    b.set_bolt("printer", "sliding_window.printer", {}, 1)
        .global_grouping("tumbling_avg")
        .global_grouping("tumbling_avg", "late");

    tempest::config conf;
    if (duration > 0) {
        conf.set("topology.local.duration.secs", duration);
    }
    conf.set_num_workers(workers);
    conf.set_num_ackers(1);
    try {
        submitter.submit_topology(name, conf, b.create_topology());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sliding_window: cannot submit topology '%s': %s\n", name.c_str(),
                     e.what());
        return 1;
    }
    std::printf("sliding_window: submitted topology '%s'\n", name.c_str());
    std::fflush(stdout);
    return 0;
}
