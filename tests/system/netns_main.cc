// SPDX-License-Identifier: Apache-2.0
// `netns_cluster`: the namespace cluster of netns_test (netns_cluster.h) by hand, for
// benchmarks and experiments. As root:
//
//   build/tests/netns_cluster [--dir DIR] [--hosts N] [--slots N] [-s 'key: value']...
//
// installs the build tree into a temporary prefix, starts ZooKeeper and Nimbus in the control
// namespace and one supervisor per host namespace (the units' commands, each host's node file
// with `-s` lines appended), prints the client config and the `ip netns exec` line that runs a
// client (tempest, tempest-bench) in the control namespace, and runs until SIGINT or SIGTERM,
// then stops everything and removes the namespaces. Exits 2 on a bad argument, 1 when the
// cluster cannot start (or namespaces are not permitted here).
#include "netns_cluster.h"
#include "tempest/common/log.h"
#include "tempest_process.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    namespace nn = tempest::system_test::netns;
    nn::options o;
    o.dir = fs::temp_directory_path() / ("tempest-netns-cluster-" + std::to_string(::getpid()));
    int slots = 1;
    // The workers' ZooKeeper heartbeat every second (tempest-bench --cluster samples it).
    o.settings = {"task.heartbeat.frequency.secs: 1"};
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (i + 1 >= argc) {
            std::fprintf(stderr, "netns_cluster: %s needs a value\n", argv[i]);
            return 2;
        }
        std::string v = argv[++i];
        if (a == "--dir") {
            o.dir = fs::absolute(v);
        } else if (a == "--hosts") {
            o.hosts = std::atoi(v.c_str());
        } else if (a == "--slots") {
            slots = std::atoi(v.c_str());
        } else if (a == "-s") {
            o.settings.push_back(v);
        } else {
            std::fprintf(stderr, "netns_cluster: unknown argument '%s'\n", argv[i - 1]);
            return 2;
        }
    }
    if (o.hosts < 1 || o.hosts > 9 || slots < 1 || slots > 16) {
        std::fprintf(stderr, "netns_cluster: --hosts must be 1..9 and --slots 1..16\n");
        return 2;
    }
    o.slots.clear();
    for (int s = 0; s < slots; ++s) {
        o.slots.push_back(6700 + s);
    }
    if (const std::string& why = nn::unavailable_reason(); !why.empty()) {
        std::fprintf(stderr, "netns_cluster: %s\n", why.c_str());
        return 1;
    }
    nn::guard_process();
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    tempest::common::init_logging("warn");
    // SIGINT and SIGTERM are taken with sigwait; every thread started from here blocks them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    try {
        o.out = &std::cout;
        const auto& tree = nn::install_once(tempest::system_test::build_dir());
        nn::cluster c(tree, o);
        std::cout << "netns cluster ready: Nimbus " << nn::cluster::address(0)
                  << ":6627, ZooKeeper " << nn::cluster::address(0) << ":" << c.zookeeper_port()
                  << ", hosts " << nn::cluster::address(1) << ".." << nn::cluster::address(o.hosts)
                  << " with " << slots << " slot(s) each\n"
                  << "directory " << o.dir.string() << " (node files, logs); installed tree "
                  << tree.prefix.string() << "\n"
                  << "clients run in the control namespace, e.g.\n"
                  << "  ip netns exec " << c.control_namespace() << " "
                  << (tempest::system_test::build_dir() / "bin" / "tempest-bench").string()
                  << " word-count --cluster --config " << c.client_config().string()
                  << " --workers " << o.hosts << "\n"
                  << "  ip netns exec " << c.control_namespace() << " " << tree.tempest.string()
                  << " list --config " << c.client_config().string() << "\n"
                  << "SIGINT or SIGTERM stops it." << std::endl;
        int sig = 0;
        ::sigwait(&stop, &sig);
        std::cout << "stopping" << std::endl;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "netns_cluster: %s\n", e.what());
        return 1;
    }
    return 0;
}
