// SPDX-License-Identifier: Apache-2.0
#include "logger.h"

#include "tempest/common/log.h"

namespace tempest::ui {

spdlog::logger& log() {
    static spdlog::logger& l = common::logger("ui");
    return l;
}

}  // namespace tempest::ui
