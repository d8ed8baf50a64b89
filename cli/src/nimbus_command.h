// SPDX-License-Identifier: Apache-2.0
// `tempest nimbus`: runs the Nimbus daemon in this process.
//
//   tempest nimbus [--config FILE] [-c key=value]...
//
// Loads the daemon config, sets up logging (tempest.log.level, on stderr), starts a
// nimbus::nimbus_server (Thrift on nimbus.thrift.port, state in ZooKeeper and storm.local.dir),
// logs "nimbus serving on port N", runs until SIGINT/SIGTERM, stops the server and returns 0.
// Runs on the main thread (the server has its own threads); throws for bad config and a server
// that cannot start.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

struct nimbus_options {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
};

int run_nimbus(const nimbus_options& o);

}  // namespace tempest::cli
