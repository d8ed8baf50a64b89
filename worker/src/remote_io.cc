// SPDX-License-Identifier: Apache-2.0
#include "remote_io.h"

#include "tempest/common/log.h"
#include "tempest/common/thread_name.h"
#include "tuple_access.h"

#include <sched.h>

#include <stdexcept>
#include <utility>

namespace tempest::worker {

using detail::tuple_access;

remote_io::remote_io(const topology_plan& plan, const remote_options& options)
    : _plan(plan), _options(options), _schemas(static_cast<std::uint32_t>(plan.num_tasks()) + 1) {
    // Every (task, stream index) → its schema, so frames from any worker decode here.
    for (int task = 1; task <= plan.num_tasks(); ++task) {
        const component_plan& c = plan.components()[plan.task_component(task)];
        for (std::size_t i = 0; i < c.streams.size(); ++i) {
            _schemas.set(static_cast<std::uint32_t>(task), static_cast<std::uint16_t>(i),
                         c.streams[i].schema.get());
        }
    }
    _task_client.assign(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr);
    _task_inbound.assign(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr);
}

remote_io::~remote_io() {
    stop();
}

remote_io::ring_t* remote_io::add_outbound(std::size_t capacity, parker* producer) {
    _outbound.push_back(std::make_unique<ring_t>(capacity, &_park, producer));
    return _outbound.back().get();
}

void remote_io::add_inbound(ring_t* ring, const std::vector<int>& tasks) {
    auto in = std::make_unique<inbound>();
    in->ring = ring;
    for (int t : tasks) {
        _task_inbound[t] = in.get();
    }
    _inbound.push_back(std::move(in));
}

void remote_io::start() {
    transport::server_options so;
    so.bind_address = _options.bind_address;
    so.port = _options.port;
    _server = std::make_unique<transport::tcp_server>(
        so, _schemas, [this](std::uint32_t connection, std::span<tuple> tuples) {
            on_batch(connection, tuples);
        });
    _receiving.store(true, std::memory_order_release);
    if (!_server->start()) {
        _receiving.store(false, std::memory_order_release);
        throw std::runtime_error("cannot listen for tuples on " + _options.bind_address + ":" +
                                 std::to_string(_options.port));
    }
    _stop.store(false, std::memory_order_release);
    _transfer = std::thread([this] {
        common::set_thread_name("transfer");
        transfer_loop();
    });
}

void remote_io::stop() {
    stop_receiving();
    _staging_cv.notify_all();
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
}

void remote_io::set_task_endpoints(std::vector<task_endpoint> endpoints) {
    {
        std::scoped_lock lock(_endpoints_mu);
        _pending_endpoints = std::move(endpoints);
    }
    _endpoints_changed.store(true, std::memory_order_release);
    _park.wake();
}

remote_stats remote_io::stats() const noexcept {
    remote_stats s;
    s.sent = _sent.load(std::memory_order_relaxed);
    s.received = _received.load(std::memory_order_relaxed);
    s.dropped = _dropped.load(std::memory_order_relaxed);
    s.credits_granted = _credits_granted.load(std::memory_order_relaxed);
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
                c = std::make_unique<transport::tcp_client>(co);
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

void remote_io::transfer_loop() {
    int idle = 0;
    std::uint64_t passes = 0;
    bool open_frames = false;
    while (!_stop.load(std::memory_order_acquire)) {
        if (_endpoints_changed.exchange(false, std::memory_order_acq_rel)) {
            apply_endpoints();
        }
        bool blocked = false;
        bool work = move_inbound();
        bool held = _held.load(std::memory_order_relaxed) > 0;
        for (auto& ring : _outbound) {
            std::size_t n = ring->consume(512, [&](tuple& t) {
                transport::tcp_client* c = _task_client[tuple_access::dest_task(t)];
                if (c == nullptr || !c->try_send(t)) {
                    // Unknown location, a full peer queue or no credit: retry later.
                    blocked = true;
                    return false;
                }
                return true;
            });
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
        // Nothing new: grant every credit still owed and send what is batched now instead of
        // waiting for the flush timer.
        grant_credits(true);
        publish_client_stats();
        if (open_frames) {
            open_frames = false;
            for (auto& [key, c] : _clients) {
                if (!c->flush()) {
                    open_frames = true;
                }
            }
        }
        if (++idle < 64) {
            sched_yield();
            continue;
        }
        _park.announce();
        bool ready = _stop.load(std::memory_order_relaxed) ||
                     _endpoints_changed.load(std::memory_order_relaxed) ||
                     _inbound_ready.load(std::memory_order_seq_cst);
        for (auto& ring : _outbound) {
            if (ready) {
                break;
            }
            ready = !blocked && ring->has_published();
        }
        if (ready) {
            _park.cancel();
            continue;
        }
        // Blocked tuples and open frames are retried on a short timer; otherwise a publish wakes
        // us.
        _park.park(blocked || open_frames || held ? std::chrono::microseconds(200)
                                                  : std::chrono::microseconds(100'000));
    }
    // Stopping (the executors have stopped): send what they left, for a bounded time.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    bool left = true;
    while (left && std::chrono::steady_clock::now() < deadline) {
        left = false;
        for (auto& ring : _outbound) {
            std::size_t n = ring->consume(512, [&](tuple& t) {
                transport::tcp_client* c = _task_client[tuple_access::dest_task(t)];
                return c != nullptr && c->try_send(t);
            });
            _sent.fetch_add(n, std::memory_order_relaxed);
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

void remote_io::on_batch(std::uint32_t connection, std::span<tuple> tuples) {
    std::unique_lock lock(_staging_mu);
    // Over the limit: wait (not reading the sockets meanwhile) until the executors catch up.
    _staging_cv.wait(lock, [&] {
        return _held.load(std::memory_order_relaxed) < inbound_limit ||
               !_receiving.load(std::memory_order_acquire);
    });
    if (!_receiving.load(std::memory_order_acquire)) {
        return;  // stopping: the frame is dropped
    }
    if (_staging.size() < _staged_count + tuples.size()) {
        _staging.resize(_staged_count + tuples.size());
    }
    for (tuple& t : tuples) {
        // The credit for it is owed to this connection once it is delivered.
        tuple_access::set_origin(t, connection);
        // Swap, not move: the batch keeps the slot's old buffers for the next frame.
        _staging[_staged_count++].swap(t);
    }
    _held.fetch_add(tuples.size(), std::memory_order_relaxed);
    lock.unlock();
    _inbound_ready.store(true, std::memory_order_seq_cst);
    _park.wake_if_parked();
}

void remote_io::owe(std::uint32_t connection, int task) {
    if (_owed_last == nullptr || _owed_last_id != connection) {
        _owed_last = &_owed[connection];
        _owed_last_id = connection;
        if (_owed_last->by_task.empty()) {
            _owed_last->by_task.assign(static_cast<std::size_t>(_plan.num_tasks()) + 1, 0);
        }
    }
    std::uint32_t& n = _owed_last->by_task[static_cast<std::size_t>(task)];
    if (n == 0) {
        _owed_last->tasks.push_back(task);
    }
    // A quarter of the window: the sender gets credit back well before it runs dry.
    if (++n == std::max<std::uint32_t>(1, _options.credit_window / 4)) {
        _owed_last->due = true;
    }
}

void remote_io::grant_credits(bool all) {
    for (auto it = _owed.begin(); it != _owed.end();) {
        owed_credits& o = it->second;
        if (o.tasks.empty()) {
            // Nothing owed: a connection quiet for this many idle passes is forgotten (closed
            // ones go this way); it gets a fresh entry if it sends again.
            if (all && ++o.quiet_rounds > 10'000) {
                if (_owed_last == &o) {
                    _owed_last = nullptr;
                }
                it = _owed.erase(it);
            } else {
                ++it;
            }
            continue;
        }
        o.quiet_rounds = 0;
        if (!(all || o.due)) {
            ++it;
            continue;
        }
        _grants.clear();
        std::uint64_t total = 0;
        for (int task : o.tasks) {
            std::uint32_t& n = o.by_task[static_cast<std::size_t>(task)];
            _grants.push_back({static_cast<std::uint32_t>(task), n});
            total += n;
            n = 0;
        }
        o.tasks.clear();
        o.due = false;
        _server->grant(it->first, _grants);
        _credits_granted.fetch_add(total, std::memory_order_relaxed);
        ++it;
    }
}

bool remote_io::deliver(inbound& in, tuple& t) {
    tuple* slot = in.has_overflow() ? nullptr : in.ring->try_claim();
    if (slot == nullptr) {
        in.overflow.emplace_back().swap(t);
        return false;
    }
    slot->swap(t);
    owe(tuple_access::origin(*slot), tuple_access::dest_task(*slot));
    tuple_access::clear_origin(*slot);
    in.ring->commit();
    return true;
}

bool remote_io::move_inbound() {
    bool moved = false;
    // Overflows first, so each executor gets its tuples in the order they arrived.
    for (auto& in : _inbound) {
        while (in->has_overflow()) {
            tuple* slot = in->ring->try_claim();
            if (slot == nullptr) {
                break;
            }
            slot->swap(in->overflow[in->head++]);
            owe(tuple_access::origin(*slot), tuple_access::dest_task(*slot));
            tuple_access::clear_origin(*slot);
            in->ring->commit();
            _held.fetch_sub(1, std::memory_order_relaxed);
            moved = true;
        }
        if (!in->has_overflow()) {
            in->overflow.clear();
            in->head = 0;
        } else if (in->head >= 4096 && in->head * 2 >= in->overflow.size()) {
            // Still appended to while it drains: drop the consumed front so that the vector
            // holds what is overflowed, not everything since it last ran empty.
            in->overflow.erase(in->overflow.begin(),
                               in->overflow.begin() + static_cast<std::ptrdiff_t>(in->head));
            in->head = 0;
        }
    }
    std::size_t staged = 0;
    if (_inbound_ready.exchange(false, std::memory_order_acq_rel)) {
        std::scoped_lock lock(_staging_mu);
        staged = _staged_count;
        _staging.swap(_draining);
        _staged_count = 0;
    }
    std::uint64_t gone = 0;  // delivered to a ring or dropped: no longer held
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < staged; ++i) {
        tuple& t = _draining[i];
        const int task = tuple_access::dest_task(t);  // the decoder checked its range
        inbound* in = _task_inbound[task];
        if (in == nullptr || tuple_access::kind(t) == detail::message_kind::flow) [[unlikely]] {
            // Grants travel the other way (tcp_transport.h); one here is a confused peer's.
            owe(tuple_access::origin(t), task);
            ++dropped;
            ++gone;
            std::uint64_t n = _dropped.fetch_add(1, std::memory_order_relaxed) + 1;
            if (n <= 10 || n % 10000 == 0) {
                common::logger("worker").warn(
                    "dropping a {} for task {} ({} dropped so far): {}",
                    in == nullptr ? "tuple" : "credit grant", task, n,
                    in == nullptr
                        ? "the task does not run in this worker; the sender's assignment is stale"
                        : "grants are only sent to the sending worker");
            }
            continue;
        }
        if (deliver(*in, t)) {
            ++gone;
        }
        moved = true;
    }
    _received.fetch_add(staged - dropped, std::memory_order_relaxed);
    if (gone > 0) {
        _held.fetch_sub(gone, std::memory_order_relaxed);
    }
    for (auto& in : _inbound) {
        in->ring->publish();
    }
    grant_credits(false);
    if (moved) {
        _staging_cv.notify_one();
    }
    return moved;
}

}  // namespace tempest::worker
