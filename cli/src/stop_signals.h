// SPDX-License-Identifier: Apache-2.0
// stop_signals: lets the CLI wait for SIGINT/SIGTERM (or a timeout) without a sleep loop. The
// handler only writes the signal number to a pipe (async-signal-safe) and is reset to the
// default action after the first delivery of each signal, so a second Ctrl-C ends a process that
// is stuck shutting down.
//
// Process-wide; install once from the main thread before waiting.
#pragma once

#include "tempest/topology_api/config.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

// Installs the handlers for SIGINT and SIGTERM. Throws std::system_error if the pipe cannot be
// created.
void install_stop_signals();

// Waits until SIGINT or SIGTERM arrives (returns its number) or `timeout` passes (returns 0);
// without a timeout waits for a signal only. Returns at once if a signal arrived earlier.
// Requires: install_stop_signals() was called.
int wait_for_stop_signal(std::optional<std::chrono::milliseconds> timeout);

// How every daemon command begins: its config (defaults, then `config_file` or the node's file,
// then each -c override; common::load_daemon_config), logging at tempest.log.level, and the
// stop signals installed. Throws config_error for bad config.
config begin_daemon(const std::optional<std::string>& config_file,
                    const std::vector<std::string>& overrides);

}  // namespace tempest::cli
