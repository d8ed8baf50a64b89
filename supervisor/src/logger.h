// SPDX-License-Identifier: Apache-2.0
// The supervisor module's logger ("supervisor").
#pragma once

#include <spdlog/logger.h>

namespace tempest::supervisor::detail {

spdlog::logger& log();

}  // namespace tempest::supervisor::detail
