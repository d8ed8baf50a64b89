// SPDX-License-Identifier: Apache-2.0
#include "window_manager.h"

#include <algorithm>
#include <limits>

namespace tempest::detail {

namespace {

constexpr std::int64_t none = std::numeric_limits<std::int64_t>::min();

// The smallest multiple of `step` (> 0) at or above `ts`.
std::int64_t ceil_to(std::int64_t ts, std::int64_t step) {
    std::int64_t r = ts % step;
    if (r == 0) {
        return ts;
    }
    return r > 0 ? ts + (step - r) : ts - r;
}

}  // namespace

window_manager::window_manager(window_settings s, listener& l, std::size_t streams)
    : _s(std::move(s)), _l(l), _streams_expected(streams), _stream_max(streams, none) {}

void window_manager::add(const tuple& t, std::int64_t now_ms) {
    // Arrival stamps never go back, and a tuple that arrives after a window was evaluated is
    // stamped after that window's end, whatever the clock says: it belongs to a later window.
    std::int64_t stamp = std::max(now_ms, _last_stamp);
    if (_last_end != none) {
        stamp = std::max(stamp, _last_end + 1);
    }
    _last_stamp = stamp;
    _buf.push_back({t, stamp, _seq++, false});
    if (_s.sliding_is_count && ++_since_trigger >= _s.sliding) {
        _since_trigger = 0;
        evaluate(_buf.size(), stamp);
    }
}

void window_manager::add_event(const tuple& t, std::int64_t ts, std::size_t stream) {
    const bool below_watermark = _watermark != none && ts < _watermark;
    // With a duration sliding interval a window is a span of timestamps: one already evaluated
    // cannot take the tuple any more.
    const bool in_evaluated = !_s.sliding_is_count && _last_end != none && ts <= _last_end;
    if (below_watermark || in_evaluated) {
        _l.late(t, ts, _watermark);
        return;
    }
    if (stream >= _stream_max.size()) {
        _stream_max.resize(stream + 1, none);
    }
    if (_stream_max[stream] == none) {
        ++_streams_seen;
    }
    _stream_max[stream] = std::max(_stream_max[stream], ts);
    // Sorted by (timestamp, arrival): mostly in order, so the place is found from the back.
    std::size_t pos = _buf.size();
    while (pos > 0 && _buf[pos - 1].ts > ts) {
        --pos;
    }
    _buf.insert(_buf.begin() + static_cast<std::ptrdiff_t>(pos), entry{t, ts, _seq++, false});
    // Entries already counted towards a trigger all have timestamps at or below the watermark,
    // and this one is not below it, so it lands after them.
}

std::int64_t window_manager::next_due_ms(std::int64_t now_ms) {
    if (!_s.event_time() && _s.sliding_is_count) {
        return -1;
    }
    if (_next_due < 0) {
        _next_due = now_ms + (_s.event_time() ? _s.watermark_interval_ms : _s.sliding);
        if (!_s.event_time()) {
            // Windows end at start + k * sliding; what arrives from now on is after the start.
            _last_end = std::max(_last_end, now_ms);
        }
    }
    return _next_due;
}

void window_manager::on_time(std::int64_t now_ms) {
    if (_next_due < 0 || now_ms < _next_due) {
        return;
    }
    const std::int64_t step = _s.event_time() ? _s.watermark_interval_ms : _s.sliding;
    if (_s.event_time()) {
        // Missed intervals need no catching up: one watermark covers them.
        _next_due += ((now_ms - _next_due) / step + 1) * step;
        advance_watermark();
        return;
    }
    // Windows end at the scheduled times, so a late wake-up (a busy or parked thread) still
    // evaluates each window it missed, with the tuples received in it; spans with no tuples are
    // skipped rather than evaluated one by one.
    while (_next_due <= now_ms) {
        const std::int64_t end = _next_due;
        _next_due += step;
        evaluate(upper_bound(end), end);
        if (_buf.empty()) {
            if (_next_due <= now_ms) {
                _next_due += ((now_ms - _next_due) / step + 1) * step;
            }
        } else if (_buf.front().ts > _next_due) {
            // Every tuple is newer than the next window's end: that window is empty.
            _next_due += (_buf.front().ts - _next_due + step - 1) / step * step;
        }
    }
}

void window_manager::advance_watermark() {
    if (_streams_seen == 0 || _streams_seen < _streams_expected) {
        return;  // as Storm: no watermark before every input stream has spoken
    }
    std::int64_t newest = std::numeric_limits<std::int64_t>::max();
    for (std::int64_t m : _stream_max) {
        if (m != none) {
            newest = std::min(newest, m);
        }
    }
    if (newest < none + _s.lag_ms) {
        return;  // timestamps at the bottom of int64: no watermark below them
    }
    const std::int64_t wm = newest - _s.lag_ms;
    if (_watermark != none && wm <= _watermark) {
        return;
    }
    _watermark = wm;
    evaluate_event_time(wm);
}

std::size_t window_manager::upper_bound(std::int64_t ts) const {
    auto it = std::upper_bound(_buf.begin(), _buf.end(), ts,
                               [](std::int64_t v, const entry& e) { return v < e.ts; });
    return static_cast<std::size_t>(it - _buf.begin());
}

std::int64_t window_manager::next_aligned_end(std::int64_t after, std::int64_t limit) const {
    std::size_t i = upper_bound(after);
    if (i == _buf.size() || _buf[i].ts > limit) {
        return none;
    }
    return ceil_to(_buf[i].ts, _s.sliding);
}

void window_manager::evaluate_event_time(std::int64_t wm) {
    if (!_s.sliding_is_count) {
        if (_next_end == none) {
            if (_buf.empty()) {
                return;
            }
            _next_end = ceil_to(_buf.front().ts, _s.sliding);
        }
        while (_next_end <= wm) {
            if (evaluate(upper_bound(_next_end), _next_end)) {
                _next_end += _s.sliding;
                continue;
            }
            // Nothing in that window: skip to the first window that has a tuple, if one ends
            // at or below the watermark.
            std::int64_t next = next_aligned_end(_next_end, wm);
            if (next == none) {
                break;
            }
            _next_end = next;
        }
        return;
    }
    // A count sliding interval: a window ends at every S-th tuple at or below the watermark.
    for (;;) {
        const std::size_t limit = upper_bound(wm);
        if (limit < _processed || limit - _processed < static_cast<std::size_t>(_s.sliding)) {
            return;
        }
        const std::size_t end = _processed + static_cast<std::size_t>(_s.sliding);
        _processed = end;
        evaluate(end, _buf[end - 1].ts);
    }
}

bool window_manager::evaluate(std::size_t end_index, std::int64_t end_ts) {
    std::size_t start = 0;
    if (_s.length_is_count) {
        const auto len = static_cast<std::size_t>(_s.length);
        start = end_index > len ? end_index - len : 0;
    } else {
        start = std::min(upper_bound(end_ts - _s.length), end_index);
    }
    _last_end = end_ts;
    // What is before the start can be in no later window: it expires (and is acked) now.
    for (std::size_t i = 0; i < start; ++i) {
        _l.expired(_buf.front().t);
        _expired.push_back(std::move(_buf.front().t));
        _buf.pop_front();
    }
    _processed = _processed > start ? _processed - start : 0;
    end_index -= start;
    if (end_index == 0) {
        // As Storm: an empty window is not evaluated, and its expired tuples are not listed.
        if (_prev_nonempty) {
            for (entry& e : _buf) {
                e.in_prev = false;
            }
            _prev_nonempty = false;
        }
        clear_expired();
        return false;
    }
    _prev_nonempty = true;
    _w.all().clear();
    _w.fresh().clear();
    _w.expired().clear();
    for (std::size_t i = 0; i < _buf.size(); ++i) {
        entry& e = _buf[i];
        const bool in = i < end_index;
        if (in) {
            _w.all().push_back(&e.t);
            if (!e.in_prev) {
                _w.fresh().push_back(&e.t);
            }
        }
        e.in_prev = in;
    }
    for (const tuple& t : _expired) {
        _w.expired().push_back(&t);
    }
    _w.set_timestamps(
        _s.length_is_count ? std::nullopt : std::optional<std::int64_t>(end_ts - _s.length),
        end_ts);
    const bool ok = _l.window(_w);
    _w.all().clear();
    _w.fresh().clear();
    clear_expired();
    if (!ok) {
        // The owner failed these tuples: they are gone (replayed by their spouts).
        for (std::size_t i = 0; i < end_index; ++i) {
            _buf.pop_front();
        }
        _processed = _processed > end_index ? _processed - end_index : 0;
        for (entry& e : _buf) {
            e.in_prev = false;
        }
        _prev_nonempty = false;
    }
    return true;
}

void window_manager::clear_expired() {
    _w.expired().clear();
    _expired.clear();
}

}  // namespace tempest::detail
