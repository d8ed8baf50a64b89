// SPDX-License-Identifier: Apache-2.0
#include "supervisor_command.h"

#include "cli_error.h"

namespace tempest::cli {

int run_supervisor(const supervisor_options&) {
    throw cli_error("'tempest supervisor' is not built yet");
}

}  // namespace tempest::cli
