// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/config_keys.h"

#include "tempest/common/config_loader.h"

#include <stdexcept>

namespace tempest::common {

namespace {

// `conf` when it holds a value for `key`, else the defaults.
const config& source_of(const config& conf, std::string_view key) {
    const value* v = conf.find(key);
    return v != nullptr && !v->is_null() ? conf : default_config();
}

// Throws std::out_of_range unless `c` holds a value for `key`.
void require(const config& c, std::string_view key) {
    const value* v = c.find(key);
    if (v == nullptr || v->is_null()) {
        throw std::out_of_range("config key " + std::string(key) +
                                " is not set and has no default in defaults.yaml");
    }
}

}  // namespace

std::int64_t conf_int(const config& conf, std::string_view key) {
    const config& c = source_of(conf, key);
    require(c, key);
    return c.get_int(key, 0);
}

std::string conf_string(const config& conf, std::string_view key) {
    const config& c = source_of(conf, key);
    require(c, key);
    return c.get_string(key, "");
}

std::string conf_string_or_empty(const config& conf, std::string_view key) {
    return source_of(conf, key).get_string(key, "");
}

}  // namespace tempest::common
