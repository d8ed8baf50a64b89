// SPDX-License-Identifier: Apache-2.0
// nimbus_server: the Nimbus daemon as an object — a Thrift server (framed transport, binary
// protocol) on nimbus.thrift.port, backed by the cluster state at storm.zookeeper.servers and
// code storage under storm.local.dir. `tempest nimbus` runs one; system tests run it as a
// process through that command.
//
// Lifecycle: construct with the daemon config; start() connects to ZooKeeper, binds and serves
// on background threads and logs where it listens and where its state lives; stop() (or the
// destructor) stops serving and joins. Thread-safe.
//
// High availability: several may run against one ZooKeeper, each with its own storm.local.dir;
// the lowest leader/ election node leads, standbys copy the leader's code and take over when it
// goes, and an expired ZooKeeper session is replaced by a new one (registered again) without a
// restart. See nimbus/README.md.
#pragma once

#include "tempest/topology_api/config.h"

#include <memory>

namespace tempest::nimbus {

class nimbus_server {
  public:
    explicit nimbus_server(config daemon_conf);
    ~nimbus_server();
    nimbus_server(const nimbus_server&) = delete;
    nimbus_server& operator=(const nimbus_server&) = delete;

    // Throws std::runtime_error naming what failed (ZooKeeper unreachable, port in use, ...).
    void start();
    void stop();
    // The port it serves on (the bound one when configured with 0). Requires: started.
    int port() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::nimbus
