// SPDX-License-Identifier: Apache-2.0
// config_schema: the type and range of every configuration key, the checked twin of
// conf/defaults.yaml (a unit test keeps the two listing the same keys). Used by
// validate_daemon_config and validate_topology_config (config_loader.h).
#pragma once

#include "tempest/topology_api/value.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tempest::common {

enum class config_type : std::uint8_t {
    integer,  // int64
    number,   // int64 or double
    boolean,
    string,
    list,  // of element_type
};

struct config_key {
    std::string_view name;
    config_type type;
    bool nullable = false;
    // For a list, the elements' type; min, max and power_of_two then apply to the elements.
    config_type element_type = config_type::string;
    std::optional<double> min;
    std::optional<double> max;
    bool power_of_two = false;
};

// Every key, sorted by name.
std::span<const config_key> config_schema() noexcept;

// The schema entry of `name`, or nullptr.
const config_key* find_config_key(std::string_view name) noexcept;

// Key prefixes that belong to Tempest: a topology's own keys must not start with one of these
// unless the schema knows them.
std::span<const std::string_view> reserved_config_prefixes() noexcept;

// Checks `v` against `k`; returns an empty string if it fits, else why not, e.g.
// "must be an integer, got string \"abc\"" or "must be between 1 and 65535, got 70000".
std::string check_config_value(const config_key& k, const value& v);

}  // namespace tempest::common
