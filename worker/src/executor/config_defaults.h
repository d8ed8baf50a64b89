// SPDX-License-Identifier: Apache-2.0
// Reading the runtime's topology config keys (tempest::config's constants) with their defaults
// taken from conf/defaults.yaml (common::default_config(), compiled in), so that no default is
// repeated in code. A daemon's effective config already holds every key; a plan built from a
// bare config (unit tests, embedders) falls back to the defaults file. Any thread; used when
// executors are built, never per tuple.
#pragma once

#include "tempest/common/config_loader.h"
#include "tempest/topology_api/config.h"

#include <cstdint>

namespace tempest::worker {

// Not (yet) among topology_api's config constants; its default is in conf/defaults.yaml.
inline constexpr const char* topology_spout_wait_max_micros = "topology.spout.wait.max.micros";
// Shell components (worker/src/multilang/): their working directory, and how long a subprocess
// may stay silent.
inline constexpr const char* topology_multilang_resources_dir = "topology.multilang.resources.dir";
inline constexpr const char* topology_subprocess_timeout_secs = "topology.subprocess.timeout.secs";

// `key` of `conf`, else of conf/defaults.yaml. Throws type_error for a value of another type.
inline std::int64_t conf_int(const config& conf, const char* key) {
    if (const value* v = conf.find(key); v != nullptr && !v->is_null()) {
        return conf.get_int(key, 0);
    }
    return common::default_config().get_int(key, 0);
}

inline bool conf_bool(const config& conf, const char* key) {
    if (const value* v = conf.find(key); v != nullptr && !v->is_null()) {
        return conf.get_bool(key, false);
    }
    return common::default_config().get_bool(key, false);
}

inline double conf_double(const config& conf, const char* key) {
    if (const value* v = conf.find(key); v != nullptr && !v->is_null()) {
        return conf.get_double(key, 0);
    }
    return common::default_config().get_double(key, 0);
}

// A key whose default is null (unset, as topology.max.spout.pending): 0 when unset.
inline std::int64_t conf_int_or_zero(const config& conf, const char* key) {
    const value* v = conf.find(key);
    return (v != nullptr && !v->is_null()) ? v->as_int() : 0;
}

}  // namespace tempest::worker
