// SPDX-License-Identifier: Apache-2.0
// The YAML config loader on arbitrary text: parse_config_yaml, then the daemon and topology
// checks, and the first line as a `-c key=value` override. Its contract is that bad input
// throws config_error (naming the source); any other exception escapes and counts as a crash.
#include "fuzz_entries.h"
#include "tempest/common/config_loader.h"

#include <string>
#include <string_view>

namespace tempest::fuzz {

int config_entry(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        (void)common::parse_config_override(text.substr(0, text.find('\n')));
    } catch (const common::config_error&) {
    }
    common::parsed_config parsed;
    try {
        parsed = common::parse_config_yaml(text, "fuzz.yaml");
    } catch (const common::config_error&) {
        return 0;
    }
    try {
        common::validate_daemon_config(parsed.conf, parsed.source);
    } catch (const common::config_error&) {
    }
    try {
        common::validate_topology_config(parsed.conf, "topology 'fuzz'");
    } catch (const common::config_error&) {
    }
    return 0;
}

}  // namespace tempest::fuzz
