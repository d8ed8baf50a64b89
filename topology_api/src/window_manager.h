// SPDX-License-Identifier: Apache-2.0
// window_manager: the pure logic of a windowed bolt, without a clock or a collector of its own:
// it keeps copies of the input tuples, decides when a window is evaluated, what it holds, which
// tuples expire and which are late. Times are passed in by the caller (epoch milliseconds), so
// unit tests drive it with a fake clock. Owned by one windowed_bolt_adapter; single-threaded.
//
//   add(tuple, now) ──▶ buffer (arrival order; by timestamp in event time)
//        │ count sliding in processing time: every `sliding` tuples ──▶ evaluate(now)
//   on_time(now)    ──▶ duration sliding: every `sliding` ms         ──▶ evaluate(due time)
//                   ──▶ event time: watermark = min over streams of their newest timestamp
//                       minus the lag; every window ending at or before it ──▶ evaluate(end)
//   evaluate: the tuples before the window's start expire (listener.expired: the adapter acks
//   them), then listener.window(tuple_window) if the window holds any tuple.
//
// Windows, as in Storm: a window of duration L ending at E holds the tuples with timestamps in
// (E - L, E]; one of count L holds the newest L tuples up to its end. In event time, windows of
// a duration sliding interval S end at multiples of S (the first at or after the earliest
// timestamp; spans without tuples are skipped); with a count sliding interval, a window ends at
// every S-th tuple (by timestamp) at or below the watermark. A tuple is late when its timestamp
// is below the last watermark or inside a window already evaluated.
#pragma once

#include "tempest/topology_api/windowing.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace tempest::detail {

class window_manager {
  public:
    // What the manager asks of its owner. All calls come from inside add() and on_time().
    class listener {
      public:
        virtual ~listener() = default;
        // `t` left the window for good (the adapter acks it). It stays readable until the next
        // window's execute has returned (it is listed in that window's get_expired()).
        virtual void expired(const tuple& t) = 0;
        // A window to evaluate. False: the owner failed the window's tuples (its execute()
        // threw), so they are dropped from the buffer without expiring (they come back
        // replayed).
        virtual bool window(const tuple_window& w) = 0;
        // A late tuple (event time), not kept: the owner sends it on or drops it, and acks it.
        virtual void late(const tuple& t, std::int64_t ts, std::int64_t watermark) = 0;
    };

    // `streams`: how many input streams feed the bolt; in event time no watermark is computed
    // before every one of them has delivered a tuple (0: do not wait for any).
    window_manager(window_settings s, listener& l, std::size_t streams = 0);

    // Processing time: keeps a copy of `t` received at `now_ms`; may evaluate a window (count
    // sliding interval).
    void add(const tuple& t, std::int64_t now_ms);
    // Event time: keeps a copy of `t` with timestamp `ts` from input stream `stream` (0-based,
    // any number), or hands it to listener.late(). Evaluates nothing by itself: windows are
    // evaluated when a watermark passes their end (on_time).
    void add_event(const tuple& t, std::int64_t ts, std::size_t stream);

    // The time-driven part: a duration sliding interval that has passed (processing time), or
    // the watermark interval (event time). Does nothing before next_due_ms().
    void on_time(std::int64_t now_ms);
    // When on_time() next has work: epoch milliseconds, or -1 for never (count sliding in
    // processing time). The first call fixes the schedule's start.
    std::int64_t next_due_ms(std::int64_t now_ms);

    // Event time: computes a watermark from the timestamps seen and evaluates every window that
    // ends at or below it. on_time() does this every watermark interval; tests call it directly.
    void advance_watermark();

    const window_settings& settings() const noexcept { return _s; }
    std::size_t buffered() const noexcept { return _buf.size(); }
    std::int64_t watermark() const noexcept { return _watermark; }

  private:
    struct entry {
        tuple t;
        std::int64_t ts = 0;
        std::uint64_t seq = 0;
        bool in_prev = false;  // in the previous evaluated window
    };

    // Evaluates the window that ends before buffer position `end_index` with end timestamp
    // `end_ts`: expires what is before its start, then calls listener.window if the window is
    // not empty. Returns whether it was.
    bool evaluate(std::size_t end_index, std::int64_t end_ts);
    // Index of the first entry with ts > `ts` (the buffer is sorted by (ts, seq)).
    std::size_t upper_bound(std::int64_t ts) const;
    // Event time, duration sliding: the first window end (a multiple of the sliding interval)
    // at or after the earliest timestamp above `after`; -1 when there is none at or below `limit`.
    std::int64_t next_aligned_end(std::int64_t after, std::int64_t limit) const;
    void evaluate_event_time(std::int64_t watermark);
    void clear_expired();

    window_settings _s;
    listener& _l;
    std::deque<entry> _buf;
    std::deque<tuple> _expired;  // expired since the last evaluation, for get_expired()
    tuple_window _w;
    std::uint64_t _seq = 0;
    std::int64_t _since_trigger = 0;     // count sliding: tuples since the last evaluation
    std::int64_t _last_stamp = 0;        // processing time: the last arrival stamp given
    std::int64_t _last_end = INT64_MIN;  // end of the last evaluated window
    std::int64_t _next_due = -1;         // on_time's schedule; -1 before the first next_due_ms
    // Event time.
    std::size_t _streams_expected = 0;
    std::vector<std::int64_t> _stream_max;  // newest timestamp per stream; INT64_MIN = none yet
    std::size_t _streams_seen = 0;
    std::int64_t _watermark = INT64_MIN;
    std::int64_t _next_end = INT64_MIN;  // duration sliding: the next window end to evaluate
    std::size_t _processed = 0;          // count sliding: entries already counted towards a trigger
    bool _prev_nonempty = false;         // some entry has in_prev set
};

}  // namespace tempest::detail
