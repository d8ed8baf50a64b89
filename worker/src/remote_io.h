// SPDX-License-Identifier: Apache-2.0
// remote_io: the part of a topology_runtime that reaches tasks in other worker processes.
//
//   executor ──stage──▶ (same thread) send_outbound ──tcp_client (one per peer worker)──▶ peer
//   executor ◀──ring── tcp_server strand (remote_receiver) ◀─── frames from peer workers
//                  ▲              │ ring full
//                  └── overflow ◀─┘ (retried on every frame and on a timer)
//
// Threads: one io_pool (worker.transport.io.threads threads, default 1) that runs the server
// and every client, each on its own strand: a worker's thread count does not grow with its
// number of peers. There is no transfer thread.
// Outbound: every executor thread has one stage for remote tasks (remote_outbound,
// remote_stage.h: its tuples encoded as they are emitted, in runs of one head), and hands what it
// staged to the client of the worker that runs each run's destination task itself, at the end of
// each pass (send_outbound): the runs for one worker under one lock of its client, each copied
// into the open frame after one credit check (tcp_client::try_send_run_locked). No thread
// hand-off and no
// wake-up per batch: with a transfer thread between the executors and the clients, two workers
// on two vCPUs spent about a fifth of their CPU in its yields, parks and wake-ups
// (docs/PERFORMANCE.md, "Two workers without a transfer thread"). A full client queue or a task
// out of credit leaves the messages in the stage, so it fills, the executor's output counts as
// overflowed and backpressure reaches the spouts exactly as for a local queue; the executor is
// marked as waiting for room, and the client's write completion or the peer's grant wakes it if
// it parked (on_room). A tuple
// whose task has no known location yet waits in the stage too, until set_task_endpoints() wakes
// the executors. The clients have no flush timer: when a pass sends nothing after one that did,
// the executor queues the open frames for writing (an idle pipeline's last tuples go at once),
// and one that sends on every pass queues frames older than flush_interval. A frame sealed while
// its socket is free is written by the executor itself (tcp_client.h). Inbound: the server's strand
// (the "I/O thread" below) decodes each frame's tuples straight into the slots of one ring per
// executor thread (remote_receiver.h; Storm's WorkerState.transferLocalBatch), parking what does
// not fit in that executor's overflow. The I/O thread never waits for an executor, so one full
// executor does not hold up tuples for the others (with workers exchanging tuples both ways, a
// blocked reader on each side would wait on the other forever). Overflows are retried before each
// new frame and on a server timer while any is held: every 50 us to 1 ms, halved when an executor
// whose ring stays full took more than three quarters of it since the last try and doubled when it
// took less than a quarter (each wake-up costs the I/O thread a context switch), and backing off to
// 1 ms while the executors take nothing (a blocked executor does not keep the I/O thread busy).
// Flow control is by credits (tcp_transport.h): a sender may have remote_options::credit_window
// tuples per destination task on their way; the I/O thread owes credits to the connection a tuple
// came by once that tuple is in its executor's ring (or dropped), grants them as soon as a task is
// owed a quarter of the window, and the rest on the timer (20 ms after a frame, and at most every
// 20 ms while tuples wait in an overflow; a sender out of credit has at least three quarters of its
// window owed, in flight or held here, so the quarter grants alone keep it going). What a worker
// holds beyond its rings is thus bounded by window x tasks x sending peers, however slow its
// executors or however late its threads are scheduled; a sender without credit leaves tuples in its
// executors' rings and backpressure stops its spouts. Only when inbound_limit tuples are held
// anyway (a peer that ignores credits) does the server stop reading, until the overflows are below
// it again. Tuples for tasks that do not run here (a sender with a stale assignment) are dropped
// and counted; acking replays them.
#pragma once

#include "remote_receiver.h"
#include "remote_stage.h"
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
#include <optional>
#include <vector>

namespace tempest::worker {

// One executor thread's way to remote tasks: the stage it fills (and, through
// remote_io::send_outbound, empties), and what remote_io knows of that thread.
struct remote_outbound {
    std::unique_ptr<remote_stage> stage;
    parker* producer = nullptr;  // the executor's: woken when room comes for a waiting tuple
    // Its first tuple could not go (no credit, a full queue, no known location): a write,
    // grant or new set of locations wakes the executor.
    std::atomic<bool> waits{false};
    std::uint64_t room_seen = 0;  // remote_io's room events when it was last tried
    bool unflushed = false;       // the executor's thread: sent since the frames were last queued
    std::chrono::steady_clock::time_point next_age_check{};  // the executor's thread
};

class remote_io {
  public:
    using ring_t = spsc_ring<tuple>;

    remote_io(const topology_plan& plan, const remote_options& options);
    ~remote_io();  // stop()
    remote_io(const remote_io&) = delete;
    remote_io& operator=(const remote_io&) = delete;

    // Wiring, before start(): the stage (at most `capacity` messages before it counts as
    // full) an executor thread (parking on `producer`) fills for remote tasks and empties with
    // send_outbound(), and the ring remote tuples for the tasks in
    // `tasks` go to (remote_io produces it, on the server's I/O thread; give it park() as the
    // ring's producer parker).
    remote_outbound* add_outbound(std::size_t capacity, parker* producer);
    // The inbound rings' producer parker. Nobody parks on it: the I/O thread retries overflows
    // on a timer instead, so an executor's wake costs a load and no system call.
    parker& park() noexcept { return _inbound_park; }
    void add_inbound(ring_t* ring, const std::vector<int>& tasks);

    // On the thread of the executor that fills `o`: hands the stage's runs of messages to the
    // connections of their workers, up to the first that cannot go yet (that one waits,
    // and the executor is woken when it may go: see remote_outbound::waits). A call that finds
    // nothing to send after one that sent queues the open frames for writing. True when it sent
    // any tuple.
    bool send_outbound(remote_outbound& o);

    // Listens. Throws std::runtime_error when the port cannot be bound.
    void start();
    // Stops handing received tuples to executors: frames that arrive from now on are dropped.
    // Call before stopping the executors.
    void stop_receiving() noexcept { _receiving.store(false, std::memory_order_release); }
    // Stops the server, sends what the executors left in their rings (for at most a short
    // while), then stops the clients (frames not yet written are dropped). Call after the
    // executors' threads have stopped.
    void stop();

    std::uint16_t port() const noexcept { return _server ? _server->port() : 0; }
    void set_task_endpoints(std::vector<task_endpoint> endpoints);
    remote_stats stats() const noexcept;
    // Every connection: one per peer worker this worker sends to, one per worker connected to
    // this one. Any thread.
    std::vector<connection_stats> connections() const;

  private:
    // Requires: _route_mu held.
    std::size_t send_from(remote_stage& stage, bool& blocked);
    // Queues every client's open frame (only those opened before `cutoff`, if given). False
    // when a full queue kept one open. Requires: _route_mu held.
    bool flush_clients(std::optional<std::chrono::steady_clock::time_point> cutoff = {});
    // A client made room (a write completed, credits came): wakes the executors that wait for
    // it. On a client's strand.
    void on_room() noexcept;
    void wake_waiting(bool all) noexcept;
    // Requires: _route_mu held.
    void apply_endpoints(std::vector<task_endpoint> eps);
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

    // outbound (the executors' threads)
    std::vector<std::unique_ptr<remote_outbound>> _outbound;
    // Guards the routes (_task_client, _clients) the executors send by, against a change of
    // locations and stop(). Held by an executor for one send_outbound().
    std::mutex _route_mu;
    bool _started = false;  // under _route_mu
    // Room events: writes done, grants received, locations changed (on_room, endpoints).
    std::atomic<std::uint64_t> _room_seq{0};
    // By "host:port". Changed under _route_mu and _clients_mu; read by senders under the
    // first, by other threads (connections(), stats()) under the second.
    std::map<std::string, std::unique_ptr<transport::tcp_client>> _clients;
    mutable std::mutex _clients_mu;
    std::vector<transport::tcp_client*> _task_client;  // index = task id; null = unknown
    std::optional<std::vector<task_endpoint>> _pending_endpoints;  // before start(); _route_mu

    // inbound (server I/O thread)
    static constexpr std::size_t inbound_limit = 4 * 1024 * 1024;  // overflowed tuples
    static constexpr std::chrono::microseconds retry_min{50};
    static constexpr std::chrono::microseconds retry_max{1000};
    // Credits owed below a quarter of the window are granted this long after a frame (or an
    // overflow retry): they are never needed to keep a sender going (the quarter grants are:
    // remote_receiver.h), so a sender's I/O thread is not woken for them every millisecond.
    static constexpr std::chrono::microseconds grant_delay{20000};
    parker _inbound_park;
    remote_receiver _receiver;
    std::chrono::microseconds _retry_interval = retry_min;
    std::chrono::steady_clock::time_point _last_grant_all{};
    bool _paused = false;  // the server stopped reading: inbound_limit reached
    std::atomic<bool> _receiving{false};

    std::atomic<std::uint64_t> _sent{0};
    // Peers' grants and credit waits of stopped clients (under _clients_mu).
    std::uint64_t _retired_credits_received = 0;
    std::uint64_t _retired_credit_waits = 0;
};

}  // namespace tempest::worker
