// SPDX-License-Identifier: Apache-2.0
// config_schema: the type and range of every configuration key, the checked twin of
// conf/defaults.yaml (a unit test keeps the two listing the same keys). Used by
// validate_daemon_config and validate_topology_config (config_loader.h).
#pragma once

#include "tempest/topology_api/value.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
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
    // For a string: the values allowed, if only some are.
    std::span<const std::string_view> choices = {};
};

// Every key, sorted by name.
std::span<const config_key> config_schema() noexcept;

// The schema entry of `name`, or nullptr.
const config_key* find_config_key(std::string_view name) noexcept;

// Key prefixes that belong to Tempest: a topology's own keys must not start with one of these
// unless the schema knows them.
std::span<const std::string_view> reserved_config_prefixes() noexcept;

// What `k` accepts, as the end of an error line: "an integer >= 1", "an integer from 0 to 65535",
// "a list of integers from 1 to 65535", "a string or null", "one of trace, debug, ... or off".
std::string expected_phrase(const config_key& k);

// How a value of `type` is named in errors: "a string", "an integer", "a list", "null", ...
std::string_view kind_phrase(value_type type) noexcept;

// A given value as errors show it: `"abc" (a string)`, `1.5 (a fractional number)`, `null`;
// one line (strings are escaped), cut with "..." beyond 80 characters.
std::string given_phrase(const value& v);

// Checks `v` against `k`; returns an empty string if it fits, else what was given and what was
// expected, e.g. `got "abc" (a string), expected an integer from 0 to 65535`,
// `got 70000, expected an integer from 0 to 65535` or
// `got [6700, "x"] (element 1 is a string), expected a list of integers from 1 to 65535`.
std::string check_config_value(const config_key& k, const value& v);

}  // namespace tempest::common
