// SPDX-License-Identifier: Apache-2.0
#include "supervisor_command.h"

#include "cli_error.h"
#include "stop_signals.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/log.h"
#include "tempest/supervisor/supervisor.h"

#include <fmt/format.h>

#include <filesystem>

namespace tempest::cli {

int run_supervisor(const supervisor_options& o) {
    supervisor::supervisor_options options;
    if (o.config_file) {
        // Workers get the same file whatever directory they resolve it from.
        options.config_file = std::filesystem::absolute(*o.config_file).string();
    }
    options.overrides = o.overrides;
    config conf = begin_daemon(o.config_file, o.overrides);
    auto& log = common::logger("cli");

    std::optional<supervisor::supervisor> daemon;
    try {
        daemon.emplace(conf, std::move(options));
        daemon->start();
    } catch (const std::exception& e) {
        throw cli_error(fmt::format("supervisor did not start: {}", e.what()));
    }
    int sig = wait_for_stop_signal(std::nullopt);
    log.info("received signal {}; stopping the supervisor (its workers keep running)", sig);
    daemon->stop();
    return 0;
}

}  // namespace tempest::cli
