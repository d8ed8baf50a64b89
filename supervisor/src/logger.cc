// SPDX-License-Identifier: Apache-2.0
#include "logger.h"

#include "tempest/common/log.h"

namespace tempest::supervisor::detail {

spdlog::logger& log() {
    static spdlog::logger& l = common::logger("supervisor");
    return l;
}

}  // namespace tempest::supervisor::detail
