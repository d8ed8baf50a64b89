// SPDX-License-Identifier: Apache-2.0
#include "logviewer_command.h"

#include "cli_error.h"
#include "stop_signals.h"
#include "tempest/common/log.h"
#include "tempest/ui/logviewer_server.h"

#include <fmt/format.h>

namespace tempest::cli {

int run_logviewer(const logviewer_command_options& o) {
    config conf = begin_daemon(o.config_file, o.overrides);
    auto& log = common::logger("cli");

    std::optional<ui::logviewer_server> server;
    try {
        server.emplace(conf);
        // Logs "logviewer serving on http://HOST:PORT, worker logs from DIR"; tests and
        // `tempest dev-cluster` read the port from it when they configure logviewer.port=0.
        server->start();
    } catch (const std::exception& e) {
        throw cli_error(fmt::format("logviewer did not start: {}", e.what()));
    }
    int sig = wait_for_stop_signal(std::nullopt);
    log.info("received signal {}; stopping the logviewer", sig);
    server->stop();
    return 0;
}

}  // namespace tempest::cli
