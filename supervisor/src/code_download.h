// SPDX-License-Identifier: Apache-2.0
// Topology code on the supervisor's disk: <stormdist>/<topology-id>/ holds stormjar.so,
// stormcode.ser and stormconf.json (the worker reads them there). A download goes to
// <stormdist>/.download-<topology-id>-<random>/ and is renamed into place only when complete, so
// a worker never sees half a topology.
#pragma once

#include "tempest/supervisor/supervisor.h"
#include "tempest/topology_api/config.h"

#include <array>
#include <filesystem>
#include <string>

namespace tempest::supervisor::detail {

inline constexpr std::array<const char*, 3> code_files = {"stormjar.so", "stormcode.ser",
                                                          "stormconf.json"};

// Makes sure <stormdist>/<topology_id>/ exists: returns true at once if it does, else fetches it
// with `fetch` into a temporary directory, checks the three files are there and renames it into
// place. On any failure logs a warning naming the topology and the cause, removes the temporary
// directory and returns false (the next sync retries). Never throws.
bool install_topology_code(const std::filesystem::path& stormdist, const std::string& topology_id,
                           const code_fetcher& fetch);

// The default fetcher: downloads the three files from the first of nimbus.seeds (in order, on
// nimbus.thrift.port) that serves them all. Throws std::runtime_error listing each seed's error.
code_fetcher nimbus_fetcher(const config& conf);

// Removes leftovers of interrupted downloads (".download-*" directories) in `stormdist`.
void remove_partial_downloads(const std::filesystem::path& stormdist);

}  // namespace tempest::supervisor::detail
