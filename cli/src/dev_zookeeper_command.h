// SPDX-License-Identifier: Apache-2.0
// `tempest dev-zookeeper`: a throwaway ZooKeeper server for development, as Storm's
// `storm dev-zookeeper`.
//
//   tempest dev-zookeeper [--port N] [--dir DIR] [--config FILE] [-c key=value]...
//
// Runs Debian's ZooKeeper server (java QuorumPeerMain, a child process) on 127.0.0.1:N (default
// storm.zookeeper.port; 0 picks a free port) with its data and log in DIR, or in a fresh
// temporary directory that is removed on exit. Waits until the server serves ("imok" to ruok
// and "rw" to isro), prints where it listens and its log file on stdout, then runs until
// SIGINT/SIGTERM (or until the server dies), and stops it: SIGTERM, then SIGKILL after 10 s.
// Runs on the main thread; throws cli_error for bad input and a server that does not start.
//
// Environment: TEMPEST_JAVA (default $JAVA_HOME/bin/java, else /usr/bin/java) and
// TEMPEST_ZK_CLASSPATH (default /etc/zookeeper/conf:/usr/share/java/zookeeper.jar).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

struct dev_zookeeper_options {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
    std::optional<int> port;
    std::optional<std::string> dir;
    int start_timeout_secs = 60;
};

int run_dev_zookeeper(const dev_zookeeper_options& o);

}  // namespace tempest::cli
