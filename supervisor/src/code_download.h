// SPDX-License-Identifier: Apache-2.0
// Topology code on the supervisor's disk: <stormdist>/<topology-id>/ holds stormjar.so,
// stormcode.ser and stormconf.json (the worker reads them there) and stormjar.so.sha256, the
// package's SHA-256 that Nimbus recorded at upload. A download goes to
// <stormdist>/.download-<topology-id>-<random>/ and is renamed into place only when complete and
// the package matches its checksum, so a worker never sees half a topology or a corrupted one.
#pragma once

#include "tempest/supervisor/supervisor.h"
#include "tempest/topology_api/config.h"

#include <array>
#include <filesystem>
#include <string>

namespace tempest::supervisor::detail {

inline constexpr const char* package_file = "stormjar.so";
// 64 lowercase hex digits (a trailing newline allowed): the SHA-256 of package_file.
inline constexpr const char* checksum_file = "stormjar.so.sha256";
inline constexpr std::array<const char*, 4> code_files = {package_file, "stormcode.ser",
                                                          "stormconf.json", checksum_file};

// Makes sure <stormdist>/<topology_id>/ exists: returns true at once if it does, else fetches it
// with `fetch` into a temporary directory, checks the four files are there and that stormjar.so
// has the SHA-256 recorded in stormjar.so.sha256, and renames it into place. On any failure (a
// missing or malformed checksum file and a mismatch included) logs a warning naming the topology
// and the cause, removes the temporary directory and returns false (the next sync retries).
// Never throws.
bool install_topology_code(const std::filesystem::path& stormdist, const std::string& topology_id,
                           const code_fetcher& fetch);

// The default fetcher: downloads the four files from the first of nimbus.seeds (in order, on
// nimbus.thrift.port) that serves them all. Throws std::runtime_error listing each seed's error.
code_fetcher nimbus_fetcher(const config& conf);

// Removes leftovers of interrupted downloads (".download-*" directories) in `stormdist`.
void remove_partial_downloads(const std::filesystem::path& stormdist);

}  // namespace tempest::supervisor::detail
