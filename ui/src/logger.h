// SPDX-License-Identifier: Apache-2.0
// The ui module's logger ("ui"), behind common's log facade.
#pragma once

#include <spdlog/logger.h>

namespace tempest::ui {

spdlog::logger& log();

}  // namespace tempest::ui
