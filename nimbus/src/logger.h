// SPDX-License-Identifier: Apache-2.0
// The nimbus module's logger ("nimbus"), behind common's log facade.
#pragma once

#include "tempest/common/log.h"

namespace tempest::nimbus {

spdlog::logger& log();

}  // namespace tempest::nimbus
