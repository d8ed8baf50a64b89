// SPDX-License-Identifier: Apache-2.0
// `tempest logviewer`: runs this node's logviewer (Storm's `storm logviewer`) in this process.
//
//   tempest logviewer [--config FILE] [-c key=value]...
//
// Loads the daemon config, sets up logging (tempest.log.level, on stderr), starts a
// ui::logviewer_server (HTTP on logviewer.host:logviewer.port serving
// <tempest.log.dir>/workers-artifacts), logs "logviewer serving on http://HOST:PORT, worker logs
// from DIR", runs until SIGINT/SIGTERM, stops the server and returns 0. Runs on the main thread
// (the server has its own threads); throws for bad config and a server that cannot bind.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

struct logviewer_command_options {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
};

int run_logviewer(const logviewer_command_options& o);

}  // namespace tempest::cli
