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
// forever).
// Flow control is by credits (tcp_transport.h): a sender may have remote_options::credit_window
// tuples per destination task on their way; the receiver grants credits back to the connection
// a tuple came by once that tuple is in its executor's ring (or dropped). What a worker holds
// beyond its rings is thus bounded by window x tasks x sending peers, however slow its
// executors or however late its threads are scheduled; a sender without credit leaves tuples in
// its executors' rings and backpressure stops its spouts. Only when inbound_limit tuples are
// held anyway (a peer that ignores credits) does the I/O thread wait, which stops it reading.
// Tuples for tasks that do not run here (a sender with a stale assignment) are dropped and
// counted; acking replays them.
#pragma once

#include "tempest/worker/parker.h"
#include "tempest/worker/remote_options.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/topology_plan.h"
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

    // Wiring, before start(): a ring an executor thread (parking on `producer`) fills for
    // remote tasks (remote_io consumes it), and the ring remote tuples for the tasks in `tasks`
    // go to (remote_io produces it; give it park() as the ring's producer parker).
    ring_t* add_outbound(std::size_t capacity, parker* producer);
    parker& park() noexcept { return _park; }
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
    void on_batch(std::uint32_t connection, std::span<tuple> tuples);

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

    // inbound
    struct inbound {
        ring_t* ring = nullptr;
        std::vector<tuple> overflow;  // oldest at head; reset (not freed) once drained
        std::size_t head = 0;
        bool has_overflow() const noexcept { return head < overflow.size(); }
    };
    static constexpr std::size_t inbound_limit = 4 * 1024 * 1024;  // staged + overflowed tuples
    bool move_inbound();  // transfer thread: staged tuples and overflows into the rings
    // Into the executor's ring (true), or its overflow when the ring is full or not empty.
    bool deliver(inbound& in, tuple& t);
    // Credits owed to one inbound connection, by task, not yet granted (transfer thread).
    struct owed_credits {
        std::vector<std::uint32_t> by_task;
        std::vector<std::uint32_t> tasks;  // tasks with a non-zero entry
        bool due = false;                  // some task reached the grant threshold
        std::uint32_t quiet_rounds = 0;    // idle passes with nothing owed
    };
    void owe(std::uint32_t connection, int task);
    // Grants what is owed: to connections with a task past the threshold, or all with `all`.
    void grant_credits(bool all);
    std::map<std::uint32_t, owed_credits> _owed;  // by connection id
    std::uint32_t _owed_last_id = 0;
    owed_credits* _owed_last = nullptr;  // cache: tuples come in runs from one connection
    std::vector<transport::credit_grant> _grants;
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
    std::atomic<std::uint64_t> _credits_granted{0};
    // Peers' grants and credit waits summed over the clients, published by the transfer thread.
    void publish_client_stats();
    std::uint64_t _retired_credits_received = 0;  // of stopped clients; transfer thread
    std::uint64_t _retired_credit_waits = 0;
    std::atomic<std::uint64_t> _credits_received{0};
    std::atomic<std::uint64_t> _credit_waits{0};
};

}  // namespace tempest::worker
