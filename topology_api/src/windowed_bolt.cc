// SPDX-License-Identifier: Apache-2.0
// Windowed bolts: the settings (Storm's keys), their checks at build and submit time, and the
// adapter that runs a windowed_bolt as a bolt around a window_manager.
#include "tempest/topology_api/windowing.h"
#include "topology_problems.h"
#include "window_manager.h"

#include <chrono>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

namespace tempest {

namespace {

using keys = windowed_bolt::keys;

constexpr std::int64_t default_message_timeout_secs = 30;  // conf/defaults.yaml

std::string quoted(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '\'';
    out += s;
    out += '\'';
    return out;
}

// The integer under `key`, if set (null counts as unset). Throws invalid_argument naming the
// key for another type.
std::optional<std::int64_t> int_key(const config& conf, const char* key) {
    const value* v = conf.find(key);
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (v->type() != value_type::int64) {
        throw std::invalid_argument(std::string(key) + " must be an integer, got " +
                                    v->to_string());
    }
    return v->as_int();
}

std::optional<std::string> string_key(const config& conf, const char* key) {
    const value* v = conf.find(key);
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (v->type() != value_type::string) {
        throw std::invalid_argument(std::string(key) + " must be a string, got " + v->to_string());
    }
    if (v->as_string().empty()) {
        throw std::invalid_argument(std::string(key) + " must not be empty");
    }
    return v->as_string();
}

// One of a count and a duration key, exactly one of them unless `optional`.
void read_span(const config& conf, const char* count_key, const char* ms_key, const char* what,
               bool& is_count, std::int64_t& out, bool& present) {
    auto c = int_key(conf, count_key);
    auto d = int_key(conf, ms_key);
    present = c || d;
    if (c && d) {
        throw std::invalid_argument("both " + std::string(count_key) + " (" + std::to_string(*c) +
                                    ") and " + ms_key + " (" + std::to_string(*d) +
                                    ") are set: a " + what +
                                    " is a count of tuples or a duration, not both");
    }
    if (!present) {
        return;
    }
    is_count = c.has_value();
    out = c ? *c : *d;
    if (out < 1) {
        throw std::invalid_argument(std::string(is_count ? count_key : ms_key) + " is " +
                                    std::to_string(out) + ": a " + what + " must be at least 1" +
                                    (is_count ? " tuple" : " ms"));
    }
}

// a + b, saturating (user settings may be anything up to int64's limit).
std::int64_t sat_add(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<std::int64_t>::max() : r;
}

std::int64_t now_epoch_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// ---------------------------------------------------------------- settings

void set_window_config(config& conf, window_span length, window_span sliding) {
    conf.erase(keys::window_length_count);
    conf.erase(keys::window_length_duration_ms);
    conf.erase(keys::sliding_interval_count);
    conf.erase(keys::sliding_interval_duration_ms);
    conf.set(length.is_count ? keys::window_length_count : keys::window_length_duration_ms,
             length.value);
    conf.set(sliding.is_count ? keys::sliding_interval_count : keys::sliding_interval_duration_ms,
             sliding.value);
}

bool window_settings::has_window_keys(const config& conf) {
    for (const char* k :
         {keys::window_length_count, keys::window_length_duration_ms, keys::sliding_interval_count,
          keys::sliding_interval_duration_ms, keys::timestamp_field, keys::max_lag_ms,
          keys::watermark_interval_ms, keys::late_tuple_stream}) {
        const value* v = conf.find(k);
        if (v != nullptr && !v->is_null()) {
            return true;
        }
    }
    return false;
}

window_settings window_settings::from_config(const config& conf) {
    window_settings s;
    bool present = false;
    read_span(conf, keys::window_length_count, keys::window_length_duration_ms, "window length",
              s.length_is_count, s.length, present);
    if (!present) {
        throw std::invalid_argument(std::string("no window length: set ") +
                                    keys::window_length_count + " or " +
                                    keys::window_length_duration_ms + " (with_window)");
    }
    read_span(conf, keys::sliding_interval_count, keys::sliding_interval_duration_ms,
              "sliding interval", s.sliding_is_count, s.sliding, present);
    if (!present) {
        s.sliding_is_count = true;  // as Storm: a window that slides with every tuple
        s.sliding = 1;
    }
    s.timestamp_field = string_key(conf, keys::timestamp_field).value_or("");
    auto lag = int_key(conf, keys::max_lag_ms);
    auto interval = int_key(conf, keys::watermark_interval_ms);
    auto late = string_key(conf, keys::late_tuple_stream);
    const char* needs_ts = nullptr;
    if (lag) {
        needs_ts = keys::max_lag_ms;
    } else if (interval) {
        needs_ts = keys::watermark_interval_ms;
    } else if (late) {
        needs_ts = keys::late_tuple_stream;
    }
    if (needs_ts != nullptr && !s.event_time()) {
        throw std::invalid_argument(std::string(needs_ts) + " is set but " + keys::timestamp_field +
                                    " is not: it applies only to event-time windows "
                                    "(with_timestamp_field)");
    }
    if (lag && *lag < 0) {
        throw std::invalid_argument(std::string(keys::max_lag_ms) + " is " + std::to_string(*lag) +
                                    ": the lag must be at least 0 ms");
    }
    if (interval && *interval < 1) {
        throw std::invalid_argument(std::string(keys::watermark_interval_ms) + " is " +
                                    std::to_string(*interval) +
                                    ": the watermark interval must be at least 1 ms");
    }
    s.lag_ms = lag.value_or(0);
    s.watermark_interval_ms = interval.value_or(1000);
    s.late_tuple_stream = late.value_or("");
    return s;
}

// ---------------------------------------------------------------- windowed_bolt

windowed_bolt& windowed_bolt::with_window(window_span length, window_span sliding) {
    set_window_config(_window_conf, length, sliding);
    return *this;
}
windowed_bolt& windowed_bolt::with_timestamp_field(std::string field) {
    _window_conf.set(keys::timestamp_field, std::move(field));
    return *this;
}
windowed_bolt& windowed_bolt::with_lag(window_duration lag) {
    _window_conf.set(keys::max_lag_ms, lag.ms);
    return *this;
}
windowed_bolt& windowed_bolt::with_watermark_interval(window_duration interval) {
    _window_conf.set(keys::watermark_interval_ms, interval.ms);
    return *this;
}
windowed_bolt& windowed_bolt::with_late_tuple_stream(std::string stream) {
    _window_conf.set(keys::late_tuple_stream, std::move(stream));
    return *this;
}

// ---------------------------------------------------------------- checks

namespace detail {

void window_problems(const component_def& c, const std::string& who,
                     std::vector<std::string>& problems) {
    if (!window_settings::has_window_keys(c.conf)) {
        return;
    }
    if (c.kind == component_kind::spout) {
        problems.push_back(who + ": window settings (topology.bolts.*) apply only to bolts");
        return;
    }
    try {
        window_settings s = window_settings::from_config(c.conf);
        if (!s.late_tuple_stream.empty() && c.find_stream(s.late_tuple_stream) == nullptr) {
            problems.push_back(who + ": late tuple stream " + quoted(s.late_tuple_stream) +
                               " is not declared");
        }
    } catch (const std::invalid_argument& e) {
        problems.push_back(who + ": " + e.what());
    }
}

void window_timeout_problems(const topology& t, const config& topology_conf,
                             std::vector<std::string>& problems) {
    for (const component_def& c : t.components) {
        if (c.kind != component_kind::bolt || !window_settings::has_window_keys(c.conf)) {
            continue;
        }
        config conf = topology_conf;
        conf.merge(c.conf);
        window_settings s;
        try {
            s = window_settings::from_config(conf);
        } catch (const std::invalid_argument&) {
            continue;  // reported by topology_problems
        }
        const std::string who = "bolt " + quoted(c.id);
        // As Storm: a tuple stays up to length + sliding interval in a window; if that is longer
        // than the message timeout, every tuple times out and is replayed before it is acked.
        std::int64_t ms = 0;
        std::string what;
        if (!s.length_is_count && !s.sliding_is_count) {
            ms = sat_add(s.length, s.sliding);
            what = "window length " + std::to_string(s.length) + " ms + sliding interval " +
                   std::to_string(s.sliding) + " ms = " + std::to_string(ms) + " ms";
        } else if (!s.length_is_count) {
            ms = s.length;
            what = "window length " + std::to_string(ms) + " ms";
        } else if (!s.sliding_is_count) {
            ms = s.sliding;
            what = "sliding interval " + std::to_string(ms) + " ms";
        }
        std::int64_t timeout_s = default_message_timeout_secs;
        if (const value* v = conf.find(config::topology_message_timeout_secs);
            v != nullptr && v->type() == value_type::int64) {
            timeout_s = v->as_int();
        }
        // Compared in seconds, rounded up: no product that could overflow.
        if (ms > 0 && (ms / 1000 + (ms % 1000 != 0 ? 1 : 0)) > timeout_s) {
            problems.push_back(
                who + ": " + what + " is more than " + config::topology_message_timeout_secs +
                " (" + std::to_string(timeout_s) + " s = " + std::to_string(timeout_s * 1000) +
                " ms): its tuples would time out before they leave the window");
        }
        // And a count: the spouts stop at max.spout.pending before the window can fill.
        std::int64_t count = 0;
        if (s.length_is_count && s.sliding_is_count) {
            count = sat_add(s.length, s.sliding);
            what = "window length " + std::to_string(s.length) + " + sliding interval " +
                   std::to_string(s.sliding) + " = " + std::to_string(count) + " tuples";
        } else if (s.length_is_count) {
            count = s.length;
            what = "window length " + std::to_string(count) + " tuples";
        } else if (s.sliding_is_count) {
            count = s.sliding;
            what = "sliding interval " + std::to_string(count) + " tuples";
        }
        if (const value* v = conf.find(config::topology_max_spout_pending);
            count > 0 && v != nullptr && v->type() == value_type::int64 && count > v->as_int()) {
            problems.push_back(
                who + ": " + what + " is more than " + config::topology_max_spout_pending + " (" +
                std::to_string(v->as_int()) + "): the spouts would stop before the window fills");
        }
    }
}

timed_component::~timed_component() = default;

// ---------------------------------------------------------------- the adapter's inside

namespace {

// The collector a windowed bolt sees: inside execute(window), an emit without anchors is
// anchored to every tuple of the window.
class window_output_collector final : public output_collector {
  public:
    explicit window_output_collector(output_collector& out) : _out(out) {}
    void set_anchors(std::span<const tuple* const> a) noexcept { _anchors = a; }
    void ack(const tuple& input) override { _out.ack(input); }
    void fail(const tuple& input) override { _out.fail(input); }
    void report_error(std::string_view message) override { _out.report_error(message); }

  protected:
    void do_emit(std::string_view stream, std::span<const tuple* const> anchors, const values& v,
                 int direct_task) override {
        if (anchors.empty()) {
            anchors = _anchors;
        }
        if (direct_task >= 0) {
            _out.emit_direct(direct_task, stream, anchors, v);
        } else {
            _out.emit(stream, anchors, v);
        }
    }

  private:
    output_collector& _out;
    std::span<const tuple* const> _anchors;
};

}  // namespace

// The adapter's state once prepared: the manager and what it calls back.
class window_runner final : public window_manager::listener {
  public:
    window_runner(windowed_bolt& bolt, output_collector& out, window_settings s,
                  const topology_context& ctx, const std::string& component)
        : _bolt(bolt),
          _out(out),
          _collector(out),
          _component(component),
          _sources(ctx_sources(ctx)),
          _mgr(std::move(s), *this, _sources.size()) {}

    window_manager& manager() noexcept { return _mgr; }
    window_output_collector& collector() noexcept { return _collector; }

    // Event time: the tuple's timestamp and its stream's index, or a reported error and a
    // failed tuple.
    void add_event(const tuple& t) {
        const window_settings& s = _mgr.settings();
        const fields* f = &t.get_fields();
        stream_info* info = nullptr;
        for (stream_info& i : _streams) {
            if (i.schema_fields == f) {
                info = &i;
                break;
            }
        }
        if (info == nullptr) {
            stream_info i;
            i.schema_fields = f;
            i.field = f->index_of(s.timestamp_field);
            i.stream = stream_index(t.get_source_component(), t.get_source_stream_id());
            _streams.push_back(i);
            info = &_streams.back();
        }
        if (info->field < 0 ||
            t.type_at(static_cast<std::size_t>(info->field)) != value_type::int64) {
            const bool missing = info->field < 0;
            _out.report_error(
                "windowed bolt " + quoted(_component) + ": tuple from " +
                quoted(t.get_source_component() + ":" + t.get_source_stream_id()) +
                (missing ? " has no timestamp field " + quoted(s.timestamp_field)
                         : " has timestamp field " + quoted(s.timestamp_field) + " of type " +
                               std::string(
                                   to_string(t.type_at(static_cast<std::size_t>(info->field)))) +
                               ", expected int64 milliseconds") +
                "; the tuple is failed");
            _out.fail(t);
            return;
        }
        _mgr.add_event(t, t.get_int(static_cast<std::size_t>(info->field)), info->stream);
    }

    void expired(const tuple& t) override { _out.ack(t); }

    bool window(const tuple_window& w) override {
        _collector.set_anchors(w.get());
        std::string error;
        try {
            _bolt.execute(w);
        } catch (const std::exception& e) {
            error = e.what();
        } catch (...) {
            error = "unknown exception";
        }
        _collector.set_anchors({});
        if (error.empty()) {
            return true;
        }
        _out.report_error("exception in execute(window) of " + quoted(_component) + ": " + error +
                          "; the window's " + std::to_string(w.get().size()) +
                          " tuples are failed");
        for (const tuple* t : w.get()) {
            _out.fail(*t);
        }
        return false;
    }

    void late(const tuple& t, std::int64_t ts, std::int64_t watermark) override {
        const window_settings& s = _mgr.settings();
        if (!s.late_tuple_stream.empty()) {
            value::list l;
            for (std::size_t i = 0; i < t.size(); ++i) {
                l.push_back(t.get_value(i));
            }
            values v;
            v.add(l);
            _out.emit(s.late_tuple_stream, t, v);
        } else if (!_reported_late) {
            // Once: a busy stream of late tuples must not flood the errors.
            _reported_late = true;
            _out.report_error("windowed bolt " + quoted(_component) +
                              " dropped a late tuple (timestamp " + std::to_string(ts) +
                              " below watermark " + std::to_string(watermark) +
                              " or inside an evaluated window); set a late tuple stream "
                              "(with_late_tuple_stream) to receive late tuples");
        }
        _out.ack(t);
    }

  private:
    struct stream_info {
        const tempest::fields* schema_fields = nullptr;
        int field = -1;
        std::size_t stream = 0;
    };

    static std::vector<std::pair<std::string, std::string>> ctx_sources(
        const topology_context& ctx) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& s : ctx.get_this_sources()) {
            out.emplace_back(s.component, s.stream);
        }
        return out;
    }

    std::size_t stream_index(const std::string& component, const std::string& stream) {
        for (std::size_t i = 0; i < _sources.size(); ++i) {
            if (_sources[i].first == component && _sources[i].second == stream) {
                return i;
            }
        }
        _sources.emplace_back(component, stream);  // not in the layout (a test's tuple)
        return _sources.size() - 1;
    }

    windowed_bolt& _bolt;
    output_collector& _out;
    window_output_collector _collector;
    std::string _component;
    std::vector<std::pair<std::string, std::string>> _sources;
    std::vector<stream_info> _streams;
    window_manager _mgr;
    bool _reported_late = false;
};

}  // namespace detail

// ---------------------------------------------------------------- windowed_bolt_adapter

windowed_bolt_adapter::windowed_bolt_adapter(std::unique_ptr<windowed_bolt> inner)
    : _inner(std::move(inner)) {}

windowed_bolt_adapter::~windowed_bolt_adapter() = default;

void windowed_bolt_adapter::declare_output_fields(output_fields_declarer& d) {
    _inner->declare_output_fields(d);
}

void windowed_bolt_adapter::prepare(const config& conf, const topology_context& context,
                                    output_collector& collector) {
    window_settings s;
    try {
        s = window_settings::from_config(conf);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("windowed bolt " + quoted(context.get_this_component_id()) +
                                    ": " + e.what());
    }
    _runner = std::make_unique<detail::window_runner>(*_inner, collector, std::move(s), context,
                                                      context.get_this_component_id());
    // The schedule of time-driven windows starts now.
    (void)_runner->manager().next_due_ms(_clock != nullptr ? _clock(_clock_ctx) : now_epoch_ms());
    _inner->prepare(conf, context, _runner->collector());
}

void windowed_bolt_adapter::execute(const tuple& input) {
    if (!_runner) {
        throw failed_exception("windowed bolt is not prepared (see the error of its prepare)");
    }
    if (input.get_source_stream_id() == "__tick") {
        return;  // tick tuples are not window content (and need no ack)
    }
    if (_runner->manager().settings().event_time()) {
        _runner->add_event(input);
    } else {
        _runner->manager().add(input, _clock != nullptr ? _clock(_clock_ctx) : now_epoch_ms());
    }
}

void windowed_bolt_adapter::cleanup() {
    _inner->cleanup();
}

std::int64_t windowed_bolt_adapter::next_timer_ms() {
    if (!_runner) {
        return -1;
    }
    const std::int64_t now = _clock != nullptr ? _clock(_clock_ctx) : now_epoch_ms();
    const std::int64_t due = _runner->manager().next_due_ms(now);
    return due < 0 ? -1 : std::max<std::int64_t>(0, due - now);
}

void windowed_bolt_adapter::on_timer() {
    if (_runner) {
        _runner->manager().on_time(_clock != nullptr ? _clock(_clock_ctx) : now_epoch_ms());
    }
}

// ---------------------------------------------------------------- topology checks

void topology::validate(const config& topology_conf) const {
    std::vector<std::string> problems = detail::topology_problems(*this, {});
    detail::window_timeout_problems(*this, topology_conf, problems);
    if (!problems.empty()) {
        throw invalid_topology(detail::join_lines(problems));
    }
}

}  // namespace tempest
