// SPDX-License-Identifier: Apache-2.0
// Windowed bolts, as Storm's IWindowedBolt / BaseWindowedBolt ("Windowing Support in Core
// Storm"): a bolt whose execute() receives a window of tuples instead of one tuple. Windows
// slide or tumble by a count of tuples or by a duration, in processing time (when the bolt
// received each tuple) or in event time (a timestamp field of the tuples, with watermarks).
//
//   class top_words : public windowed_bolt {
//       void execute(const tuple_window& w) override { ... collector().emit(values{...}); }
//   };
//   b.set_bolt<top_words>("top", 2)
//       .fields_grouping("words", {"word"})
//       .with_window(window_duration(std::chrono::seconds(10)),
//                    window_duration(std::chrono::seconds(2)));
//
// The settings are Storm's config keys in the component config (windowed_bolt::keys), set
// either on the bolt declarer (above) or by the bolt itself (with_window() etc. in its
// constructor, returned by get_component_configuration()); the declarer's win. With acking,
// every input tuple is acked when it leaves the window, and what execute() emits without
// explicit anchors is anchored to every tuple of the window (at-least-once, as in Storm).
//
// The runtime runs a windowed bolt through windowed_bolt_adapter (registered for it by
// component_registry::add_bolt); its time-driven triggers and watermarks run on the bolt's
// executor thread (detail::timed_component), never on a thread of their own.
#pragma once

#include "tempest/topology_api/collectors.h"
#include "tempest/topology_api/component.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology_context.h"
#include "tempest/topology_api/tuple.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tempest {

// A window length or sliding interval counted in tuples (Storm's BaseWindowedBolt.Count).
struct window_count {
    std::int64_t value = 0;
    constexpr explicit window_count(std::int64_t n) noexcept : value(n) {}
};

// A window length, sliding interval, lag or watermark interval as a duration, kept in
// milliseconds (Storm's BaseWindowedBolt.Duration).
struct window_duration {
    std::int64_t ms = 0;
    template <typename Rep, typename Period>
    constexpr window_duration(std::chrono::duration<Rep, Period> d) noexcept
        : ms(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) {}
    static constexpr window_duration of_millis(std::int64_t ms) noexcept {
        return window_duration(std::chrono::milliseconds(ms));
    }
    static constexpr window_duration of_seconds(std::int64_t s) noexcept {
        return window_duration(std::chrono::seconds(s));
    }
};

// Either of the two: what with_window() takes for the length and the sliding interval.
struct window_span {
    bool is_count = true;
    std::int64_t value = 0;  // tuples, or milliseconds
    constexpr window_span(window_count c) noexcept : is_count(true), value(c.value) {}
    constexpr window_span(window_duration d) noexcept : is_count(false), value(d.ms) {}
    template <typename Rep, typename Period>
    constexpr window_span(std::chrono::duration<Rep, Period> d) noexcept
        : window_span(window_duration(d)) {}
};

// The tuples of one evaluation of a window, handed to windowed_bolt::execute(). Valid for the
// duration of that call; the tuple pointers may be used as anchors.
class tuple_window {
  public:
    // Every tuple in the window, oldest first (by timestamp in event time).
    std::span<const tuple* const> get() const noexcept { return _all; }
    // The tuples that were not in the previous evaluation.
    std::span<const tuple* const> get_new() const noexcept { return _new; }
    // The tuples that left the window since the previous evaluation (already acked).
    std::span<const tuple* const> get_expired() const noexcept { return _expired; }
    // The window's start, milliseconds: its end minus its length for a window whose length is
    // a duration; none for a window whose length is a count (as Storm's null).
    std::optional<std::int64_t> get_start_timestamp() const noexcept { return _start; }
    // The window's end, milliseconds: the watermark-aligned end in event time, the time of the
    // evaluation (epoch milliseconds) in processing time.
    std::int64_t get_end_timestamp() const noexcept { return _end; }

    // Filled by the runtime.
    std::vector<const tuple*>& all() noexcept { return _all; }
    std::vector<const tuple*>& fresh() noexcept { return _new; }
    std::vector<const tuple*>& expired() noexcept { return _expired; }
    void set_timestamps(std::optional<std::int64_t> start, std::int64_t end) noexcept {
        _start = start;
        _end = end;
    }

  private:
    std::vector<const tuple*> _all;
    std::vector<const tuple*> _new;
    std::vector<const tuple*> _expired;
    std::optional<std::int64_t> _start;
    std::int64_t _end = 0;
};

// The base of a windowed bolt. Its methods run on the executor's thread, one instance per
// task; lifecycle as a bolt: prepare(), many execute(window), cleanup().
class windowed_bolt : public component {
  public:
    using count = window_count;
    using duration = window_duration;

    // Storm's keys for the settings (all in the component config; see docs/CONFIG.md).
    struct keys {
        static constexpr const char* window_length_count = "topology.bolts.window.length.count";
        static constexpr const char* window_length_duration_ms =
            "topology.bolts.window.length.duration.ms";
        static constexpr const char* sliding_interval_count =
            "topology.bolts.sliding.interval.count";
        static constexpr const char* sliding_interval_duration_ms =
            "topology.bolts.sliding.interval.duration.ms";
        static constexpr const char* timestamp_field = "topology.bolts.tuple.timestamp.field.name";
        static constexpr const char* max_lag_ms = "topology.bolts.tuple.timestamp.max.lag.ms";
        static constexpr const char* watermark_interval_ms =
            "topology.bolts.watermark.event.interval.ms";
        static constexpr const char* late_tuple_stream = "topology.bolts.late.tuple.stream";
    };
    // The one field of the late tuple stream: the late tuple's values, as a list.
    static constexpr const char* late_tuple_field = "late_tuple";

    // `collector`: emits without anchors are anchored to the current window's tuples (inside
    // execute()); acking is the runtime's, so a windowed bolt never acks its input itself.
    virtual void prepare(const config& /*conf*/, const topology_context& /*context*/,
                         output_collector& /*collector*/) {}
    virtual void execute(const tuple_window& window) = 0;
    virtual void cleanup() {}

    // The settings made with the with_* calls below (a subclass that overrides this should
    // merge them into its own).
    config get_component_configuration() const override { return _window_conf; }

    // A sliding window of `length` that slides every `sliding` (each a count or a duration).
    windowed_bolt& with_window(window_span length, window_span sliding);
    // A sliding window that slides with every tuple.
    windowed_bolt& with_window(window_span length) { return with_window(length, window_count(1)); }
    // A tumbling window: sliding interval = length.
    windowed_bolt& with_tumbling_window(window_span length) { return with_window(length, length); }
    // Event time: the tuples' timestamps (int64 milliseconds) are read from this field.
    windowed_bolt& with_timestamp_field(std::string field);
    // Event time: how far behind the newest timestamp a tuple may be and still count.
    windowed_bolt& with_lag(window_duration lag);
    // Event time: how often watermarks are computed (default 1 s).
    windowed_bolt& with_watermark_interval(window_duration interval);
    // Event time: late tuples are emitted on this stream (one field, late_tuple_field) rather
    // than dropped with a log line. The stream is declared for the bolt.
    windowed_bolt& with_late_tuple_stream(std::string stream);

  protected:
    config _window_conf;
};

// Writes the window settings into a component config; shared by windowed_bolt and the bolt
// declarer. A count and a duration for the same setting replace each other.
void set_window_config(config& conf, window_span length, window_span sliding);

// The settings of one windowed bolt, read from its config.
struct window_settings {
    bool length_is_count = true;
    std::int64_t length = 0;  // tuples, or milliseconds
    bool sliding_is_count = true;
    std::int64_t sliding = 0;
    std::string timestamp_field;  // empty: processing time
    std::int64_t lag_ms = 0;
    std::int64_t watermark_interval_ms = 1000;
    std::string late_tuple_stream;  // empty: late tuples are dropped (logged)

    bool event_time() const noexcept { return !timestamp_field.empty(); }

    // Reads and checks the keys of `conf`. Throws std::invalid_argument with one line naming
    // what is wrong: no length, a count and a duration both given for one setting, a length or
    // sliding interval < 1, a negative lag, a watermark interval < 1, a lag, watermark
    // interval or late tuple stream without a timestamp field, a key of the wrong type.
    static window_settings from_config(const config& conf);
    // Any window key present in `conf`.
    static bool has_window_keys(const config& conf);
};

namespace detail {

// A bolt whose work is also driven by time (the windowed bolt adapter). The executor calls
// next_timer_ms() after prepare() and after each on_timer(), and on_timer() once that many
// milliseconds have passed, on the executor's thread.
class timed_component {
  public:
    // Out of line: the type's identity lives in libtempest_topology_api, so the runtime's
    // dynamic_cast finds it in a bolt built by a package compiled with hidden visibility.
    virtual ~timed_component();
    // Milliseconds until on_timer() should run (0: at once), or -1 for never.
    virtual std::int64_t next_timer_ms() = 0;
    virtual void on_timer() = 0;
};

class window_runner;

}  // namespace detail

// Runs a windowed_bolt as a bolt: buffers its input, evaluates windows (on input, or on the
// executor's timer for durations and watermarks), acks the tuples that leave the window,
// anchors emits to the window, and sends late tuples to the late tuple stream. Registered for
// windowed bolts by component_registry; one instance per task, on the executor's thread.
class windowed_bolt_adapter final : public bolt, public detail::timed_component {
  public:
    // The clock for processing time and watermark intervals, epoch milliseconds. Tests inject
    // one; the default reads std::chrono::system_clock.
    using clock_fn = std::int64_t (*)(void* ctx);

    explicit windowed_bolt_adapter(std::unique_ptr<windowed_bolt> inner);
    ~windowed_bolt_adapter() override;

    void declare_output_fields(output_fields_declarer& d) override;
    config get_component_configuration() const override {
        return _inner->get_component_configuration();
    }
    void prepare(const config& conf, const topology_context& context,
                 output_collector& collector) override;
    void execute(const tuple& input) override;
    void cleanup() override;

    std::int64_t next_timer_ms() override;
    void on_timer() override;

    // Requires: before prepare().
    void set_clock(clock_fn fn, void* ctx) noexcept {
        _clock = fn;
        _clock_ctx = ctx;
    }
    windowed_bolt& inner() noexcept { return *_inner; }

  private:
    std::unique_ptr<windowed_bolt> _inner;
    std::unique_ptr<detail::window_runner> _runner;
    clock_fn _clock = nullptr;
    void* _clock_ctx = nullptr;
};

}  // namespace tempest
