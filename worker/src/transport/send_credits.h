// SPDX-License-Identifier: Apache-2.0
// send_credits: a tcp_client's side of credit flow control (tcp_transport.h): the credits left
// per destination task, and how many messages of each task the open frame and each queued frame
// hold, so that a new connection can debit what will still be written on it and a frame written
// on a connection that has since failed can give its credits back.
//
// Owned by the tcp_client's impl and used only under the client's mutex (any thread that calls
// try_send() or flush(), and the client's I/O thread). Lives as long as the client; no
// start/stop of its own.
#pragma once

#include "tempest/worker/transport/credit_grant.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace tempest::worker::transport {

class send_credits {
  public:
    // `window` = 0: no flow control (every message may be sent; frames are still tracked).
    // Tasks are below `task_limit`; up to `max_spare` written frames' vectors are kept for reuse.
    send_credits(std::uint32_t window, std::uint32_t task_limit, std::size_t max_spare);

    bool enabled() const noexcept { return !_credits.empty(); }
    // True when one more message for `task` may be sent (false for a task out of range).
    // Requires: enabled().
    bool has_credit(std::uint32_t task) const noexcept {
        return task < _credits.size() && _credits[task] > 0;
    }
    // Messages `task` may still be sent (0 for a task out of range). Requires: enabled().
    std::int64_t available(std::uint32_t task) const noexcept {
        return task < _credits.size() ? _credits[task] : 0;
    }
    // Takes `n` credits of `task` for messages added to the open frame.
    // Requires: available(task) >= n.
    void take(std::uint32_t task, std::uint32_t n = 1) {
        _credits[task] -= n;
        if (!_open.empty() && _open.back().task == task) [[likely]] {
            _open.back().count += n;  // a run of messages for one task: the common case
            return;
        }
        take_other(task, n);
    }
    // The open frame was sealed and queued (behind every frame queued before it).
    void seal();
    // The oldest queued frame was written; with `refund`, its messages' credits come back (it
    // was counted against a connection it was not written on).
    void written(bool refund);
    // A new connection: a full window for every task, less the messages of the queued frames and
    // the open one, which will be written on it.
    void reset_for_new_connection();
    // The peer granted `count` more messages for `task`; never above a full window, so a
    // confused peer cannot unbound the receiver. Tasks out of range are ignored.
    void grant(std::uint32_t task, std::uint64_t count);
    // The queued frames and the open one were dropped (the client stopped).
    void drop_frames();

  private:
    // take() for a task other than the open frame's last one.
    void take_other(std::uint32_t task, std::uint32_t n);

    std::uint32_t _window;
    std::size_t _max_spare;
    std::vector<std::int64_t> _credits;             // by task; empty = no flow control
    std::deque<std::vector<credit_grant>> _queued;  // messages by task, per queued frame
    std::vector<credit_grant> _open;                // ... and in the open frame
    std::vector<std::vector<credit_grant>> _spare;  // written frames' vectors, reused
};

}  // namespace tempest::worker::transport
