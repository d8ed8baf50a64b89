// SPDX-License-Identifier: Apache-2.0
#include "remote_io.h"

#include "tempest/common/config_keys.h"  // conf_int
#include "tempest/common/log.h"
#include "tempest/common/thread_name.h"
#include "tuple_access.h"

#include <sched.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace tempest::worker {

using detail::tuple_access;

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
      _receiver(static_cast<std::uint32_t>(plan.num_tasks()) + 1, options.credit_window,
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

remote_io::ring_t* remote_io::add_outbound(std::size_t capacity, parker* producer) {
    _outbound.push_back(std::make_unique<ring_t>(capacity, &_park, producer));
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
    _stop.store(false, std::memory_order_release);
    _ring_blocked.assign(_outbound.size(), 0);
    _transfer = std::thread([this] {
        common::set_thread_name("transfer");
        transfer_loop();
    });
}

void remote_io::stop() {
    stop_receiving();
    if (_server) {
        _server->stop();
    }
    _stop.store(true, std::memory_order_release);
    _park.wake();
    if (_transfer.joinable()) {
        _transfer.join();
    }
    for (auto& [name, c] : _clients) {
        c->stop();
    }
    _pool->stop();  // after every client and the server: nothing of theirs is left to run
}

void remote_io::on_room() noexcept {
    _room_seq.fetch_add(1, std::memory_order_seq_cst);
    // Only a transfer thread that waits for room is woken: one parked because the executors
    // published nothing has no use for it (a write completes for every frame).
    if (_wants_room.load(std::memory_order_seq_cst)) {
        _park.wake_if_parked();
    }
}

void remote_io::set_task_endpoints(std::vector<task_endpoint> endpoints) {
    {
        std::scoped_lock lock(_endpoints_mu);
        _pending_endpoints = std::move(endpoints);
    }
    _endpoints_changed.store(true, std::memory_order_release);
    _park.wake();
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
    s.credits_received = _credits_received.load(std::memory_order_relaxed);
    s.credit_waits = _credit_waits.load(std::memory_order_relaxed);
    if (_server) {
        s.rejected_frames = _server->rejected_frames();
        s.connections_in = _server->connection_count();
    }
    return s;
}

// On the transfer thread: point each remote task at the client of its worker, creating clients
// for new peers and stopping those no task uses any more.
void remote_io::apply_endpoints() {
    std::vector<task_endpoint> eps;
    {
        std::scoped_lock lock(_endpoints_mu);
        eps.swap(_pending_endpoints);
    }
    std::map<std::string, std::unique_ptr<transport::tcp_client>> keep;
    std::scoped_lock lock(_clients_mu);  // rare: only when the assignment changes
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
                co.flush_interval = _options.flush_interval;
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
    publish_client_stats();
}

void remote_io::publish_client_stats() {
    std::uint64_t received = _retired_credits_received;
    std::uint64_t waits = _retired_credit_waits;
    for (const auto& [key, c] : _clients) {
        received += c->credits_granted();
        waits += c->credit_waits();
    }
    _credits_received.store(received, std::memory_order_relaxed);
    _credit_waits.store(waits, std::memory_order_relaxed);
}

// Hands what `ring` holds to the clients of its tuples' workers, taking a client's lock once per
// run of tuples for the same worker. Stops at the first tuple that cannot go (no known location,
// a full queue or no credit) and says so in `blocked`. Transfer thread.
std::size_t remote_io::send_from(ring_t& ring, bool& blocked) {
    struct held_lock {
        transport::tcp_client* client = nullptr;
        ~held_lock() {
            if (client != nullptr) {
                client->unlock();
            }
        }
    } held;
    return ring.consume(512, [&](tuple& t) {
        transport::tcp_client* c = _task_client[tuple_access::dest_task(t)];
        if (c == nullptr) [[unlikely]] {
            blocked = true;  // no known location yet
            return false;
        }
        if (c != held.client) {
            if (held.client != nullptr) {
                held.client->unlock();
                held.client = nullptr;
            }
            c->lock();
            held.client = c;
        }
        if (!c->try_send_locked(t)) {
            blocked = true;  // a full peer queue or no credit: retried on room
            return false;
        }
        return true;
    });
}

void remote_io::transfer_loop() {
    int idle = 0;
    std::uint64_t passes = 0;
    bool open_frames = false;
    while (!_stop.load(std::memory_order_acquire)) {
        if (_endpoints_changed.exchange(false, std::memory_order_acq_rel)) {
            apply_endpoints();
        }
        // A room event after this load (a write done, credits granted) is seen before parking.
        const std::uint64_t room_seen = _room_seq.load(std::memory_order_seq_cst);
        bool any_blocked = false;
        bool work = false;
        for (std::size_t i = 0; i < _outbound.size(); ++i) {
            bool blocked = false;
            const std::size_t n = send_from(*_outbound[i], blocked);
            _ring_blocked[i] = blocked ? 1 : 0;
            any_blocked |= blocked;
            if (n > 0) {
                _sent.fetch_add(n, std::memory_order_relaxed);
                work = true;
                open_frames = true;
            }
        }
        if (work) {
            if ((++passes & 255) == 0) {
                publish_client_stats();
            }
            idle = 0;
            continue;
        }
        // Nothing new: send what is batched now instead of waiting for the flush timer.
        publish_client_stats();
        if (open_frames) {
            open_frames = false;
            for (auto& [key, c] : _clients) {
                if (!c->flush()) {
                    open_frames = true;  // a full queue: retried when a write frees room
                }
            }
        }
        // A few yields, then park: with two workers on two vCPUs eight busy threads share them,
        // and each yield of an idle transfer thread is a system call and often a context switch
        // that the executors' threads pay for (64 yields: --workers 2 ~6% slower;
        // docs/PERFORMANCE.md, "Two workers: where the CPU goes", session 16).
        if (++idle < 8) {
            sched_yield();
            continue;
        }
        const bool waits_for_room = any_blocked || open_frames;
        // Before the re-check of _room_seq: a room event after it sees this and wakes us.
        _wants_room.store(waits_for_room, std::memory_order_seq_cst);
        _park.announce();
        bool ready = _stop.load(std::memory_order_relaxed) ||
                     _endpoints_changed.load(std::memory_order_seq_cst) ||
                     (waits_for_room && _room_seq.load(std::memory_order_seq_cst) != room_seen);
        for (std::size_t i = 0; i < _outbound.size() && !ready; ++i) {
            // A ring whose tuple could not go is retried on room (or a location), not because
            // it holds tuples.
            ready = _ring_blocked[i] == 0 && _outbound[i]->has_published();
        }
        if (ready) {
            _park.cancel();
            continue;
        }
        // Parked until an executor publishes, a write or grant makes room (on_room), the
        // locations change or stop() is called. While tuples wait for room, a backstop of
        // 100 ms; otherwise none: an idle worker's transfer thread does not wake.
        _park.park(waits_for_room ? std::chrono::nanoseconds(std::chrono::milliseconds(100))
                                  : std::chrono::nanoseconds(std::chrono::hours(24)));
    }
    // Stopping (the executors have stopped): send what they left, for a bounded time.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    bool left = true;
    while (left && std::chrono::steady_clock::now() < deadline) {
        left = false;
        for (auto& ring : _outbound) {
            bool blocked = false;
            _sent.fetch_add(send_from(*ring, blocked), std::memory_order_relaxed);
            left |= ring->has_published();
        }
        for (auto& [key, c] : _clients) {
            (void)c->flush();
        }
        if (left) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
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
