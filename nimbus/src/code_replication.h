// SPDX-License-Identifier: Apache-2.0
// Fetching a topology's code from another Nimbus (the leader), for a standby's copy
// (code_replicator). Both go through common::nimbus_client (its own Thrift connection, framed
// transport, binary protocol) and common::install_topology_code (temporary directory, SHA-256
// check, rename). Called on nimbus_service's background thread, or by tests.
#pragma once

#include "tempest/common/code_install.h"

#include <chrono>
#include <filesystem>
#include <string>

namespace tempest::nimbus {

// A fetcher for common::install_topology_code that downloads each file from the Nimbus at
// host:port (one connection per fetcher, opened on first use and again after a failure).
// `timeout` bounds the connect and each call. A failure is logged at warn naming host:port,
// the file and the cause, and returned as std::errc::io_error.
common::code_file_fetcher nimbus_code_fetcher(const std::string& host, int port,
                                              std::chrono::milliseconds timeout);

// Copies topology `id`'s code (stormdist::files) from the Nimbus at host:port into the
// directory `dest` (which must not exist), checked as install_topology_code checks it. Throws
// std::runtime_error naming host:port and the file that failed, or saying the package does not
// match its recorded SHA-256; nothing is left at `dest` then.
void fetch_topology_code(const std::string& host, int port, const std::string& id,
                         const std::filesystem::path& dest, std::chrono::milliseconds timeout);

}  // namespace tempest::nimbus
