// SPDX-License-Identifier: Apache-2.0
// fault_proxy: a TCP relay that makes a link slow or flaky on purpose, for tests of what runs
// over it (this machine's kernel has no netem). It adds a delay to every chunk it relays, stalls
// (relays nothing for a while, the connections kept open), cuts connections after a given
// number of bytes (mid-frame, for a framed protocol) or at once, and caps the bandwidth. Faults
// can be changed while it runs.
//
//   client ──▶ listen_host:port() ──[ delay | stall | cap | cut ]──▶ target_host:target_port
//          ◀──                    ◀─[ delay | stall | cap       ]──
//
//   test_support::fault_proxy proxy({.target_port = server_port});
//   proxy.set_faults({.latency = 20ms});           // every chunk waits 20 ms, both ways
//   proxy.set_faults({.cut_after_bytes = 40'000});  // each connection cut after 40 kB upstream
//   proxy.stall(300ms);                            // nothing relayed for 300 ms
//   proxy.cut_now();                               // every open connection closed
//
// Each direction of each connection is a queue of chunks, each stamped with the time it was read:
// a chunk is written on once its delay has passed, outside any stall, as the bandwidth cap's
// token bucket allows. Reading goes on while chunks wait, up to buffer_bytes per direction, so a
// delay does not by itself limit throughput (a long fat link); past that, the proxy stops
// reading and TCP pushes back on the sender. A cut closes both sockets of a connection (the
// target sees an orderly end after exactly the bytes relayed before it; the client may see a
// reset if it had sent more); what the proxy held for it is lost, as on a broken link. A client or
// target that closes its end has that end's close passed on once what was read before it has been
// relayed.
//
// Network namespaces (net_namespace.h): the listening socket may be created in one and the
// connections to the target made from another, so that a link crosses a veth pair, e.g. with a
// tc tbf qdisc on it.
//
// One thread (started by the constructor, joined by the destructor) runs a poll loop over the
// listening socket and every relayed connection; the methods hand it settings and commands and
// may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace tempest::test_support {

// What a fault_proxy does to what it relays. Values, copied; all zero = a plain relay.
struct link_faults {
    // Added to every chunk, in both directions: a chunk read at t is written from t + latency.
    std::chrono::microseconds latency{0};
    // Bytes per second each direction of each connection may carry (a token bucket holding up to
    // burst_bytes); 0 = no cap.
    std::uint64_t bytes_per_second = 0;
    std::uint64_t burst_bytes = 16 * 1024;
    // Each connection is cut once this many bytes went from client to target on it; 0 = never.
    // Counted per connection, so a client that reconnects is cut again after as many.
    std::uint64_t cut_after_bytes = 0;
    // Periodic stalls: from set_faults() (or construction) on, the first stall_length of every
    // stall_period relays nothing either way. Both 0 = none.
    std::chrono::milliseconds stall_period{0};
    std::chrono::milliseconds stall_length{0};
};

struct fault_proxy_options {
    std::string listen_host = "127.0.0.1";  // a numeric IPv4 address; the port is chosen
    std::string target_host = "127.0.0.1";  // a numeric IPv4 address
    std::uint16_t target_port = 0;
    // File descriptors of network namespaces (net_namespace::fd()) to listen in and to connect
    // to the target from; -1 = the constructing thread's. Not owned; must outlive the proxy.
    int listen_netns = -1;
    int target_netns = -1;
    // Bytes held per direction of a connection before the proxy stops reading from its sender.
    std::size_t buffer_bytes = 1 << 20;
    // The streams are frames of a 4-byte little-endian body length and the body (Tempest's
    // transport, worker/include/tempest/worker/transport/frame.h): the proxy counts the frames
    // it relays and the cuts that land inside one. It changes nothing it relays.
    bool length_prefixed = false;
    link_faults faults;
};

// What went through a fault_proxy since it was constructed.
struct fault_proxy_counters {
    std::uint64_t bytes_up = 0;         // written to targets
    std::uint64_t bytes_down = 0;       // written to clients
    std::uint64_t accepted = 0;         // connections accepted
    std::uint64_t open = 0;             // relayed now (accepted and not yet closed)
    std::uint64_t cuts = 0;             // connections cut by cut_after_bytes or cut_now()
    std::uint64_t target_failures = 0;  // connections to the target refused or failed
    std::uint64_t stalls = 0;           // stalls begun: stall() calls and periodic ones
    // With length_prefixed: whole frames written to targets and to clients, and cuts that left
    // a frame (or its length) part written in either direction.
    std::uint64_t frames_up = 0;
    std::uint64_t frames_down = 0;
    std::uint64_t cuts_mid_frame = 0;
};

class fault_proxy {
  public:
    // Listens on options.listen_host (a free port) and starts the relay thread. Throws
    // std::invalid_argument naming a bad address or option, std::system_error when a socket
    // cannot be made or bound or a namespace cannot be entered.
    explicit fault_proxy(fault_proxy_options options);
    ~fault_proxy();  // closes every connection and joins the thread
    fault_proxy(const fault_proxy&) = delete;
    fault_proxy& operator=(const fault_proxy&) = delete;

    std::uint16_t port() const noexcept;

    // Replaces the faults; chunks already queued keep the time they are due (a new latency
    // applies to what is read from now on). Periodic stalls restart from now. Returns once the
    // relay thread has taken them.
    void set_faults(const link_faults& faults);
    link_faults faults() const;
    // Relays nothing either way for `length` from now (on top of any periodic stall). Returns
    // once the relay thread has taken it.
    void stall(std::chrono::milliseconds length);
    // Cuts every connection open now; returns how many, once they are closed.
    std::uint64_t cut_now();
    fault_proxy_counters counters() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::test_support
