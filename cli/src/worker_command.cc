// SPDX-License-Identifier: Apache-2.0
#include "worker_command.h"

#include "cli_error.h"
#include "stop_signals.h"
#include "tempest/common/log.h"
#include "tempest/worker/worker_process.h"

#include <fmt/format.h>

#include <chrono>

namespace tempest::cli {

int run_worker(const worker_options& o) {
    config conf = begin_daemon(o.config_file, o.overrides);
    auto& log = common::logger("cli");

    worker::worker_process w(conf, {.topology_id = o.topology_id,
                                    .supervisor_id = o.supervisor_id,
                                    .port = o.port,
                                    .worker_id = o.worker_id});
    try {
        if (!w.start()) {
            return 0;  // nothing assigned here any more
        }
    } catch (const std::exception& e) {
        throw cli_error(
            fmt::format("worker {} of {} did not start: {}", o.worker_id, o.topology_id, e.what()));
    }
    // A supervisor that stops a worker (topology killed, slot reassigned, supervisor stopping)
    // sends SIGTERM and SIGKILLs it supervisor.worker.shutdown.sleep.secs later: on a signal the
    // in-flight tuples get a short drain, so that the worker exits well within that even when
    // its executors are busy (what is not acked in time is replayed by its spout).
    constexpr auto drain_on_signal = std::chrono::milliseconds(500);
    bool signalled = false;
    for (;;) {
        if (int sig = wait_for_stop_signal(w.heartbeat_period()); sig != 0) {
            log.info("received signal {}; stopping the worker", sig);
            signalled = true;
            break;
        }
        if (!w.tick()) {
            break;
        }
    }
    if (signalled) {
        w.stop(drain_on_signal);
    } else {
        w.stop();
    }
    log.info("worker {} exited", o.worker_id);
    return 0;
}

}  // namespace tempest::cli
