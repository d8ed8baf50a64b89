// SPDX-License-Identifier: Apache-2.0
#include "ui_command.h"

#include "cli_error.h"
#include "stop_signals.h"
#include "tempest/common/log.h"
#include "tempest/ui/ui_server.h"

#include <fmt/format.h>

namespace tempest::cli {

int run_ui(const ui_command_options& o) {
    config conf = begin_daemon(o.config_file, o.overrides);
    auto& log = common::logger("cli");

    std::optional<ui::ui_server> server;
    try {
        server.emplace(conf);
        // Logs "ui serving on http://HOST:PORT ..."; system tests read the port from it when they
        // configure ui.port=0.
        server->start();
    } catch (const std::exception& e) {
        throw cli_error(fmt::format("ui did not start: {}", e.what()));
    }
    int sig = wait_for_stop_signal(std::nullopt);
    log.info("received signal {}; stopping ui", sig);
    server->stop();
    return 0;
}

}  // namespace tempest::cli
