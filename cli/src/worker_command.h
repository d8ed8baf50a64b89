// SPDX-License-Identifier: Apache-2.0
// `tempest worker`: one worker process of one topology on one slot, as started by a supervisor.
//
//   tempest worker --topology-id ID --supervisor-id SID --port PORT --worker-id WID
//                  [--config FILE] [-c key=value]...
//
// The supervisor passes its own --config and -c overrides (with storm.local.dir made absolute),
// so the worker sees the same daemon config. The worker reads its topology's code from
// <storm.local.dir>/supervisor/stormdist/<topology-id>/ (stormjar.so, stormcode.ser,
// stormconf.json), its executors from the assignment in ZooKeeper, listens for tuples on PORT,
// writes its local heartbeat to <storm.local.dir>/workers/<worker-id>/heartbeat and its stats
// to ZooKeeper, and runs until SIGTERM/SIGINT (returns 0 after a clean stop) or until its
// topology is killed or its slot is taken from it (returns 0). Throws for bad input.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

struct worker_options {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
    std::string topology_id;
    std::string supervisor_id;
    int port = 0;
    std::string worker_id;
};

int run_worker(const worker_options& o);

}  // namespace tempest::cli
