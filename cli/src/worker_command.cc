// SPDX-License-Identifier: Apache-2.0
#include "worker_command.h"

#include "cli_error.h"

namespace tempest::cli {

int run_worker(const worker_options&) {
    throw cli_error("'tempest worker' is not built yet");
}

}  // namespace tempest::cli
