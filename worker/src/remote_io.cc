// SPDX-License-Identifier: Apache-2.0
#include "remote_io.h"

#include "tempest/common/log.h"
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
    _task_ring.assign(static_cast<std::size_t>(plan.num_tasks()) + 1, nullptr);
}

remote_io::~remote_io() {
    stop();
}

remote_io::ring_t* remote_io::add_outbound(std::size_t capacity) {
    _outbound.push_back(std::make_unique<ring_t>(capacity, &_park));
    return _outbound.back().get();
}

void remote_io::add_inbound(ring_t* ring, const std::vector<int>& tasks) {
    for (int t : tasks) {
        _task_ring[t] = ring;
    }
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
        bool work = false;
        bool blocked = false;
        for (auto& ring : _outbound) {
            std::size_t n = ring->consume(512, [&](tuple& t) {
                transport::tcp_client* c = _task_client[tuple_access::dest_task(t)];
                if (c == nullptr || !c->try_send(t)) {
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
                     _endpoints_changed.load(std::memory_order_relaxed);
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
        _park.park(blocked || open_frames ? std::chrono::microseconds(200)
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
    std::uint64_t delivered = 0;
    for (tuple& t : tuples) {
        int dest = tuple_access::dest_task(t);
        ring_t* ring = _task_ring[dest];  // dest < num_tasks + 1: the decoder checked it
        if (ring == nullptr) {
            std::uint64_t n = _dropped.fetch_add(1, std::memory_order_relaxed) + 1;
            if (n <= 10 || n % 10000 == 0) {
                common::logger("worker").warn(
                    "dropping a tuple for task {}, which does not run in this worker ({} dropped "
                    "so far): the sender's assignment is stale",
                    dest, n);
            }
            continue;
        }
        tuple* slot = ring->try_claim();
        int spins = 0;
        while (slot == nullptr) {
            // Full: let the consumer see what we have and wait for room, without reading more
            // from the sockets meanwhile.
            for (ring_t* r : _touched) {
                r->publish();
            }
            if (!_receiving.load(std::memory_order_acquire)) {
                _received.fetch_add(delivered, std::memory_order_relaxed);
                return;  // stopping: the rest is dropped
            }
            if (++spins < 64) {
                sched_yield();
            } else {
                std::this_thread::sleep_for(std::chrono::microseconds(50));
            }
            slot = ring->try_claim();
        }
        // Swap, not move: the batch keeps the slot's old buffers for the next frame.
        std::swap(*slot, t);
        ring->commit();
        ++delivered;
        bool seen = false;
        for (ring_t* r : _touched) {
            seen |= r == ring;
        }
        if (!seen) {
            _touched.push_back(ring);
        }
    }
    _received.fetch_add(delivered, std::memory_order_relaxed);
    for (ring_t* r : _touched) {
        r->publish();
    }
    _touched.clear();
}

}  // namespace tempest::worker
