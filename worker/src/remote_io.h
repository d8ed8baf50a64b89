// SPDX-License-Identifier: Apache-2.0
// remote_io: the part of a topology_runtime that reaches tasks in other worker processes.
//
//   executor ──ring──▶ transfer thread ──tcp_client (one per peer worker)──▶ peer's tcp_server
//   executor ◀──ring── tcp_server strand (remote_receiver) ◀─── frames from peer workers
//                  ▲              │ ring full
//                  └── overflow ◀─┘ (retried on every frame and on a timer)
//
// Threads: the transfer thread, and one io_pool (worker.transport.io.threads threads, default 1)
// that runs the server and every client, each on its own strand: a worker's thread count does
// not grow with its number of peers.
// Outbound: every executor thread has one ring to the transfer thread (it is the ring's only
// consumer); the transfer thread hands each tuple to the client of the worker that runs its
// destination task, a run of tuples for one worker under one lock of its client. A full client
// queue or a task out of credit leaves the tuple in its ring, so the executor's link overflows
// and backpressure reaches the spouts exactly as for a local queue; the client wakes the
// transfer thread when a write or a grant makes room, if it parked waiting for room. A tuple whose
// task has no known location yet waits in its ring too. The transfer thread does nothing else;
// idle, it parks until an executor publishes (no timer). Inbound: the server's strand (the "I/O
// thread" below) decodes each frame's tuples straight into the slots of one ring per executor
// thread (remote_receiver.h; Storm's WorkerState.transferLocalBatch), parking what does not fit in
// that executor's overflow. The I/O thread never waits for an executor, so one full executor does
// not hold up tuples for the others (with workers exchanging tuples both ways, a blocked reader on
// each side would wait on the other forever). Overflows are retried before each new frame and on a
// server timer while any is held: every 50 us to 1 ms, halved when an executor whose ring stays
// full took more than three quarters of it since the last try and doubled when it took less than
// a quarter (each wake-up costs the I/O thread a context switch), and backing off to 1 ms while
// the executors take nothing (a blocked executor does not keep the I/O thread busy). Flow control
// is by credits (tcp_transport.h): a sender may have remote_options::credit_window tuples per
// destination task on their way; the I/O thread owes credits to the connection a tuple came by once
// that tuple is in its executor's ring (or dropped), grants them as soon as a task is owed a
// quarter of the window, and the rest on the timer (1 ms after a frame, and at most every 1 ms
// while tuples wait in an overflow). What a worker holds beyond its rings is thus bounded by window
// x tasks x sending peers, however slow its executors or however late its threads are scheduled; a
// sender without credit leaves tuples in its executors' rings and backpressure stops its spouts.
// Only when inbound_limit tuples are held anyway (a peer that ignores credits) does the server stop
// reading, until the overflows are below it again. Tuples for tasks that do not run here (a sender
// with a stale assignment) are dropped and counted; acking replays them.
#pragma once

#include "remote_receiver.h"
#include "tempest/worker/parker.h"
#include "tempest/worker/remote_options.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/transport/frame.h"
#include "tempest/worker/transport/tcp_transport.h"

#include <atomic>
#include <chrono>
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

    // Wiring, before start(): a ring an executor thread (parking on `producer`) fills for
    // remote tasks (remote_io consumes it), and the ring remote tuples for the tasks in `tasks`
    // go to (remote_io produces it, on the server's I/O thread; give it park() as the ring's
    // producer parker).
    ring_t* add_outbound(std::size_t capacity, parker* producer);
    // The inbound rings' producer parker. Nobody parks on it: the I/O thread retries overflows
    // on a timer instead, so an executor's wake costs a load and no system call.
    parker& park() noexcept { return _inbound_park; }
    void add_inbound(ring_t* ring, const std::vector<int>& tasks);

    // Listens and starts the transfer thread. Throws std::runtime_error when the port cannot be
    // bound.
    void start();
    // Stops handing received tuples to executors: frames that arrive from now on are dropped.
    // Call before stopping the executors.
    void stop_receiving() noexcept { _receiving.store(false, std::memory_order_release); }
    // Stops the server; the transfer thread sends what the executors left in their rings (for at
    // most a short while), then it and the clients stop (frames not yet written are dropped).
    void stop();

    std::uint16_t port() const noexcept { return _server ? _server->port() : 0; }
    void set_task_endpoints(std::vector<task_endpoint> endpoints);
    remote_stats stats() const noexcept;
    // Every connection: one per peer worker this worker sends to, one per worker connected to
    // this one. Any thread.
    std::vector<connection_stats> connections() const;

  private:
    void transfer_loop();
    std::size_t send_from(ring_t& ring, bool& blocked);
    // A client made room (a write completed, credits came): wakes the transfer thread if it
    // parked waiting for room. On a client's strand.
    void on_room() noexcept;
    void apply_endpoints();
    // Server I/O thread: a frame, the timer, and what to do after either.
    transport::frame_error on_frame(std::uint32_t connection, std::span<const std::byte> body);
    void on_timer();
    void schedule();

    const topology_plan& _plan;
    remote_options _options;
    transport::schema_table _schemas;
    // The I/O threads of the server and every client: declared before them, destroyed after.
    std::unique_ptr<transport::io_pool> _pool;
    std::unique_ptr<transport::tcp_server> _server;

    // outbound (transfer thread)
    std::vector<std::unique_ptr<ring_t>> _outbound;
    parker _park;
    std::atomic<std::uint64_t> _room_seq{0};  // on_room() calls
    std::atomic<bool> _wants_room{false};     // the transfer thread parks waiting for room
    std::vector<char> _ring_blocked;          // by outbound ring: its head waited for room
    std::thread _transfer;
    std::atomic<bool> _stop{false};
    // By "host:port". Changed only by the transfer thread, under _clients_mu; read by it
    // without the lock, by other threads (connections()) with it.
    std::map<std::string, std::unique_ptr<transport::tcp_client>> _clients;
    mutable std::mutex _clients_mu;
    std::vector<transport::tcp_client*> _task_client;  // index = task id; null = unknown
    std::mutex _endpoints_mu;                          // guards _pending_endpoints
    std::vector<task_endpoint> _pending_endpoints;
    std::atomic<bool> _endpoints_changed{false};

    // inbound (server I/O thread)
    static constexpr std::size_t inbound_limit = 4 * 1024 * 1024;  // overflowed tuples
    static constexpr std::chrono::microseconds retry_min{50};
    static constexpr std::chrono::microseconds retry_max{1000};
    static constexpr std::chrono::microseconds grant_delay{1000};
    parker _inbound_park;
    remote_receiver _receiver;
    std::chrono::microseconds _retry_interval = retry_min;
    std::chrono::steady_clock::time_point _last_grant_all{};
    bool _paused = false;  // the server stopped reading: inbound_limit reached
    std::atomic<bool> _receiving{false};

    std::atomic<std::uint64_t> _sent{0};
    // Peers' grants and credit waits summed over the clients, published by the transfer thread.
    void publish_client_stats();
    std::uint64_t _retired_credits_received = 0;  // of stopped clients; transfer thread
    std::uint64_t _retired_credit_waits = 0;
    std::atomic<std::uint64_t> _credits_received{0};
    std::atomic<std::uint64_t> _credit_waits{0};
};

}  // namespace tempest::worker
