// SPDX-License-Identifier: Apache-2.0
// JSON as Storm's multilang JsonSerializer writes and reads it, for Tempest's values: null,
// bool, int64, double, string and lists map to their JSON forms; bytes are written as a base64
// string; a JSON object received in a tuple becomes its JSON text (Tempest's values have no
// map). Tuples are written by hand straight into the pipe buffer (the per-tuple path); the rare
// messages (handshake, conf) go through nlohmann::json. Pure functions.
#pragma once

#include "tempest/topology_api/config.h"
#include "tempest/topology_api/value.h"
#include "tempest/topology_api/values.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace tempest::worker::multilang {

// Appends `s` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view s);
// Appends `v` as a JSON array.
void append_json(std::string& out, const values& v);

// Fills `out` from a JSON array; false, with `error` naming the position and the problem,
// when `j` is not an array.
bool json_to_values(const nlohmann::json& j, values& out, std::string& error);

nlohmann::json to_json(const value& v);
nlohmann::json to_json(const config& c);

}  // namespace tempest::worker::multilang
