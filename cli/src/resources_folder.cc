// SPDX-License-Identifier: Apache-2.0
#include "resources_folder.h"

#include "cli_error.h"

#include <fmt/format.h>

namespace tempest::cli {

std::optional<std::filesystem::path> resources_folder(const std::string& package,
                                                      const std::optional<std::string>& given) {
    std::error_code ec;
    if (given) {
        if (!std::filesystem::is_directory(*given, ec)) {
            throw cli_error(fmt::format("bad --resources '{}': expected a directory (the shell "
                                        "components' scripts)",
                                        *given),
                            exit_usage);
        }
        return std::filesystem::path(*given);
    }
    std::filesystem::path beside = std::filesystem::path(package).replace_extension(".resources");
    if (std::filesystem::is_directory(beside, ec)) {
        return beside;
    }
    return std::nullopt;
}

}  // namespace tempest::cli
