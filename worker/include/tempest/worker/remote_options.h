// SPDX-License-Identifier: Apache-2.0
// remote_options: what a topology_runtime that is one worker of a cluster needs to reach the
// other workers (worker/src/remote_io.h), and what it reports about that traffic. Plain values,
// copied freely; no thread of their own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tempest::worker {

// A runtime that is one worker of a cluster: where it listens for tuples from other workers and
// how it batches tuples to them (worker/src/remote_io.h).
struct remote_options {
    std::string bind_address = "0.0.0.0";
    std::uint16_t port = 0;  // the worker's slot; 0 = any free port (tests)
    std::size_t batch_bytes = 64 * 1024;
    std::chrono::microseconds flush_interval{1000};
    std::size_t max_queued_frames = 16;  // per peer worker
    // Tuples per destination task a worker may send ahead of the receiver's credit grants
    // (remote_io.h: bounds what a receiver holds beyond its rings). The receiver grants once a
    // task is owed a quarter of it, after the frame that made it so: a quarter must outlast a
    // full frame of small tuples (a 64 KiB frame holds ~4,400 words of word count), or every
    // frame draws a grant frame back, and each grant costs a send on one side and a wake-up
    // and reads on the other. With 8192, two workers spent a fifth of their CPU in the kernel;
    // 32768 halves the grants (docs/PERFORMANCE.md, "Fewer grants", session 26).
    std::uint32_t credit_window = 32768;
    // Threads of the I/O pool all the worker's connections share; 0 = the topology config's
    // worker.transport.io.threads (conf/defaults.yaml).
    std::size_t io_threads = 0;
};

// Where a task of another worker runs; port 0 = not known (its tuples wait).
struct task_endpoint {
    std::string host;
    std::uint16_t port = 0;
    friend bool operator==(const task_endpoint&, const task_endpoint&) = default;
};

struct remote_stats {
    std::uint64_t sent = 0;      // tuples handed to peer workers
    std::uint64_t received = 0;  // tuples received from peer workers
    std::uint64_t dropped = 0;   // received for a task that does not run here
    std::uint64_t rejected_frames = 0;
    std::uint64_t credits_granted = 0;   // credits this worker granted to its senders
    std::uint64_t credits_received = 0;  // credits peers granted to this worker
    std::uint64_t credit_waits = 0;      // times a tuple waited for a peer's credit
    std::size_t connections_in = 0;
};

// One connection to or from a peer worker, for the built-in metrics (docs/METRICS.md): what
// went through it since it opened (outbound: since this worker first connected to that peer).
struct connection_stats {
    // Outbound: the peer worker's slot, "host:port" as the assignment names it. Inbound: the
    // sending worker's address as the socket sees it, "ip:port" (an ephemeral port).
    std::string peer;
    bool outbound = true;
    std::uint64_t bytes = 0;         // frame bytes written (outbound) or decoded (inbound)
    std::uint64_t tuples = 0;        // messages: tuples, acks and other system messages
    std::uint64_t credit_waits = 0;  // outbound: times a tuple waited for the peer's credit
};

}  // namespace tempest::worker
