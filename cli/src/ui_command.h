// SPDX-License-Identifier: Apache-2.0
// `tempest ui`: runs the UI daemon in this process.
//
//   tempest ui [--config FILE] [-c key=value]...
//
// Loads the daemon config, sets up logging (tempest.log.level, on stderr), starts a
// ui::ui_server (HTTP on ui.host:ui.port, a client of the Nimbus leader among nimbus.seeds),
// logs "ui serving on http://HOST:PORT ..." with the Nimbus seeds it follows, runs until
// SIGINT/SIGTERM, stops the server and returns 0. Runs on the main thread (the server has its
// own threads); throws for bad config and a server that cannot bind.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

struct ui_command_options {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
};

int run_ui(const ui_command_options& o);

}  // namespace tempest::cli
