// SPDX-License-Identifier: Apache-2.0
#include "fuzz_entries.h"

#include <array>

namespace tempest::fuzz {

std::span<const target> all_targets() noexcept {
    static constexpr std::array<target, 6> targets{{
        {"frame", frame_entry},
        {"values", values_entry},
        {"nimbus_thrift", nimbus_thrift_entry},
        {"config", config_entry},
        {"flux", flux_entry},
        {"cluster_records", cluster_records_entry},
    }};
    return targets;
}

}  // namespace tempest::fuzz
