// SPDX-License-Identifier: Apache-2.0
// `tempest supervisor`: runs the supervisor daemon of this node in this process.
//
//   tempest supervisor [--config FILE] [-c key=value]...
//
// Loads the daemon config, sets up logging, starts a supervisor::supervisor (its state under
// <storm.local.dir>/supervisor, workers under <storm.local.dir>/workers), logs its id, slots and
// where its state lives, runs until SIGINT/SIGTERM (leaving its workers running, as Storm's
// supervisor does) and returns 0. Throws for bad config and a supervisor that cannot start.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

struct supervisor_options {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
};

int run_supervisor(const supervisor_options& o);

}  // namespace tempest::cli
