// SPDX-License-Identifier: Apache-2.0
// executor: the loop around executor_core — activation, input rings, spouts' next_tuple,
// backpressure drain, flush, timers (message timeouts, acker expiry, tick tuples) and idle
// parking. Everything but the constructor runs on the executor's thread.
#include "executor/executor.h"

#include "executor/config_defaults.h"
#include "multilang/shell_components.h"
#include "remote_io.h"

#include <sched.h>

#include <algorithm>
#include <chrono>

namespace tempest::worker {

using detail::message_kind;
using detail::tuple_access;

namespace {

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

}  // namespace

executor::executor(shared_state& shared, const topology_plan& plan, const std::vector<int>& execs,
                   const component_registry& registry, task_handover* handover)
    : _shared(shared),
      _plan(plan),
      _comp(plan.components()[plan.executors()[execs.front()].component]),
      _core(shared, plan, execs, registry, handover),
      _is_spout(_comp.is_spout),
      _timeout_ns(
          std::max<std::int64_t>(1, conf_int(_comp.conf, config::topology_message_timeout_secs)) *
          1'000'000'000),
      _spout_wait_ns(
          std::max<std::int64_t>(1, conf_int(_comp.conf, topology_spout_wait_max_micros)) * 1000) {
    for (auto& tp : _core.tasks()) {
        if (tp->polled != nullptr) {
            tp->polled->set_waker(&_park);
            _polled.push_back(tp.get());
        }
    }
    _timed.collect(_core.tasks());
}

void executor::add_remote_output(remote_io& io, remote_outbound& out) {
    _core.add_remote_output(out.stage.get());
    _remote_io = &io;
    _remote = &out;
}

// ---------------------------------------------------------------- loop

bool executor::run_spouts() {
    bool work = false;
    // The clock pending messages are stamped with for their timeout (the thread may have been
    // parked since the last pass).
    _now = now_ns();
    _core.set_now(_now);
    for (auto& tp : _core.tasks()) {
        task_state& t = *tp;
        if (!t.sp) {
            continue;  // a bolt chained into this spout's thread
        }
        for (std::uint64_t i = 0; i < _core.batch(); ++i) {
            if (_core.out().overflowed() || t.pending.full()) {
                break;
            }
            std::uint64_t before = t.emit_calls;
            guarded(t, "next_tuple", [&] { t.sp->next_tuple(); });
            if (t.emit_calls == before) {
                break;
            }
            work = true;
        }
        _core.close_open_tree();
        // No ackers: a message counts as acked once emitted (at-most-once).
        t.pending.ack_immediate([&](const pending_messages::immediate& m) {
            t.routes.streams()[m.stream].stats.acked.add();
            guarded(t, "ack", [&] { t.sp->ack(m.id); });
        });
    }
    return work;
}

bool executor::poll_tasks() {
    bool work = false;
    const bool backpressured = _core.out().overflowed();
    for (task_state* t : _polled) {
        guarded(*t, "poll", [&] { work |= t->polled->poll(backpressured); });
    }
    return work;
}

void executor::timers() {
    if (_now >= _next_sweep) {
        _next_sweep = _now + std::min<std::int64_t>(_timeout_ns / 4 + 1, 1'000'000'000);
        std::int64_t cutoff = _now - _timeout_ns;
        for (auto& tp : _core.tasks()) {
            task_state& t = *tp;
            t.pending.expire(cutoff, [&](const pending_messages::message& m) {
                t.routes.streams()[m.stream].stats.failed.add();
                guarded(t, "fail", [&] { t.sp->fail(message_id{m.msg}); });
            });
            t.acks.expire(cutoff);
        }
    }
    if (_next_tick > 0 && _now >= _next_tick) {
        _next_tick = 0;
        for (auto& tp : _core.tasks()) {
            task_state& t = *tp;
            if (t.tick_ns == 0) {
                continue;
            }
            if (_now >= t.next_tick) {
                t.next_tick = _now + t.tick_ns;
                tuple tick;
                tuple_access::set_header(tick, _plan.tick_schema(), 0, t.id, message_kind::data);
                tuple_access::vals(tick).add_int(t.tick_ns / 1'000'000'000);
                _core.execute_tick(t, tick);
            }
            _next_tick = _next_tick == 0 ? t.next_tick : std::min(_next_tick, t.next_tick);
        }
    }
    _timed.run(_now, _shared);
}

void executor::apply_control() {
    std::uint64_t e = _shared.epoch.load(std::memory_order_acquire);
    if (e == _seen_epoch.load(std::memory_order_relaxed)) {
        return;
    }
    bool want = _shared.active.load(std::memory_order_acquire);
    if (_is_spout && want != _active) {
        for (auto& tp : _core.tasks()) {
            set_task_active(*tp, want, _shared);
        }
    }
    _active = want;
    _seen_epoch.store(e, std::memory_order_release);
}

void executor::idle_wait() {
    ++_idle;
    if (_idle < 32) {
        cpu_relax();
        return;
    }
    if (_idle < 40) {
        sched_yield();
        return;
    }
    // Nothing may wait in this thread while it sleeps: a held ack or tuples a timer's tick
    // emitted after the pass published its rings.
    _core.flush_held_ack();
    _core.out().flush();
    _park.announce();
    // Tuples for other workers that waited for room go now if room came before the
    // announcement; room after it wakes this thread (remote_io::on_room).
    bool ready = false;
    if (_remote != nullptr) {
        ready = _remote_io->send_outbound(*_remote);
        _core.out().stage_taken();
    }
    ready = ready || _shared.stop.load(std::memory_order_relaxed) ||
            _detach.load(std::memory_order_relaxed) ||
            _shared.epoch.load(std::memory_order_relaxed) !=
                _seen_epoch.load(std::memory_order_relaxed);
    // A bolt whose output overflowed takes no input (handle()), so input that waits is no
    // reason to run: it waits for room, and the consumer that frees some wakes it.
    const bool takes_input = !_core.out().overflowed() || _is_spout;
    for (ring_t* r : _core.inputs()) {
        if (ready || !takes_input) {
            break;
        }
        ready = r->has_published();
    }
    for (task_state* t : _polled) {
        if (ready || !takes_input) {
            break;
        }
        ready = t->polled->has_input();
    }
    if (!ready && _core.out().overflowed()) {
        ready = _core.out().can_drain();
    }
    if (ready) {
        _park.cancel();
        return;
    }
    // Parked until a producer, a control change or the next timer that has work wakes us: an
    // idle executor with nothing pending wakes once a second (a backstop), not ten times.
    std::int64_t timeout = 1'000'000'000;
    if (_core.out().overflowed()) {
        timeout = 10'000'000;  // a safety net: the consumer that frees room wakes us
    } else if (_is_spout && _active) {
        timeout = _spout_wait_ns;
    }
    const std::int64_t now = now_ns();
    if (awaits_expiry()) {
        timeout = std::clamp<std::int64_t>(_next_sweep - now, 1000, timeout);
    }
    if (_next_tick > 0) {
        timeout = std::clamp<std::int64_t>(_next_tick - now, 1000, timeout);
    }
    if (_timed.next_due_ns() >= 0) {
        timeout = std::clamp<std::int64_t>(_timed.next_due_ns() - now, 1000, timeout);
    }
    // Parked time is idle whether or not the next pass finds work; while parked, idle_ns()
    // counts it as it goes.
    add_idle(now);
    _idle_word.store(_idle_word.load(std::memory_order_relaxed) - 2 * now + 1,
                     std::memory_order_relaxed);
    _park.park(std::chrono::nanoseconds(timeout));
    _now = now_ns();
    _idle_word.store(_idle_word.load(std::memory_order_relaxed) - 1 + 2 * _now,
                     std::memory_order_relaxed);
    _mark = _now;
}

std::uint64_t executor::idle_ns() const {
    const std::int64_t v = _idle_word.load(std::memory_order_relaxed);
    const bool parked = (v & 1) != 0;
    const std::int64_t total = (v - (parked ? 1 : 0)) / 2 + (parked ? now_ns() : 0);
    return total > 0 ? static_cast<std::uint64_t>(total) : 0;
}

bool executor::awaits_expiry() const {
    for (const auto& tp : _core.tasks()) {
        if (tp->pending.size() > 0 || !tp->acks.empty()) {
            return true;
        }
    }
    return false;
}

void executor::start_tasks() {
    for (auto& tp : _core.tasks()) {
        start_task(*tp, _shared);
    }
}

void executor::stop_tasks() {
    // After detach(), tasks marked kept go on in the next generation (the marks were written
    // before the detach flag: the acquire load makes them visible).
    const bool handing_over = _detach.load(std::memory_order_acquire);
    for (auto& tp : _core.tasks()) {
        if (!(handing_over && tp->kept)) {
            stop_task(*tp, _shared);
        }
    }
}

void executor::run() {
    begin();
    while (!_shared.stop.load(std::memory_order_relaxed) &&
           !_detach.load(std::memory_order_relaxed)) {
        if (pass()) {
            _idle = 0;
        } else {
            add_idle(_now);
            idle_wait();
        }
        _mark = _now;  // a pass that found work was busy (and a park's end is accounted)
    }
    end();
}

void executor::begin() {
    start_tasks();
    // Spouts of an active topology are activated right after open(), as in Storm.
    std::uint64_t e = _shared.epoch.load(std::memory_order_acquire);
    _active = _shared.active.load(std::memory_order_acquire);
    if (_is_spout) {
        // A no-op for a task already in that state (one handed over by a previous generation).
        for (auto& tp : _core.tasks()) {
            set_task_active(*tp, _active, _shared);
        }
    }
    _seen_epoch.store(e, std::memory_order_release);
    _now = now_ns();
    _core.set_now(_now);
    for (auto& tp : _core.tasks()) {
        if (tp->tick_ns > 0) {
            tp->next_tick = _now + tp->tick_ns;
            _next_tick = _next_tick == 0 ? tp->next_tick : std::min(_next_tick, tp->next_tick);
        }
    }
    _next_sweep = _now + 1'000'000'000;
    _mark = _now;
    _timed.start(_now, _shared);
}

bool executor::pass() {
    apply_control();
    bool work = _core.drain_inputs();
    if (!_polled.empty()) [[unlikely]] {
        work |= poll_tasks();
    }
    if (_is_spout && _active && !_shared.paused.load(std::memory_order_relaxed)) {
        work |= run_spouts();
    }
    _core.flush_held_ack();
    if (_core.out().overflowed()) {
        work |= _core.out().drain_overflow();
    }
    _core.out().flush();
    if (_remote != nullptr) {
        work |= _remote_io->send_outbound(*_remote);
        _core.out().stage_taken();
    }
    _now = now_ns();
    _core.set_now(_now);
    account_backpressure();
    timers();
    return work;
}

void executor::account_backpressure() {
    // Counted per pass, not per tuple: a backpressured executor's pass is short (it takes no
    // input) and it parks for at most 10 ms, so the figure lags by at most that.
    if (_bp_since != 0) {
        _bp_ns.add(static_cast<std::uint64_t>(_now - _bp_since));
    }
    _bp_since = _core.out().overflowed() ? _now : 0;
}

std::uint64_t executor::queue_population() const {
    std::uint64_t n = 0;
    for (const ring_t* r : _core.inputs()) {
        std::size_t k = r->size_approx();  // the two indices are read apart: clamp
        n += k <= r->capacity() ? k : 0;
    }
    return n;
}

std::uint64_t executor::queue_capacity() const {
    std::uint64_t n = 0;
    for (const ring_t* r : _core.inputs()) {
        n += r->capacity();
    }
    return n;
}

void executor::end() {
    _core.flush_held_ack();
    _core.out().flush();
    if (_remote != nullptr) {
        (void)_remote_io->send_outbound(*_remote);  // what cannot go now, remote_io::stop() sends
    }
    stop_tasks();
}

}  // namespace tempest::worker
