// SPDX-License-Identifier: Apache-2.0
#include "nimbus_command.h"

#include "cli_error.h"
#include "package_classes_command.h"
#include "stop_signals.h"
#include "tempest/common/log.h"
#include "tempest/nimbus/nimbus_server.h"

#include <fmt/format.h>

namespace tempest::cli {

int run_nimbus(const nimbus_options& o) {
    config conf = begin_daemon(o.config_file, o.overrides);
    auto& log = common::logger("cli");
    // The package check at submit runs this binary's hidden `package-classes` subcommand in a
    // child process unless the config names another command.
    if (const value* cmd = conf.find("nimbus.package.check.command");
        cmd == nullptr || cmd->is_null()) {
        conf.set("nimbus.package.check.command",
                 value(value::list{value(self_executable()), value(package_classes_command)}));
    }

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
