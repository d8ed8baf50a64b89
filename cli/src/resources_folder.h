// SPDX-License-Identifier: Apache-2.0
// resources_folder: which folder holds a package's shell-component scripts, for `tempest local`
// (run from it) and `tempest jar` (shipped inside the uploaded package): --resources DIR when
// given, else the convention PACKAGE.resources/ beside PACKAGE.so when it exists
// (docs/MULTILANG.md).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace tempest::cli {

// `given` (--resources), which must be a directory (else cli_error with exit_usage naming the
// flag and the path), or PACKAGE.resources/ if that is a directory, or nothing.
std::optional<std::filesystem::path> resources_folder(const std::string& package,
                                                      const std::optional<std::string>& given);

}  // namespace tempest::cli
