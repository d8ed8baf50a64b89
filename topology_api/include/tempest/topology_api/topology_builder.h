// SPDX-License-Identifier: Apache-2.0
// topology_builder: declares spouts, bolts and their subscriptions, then create_topology()
// validates and returns the topology, as Storm's TopologyBuilder. Components are named by a
// registered class name plus constructor arguments; the typed set_spout<T>/set_bolt<T> register
// T under its C++ name and record the arguments for you.
//
//   topology_builder b;
//   b.set_spout<sentence_spout>("sentences", 2);
//   b.set_bolt<split_bolt>("split", 4).shuffle_grouping("sentences");
//   b.set_bolt<count_bolt>("count", 4).fields_grouping("split", {"word"});
//   topology t = b.create_topology();  // throws invalid_topology naming each problem
#pragma once

#include "tempest/topology_api/component_registry.h"
#include "tempest/topology_api/shell_component.h"
#include "tempest/topology_api/topology.h"

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tempest {

class topology_builder;

// Settings common to spouts and bolts. Returned by reference from set_spout/set_bolt; valid
// while the builder lives.
template <typename Self>
class component_declarer {
  public:
    Self& set_num_tasks(int n) {
        _def->num_tasks = n;
        _tasks_set = true;
        return self();
    }
    Self& add_configuration(std::string key, value v) {
        _def->conf.set(std::move(key), std::move(v));
        return self();
    }
    Self& set_max_spout_pending(int n) {
        return add_configuration(config::topology_max_spout_pending, n);
    }
    Self& set_debug(bool on) { return add_configuration(config::topology_debug, on); }

  protected:
    friend class topology_builder;
    explicit component_declarer(component_def* def) : _def(def) {}
    Self& self() { return static_cast<Self&>(*this); }
    component_def* _def;
    bool _tasks_set = false;
};

class spout_declarer : public component_declarer<spout_declarer> {
    friend class topology_builder;
    using component_declarer::component_declarer;
};

class bolt_declarer : public component_declarer<bolt_declarer> {
  public:
    bolt_declarer& shuffle_grouping(std::string component, std::string stream = "default") {
        return add(std::move(component), std::move(stream), {grouping_type::shuffle});
    }
    bolt_declarer& fields_grouping(std::string component, fields f) {
        return fields_grouping(std::move(component), "default", std::move(f));
    }
    bolt_declarer& fields_grouping(std::string component, std::string stream, fields f) {
        return add(std::move(component), std::move(stream), {grouping_type::fields, std::move(f)});
    }
    bolt_declarer& all_grouping(std::string component, std::string stream = "default") {
        return add(std::move(component), std::move(stream), {grouping_type::all});
    }
    bolt_declarer& global_grouping(std::string component, std::string stream = "default") {
        return add(std::move(component), std::move(stream), {grouping_type::global});
    }
    bolt_declarer& local_or_shuffle_grouping(std::string component,
                                             std::string stream = "default") {
        return add(std::move(component), std::move(stream), {grouping_type::local_or_shuffle});
    }
    bolt_declarer& none_grouping(std::string component, std::string stream = "default") {
        return add(std::move(component), std::move(stream), {grouping_type::none});
    }
    bolt_declarer& direct_grouping(std::string component, std::string stream = "default") {
        return add(std::move(component), std::move(stream), {grouping_type::direct});
    }
    bolt_declarer& partial_key_grouping(std::string component, fields f) {
        return partial_key_grouping(std::move(component), "default", std::move(f));
    }
    bolt_declarer& partial_key_grouping(std::string component, std::string stream, fields f) {
        return add(std::move(component), std::move(stream),
                   {grouping_type::partial_key, std::move(f)});
    }
    // `class_name` is a grouping registered with component_registry::add_grouping.
    bolt_declarer& custom_grouping(std::string component, std::string stream,
                                   std::string class_name, std::vector<value> args = {}) {
        return add(std::move(component), std::move(stream),
                   {grouping_type::custom, {}, std::move(class_name), std::move(args)});
    }
    // Window settings for a windowed_bolt (windowing.h), as Storm's BaseWindowedBolt.with*:
    // Storm's config keys in this component's config, winning over the bolt's own.
    bolt_declarer& with_window(window_span length, window_span sliding) {
        set_window_config(_def->conf, length, sliding);
        return *this;
    }
    bolt_declarer& with_window(window_span length) { return with_window(length, window_count(1)); }
    bolt_declarer& with_tumbling_window(window_span length) { return with_window(length, length); }
    bolt_declarer& with_timestamp_field(std::string field) {
        return add_configuration(windowed_bolt::keys::timestamp_field, std::move(field));
    }
    bolt_declarer& with_lag(window_duration lag) {
        return add_configuration(windowed_bolt::keys::max_lag_ms, lag.ms);
    }
    bolt_declarer& with_watermark_interval(window_duration interval) {
        return add_configuration(windowed_bolt::keys::watermark_interval_ms, interval.ms);
    }
    bolt_declarer& with_late_tuple_stream(std::string stream) {
        return add_configuration(windowed_bolt::keys::late_tuple_stream, std::move(stream));
    }

    template <std::derived_from<custom_stream_grouping> T>
    bolt_declarer& custom_grouping(std::string component, std::string stream = "default") {
        std::string name = type_name<T>();
        if (!_registry->contains(name)) {
            _registry->add_grouping<T>(name);
        }
        return custom_grouping(std::move(component), std::move(stream), std::move(name));
    }

  private:
    friend class topology_builder;
    bolt_declarer(component_def* def, component_registry* reg)
        : component_declarer(def), _registry(reg) {}
    bolt_declarer& add(std::string component, std::string stream, grouping g) {
        _def->inputs.push_back({std::move(component), std::move(stream), std::move(g)});
        return *this;
    }
    component_registry* _registry;
};

class topology_builder {
  public:
    explicit topology_builder(component_registry& registry = component_registry::instance())
        : _registry(&registry) {}

    spout_declarer& set_spout(std::string id, std::string class_name, std::vector<value> args = {},
                              int parallelism = 1);
    bolt_declarer& set_bolt(std::string id, std::string class_name, std::vector<value> args = {},
                            int parallelism = 1);
    // A component run by a subprocess over Storm's multilang protocol (shell_component.h).
    spout_declarer& set_spout(std::string id, const shell_spout& s, int parallelism = 1) {
        return set_spout(std::move(id), std::string(shell_spout_class), s.spec().to_args(),
                         parallelism);
    }
    bolt_declarer& set_bolt(std::string id, const shell_bolt& s, int parallelism = 1) {
        return set_bolt(std::move(id), std::string(shell_bolt_class), s.spec().to_args(),
                        parallelism);
    }

    // Typed: registers T (if no class of its name is registered yet) and records `args`, which
    // are converted back to T's constructor parameter types when the task is built.
    template <std::derived_from<spout> T, typename... A>
    spout_declarer& set_spout(std::string id, int parallelism = 1, A&&... args) {
        std::string name = type_name<T>();
        if (!_registry->contains(name)) {
            if constexpr (sizeof...(A) == 0 ||
                          std::constructible_from<T, const std::vector<value>&>) {
                _registry->add_spout<T>(name);
            } else {
                _registry->add_spout_with<T, std::remove_cvref_t<A>...>(name);
            }
        }
        return set_spout(std::move(id), std::move(name), {value(std::forward<A>(args))...},
                         parallelism);
    }
    template <typename T, typename... A>
    requires(std::derived_from<T, bolt> || std::derived_from<T, basic_bolt> ||
             std::derived_from<T, windowed_bolt>) bolt_declarer& set_bolt(std::string id,
                                                                          int parallelism = 1,
                                                                          A&&... args) {
        std::string name = type_name<T>();
        if (!_registry->contains(name)) {
            if constexpr (sizeof...(A) == 0 ||
                          std::constructible_from<T, const std::vector<value>&>) {
                _registry->add_bolt<T>(name);
            } else {
                _registry->add_bolt_with<T, std::remove_cvref_t<A>...>(name);
            }
        }
        return set_bolt(std::move(id), std::move(name), {value(std::forward<A>(args))...},
                        parallelism);
    }

    // Builds one instance of each component (to learn its declared streams and component
    // config), validates everything, and returns the topology. Throws invalid_topology listing
    // every problem, each naming its component.
    topology create_topology() const;

  private:
    struct entry {
        component_def def;
        std::unique_ptr<spout_declarer> spout;
        std::unique_ptr<bolt_declarer> bolt;
    };
    component_registry* _registry;
    std::deque<entry> _entries;  // declaration order; deque keeps declarer references stable
};

}  // namespace tempest
