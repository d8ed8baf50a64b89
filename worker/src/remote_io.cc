// SPDX-License-Identifier: Apache-2.0
#include "remote_io.h"

#include "tempest/common/log.h"
#include "tuple_access.h"

#include <sched.h>

#include <stdexcept>
#include <utility>

namespace tempest::worker {

using detail::tuple_access;

namespace {

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

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
    _congested_until.assign(static_cast<std::size_t>(plan.num_tasks()) + 1, 0);
    _task_inbound.assign(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr);
}

remote_io::~remote_io() {
    stop();
}

remote_io::ring_t* remote_io::add_outbound(std::size_t capacity) {
    _outbound.push_back(std::make_unique<ring_t>(capacity, &_park));
    return _outbound.back().get();
}

void remote_io::add_inbound(ring_t* ring, const std::vector<int>& tasks) {
    auto in = std::make_unique<inbound>();
    in->ring = ring;
    in->tasks = tasks;
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
        so, _schemas, [this](std::span<tuple> tuples) { on_batch(tuples); });
    _receiving.store(true, std::memory_order_release);
    if (!_server->start()) {
        _receiving.store(false, std::memory_order_release);
        throw std::runtime_error("cannot listen for tuples on " + _options.bind_address + ":" +
                                 std::to_string(_options.port));
    }
    _stop.store(false, std::memory_order_release);
    _transfer = std::thread([this] { transfer_loop(); });
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
    s.congestion_sent = _flow_sent.load(std::memory_order_relaxed);
    s.congestion_received = _flow_received.load(std::memory_order_relaxed);
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
    }
    _clients = std::move(keep);
}

void remote_io::transfer_loop() {
    int idle = 0;
    bool open_frames = false;
    while (!_stop.load(std::memory_order_acquire)) {
        if (_endpoints_changed.exchange(false, std::memory_order_acq_rel)) {
            apply_endpoints();
        }
        bool blocked = false;
        bool work = move_inbound();
        bool held = _held.load(std::memory_order_relaxed) > 0;
        const std::int64_t now = steady_ns();
        if (held) {
            announce_congestion(now);
        }
        for (auto& ring : _outbound) {
            std::size_t n = ring->consume(512, [&](tuple& t) {
                int dest = tuple_access::dest_task(t);
                transport::tcp_client* c = _task_client[dest];
                if (c == nullptr || now < _congested_until[dest] || !c->try_send(t)) {
                    blocked = true;  // unknown location or a full peer queue: retry later
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
            idle = 0;
            continue;
        }
        // Nothing new: send what is batched now instead of waiting for the flush timer.
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

void remote_io::on_batch(std::span<tuple> tuples) {
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
        // Swap, not move: the batch keeps the slot's old buffers for the next frame.
        std::swap(_staging[_staged_count++], t);
    }
    _held.fetch_add(tuples.size(), std::memory_order_relaxed);
    lock.unlock();
    _inbound_ready.store(true, std::memory_order_seq_cst);
    _park.wake_if_parked();
}

void remote_io::announce_congestion(std::int64_t now) {
    for (auto& in : _inbound) {
        if (in->overflow.size() - in->head < flow_high || now < in->next_announce) {
            continue;
        }
        in->next_announce = now + flow_refresh_ns;
        for (int task : in->tasks) {
            tuple msg;
            tuple_access::set_header(msg, nullptr, 0, task, detail::message_kind::flow);
            tuple_access::set_system(msg, 0, 0);
            for (auto& [key, c] : _clients) {
                // Ahead of queued data; if too many wait, the next refresh sends it again.
                if (c->send_urgent(msg)) {
                    _flow_sent.fetch_add(1, std::memory_order_relaxed);
                }
            }
        }
    }
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
            std::swap(*slot, in->overflow[in->head++]);
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
    std::uint64_t delivered = 0;
    std::size_t dropped = 0;
    std::size_t control = 0;
    for (std::size_t i = 0; i < staged; ++i) {
        tuple& t = _draining[i];
        if (tuple_access::kind(t) == detail::message_kind::flow) [[unlikely]] {
            // A peer cannot take tuples for this task now: hold ours back for a lease.
            _congested_until[tuple_access::dest_task(t)] = steady_ns() + flow_lease_ns;
            _flow_received.fetch_add(1, std::memory_order_relaxed);
            ++control;
            continue;
        }
        inbound* in = _task_inbound[tuple_access::dest_task(t)];  // the decoder checked range
        if (in == nullptr) {
            ++dropped;
            std::uint64_t n = _dropped.fetch_add(1, std::memory_order_relaxed) + 1;
            if (n <= 10 || n % 10000 == 0) {
                common::logger("worker").warn(
                    "dropping a tuple for task {}, which does not run in this worker ({} dropped "
                    "so far): the sender's assignment is stale",
                    tuple_access::dest_task(t), n);
            }
            continue;
        }
        tuple* slot = in->has_overflow() ? nullptr : in->ring->try_claim();
        if (slot != nullptr) {
            std::swap(*slot, t);
            in->ring->commit();
            ++delivered;
        } else {
            std::swap(in->overflow.emplace_back(), t);
        }
        moved = true;
    }
    _received.fetch_add(staged - dropped - control, std::memory_order_relaxed);
    if (staged > 0) {
        _held.fetch_sub(delivered + dropped + control, std::memory_order_relaxed);
    }
    for (auto& in : _inbound) {
        in->ring->publish();
    }
    if (moved) {
        _staging_cv.notify_one();
    }
    return moved;
}

}  // namespace tempest::worker
