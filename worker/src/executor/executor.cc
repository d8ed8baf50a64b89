// SPDX-License-Identifier: Apache-2.0
// executor, part 2 of 2: building the tasks, wiring, and the loop — activation, input rings,
// spouts' next_tuple, backpressure drain, flush, timers (message timeouts, acker expiry, tick
// tuples) and idle parking. Everything but the constructor and the add_* wiring runs on the
// executor's thread.
#include "executor/executor.h"

#include "executor/config_defaults.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <random>

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

executor::executor(shared_state& shared, const topology_plan& plan, std::vector<int> execs,
                   const component_registry& registry)
    : _shared(shared),
      _plan(plan),
      _comp(plan.components()[plan.executors()[execs.front()].component]),
      _is_spout(_comp.is_spout),
      _has_ackers(!plan.acker_tasks().empty()),
      _timeout_ns(
          std::max<std::int64_t>(1, conf_int(_comp.conf, config::topology_message_timeout_secs)) *
          1'000'000'000),
      _spout_wait_ns(
          std::max<std::int64_t>(1, conf_int(_comp.conf, topology_spout_wait_max_micros)) * 1000),
      _batch(static_cast<std::uint64_t>(
          std::max<std::int64_t>(1, conf_int(plan.conf(), config::topology_producer_batch_size)))),
      _rng(std::random_device{}() ^ (static_cast<std::uint64_t>(execs.front()) << 32)),
      _out(plan.num_tasks(), _batch),
      _task_index(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr) {
    int self = execs.front();
    for (int ei : execs) {
        const executor_plan& ep = plan.executors()[ei];
        const component_plan& comp = plan.components()[ep.component];
        for (int id = ep.first_task; id <= ep.last_task; ++id) {
            auto t = make_task_state(*this, plan, comp, id, ei != self, self, registry);
            _task_index[id] = t.get();
            _tasks.push_back(std::move(t));
        }
    }
}

// ---------------------------------------------------------------- wiring

std::vector<int> executor::task_ids() const {
    std::vector<int> ids;
    for (const auto& t : _tasks) {
        ids.push_back(t->id);
    }
    return ids;
}

void executor::add_output(ring_t* ring, const executor& consumer) {
    std::vector<int> tasks;
    for (const auto& t : consumer._tasks) {
        if (!t->chained) {
            tasks.push_back(t->id);
        }
    }
    _out.add(ring, tasks);
}

void executor::add_remote_output(ring_t* ring) {
    std::vector<int> tasks;
    for (int task = 1; task <= _plan.num_tasks(); ++task) {
        if (!_plan.in_worker(task)) {
            tasks.push_back(task);
        }
    }
    _out.add(ring, tasks);
}

// ---------------------------------------------------------------- loop

bool executor::run_spouts() {
    bool work = false;
    for (auto& tp : _tasks) {
        task_state& t = *tp;
        if (!t.sp) {
            continue;  // a bolt chained into this spout's thread
        }
        for (std::uint64_t i = 0; i < _batch; ++i) {
            if (_out.overflowed() || t.pending.full()) {
                break;
            }
            std::uint64_t before = t.emitted.get();
            guarded(t, "next_tuple", [&] { t.sp->next_tuple(); });
            if (t.emitted.get() == before) {
                break;
            }
            work = true;
        }
        // No ackers: a message counts as acked once emitted (at-most-once).
        t.pending.ack_immediate([&](message_id id) {
            t.acked.add();
            guarded(t, "ack", [&] { t.sp->ack(id); });
        });
    }
    return work;
}

void executor::timers() {
    if (_now >= _next_sweep) {
        _next_sweep = _now + std::min<std::int64_t>(_timeout_ns / 4 + 1, 1'000'000'000);
        std::int64_t cutoff = _now - _timeout_ns;
        for (auto& tp : _tasks) {
            task_state& t = *tp;
            t.pending.expire(cutoff, [&](std::uint64_t msg) {
                t.failed.add();
                guarded(t, "fail", [&] { t.sp->fail(message_id{msg}); });
            });
            t.acks.expire(cutoff);
        }
    }
    if (_next_tick > 0 && _now >= _next_tick) {
        _next_tick = 0;
        for (auto& tp : _tasks) {
            task_state& t = *tp;
            if (t.tick_ns == 0) {
                continue;
            }
            if (_now >= t.next_tick) {
                t.next_tick = _now + t.tick_ns;
                tuple tick;
                tuple_access::set_header(tick, _plan.tick_schema(), 0, t.id, message_kind::data);
                tuple_access::vals(tick).add_int(t.tick_ns / 1'000'000'000);
                guarded(t, "execute (tick)", [&] { t.bl->execute(tick); });
            }
            _next_tick = _next_tick == 0 ? t.next_tick : std::min(_next_tick, t.next_tick);
        }
    }
}

void executor::apply_control() {
    std::uint64_t e = _shared.epoch.load(std::memory_order_acquire);
    if (e == _seen_epoch.load(std::memory_order_relaxed)) {
        return;
    }
    bool want = _shared.active.load(std::memory_order_acquire);
    if (_is_spout && want != _active) {
        for (auto& tp : _tasks) {
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
    _park.announce();
    bool ready = _shared.stop.load(std::memory_order_relaxed) ||
                 _shared.epoch.load(std::memory_order_relaxed) !=
                     _seen_epoch.load(std::memory_order_relaxed);
    // A bolt whose output overflowed takes no input (handle()), so input that waits is no
    // reason to run: it waits for room, and the consumer that frees some wakes it.
    const bool takes_input = !_out.overflowed() || _is_spout;
    for (ring_t* r : _inputs) {
        if (ready || !takes_input) {
            break;
        }
        ready = r->has_published();
    }
    if (!ready && _out.overflowed()) {
        ready = _out.can_drain();
    }
    if (ready) {
        _park.cancel();
        return;
    }
    std::int64_t timeout = 100'000'000;  // timers
    if (_out.overflowed()) {
        timeout = 10'000'000;  // a safety net: the consumer that frees room wakes us
    } else if (_is_spout && _active) {
        timeout = _spout_wait_ns;
    }
    if (_next_tick > 0) {
        timeout = std::clamp<std::int64_t>(_next_tick - now_ns(), 1000, timeout);
    }
    _park.park(std::chrono::nanoseconds(timeout));
}

void executor::start_tasks() {
    for (auto& tp : _tasks) {
        start_task(*tp, _shared);
    }
}

void executor::stop_tasks() {
    for (auto& tp : _tasks) {
        stop_task(*tp, _active, _shared);
    }
}

void executor::run() {
    start_tasks();
    // Spouts of an active topology are activated right after open(), as in Storm.
    std::uint64_t e = _shared.epoch.load(std::memory_order_acquire);
    _active = _shared.active.load(std::memory_order_acquire);
    if (_is_spout && _active) {
        for (auto& tp : _tasks) {
            set_task_active(*tp, true, _shared);
        }
    }
    _seen_epoch.store(e, std::memory_order_release);
    _now = now_ns();
    for (auto& tp : _tasks) {
        if (tp->tick_ns > 0) {
            tp->next_tick = _now + tp->tick_ns;
            _next_tick = _next_tick == 0 ? tp->next_tick : std::min(_next_tick, tp->next_tick);
        }
    }
    _next_sweep = _now + 1'000'000'000;
    while (!_shared.stop.load(std::memory_order_relaxed)) {
        apply_control();
        bool work = drain_inputs();
        if (_is_spout && _active) {
            work |= run_spouts();
        }
        if (_out.overflowed()) {
            work |= _out.drain_overflow();
        }
        _out.flush();
        _now = now_ns();
        timers();
        if (work) {
            _idle = 0;
        } else {
            idle_wait();
        }
    }
    _out.flush();
    stop_tasks();
}

}  // namespace tempest::worker
