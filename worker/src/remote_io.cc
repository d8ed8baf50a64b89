// SPDX-License-Identifier: Apache-2.0
#include "remote_io.h"

#include "tempest/common/config_keys.h"  // conf_int
#include "tempest/common/log.h"
#include "tempest/common/thread_name.h"

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <utility>

namespace tempest::worker {

namespace {

// A daemon key (conf/defaults.yaml, common's config schema), read from the topology's effective
// config: the daemon's config with the topology's over it.
constexpr const char* io_threads_key = "worker.transport.io.threads";

// The I/O threads: the options' count, else the key of the topology's config (the daemon's
// config under the topology's), else its default.
std::size_t io_thread_count(const topology_plan& plan, const remote_options& options) {
    if (options.io_threads > 0) {
        return options.io_threads;
    }
    const std::int64_t n = common::conf_int(plan.conf(), io_threads_key);
    return static_cast<std::size_t>(std::clamp<std::int64_t>(n, 1, 64));
}

}  // namespace

remote_io::remote_io(const topology_plan& plan, const remote_options& options)
    : _plan(plan),
      _options(options),
      _schemas(static_cast<std::uint32_t>(plan.num_tasks()) + 1),
      _pool(std::make_unique<transport::io_pool>(io_thread_count(plan, options))),
      _receiver(static_cast<std::uint32_t>(plan.num_tasks()) + 1, _options.credit_window,
                [this](std::uint32_t connection, std::span<const transport::credit_grant> grants) {
                    _server->grant(connection, grants);  // on its I/O thread: written at once
                }) {
    // Every (task, stream index) → its schema, so frames from any worker decode here.
    for (int task = 1; task <= plan.num_tasks(); ++task) {
        const component_plan& c = plan.components()[plan.task_component(task)];
        for (std::size_t i = 0; i < c.streams.size(); ++i) {
            _schemas.set(static_cast<std::uint32_t>(task), static_cast<std::uint16_t>(i),
                         c.streams[i].schema.get());
        }
    }
    _task_client.assign(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr);
}

remote_io::~remote_io() {
    stop();
}

remote_outbound* remote_io::add_outbound(std::size_t capacity, parker* producer) {
    auto o = std::make_unique<remote_outbound>();
    o->stage = std::make_unique<remote_stage>(capacity);
    o->producer = producer;
    _outbound.push_back(std::move(o));
    return _outbound.back().get();
}

void remote_io::add_inbound(ring_t* ring, const std::vector<int>& tasks) {
    _receiver.add_inbound(ring, tasks);
}

void remote_io::start() {
    transport::server_options so;
    so.bind_address = _options.bind_address;
    so.port = _options.port;
    _pool->start();
    _server = std::make_unique<transport::tcp_server>(so, _schemas, nullptr, *_pool);
    _server->set_frame_handler([this](std::uint32_t connection, std::span<const std::byte> body) {
        return on_frame(connection, body);
    });
    _server->set_timer_handler([this] { on_timer(); });
    _server->set_close_handler(
        [this](std::uint32_t connection) { _receiver.on_close(connection); });
    _receiving.store(true, std::memory_order_release);
    if (!_server->start()) {
        _receiving.store(false, std::memory_order_release);
        throw std::runtime_error("cannot listen for tuples on " + _options.bind_address + ":" +
                                 std::to_string(_options.port));
    }
    std::scoped_lock lock(_route_mu);
    _started = true;
    if (_pending_endpoints) {
        apply_endpoints(std::move(*_pending_endpoints));
        _pending_endpoints.reset();
    }
}

void remote_io::stop() {
    stop_receiving();
    if (_server) {
        _server->stop();
    }
    std::unique_lock lock(_route_mu);
    if (_started) {
        // The executors have stopped: send what they left, for a bounded time.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
        bool left = true;
        while (left && std::chrono::steady_clock::now() < deadline) {
            left = false;
            for (auto& o : _outbound) {
                bool blocked = false;
                _sent.fetch_add(send_from(*o->stage, blocked), std::memory_order_relaxed);
                left |= !o->stage->empty();
            }
            flush_clients();
            if (left) {
                // Room comes from the I/O thread (a write, a grant); it does not take this lock.
                lock.unlock();
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                lock.lock();
            }
        }
        _started = false;
    }
    {
        std::scoped_lock clients(_clients_mu);
        for (auto& [name, c] : _clients) {
            c->stop();
        }
    }
    _pool->stop();  // after every client and the server: nothing of theirs is left to run
}

void remote_io::on_room() noexcept {
    _room_seq.fetch_add(1, std::memory_order_seq_cst);
    wake_waiting(false);
}

// Wakes the executors whose first outbound tuple waits (all of them with `all`), if parked.
// Their re-check before parking sends again, after announcing: room made before it is seen
// there, room made after it sees the announcement.
void remote_io::wake_waiting(bool all) noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    for (auto& o : _outbound) {
        if (all || o->waits.load(std::memory_order_relaxed)) {
            o->producer->wake_if_parked();
        }
    }
}

void remote_io::set_task_endpoints(std::vector<task_endpoint> endpoints) {
    {
        std::scoped_lock lock(_route_mu);
        if (!_started) {
            _pending_endpoints = std::move(endpoints);  // applied by start()
            return;
        }
        apply_endpoints(std::move(endpoints));
    }
    _room_seq.fetch_add(1, std::memory_order_seq_cst);
    wake_waiting(true);  // tuples that waited for a location may go now
}

std::vector<connection_stats> remote_io::connections() const {
    std::vector<connection_stats> out;
    {
        std::scoped_lock lock(_clients_mu);
        for (const auto& [key, c] : _clients) {
            out.push_back({key, true, c->bytes_written(), c->messages_sent(), c->credit_waits()});
        }
    }
    if (_server) {
        for (auto& in : _server->connections()) {
            out.push_back({std::move(in.peer), false, in.bytes, in.messages, 0});
        }
    }
    return out;
}

remote_stats remote_io::stats() const noexcept {
    remote_stats s;
    s.sent = _sent.load(std::memory_order_relaxed);
    s.received = _receiver.received();
    s.dropped = _receiver.dropped();
    s.credits_granted = _receiver.credits_granted();
    {
        std::scoped_lock lock(_clients_mu);
        s.credits_received = _retired_credits_received;
        s.credit_waits = _retired_credit_waits;
        for (const auto& [key, c] : _clients) {
            s.credits_received += c->credits_granted();
            s.credit_waits += c->credit_waits();
        }
    }
    if (_server) {
        s.rejected_frames = _server->rejected_frames();
        s.connections_in = _server->connection_count();
    }
    return s;
}

// Points each remote task at the client of its worker, creating clients for new peers and
// stopping those no task uses any more. Rare: only when the assignment changes.
void remote_io::apply_endpoints(std::vector<task_endpoint> eps) {
    std::map<std::string, std::unique_ptr<transport::tcp_client>> keep;
    std::scoped_lock lock(_clients_mu);
    std::fill(_task_client.begin(), _task_client.end(), nullptr);
    for (std::size_t task = 1; task < eps.size() && task < _task_client.size(); ++task) {
        const task_endpoint& e = eps[task];
        if (e.port == 0 || _plan.in_worker(static_cast<int>(task))) {
            continue;
        }
        std::string key = e.host + ":" + std::to_string(e.port);
        auto it = keep.find(key);
        if (it == keep.end()) {
            auto old = _clients.find(key);
            std::unique_ptr<transport::tcp_client> c;
            if (old != _clients.end()) {
                c = std::move(old->second);
                _clients.erase(old);
            } else {
                transport::client_options co;
                co.host = e.host;
                co.port = e.port;
                co.batch_bytes = _options.batch_bytes;
                co.flush_interval = {};  // the executors queue frames (send_outbound)
                co.max_queued_frames = _options.max_queued_frames;
                co.credit_window = _options.credit_window;
                co.task_limit = static_cast<std::uint32_t>(_plan.num_tasks()) + 1;
                co.on_room = [this] { on_room(); };
                c = std::make_unique<transport::tcp_client>(co, *_pool);
                c->start();
                common::logger("worker").info("connecting to worker {}", key);
            }
            it = keep.emplace(key, std::move(c)).first;
        }
        _task_client[task] = it->second.get();
    }
    for (auto& [key, c] : _clients) {
        common::logger("worker").info("closing the connection to worker {}: no task of ours left",
                                      key);
        c->stop();
        _retired_credits_received += c->credits_granted();
        _retired_credit_waits += c->credit_waits();
    }
    _clients = std::move(keep);
}

// Hands the runs `stage` holds to the clients of their tasks' workers, taking a client's lock
// once per stretch of runs for the same worker. Stops at the first message that cannot go (no
// known location, a full queue or no credit) and says so in `blocked`.
std::size_t remote_io::send_from(remote_stage& stage, bool& blocked) {
    struct held_lock {
        transport::tcp_client* client = nullptr;
        ~held_lock() {
            if (client != nullptr) {
                client->unlock();
            }
        }
    } held;
    std::size_t sent = 0;
    while (!stage.empty()) {
        const remote_stage::run& r = stage.front();
        transport::tcp_client* c = _task_client[r.head.dest];
        if (c == nullptr) [[unlikely]] {
            blocked = true;  // no known location yet
            break;
        }
        if (c != held.client) {
            if (held.client != nullptr) {
                held.client->unlock();
                held.client = nullptr;
            }
            c->lock();
            held.client = c;
        }
        const std::uint32_t count = r.count;
        const transport::run_prefix p = c->try_send_run_locked(r.head, stage.front_bytes(), count);
        stage.pop_front(p.count, p.bytes);
        sent += p.count;
        if (p.count < count) {
            blocked = true;  // a full peer queue or no credit: retried on room
            break;
        }
    }
    return sent;
}

bool remote_io::flush_clients(std::optional<std::chrono::steady_clock::time_point> cutoff) {
    bool all = true;
    for (auto& [key, c] : _clients) {
        all &= cutoff ? c->flush_older_than(*cutoff) : c->flush();
    }
    return all;
}

bool remote_io::send_outbound(remote_outbound& o) {
    // Room events so far: what could not go is tried again only after another (a try per pass
    // would take the client's lock and count a credit wait each time).
    const std::uint64_t room = _room_seq.load(std::memory_order_seq_cst);
    const bool waiting = o.waits.load(std::memory_order_relaxed) && room == o.room_seen;
    if (o.stage->empty()) {
        if (o.unflushed && !waiting) {
            // Nothing new since a pass that sent: what is batched goes now (the clients have
            // no flush timer). A full queue keeps a frame open: tried again on room.
            bool all = false;
            {
                std::scoped_lock lock(_route_mu);
                all = !_started || flush_clients();
            }
            o.unflushed = !all;
            o.room_seen = room;
            o.waits.store(!all, std::memory_order_seq_cst);
        }
        return false;
    }
    if (waiting) {
        return false;
    }
    bool blocked = false;
    std::size_t n = 0;
    {
        std::scoped_lock lock(_route_mu);
        if (!_started) {
            return false;  // stopped: stop() sent what it could
        }
        n = send_from(*o.stage, blocked);
        // An executor that sends on every pass never has a pass without: frames it shares with
        // others are queued once flush_interval old, checked every half interval.
        if (n > 0) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= o.next_age_check) {
                o.next_age_check = now + _options.flush_interval / 2;
                (void)flush_clients(now - _options.flush_interval);  // full: the next check
            }
        }
    }
    // Before the executor's re-check (seq_cst, as parker's protocol): a room event after it
    // sees the flag and wakes the executor; one since `room` makes the next call try again.
    o.room_seen = room;
    if (blocked != o.waits.load(std::memory_order_relaxed)) {
        o.waits.store(blocked, std::memory_order_seq_cst);
    }
    if (n == 0) {
        return false;
    }
    _sent.fetch_add(n, std::memory_order_relaxed);
    o.unflushed = true;
    return true;
}

transport::frame_error remote_io::on_frame(std::uint32_t connection,
                                           std::span<const std::byte> body) {
    if (!_receiving.load(std::memory_order_acquire)) {
        return transport::frame_error::none;  // stopping: the frame is dropped
    }
    const transport::frame_error e = _receiver.on_frame(connection, body, _schemas);
    schedule();
    return e;
}

void remote_io::on_timer() {
    const bool was_held = _receiver.held() > 0;
    if (_receiver.retry() > 0) {
        // While an executor keeps its ring full, come back when it has taken about half of it:
        // sooner when it took most of the ring since the last try (it nearly ran dry), later
        // when it took little (each wake-up of this thread costs a context switch and two
        // timer system calls; a frame that arrives meanwhile drains the overflow anyway).
        const unsigned pct = _receiver.last_refill_percent();
        if (pct > 75 || pct == 0) {
            _retry_interval = std::max(_retry_interval / 2, retry_min);
        } else if (pct < 25) {
            _retry_interval = std::min(_retry_interval * 2, retry_max);
        }
    } else if (was_held) {
        // The executors took nothing since the last try: do not keep the I/O thread busy for a
        // blocked one.
        _retry_interval = std::min(_retry_interval * 2, retry_max);
    }
    // Everything owed, also while tuples wait in an overflow (those for the ring are owed all
    // the same), but not on every short retry: at most one grant frame per connection per
    // grant_delay beyond those that are due anyway.
    const auto now = std::chrono::steady_clock::now();
    if (_receiver.held() == 0 || now - _last_grant_all >= grant_delay) {
        _last_grant_all = now;
        _receiver.grant_all();
    }
    schedule();
}

void remote_io::schedule() {
    const std::size_t held = _receiver.held();
    if (held >= inbound_limit && !_paused) {
        _paused = true;
        _server->pause_reading();
        common::logger("worker").warn(
            "{} received tuples wait for their executors' rings: not reading from peer workers "
            "until they are taken (a peer ignores credits?)",
            held);
    } else if (held < inbound_limit && _paused) {
        _paused = false;
        _server->resume_reading();
    }
    if (held > 0) {
        _server->arm_timer(_retry_interval);
    } else {
        _retry_interval = retry_min;
        if (_receiver.owes()) {
            _server->arm_timer(grant_delay);
        }
    }
}

}  // namespace tempest::worker
