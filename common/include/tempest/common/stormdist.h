// SPDX-License-Identifier: Apache-2.0
// stormdist: how a topology's code is laid out on disk, the same on Nimbus (which stores it),
// on other Nimbus hosts (which replicate it) and on supervisors (which download it for their
// workers). One directory per topology under a stormdist root:
//
//   <stormdist>/<topology-id>/stormjar.so          the package (the jar-equivalent)
//                             stormjar.so.sha256   its SHA-256 as Nimbus recorded it (hex)
//                             stormcode.ser        the StormTopology as submitted (binary Thrift)
//                             stormconf.json       the topology's conf
//                             resources/           what the package carried (package_bundle.h),
//                                                  unpacked by the installer; shell components'
//                                                  working directory. Absent on Nimbus' own copy
//                                                  and for a package without resources.
//
// A directory is complete or absent: writers fill a temporary one and rename it into place.
#pragma once

#include <array>
#include <filesystem>
#include <string_view>

namespace tempest::common::stormdist {

inline constexpr const char* package_file = "stormjar.so";
inline constexpr const char* checksum_file = "stormjar.so.sha256";
inline constexpr const char* code_file = "stormcode.ser";
inline constexpr const char* conf_file = "stormconf.json";

// The folder the installer unpacks a package's resources into (not fetched: it is in the
// package).
inline constexpr const char* resources_dir = "resources";

// Every file of a topology's directory, the checksum first (a copier that fetches in this order
// knows what the package must hash to before it has the package).
inline constexpr std::array<const char*, 4> files = {checksum_file, package_file, code_file,
                                                     conf_file};

// <stormdist>/<topology-id>
inline std::filesystem::path topology_dir(const std::filesystem::path& stormdist,
                                          std::string_view topology_id) {
    return stormdist / topology_id;
}

}  // namespace tempest::common::stormdist
