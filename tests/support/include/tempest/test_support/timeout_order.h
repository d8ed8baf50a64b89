// SPDX-License-Identifier: Apache-2.0
// timeout_order: whether a config lets the supervisor and Nimbus race over a worker (Storm's
// STORM-589). A worker that stops heartbeating (hung, stopped, starved) has two judges: its
// supervisor, reading the local heartbeat, restarts it in place after
// supervisor.worker.timeout.secs; Nimbus, reading the ZooKeeper heartbeat, moves its executors
// to another slot after nimbus.task.timeout.secs. When both fire for the same worker, the
// supervisor's replacement starts only to be torn down by the reassignment (and, with equal
// timeouts, which one wins is down to timer phases). The supervisor must win every time.
//
// Worst case, from the worker's last ZooKeeper heartbeat to its replacement's first one:
//
//   task.heartbeat.frequency.secs          the last ZooKeeper beat may precede the last local one
// + supervisor.worker.timeout.secs         the supervisor's verdict
// + supervisor.monitor.frequency.secs      the sync-processes pass that reaches it
// + supervisor.worker.shutdown.sleep.secs  SIGTERM, then SIGKILL (a hung worker ignores SIGTERM)
// + the replacement's start-up             it writes its first ZooKeeper heartbeat in start()
//
// Nimbus declares the slot dead no sooner than nimbus.task.timeout.secs after it first saw that
// last beat, which is no earlier than the beat was written (heartbeat_tracker: a slower
// nimbus.monitor.freq.secs only delays the verdict). So the margin below, nimbus.task.timeout.secs
// minus the sum of the configured terms, is the start-up time a replacement may take without a
// race; it must be comfortably positive. Thread-safe (pure).
#pragma once

#include "tempest/common/config_keys.h"

#include <cstdint>

namespace tempest::test_support {

// nimbus.task.timeout.secs minus the configured terms above, in seconds (keys absent from
// `conf` take their defaults).
inline std::int64_t worker_restart_margin_secs(const config& conf) {
    namespace keys = common::keys;
    return common::conf_int(conf, "nimbus.task.timeout.secs") -
           (common::conf_int(conf, keys::task_heartbeat_frequency_secs) +
            common::conf_int(conf, keys::supervisor_worker_timeout_secs) +
            common::conf_int(conf, keys::supervisor_monitor_frequency_secs) +
            common::conf_int(conf, keys::supervisor_worker_shutdown_sleep_secs));
}

}  // namespace tempest::test_support
