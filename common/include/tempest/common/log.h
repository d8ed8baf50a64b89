// SPDX-License-Identifier: Apache-2.0
// log: the logging facade over spdlog. Each module has a named logger (`logger("worker")`);
// every logger writes to the same sinks: stderr, or a file once init_logging() is given one.
// Each line carries the time, the level and the logger's name:
//
//   2024-05-01 12:00:00.123 [info] [nimbus] leader is nimbus-1
//
// Thread-safe: loggers may be fetched and used from any thread, and init_logging() may run while
// other threads log.
#pragma once

#include <spdlog/logger.h>

#include <filesystem>
#include <optional>
#include <string_view>

namespace tempest::common {

// The logger named `name`, created on first use at the current level. The reference stays valid
// for the life of the process.
spdlog::logger& logger(std::string_view name);

// Sets the level of every logger (existing and future) to `level` (trace, debug, info, warn,
// error, critical or off) and sends output to `file` (appending, parent directories created) or,
// without one, to stderr. Throws config_error for an unknown level and std::runtime_error when
// the file cannot be opened.
void init_logging(std::string_view level,
                  const std::optional<std::filesystem::path>& file = std::nullopt);

// `level` as an spdlog level; throws config_error naming the accepted levels.
spdlog::level::level_enum parse_log_level(std::string_view level);

}  // namespace tempest::common
