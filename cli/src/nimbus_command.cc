// SPDX-License-Identifier: Apache-2.0
#include "nimbus_command.h"

#include "cli_error.h"
#include "stop_signals.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/log.h"
#include "tempest/nimbus/nimbus_server.h"

#include <fmt/format.h>

#include <filesystem>

namespace tempest::cli {

int run_nimbus(const nimbus_options& o) {
    std::optional<std::filesystem::path> config_file;
    if (o.config_file) {
        config_file = *o.config_file;
    }
    config conf = common::load_daemon_config(config_file, o.overrides);
    common::init_logging(conf.get_string("tempest.log.level", "info"));
    auto& log = common::logger("cli");
    install_stop_signals();

    nimbus::nimbus_server server(conf);
    try {
        server.start();
    } catch (const std::exception& e) {
        throw cli_error(fmt::format("nimbus did not start: {}", e.what()));
    }
    // System tests read the port from this line when they configure nimbus.thrift.port=0.
    log.info("nimbus serving on port {}", server.port());
    int sig = wait_for_stop_signal(std::nullopt);
    log.info("received signal {}; stopping nimbus", sig);
    server.stop();
    log.info("nimbus stopped");
    return 0;
}

}  // namespace tempest::cli
