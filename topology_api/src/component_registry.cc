// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/component_registry.h"

namespace tempest {

namespace {

const char* kind_name(component_class_kind k) {
    switch (k) {
        case component_class_kind::spout:
            return "spout";
        case component_class_kind::bolt:
            return "bolt";
        case component_class_kind::grouping:
            return "grouping";
    }
    return "unknown";
}

// The factory's result, or registry_error when a factory returned nothing.
template <typename T>
std::unique_ptr<T> checked(std::unique_ptr<T> p, const std::string& name) {
    if (p == nullptr) {
        throw registry_error("the factory of class '" + name + "' returned no instance");
    }
    return p;
}

}  // namespace

component_registry& component_registry::instance() {
    static component_registry registry;
    return registry;
}

void component_registry::register_spout(std::string name, spout_factory f) {
    std::scoped_lock lock(_mu);
    _entries.insert_or_assign(std::move(name),
                              entry{component_class_kind::spout, std::move(f), {}, {}});
}

void component_registry::register_bolt(std::string name, bolt_factory f) {
    std::scoped_lock lock(_mu);
    _entries.insert_or_assign(std::move(name),
                              entry{component_class_kind::bolt, {}, std::move(f), {}});
}

void component_registry::register_grouping(std::string name, grouping_factory f) {
    std::scoped_lock lock(_mu);
    _entries.insert_or_assign(std::move(name),
                              entry{component_class_kind::grouping, {}, {}, std::move(f)});
}

// Requires: _mu held.
const component_registry::entry& component_registry::find(const std::string& name,
                                                          component_class_kind want) const {
    auto it = _entries.find(name);
    if (it == _entries.end()) {
        throw registry_error(std::string("no ") + kind_name(want) + " class '" + name +
                             "' is registered");
    }
    if (it->second.kind != want) {
        throw registry_error("class '" + name + "' is registered as a " +
                             kind_name(it->second.kind) + ", not a " + kind_name(want));
    }
    return it->second;
}

// The factories are copied out under the lock and called without it, so that a constructor may
// use the registry and registration does not wait for user code.
std::unique_ptr<spout> component_registry::make_spout(const std::string& name,
                                                      const args& a) const {
    spout_factory f;
    {
        std::scoped_lock lock(_mu);
        f = find(name, component_class_kind::spout).spout;
    }
    return checked(f(a), name);
}

std::unique_ptr<bolt> component_registry::make_bolt(const std::string& name, const args& a) const {
    bolt_factory f;
    {
        std::scoped_lock lock(_mu);
        f = find(name, component_class_kind::bolt).bolt;
    }
    return checked(f(a), name);
}

std::unique_ptr<custom_stream_grouping> component_registry::make_grouping(const std::string& name,
                                                                          const args& a) const {
    grouping_factory f;
    {
        std::scoped_lock lock(_mu);
        f = find(name, component_class_kind::grouping).grouping;
    }
    return checked(f(a), name);
}

bool component_registry::contains(const std::string& name) const {
    std::scoped_lock lock(_mu);
    return _entries.find(name) != _entries.end();
}

component_class_kind component_registry::kind_of(const std::string& name) const {
    std::scoped_lock lock(_mu);
    auto it = _entries.find(name);
    if (it == _entries.end()) {
        throw registry_error("no class '" + name + "' is registered");
    }
    return it->second.kind;
}

std::vector<std::string> component_registry::names() const {
    std::scoped_lock lock(_mu);
    std::vector<std::string> out;
    out.reserve(_entries.size());
    for (const auto& [name, e] : _entries) {
        out.push_back(name);
    }
    return out;
}

namespace detail {

void throw_bad_arg(const std::string& cls, std::size_t i, const char* want, const value& got) {
    // Arguments are counted from 1 in the message, as a reader counts them.
    throw registry_error("class " + cls + " constructor argument " + std::to_string(i + 1) +
                         ": expected " + want + ", got " + std::string(to_string(got.type())) +
                         " " + got.to_string());
}

}  // namespace detail

}  // namespace tempest
