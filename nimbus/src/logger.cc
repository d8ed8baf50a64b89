// SPDX-License-Identifier: Apache-2.0
// The nimbus module's logger (see logger.h).
#include "logger.h"

namespace tempest::nimbus {

spdlog::logger& log() {
    return common::logger("nimbus");
}

}  // namespace tempest::nimbus
