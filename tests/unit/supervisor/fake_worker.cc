// SPDX-License-Identifier: Apache-2.0
// A stand-in for `tempest worker` in the supervisor's system tests. It takes the same flags,
// reads its executors from the supervisor's local assignment (the real worker reads the
// assignment in ZooKeeper), writes a LocalWorkerHeartbeatRecord to
// <storm.local.dir>/workers/<worker-id>/heartbeat every 100 ms (temporary file + rename, as the
// contract says) and exits 0 on SIGTERM/SIGINT. It also exits (status 3) when its worker
// directory disappears, so that a test that lost track of it leaves nothing running for long.
#include "tempest/common/file_util.h"
#include "tempest/supervisor/local_assignment.h"
#include "tempest/supervisor/worker_state.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

namespace {

volatile sig_atomic_t stop_requested = 0;

void on_signal(int) {
    stop_requested = 1;
}

}  // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    using namespace tempest::supervisor;
    std::string topology_id, worker_id, local_dir;
    int port = 0;
    for (int i = 1; i + 1 < argc; ++i) {
        std::string a = argv[i];
        std::string v = argv[i + 1];
        if (a == "--topology-id") {
            topology_id = v;
        } else if (a == "--worker-id") {
            worker_id = v;
        } else if (a == "--port") {
            port = std::stoi(v);
        } else if (a == "-c" && v.starts_with("storm.local.dir=")) {
            local_dir = v.substr(std::string("storm.local.dir=").size());
        }
    }
    if (topology_id.empty() || worker_id.empty() || local_dir.empty() || port == 0) {
        std::fprintf(stderr,
                     "fake_worker: missing --topology-id, --worker-id, --port or "
                     "-c storm.local.dir=\n");
        return 2;
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    worker_heartbeat hb;
    hb.topology_id = topology_id;
    hb.port = port;
    hb.pid = static_cast<int>(getpid());
    auto assigned =
        read_local_assignments(fs::path(local_dir) / "supervisor/local-assignment.json");
    if (assigned) {
        if (auto it = assigned->find(port); it != assigned->end()) {
            hb.executors = it->second.executors;
        }
    }
    std::printf("fake_worker %s: topology %s port %d pid %d\n", worker_id.c_str(),
                topology_id.c_str(), port, hb.pid);
    std::fflush(stdout);
    const fs::path dir = fs::path(local_dir) / "workers" / worker_id;
    while (stop_requested == 0) {
        if (!fs::is_directory(dir)) {
            return 3;
        }
        hb.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
        // The directory may vanish under us (the supervisor removed the worker): the next turn
        // of the loop sees it gone.
        (void)tempest::common::try_write_file_atomically(dir / "heartbeat",
                                                         tempest::thrift::encode(hb));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // heartbeat period
    }
    std::printf("fake_worker %s: stopping on a signal\n", worker_id.c_str());
    return 0;
}
