// SPDX-License-Identifier: Apache-2.0
// remote_io: the part of a topology_runtime that reaches tasks in other worker processes.
//
//   executor ──ring──▶ transfer thread ──tcp_client (one per peer worker)──▶ peer's tcp_server
//   executor ◀──ring── tcp_server I/O thread ◀──────── frames from peer workers
//
// Outbound: every executor thread has one ring to the transfer thread (it is the ring's only
// consumer); the transfer thread hands each tuple to the client of the worker that runs its
// destination task. A full client queue leaves the tuple in its ring, so the executor's link
// overflows and backpressure reaches the spouts exactly as for a local queue. A tuple whose task
// has no known location yet waits in its ring too.
// Inbound: the server's I/O thread is the single producer of one ring per executor thread. A
// full ring makes it wait (it stops reading its sockets, so TCP pushes back on the senders).
// Tuples for tasks that do not run here (a sender with a stale assignment) are dropped and
// counted; acking replays them.
#pragma once

#include "tempest/worker/parker.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/topology_runtime.h"
#include "tempest/worker/transport/frame.h"
#include "tempest/worker/transport/tcp_transport.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tempest::worker {

class remote_io {
  public:
    using ring_t = spsc_ring<tuple>;

    remote_io(const topology_plan& plan, const remote_options& options);
    ~remote_io();  // stop()
    remote_io(const remote_io&) = delete;
    remote_io& operator=(const remote_io&) = delete;

    // Wiring, before start(): a ring executor thread `thread` fills for remote tasks (remote_io
    // consumes it), and the ring remote tuples for the tasks in `tasks` go to (remote_io
    // produces it).
    ring_t* add_outbound(std::size_t capacity);
    void add_inbound(ring_t* ring, const std::vector<int>& tasks);

    // Listens and starts the transfer thread. Throws std::runtime_error when the port cannot be
    // bound.
    void start();
    // Stops handing received tuples to executors (a server waiting for room gives up and drops
    // the rest of its frame). Call before stopping the executors.
    void stop_receiving() noexcept { _receiving.store(false, std::memory_order_release); }
    // Stops the server; the transfer thread sends what the executors left in their rings (for at
    // most a short while), then it and the clients stop (frames not yet written are dropped).
    void stop();

    std::uint16_t port() const noexcept { return _server ? _server->port() : 0; }
    void set_task_endpoints(std::vector<task_endpoint> endpoints);
    remote_stats stats() const noexcept;

  private:
    void transfer_loop();
    void apply_endpoints();
    void on_batch(std::span<tuple> tuples);

    const topology_plan& _plan;
    remote_options _options;
    transport::schema_table _schemas;
    std::unique_ptr<transport::tcp_server> _server;

    // outbound (transfer thread)
    std::vector<std::unique_ptr<ring_t>> _outbound;
    parker _park;
    std::thread _transfer;
    std::atomic<bool> _stop{false};
    std::map<std::string, std::unique_ptr<transport::tcp_client>> _clients;  // by "host:port"
    std::vector<transport::tcp_client*> _task_client;  // index = task id; null = unknown
    std::mutex _endpoints_mu;                          // guards _pending_endpoints
    std::vector<task_endpoint> _pending_endpoints;
    std::atomic<bool> _endpoints_changed{false};

    // inbound (server I/O thread)
    std::vector<ring_t*> _task_ring;  // index = task id; null = not in this worker
    std::vector<ring_t*> _touched;
    std::atomic<bool> _receiving{false};

    std::atomic<std::uint64_t> _sent{0};
    std::atomic<std::uint64_t> _received{0};
    std::atomic<std::uint64_t> _dropped{0};
};

}  // namespace tempest::worker
