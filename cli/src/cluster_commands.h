// SPDX-License-Identifier: Apache-2.0
// The commands that talk to a Nimbus, as Storm's `storm jar`, `list`, `kill`, `activate`,
// `deactivate` and `rebalance`:
//
//   tempest jar [--nimbus HOST:PORT] [--wait [SECS]] [-c key=value]... PACKAGE.so [ARGS...]
//   tempest jar [OPTIONS] --package PACKAGE.so TOPOLOGY.yaml
//   tempest list [--nimbus HOST:PORT]
//   tempest kill NAME [-w SECS]
//   tempest activate NAME | deactivate NAME
//   tempest rebalance NAME [-w SECS] [-n WORKERS] [-e COMPONENT=PARALLELISM]...
//   tempest monitor NAME [-m emitted|transferred|acked] [-c COMPONENT] [-s STREAM] [-i SECS]
//   tempest errors NAME
//
// `list` shows each topology's recent emitted rate (EMITTED/S: its emitted count in the 600 s
// window over min(uptime, 600 s), from getTopologyPageInfo; "-" before any worker reported).
// `monitor` is Storm's `storm monitor` (monitor.h), until SIGINT/SIGTERM. `errors` lists the
// errors Nimbus keeps per component (time in UTC, worker host:port, task, text), oldest first.
//
// Nimbus is --nimbus HOST:PORT, else the leader among nimbus.seeds of the daemon config (each
// seed, a host on nimbus.thrift.port or HOST:PORT, asked in turn for the leader, which is then
// followed; when none answers, the error names every address tried).
// `jar` loads the package, runs its tempest_main with a submitter that checks each topology
// (checking_submitter: valid config, every class registered), uploads the package and submits
// it. With --wait [SECS] (default 60) it then reports each submitted topology's state (status,
// executors assigned, workers with heartbeats), a line per change, until it runs: ACTIVE, every
// executor assigned and every requested worker (topology.workers) heartbeating; or SECS pass
// (cli_error saying what is missing). It polls Nimbus (getTopologyInfo) every 5 s and at once
// when a ZooKeeper watch on the topology's assignments/<id> or workerbeats/<id> fires (a
// session of its own, to storm.zookeeper.servers under storm.zookeeper.root); without a
// reachable ZooKeeper it warns in one line and polls Nimbus alone every 0.5 s, not counting
// heartbeats. With --package, the topology comes from a Flux YAML file (common/flux_loader.h)
// instead of tempest_main.
// Everything runs on the main thread; failures throw cli_error (or nimbus_error, whose text
// names the Nimbus exception or host:port), reported as one line by main.
#pragma once

#include "monitor.h"
#include "tempest/common/nimbus_client.h"

#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

struct client_options {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
    std::optional<std::string> nimbus;  // HOST:PORT
};

struct jar_options {
    client_options client;
    std::optional<double> wait_secs;
    std::string package;
    std::vector<std::string> package_args;
    std::optional<std::string> flux_file;  // --package: the topology comes from this YAML
    std::optional<std::string> resources;  // --resources: shipped inside the package
};

int run_jar(const jar_options& o);
int run_list(const client_options& o);
int run_kill(const client_options& o, const std::string& name, std::optional<int> wait_secs);
int run_activate(const client_options& o, const std::string& name);
int run_deactivate(const client_options& o, const std::string& name);
int run_rebalance(const client_options& o, const std::string& name,
                  const common::rebalance_request& r);
int run_monitor(const client_options& o, const monitor_request& r);
int run_errors(const client_options& o, const std::string& name);

// "COMPONENT=PARALLELISM" of `rebalance -e`; throws cli_error (usage) naming the bad text.
std::pair<std::string, int> parse_component_parallelism(const std::string& text);

}  // namespace tempest::cli
