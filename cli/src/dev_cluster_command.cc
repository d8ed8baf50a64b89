// SPDX-License-Identifier: Apache-2.0
#include "dev_cluster_command.h"

#include "cli_error.h"

namespace tempest::cli {

int run_dev_cluster(const dev_cluster_options&) {
    throw cli_error("'tempest dev-cluster' is not built yet");
}

}  // namespace tempest::cli
