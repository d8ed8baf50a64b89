// SPDX-License-Identifier: Apache-2.0
// tcp_proxy: a loopback TCP relay that a test can cut, to partition a client from a server (a
// daemon from ZooKeeper, say) while both keep running.
//
//   client ──▶ 127.0.0.1:proxy.port() ──relay──▶ upstream (127.0.0.1:<upstream_port>)
//
//   test_support::tcp_proxy proxy(zk.port());
//   common::zk_cluster_state s({.servers = "127.0.0.1:" + std::to_string(proxy.port())});
//   proxy.cut();      // every relayed connection is closed, new ones are closed at once
//   proxy.restore();  // connections pass again
//
// One thread (started by the constructor, joined by the destructor) runs a poll loop over the
// listening socket and every relayed pair; cut(), restore() and the destructor hand it commands
// and wait until it has carried them out. Methods may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace tempest::test_support {

class tcp_proxy {
  public:
    // Listens on a free 127.0.0.1 port and relays to 127.0.0.1:upstream_port. Throws
    // std::system_error when it cannot listen.
    explicit tcp_proxy(int upstream_port);
    ~tcp_proxy();
    tcp_proxy(const tcp_proxy&) = delete;
    tcp_proxy& operator=(const tcp_proxy&) = delete;

    int port() const noexcept { return _port; }
    // Closes every relayed connection and, until restore(), closes new ones as soon as they are
    // accepted. Returns once the current connections are closed.
    void cut();
    void restore();
    // Connections relayed now (for tests of the proxy itself).
    int connections();

  private:
    void run();
    // Hands a command to the loop and waits until it has run. Requires: _mu not held.
    void command(int cmd);

    int _upstream_port;
    int _port = 0;
    int _listen_fd = -1;
    int _wake_fd = -1;  // eventfd: a command is waiting

    std::mutex _mu;               // guards the members below
    std::condition_variable _cv;  // signalled when the loop has run a command
    int _pending = 0;             // the command for the loop (0: none)
    std::uint64_t _requested = 0;
    std::uint64_t _done = 0;
    int _connections = 0;

    std::thread _thread;  // last: started once everything above is set up
};

}  // namespace tempest::test_support
