// SPDX-License-Identifier: Apache-2.0
// config_loader: reads YAML configuration into tempest::config, checks it against the schema
// (config_schema.h), and assembles a daemon's configuration from its layers, lowest first:
//
//   defaults.yaml (compiled in)  <  node file (--config FILE, else the tempest.yaml beside the
//   install if present: find_node_config_file)  <  `-c key=value` overrides (value in YAML syntax)
//
// YAML maps to values as: integer -> int64, float -> double, true/false -> bool, null/~/empty
// -> null, any other scalar (or a quoted one) -> string, sequence -> value::list. Only the top
// level may be a map. Errors throw config_error: one line naming the key, where it came from
// (file and line, the -c option, the topology), the value given and what was expected, e.g.
//   unknown config key 'nimbus.thrfit.port' in tempest.yaml:3 (did you mean 'nimbus.thrift.port'?)
//   config key 'nimbus.thrift.port' in tempest.yaml:3: got "abc" (a string), expected an integer
//     from 0 to 65535
//   config key 'topology.workers' in -c topology.workers=0: got 0, expected an integer >= 1
// Free functions; thread-safe.
#pragma once

#include "tempest/topology_api/config.h"

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::common {

// A configuration that cannot be used: unreadable, malformed, unknown key, wrong type, out of
// range. Raised at startup (or on topology submission); the message is for the operator.
class config_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Where the keys of a parsed config came from, for error messages.
struct config_source {
    std::string name;                               // e.g. "tempest.yaml", "-c topology.workers=x"
    std::map<std::string, int, std::less<>> lines;  // key -> 1-based line, when known

    // "tempest.yaml:3", or just the name when the key's line is unknown.
    std::string where(std::string_view key) const;
};

struct parsed_config {
    config conf;
    config_source source;
};

// Parses YAML text whose top level is a map of keys to values (an empty document is an empty
// config). Throws config_error naming `source_name` and the line for malformed YAML, a
// non-scalar or duplicate key, a map value, or an integer out of int64's range.
parsed_config parse_config_yaml(std::string_view text, std::string source_name);

// Reads and parses a file; a missing or unreadable file is a config_error.
parsed_config load_config_file(const std::filesystem::path& path);

// Parses one `key=value` override (value in YAML syntax; `key=` is null). Throws config_error
// for a malformed one: "bad -c option 'x': expected key=value".
parsed_config parse_config_override(std::string_view key_equals_value);

// The text of conf/defaults.yaml as compiled in, and the config it parses to.
std::string_view defaults_yaml();
const config& default_config();

// Checks every key of a daemon's config against the schema: wrong types and out-of-range values
// throw config_error naming the key, `source`, the value and the expectation. An unknown key
// under a reserved prefix (reserved_config_prefixes: a typo of one of ours) is an error with a
// suggestion; any other unknown key is the user's own and allowed, as Storm allows.
void validate_daemon_config(const config& conf, const config_source& source);
// The same, for a config whose keys all come from `source_name` with no line numbers.
void validate_daemon_config(const config& conf, std::string_view source_name);

// Checks a topology's (or a component's) config by the same rules: keys the schema knows are
// type- and range-checked; other keys under the reserved prefixes are rejected as unknown; any
// other key is the user's own and allowed with any value. `source_name` names the config in
// messages, e.g. "topology 'wc'". Throws config_error.
void validate_topology_config(const config& conf, std::string_view source_name);

// The node file beside the running binary, the first that exists of
// <exe dir>/../conf/tempest.yaml (an unpacked tree), <exe dir>/../../conf/tempest.yaml (a build
// tree inside the source tree), <exe dir>/../etc/tempest/tempest.yaml (`cmake --install` with a
// prefix) and, for /usr/bin/tempest, /etc/tempest/tempest.yaml (the .deb); nullopt if none.
std::optional<std::filesystem::path> find_node_config_file();

// The daemon configuration: defaults, then `config_file` if given (it must exist) or else the
// file found by find_node_config_file() if any, then each override in order; each layer is
// validated with its own source name. Throws config_error.
config load_daemon_config(const std::optional<std::filesystem::path>& config_file,
                          const std::vector<std::string>& overrides);

}  // namespace tempest::common
