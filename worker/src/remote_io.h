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
// Inbound: the server's I/O thread appends each decoded frame to a staging batch (one lock per
// frame); the transfer thread moves staged tuples into one ring per executor thread, parking
// what does not fit in a per-ring overflow that it retries on every turn. So one full executor
// never holds up tuples for the others (no head-of-line blocking across a connection: with
// workers exchanging tuples both ways, a blocked reader on each side would wait on the other
// forever). Flow control keeps what is held small: while an executor's overflow holds
// flow_high tuples or more,
// the transfer thread tells every peer, every flow_refresh, that the executor's tasks are
// congested; a peer holds back tuples for a congested task for flow_lease after the last such
// message (a lease, so a lost message never blocks a sender for good), which leaves them in its
// executors' rings and its backpressure stops its spouts. Only when inbound_limit tuples are
// held anyway does the I/O thread wait, which stops it reading: an emergency brake set far above
// what flow control lets through, since a brake that engages in normal running brings the
// cyclic wait back. Tuples for
// tasks that do not run here (a sender with a stale assignment) are dropped and counted;
// acking replays them.
#pragma once

#include "tempest/worker/parker.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/topology_runtime.h"
#include "tempest/worker/transport/frame.h"
#include "tempest/worker/transport/tcp_transport.h"

#include <atomic>
#include <condition_variable>
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
    std::vector<std::int64_t> _congested_until;        // index = task id; steady ns
    std::mutex _endpoints_mu;                          // guards _pending_endpoints
    std::vector<task_endpoint> _pending_endpoints;
    std::atomic<bool> _endpoints_changed{false};

    // inbound
    struct inbound {
        ring_t* ring = nullptr;
        std::vector<tuple> overflow;  // oldest at head; reset (not freed) once drained
        std::size_t head = 0;
        std::vector<int> tasks;          // the executor thread's tasks
        std::int64_t next_announce = 0;  // steady ns
        bool has_overflow() const noexcept { return head < overflow.size(); }
    };
    static constexpr std::size_t inbound_limit = 4 * 1024 * 1024;  // staged + overflowed tuples
    static constexpr std::size_t flow_high = 4096;  // overflowed tuples that mean congested
    static constexpr std::int64_t flow_refresh_ns = 1'000'000;
    static constexpr std::int64_t flow_lease_ns = 2'000'000;
    void announce_congestion(std::int64_t now);
    bool move_inbound();  // transfer thread: staged tuples and overflows into the rings
    std::vector<std::unique_ptr<inbound>> _inbound;
    std::vector<inbound*> _task_inbound;  // index = task id; null = not in this worker
    std::mutex _staging_mu;               // guards _staging, _staged_count
    std::condition_variable _staging_cv;  // the I/O thread waits on it while over the limit
    std::vector<tuple> _staging;          // filled by the I/O thread
    std::size_t _staged_count = 0;        // tuples in _staging
    std::vector<tuple> _draining;         // the transfer thread's side of the double buffer
    std::atomic<std::size_t> _held{0};    // staged + overflowed, for the I/O thread's limit
    std::atomic<bool> _inbound_ready{false};
    std::atomic<bool> _receiving{false};

    std::atomic<std::uint64_t> _sent{0};
    std::atomic<std::uint64_t> _received{0};
    std::atomic<std::uint64_t> _dropped{0};
    std::atomic<std::uint64_t> _flow_sent{0};
    std::atomic<std::uint64_t> _flow_received{0};
};

}  // namespace tempest::worker
