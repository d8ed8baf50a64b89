// SPDX-License-Identifier: Apache-2.0
// executor_core's receive path (executor's thread): the messages of the input rings, each
// handed to its task (a bolt's execute(), timed when sampled; an acker's or a spout's acking
// message: executor_core_acking.cc).
#include "executor/executor_core.h"
#include "executor/sample_clock.h"

#include <string>

namespace tempest::worker {

using detail::message_kind;
using detail::tuple_access;

// Inline into drain_inputs' loop: a data message costs no call of the runtime's own before the
// user's execute() (and no prologue saving registers per message).
[[gnu::always_inline]] inline bool executor_core::handle(tuple& m) {
    message_kind kind = tuple_access::kind(m);
    if (_out.overflowed() && !_is_spout) {
        // Backpressure: stop taking work until our own output has drained.
        return false;
    }
    task_state& t = *_task_index[tuple_access::dest_task(m)];
    switch (kind) {
        case message_kind::data:
            run_bolt(t, m);
            break;
        case message_kind::ack_init:
        case message_kind::ack:
        case message_kind::fail:
            handle_acker(t, m);
            break;
        case message_kind::ack_done:
        case message_kind::fail_done:
            handle_spout_done(t, m);
            break;
        case message_kind::flow:
            break;  // consumed by remote_io; never queued to an executor
    }
    return true;
}

// Inline into both callers below: the unsampled path keeps no more registers live across the
// user's execute() than it did before statistics (this, t, m).
[[gnu::always_inline]] inline void executor_core::call_execute(task_state& t, tuple& m) {
    try {
        t.bl->execute(m);
    } catch (const std::exception& e) {
        execute_threw(t, m, e.what());
    } catch (...) {
        execute_threw(t, m, nullptr);
    }
}

void executor_core::execute_threw(task_state& t, tuple& m, const char* what) {
    report(t, what != nullptr ? std::string("exception in execute: ") + what
                              : std::string("unknown exception in execute"));
    bolt_fail(t, m);
}

[[gnu::always_inline]] inline void executor_core::run_bolt(task_state& t, tuple& m) {
    input_stats& st = input_of(t, m);
    st.executed.add();
    if (t.sample.next()) [[unlikely]] {
        execute_sampled(t, st, m);
        return;
    }
    call_execute(t, m);
}

void executor_core::execute_bolt(task_state& t, tuple& m) {
    run_bolt(t, m);
}

bool executor_core::drain_inputs() {
    bool work = false;
    for (ring_t* r : _inputs) {
        // A one-line tuple's reader may read into its unwritten second line (spsc_ring).
        if (r->consume(
                512, [this](tuple& m) { return handle(m); },
                [](const tuple& m) { return tuple_access::values_end_in_first_line(m); }) > 0) {
            work = true;
        }
    }
    return work;
}

void executor_core::execute_sampled(task_state& t, input_stats& st, tuple& m) {
    const std::int64_t start = sample_clock::now_ns();
    // Process latency runs from here to the ack (Storm's definition), maybe of a later copy.
    tuple_access::mark_process_sample(m, static_cast<std::uint64_t>(start) / 1000);
    call_execute(t, m);
    st.execute_ns.add(sample_clock::elapsed_ns(start));
    st.execute_samples.add();
}

void executor_core::end_process_sample(input_stats& st, const tuple& in) {
    st.process_us.add(tuple_access::process_elapsed_us(in, sample_clock::now_us()));
    st.process_samples.add();
}

void executor_core::execute_tick(task_state& t, tuple& tick) {
    execute_bolt(t, tick);
}

}  // namespace tempest::worker
