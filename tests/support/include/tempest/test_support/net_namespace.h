// SPDX-License-Identifier: Apache-2.0
// net_namespace: a private, unnamed network namespace for a test (several hosts on one machine,
// e.g. two ends of a veth pair with a tc qdisc between them). Made by unshare(CLONE_NEWNET) on a
// short-lived thread and held by a file descriptor: nothing appears under /run/netns, and the
// kernel removes the namespace, with its interfaces (a veth pair with either end in it), once
// the descriptor is closed and no socket made in it is left, even when the test crashes.
//
//   test_support::net_namespace a, b;
//   a.run("ip link add va type veth peer name vb netns " + b.path());
//   a.run("tc qdisc add dev va root tbf rate 4mbit burst 16kb latency 100ms");
//
// Sockets are made in a namespace with fault_proxy_options::listen_netns/target_netns (its
// fd()). Needs CAP_SYS_ADMIN (root). Any thread may call run(); not copyable.
#pragma once

#include <string>

namespace tempest::test_support {

class net_namespace {
  public:
    // Throws std::system_error (EPERM where namespaces are not permitted) when it cannot be made.
    net_namespace();
    ~net_namespace();  // closes the descriptor: the namespace goes with its last user
    net_namespace(const net_namespace&) = delete;
    net_namespace& operator=(const net_namespace&) = delete;

    int fd() const noexcept { return _fd; }
    // A path naming it for other tools ("/proc/<pid>/fd/<fd>"), e.g. `ip link set X netns PATH`.
    std::string path() const;

    struct output {
        int status = -1;   // the exit status; -1 when the command could not be run or was killed
        std::string text;  // stdout and stderr
    };
    // Runs `command` with /bin/sh inside the namespace and waits for it.
    output run(const std::string& command) const;

  private:
    int _fd = -1;
};

}  // namespace tempest::test_support
