// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/config.h"

namespace tempest {

namespace {

[[noreturn]] void throw_key_type(std::string_view key, const char* want, const value& got) {
    throw type_error("config key '" + std::string(key) + "': expected " + want + ", got " +
                     std::string(to_string(got.type())) + " " + got.to_string());
}

}  // namespace

void config::erase(std::string_view key) {
    auto it = _m.find(key);
    if (it != _m.end()) {
        _m.erase(it);
    }
}

std::int64_t config::get_int(std::string_view key, std::int64_t dflt) const {
    const value* v = find(key);
    if (v == nullptr || v->is_null()) {
        return dflt;
    }
    if (v->type() != value_type::int64) {
        throw_key_type(key, "int64", *v);
    }
    return v->as_int();
}

double config::get_double(std::string_view key, double dflt) const {
    const value* v = find(key);
    if (v == nullptr || v->is_null()) {
        return dflt;
    }
    if (v->type() != value_type::float64 && v->type() != value_type::int64) {
        throw_key_type(key, "double", *v);
    }
    return v->as_double();
}

bool config::get_bool(std::string_view key, bool dflt) const {
    const value* v = find(key);
    if (v == nullptr || v->is_null()) {
        return dflt;
    }
    if (v->type() != value_type::boolean) {
        throw_key_type(key, "bool", *v);
    }
    return v->as_bool();
}

std::string config::get_string(std::string_view key, std::string_view dflt) const {
    const value* v = find(key);
    if (v == nullptr || v->is_null()) {
        return std::string(dflt);
    }
    if (v->type() != value_type::string) {
        throw_key_type(key, "string", *v);
    }
    return v->as_string();
}

void config::merge(const config& o) {
    for (const auto& [k, v] : o._m) {
        _m.insert_or_assign(k, v);
    }
}

}  // namespace tempest
