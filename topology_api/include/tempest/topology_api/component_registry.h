// SPDX-License-Identifier: Apache-2.0
// component_registry: the process-wide table from class names to factories that build spouts,
// bolts and custom groupings from constructor arguments. A package fills it in its
// tempest_register(); local mode and cluster workers then rebuild every component of a topology
// from its (class name, args), so what runs locally is what a remote worker runs.
// Thread-safe; registration is rare, lookups happen once per task start.
#pragma once

#include "tempest/topology_api/component.h"
#include "tempest/topology_api/value.h"
#include "tempest/topology_api/windowing.h"

#include <cxxabi.h>

#include <concepts>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

namespace tempest {

// Raised when a class name is unknown or its arguments do not fit its constructor.
class registry_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The demangled C++ name of T, used as its default registered class name.
template <typename T>
std::string type_name() {
    int status = 0;
    char* s = abi::__cxa_demangle(typeid(T).name(), nullptr, nullptr, &status);
    std::string name = (status == 0 && s != nullptr) ? s : typeid(T).name();
    std::free(s);
    return name;
}

namespace detail {
// Converts a constructor argument back from a value; throws registry_error on a mismatch.
template <typename T>
T arg_as(const std::vector<value>& args, std::size_t i, const std::string& cls);
[[noreturn]] void throw_bad_arg(const std::string& cls, std::size_t i, const char* want,
                                const value& got);
}  // namespace detail

enum class component_class_kind : std::uint8_t { spout, bolt, grouping };

class component_registry {
  public:
    using args = std::vector<value>;
    using spout_factory = std::function<std::unique_ptr<spout>(const args&)>;
    using bolt_factory = std::function<std::unique_ptr<bolt>(const args&)>;
    using grouping_factory = std::function<std::unique_ptr<custom_stream_grouping>(const args&)>;

    static component_registry& instance();

    // Registering a name again replaces the earlier factory (a reloaded package wins).
    void register_spout(std::string name, spout_factory f);
    void register_bolt(std::string name, bolt_factory f);
    void register_grouping(std::string name, grouping_factory f);

    // Registers T under `name` (default: its C++ name). T is built with T(const args&) if it has
    // that constructor, else T() (then it takes no arguments), or from typed arguments with
    // add_spout_with<T, A...>, which converts each argument to A.
    template <std::derived_from<spout> T>
    std::string add_spout(std::string name = type_name<T>()) {
        register_spout(name, [](const args& a) { return construct<spout, T>(a); });
        return name;
    }
    template <typename T>
    requires(std::derived_from<T, bolt> || std::derived_from<T, basic_bolt> ||
             std::derived_from<T, windowed_bolt>) std::string
        add_bolt(std::string name = type_name<T>()) {
        register_bolt(name, [](const args& a) { return wrap_bolt(construct<T, T>(a)); });
        return name;
    }
    template <std::derived_from<custom_stream_grouping> T>
    std::string add_grouping(std::string name = type_name<T>()) {
        register_grouping(name,
                          [](const args& a) { return construct<custom_stream_grouping, T>(a); });
        return name;
    }
    template <std::derived_from<spout> T, typename... A>
    std::string add_spout_with(std::string name = type_name<T>()) {
        register_spout(name, [name](const args& a) -> std::unique_ptr<spout> {
            return typed<T, A...>(a, name, std::index_sequence_for<A...>{});
        });
        return name;
    }
    template <typename T, typename... A>
    requires(std::derived_from<T, bolt> || std::derived_from<T, basic_bolt> ||
             std::derived_from<T, windowed_bolt>) std::string
        add_bolt_with(std::string name = type_name<T>()) {
        register_bolt(name, [name](const args& a) -> std::unique_ptr<bolt> {
            return wrap_bolt(typed<T, A...>(a, name, std::index_sequence_for<A...>{}));
        });
        return name;
    }

    // Each throws registry_error naming the class when it is unknown or of another kind.
    std::unique_ptr<spout> make_spout(const std::string& name, const args& a) const;
    std::unique_ptr<bolt> make_bolt(const std::string& name, const args& a) const;
    std::unique_ptr<custom_stream_grouping> make_grouping(const std::string& name,
                                                          const args& a) const;

    bool contains(const std::string& name) const;
    // The kind registered under `name`; requires contains(name).
    component_class_kind kind_of(const std::string& name) const;
    std::vector<std::string> names() const;

  private:
    template <typename Base, typename T>
    static std::unique_ptr<Base> construct(const args& a) {
        if constexpr (std::constructible_from<T, const args&>) {
            return std::make_unique<T>(a);
        } else {
            static_assert(std::default_initializable<T>,
                          "a component needs T(const std::vector<tempest::value>&) or T(); "
                          "use add_spout_with/add_bolt_with for typed constructor arguments");
            if (!a.empty()) {
                throw registry_error("class " + type_name<T>() +
                                     " takes no constructor arguments, got " +
                                     std::to_string(a.size()));
            }
            return std::make_unique<T>();
        }
    }
    template <typename T, typename... A, std::size_t... I>
    static std::unique_ptr<T> typed(const args& a, const std::string& name,
                                    std::index_sequence<I...>) {
        if (a.size() != sizeof...(A)) {
            throw registry_error("class " + name + " takes " + std::to_string(sizeof...(A)) +
                                 " constructor arguments, got " + std::to_string(a.size()));
        }
        return std::make_unique<T>(detail::arg_as<std::remove_cvref_t<A>>(a, I, name)...);
    }
    template <typename T>
    static std::unique_ptr<bolt> wrap_bolt(std::unique_ptr<T> b) {
        if constexpr (std::derived_from<T, basic_bolt>) {
            return std::make_unique<basic_bolt_adapter>(std::move(b));
        } else if constexpr (std::derived_from<T, windowed_bolt>) {
            return std::make_unique<windowed_bolt_adapter>(std::move(b));
        } else {
            return b;
        }
    }

    struct entry {
        component_class_kind kind;
        spout_factory spout;
        bolt_factory bolt;
        grouping_factory grouping;
    };
    const entry& find(const std::string& name, component_class_kind want) const;

    mutable std::mutex _mu;  // guards _entries
    std::map<std::string, entry, std::less<>> _entries;
};

namespace detail {
template <typename T>
T arg_as(const std::vector<value>& args, std::size_t i, const std::string& cls) {
    const value& v = args[i];
    if constexpr (std::same_as<T, bool>) {
        if (v.type() == value_type::boolean)
            return v.as_bool();
        throw_bad_arg(cls, i, "bool", v);
    } else if constexpr (std::integral<T>) {
        if (v.type() == value_type::int64)
            return static_cast<T>(v.as_int());
        throw_bad_arg(cls, i, "int", v);
    } else if constexpr (std::floating_point<T>) {
        if (v.type() == value_type::float64 || v.type() == value_type::int64) {
            return static_cast<T>(v.as_double());
        }
        throw_bad_arg(cls, i, "double", v);
    } else if constexpr (std::same_as<T, std::string>) {
        if (v.type() == value_type::string)
            return v.as_string();
        throw_bad_arg(cls, i, "string", v);
    } else if constexpr (std::same_as<T, value::list>) {
        if (v.type() == value_type::list)
            return v.as_list();
        throw_bad_arg(cls, i, "list", v);
    } else {
        static_assert(std::same_as<T, value>, "unsupported constructor argument type");
        return v;
    }
}
}  // namespace detail

}  // namespace tempest
