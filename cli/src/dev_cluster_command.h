// SPDX-License-Identifier: Apache-2.0
// `tempest dev-cluster`: a whole cluster on loopback for trying Tempest out: a throwaway
// ZooKeeper, one Nimbus, one supervisor, the supervisor's logviewer and the UI (each a child
// process running this same binary), until SIGINT/SIGTERM stops them all.
//
//   tempest dev-cluster [--dir DIR] [--config FILE] [-c key=value]...
//
// Prints where each daemon listens and logs (the UI's and the logviewer's HTTP addresses too).
// Returns 0 after a clean stop; throws when a daemon does not come up.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

struct dev_cluster_options {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
    std::optional<std::string> dir;  // state and logs; default: a temporary one, removed on exit
};

int run_dev_cluster(const dev_cluster_options& o);

}  // namespace tempest::cli
