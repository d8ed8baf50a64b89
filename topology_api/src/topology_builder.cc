// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/topology_builder.h"

#include "topology_problems.h"

#include <algorithm>
#include <map>
#include <set>

namespace tempest {

namespace {

// Appends rather than `"'" + std::string(s)`, which trips GCC 12's -Wrestrict false positive.
std::string quoted(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '\'';
    out += s;
    out += '\'';
    return out;
}

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

std::string not_registered(const std::string& cls) {
    return "class " + quoted(cls) + " is not registered; register it in tempest_register";
}

// A shell component declares the streams of its spec; the worker builds the subprocess side.
bool complete_shell_def(component_def& def, const std::string& who,
                        std::vector<std::string>& problems) {
    const bool is_spout = def.kind == component_kind::spout;
    if (def.class_name != (is_spout ? shell_spout_class : shell_bolt_class)) {
        problems.push_back(who + ": class " + quoted(def.class_name) + " cannot be used with " +
                           (is_spout ? "set_spout" : "set_bolt"));
        return false;
    }
    try {
        def.outputs = shell_spec::from_args(def.args).streams;
    } catch (const std::exception& e) {
        problems.push_back(who + ": " + e.what());
        return false;
    }
    return true;
}

// A windowed bolt: it must have a window, and its late tuple stream (if any) is declared for it,
// as Storm's windowed bolt executor does. Window settings on any other bolt are a mistake.
void complete_window_def(component_def& def, bool windowed, const std::string& who,
                         std::vector<std::string>& problems) {
    const bool has_keys = window_settings::has_window_keys(def.conf);
    if (!windowed) {
        if (has_keys && def.kind == component_kind::bolt) {
            problems.push_back(who + ": window settings (topology.bolts.*) are set but class " +
                               quoted(def.class_name) + " is not a windowed_bolt");
        }
        return;
    }
    if (!has_keys) {
        problems.push_back(who +
                           ": windowed bolt has no window: set one with with_window or "
                           "with_tumbling_window");
        return;
    }
    const value* late = def.conf.find(windowed_bolt::keys::late_tuple_stream);
    if (late != nullptr && late->type() == value_type::string && !late->as_string().empty() &&
        def.find_stream(late->as_string()) == nullptr) {
        def.outputs.push_back({late->as_string(), fields{windowed_bolt::late_tuple_field}, false});
    }
}

// Builds one instance of `def`'s class to learn its declared streams and component config,
// filling def.outputs and def.conf. Returns false, with the reasons in `problems`, when the
// class is unknown, of the wrong kind or cannot be built.
bool complete_def(const component_registry& reg, component_def& def,
                  std::vector<std::string>& problems) {
    const bool is_spout = def.kind == component_kind::spout;
    const std::string who = std::string(is_spout ? "spout " : "bolt ") + quoted(def.id);
    if (is_shell_class(def.class_name)) {
        return complete_shell_def(def, who, problems);
    }
    if (!reg.contains(def.class_name)) {
        problems.push_back(who + ": " + not_registered(def.class_name));
        return false;
    }
    const component_class_kind want =
        is_spout ? component_class_kind::spout : component_class_kind::bolt;
    const component_class_kind got = reg.kind_of(def.class_name);
    if (got != want) {
        problems.push_back(who + ": class " + quoted(def.class_name) + " is registered as a " +
                           kind_name(got) + ", so it cannot be used with " +
                           (is_spout ? "set_spout" : "set_bolt"));
        return false;
    }
    output_fields_declarer declarer;
    config conf;
    bool windowed = false;
    try {
        std::unique_ptr<component> instance;
        if (is_spout) {
            instance = reg.make_spout(def.class_name, def.args);
        } else {
            instance = reg.make_bolt(def.class_name, def.args);
        }
        instance->declare_output_fields(declarer);
        conf = instance->get_component_configuration();
        windowed = dynamic_cast<const windowed_bolt_adapter*>(instance.get()) != nullptr;
    } catch (const std::exception& e) {
        problems.push_back(who + ": cannot build class " + quoted(def.class_name) + ": " +
                           e.what());
        return false;
    }
    for (const std::string& dup : declarer.duplicates()) {
        problems.push_back(who + ": declares stream " + quoted(dup) + " more than once");
    }
    def.outputs = declarer.streams();
    // Keys set on the declarer (add_configuration) win over the class's own; a window length
    // or sliding interval set there replaces the class's, whether a count or a duration.
    for (auto [count_key, ms_key] :
         {std::pair{windowed_bolt::keys::window_length_count,
                    windowed_bolt::keys::window_length_duration_ms},
          std::pair{windowed_bolt::keys::sliding_interval_count,
                    windowed_bolt::keys::sliding_interval_duration_ms}}) {
        if (def.conf.contains(count_key) || def.conf.contains(ms_key)) {
            conf.erase(count_key);
            conf.erase(ms_key);
        }
    }
    conf.merge(def.conf);
    def.conf = std::move(conf);
    complete_window_def(def, windowed, who, problems);
    return true;
}

void check_custom_groupings(const component_registry& reg, const component_def& def,
                            std::vector<std::string>& problems) {
    for (const input_def& in : def.inputs) {
        const grouping& g = in.grouping;
        if (g.type != grouping_type::custom || g.custom_class.empty()) {
            continue;  // an empty class name is reported by validation
        }
        const std::string where = "bolt " + quoted(def.id) + ": custom grouping on stream " +
                                  quoted(in.stream) + " of " + quoted(in.component) + ": ";
        if (!reg.contains(g.custom_class)) {
            problems.push_back(where + not_registered(g.custom_class));
            continue;
        }
        const component_class_kind got = reg.kind_of(g.custom_class);
        if (got != component_class_kind::grouping) {
            problems.push_back(where + "class " + quoted(g.custom_class) + " is registered as a " +
                               kind_name(got) + ", not a grouping");
            continue;
        }
        try {
            // Built only to check that its arguments fit; the runtime builds its own.
            std::unique_ptr<custom_stream_grouping> probe =
                reg.make_grouping(g.custom_class, g.custom_args);
        } catch (const std::exception& e) {
            problems.push_back(where + "cannot build class " + quoted(g.custom_class) + ": " +
                               e.what());
        }
    }
}

}  // namespace

spout_declarer& topology_builder::set_spout(std::string id, std::string class_name,
                                            std::vector<value> args, int parallelism) {
    entry& e = _entries.emplace_back();
    e.def.id = std::move(id);
    e.def.kind = component_kind::spout;
    e.def.class_name = std::move(class_name);
    e.def.args = std::move(args);
    e.def.parallelism = parallelism;
    e.def.num_tasks = parallelism;
    // The declarer's constructor is private to the builder, so std::make_unique cannot reach it.
    e.spout.reset(new spout_declarer(&e.def));
    return *e.spout;
}

bolt_declarer& topology_builder::set_bolt(std::string id, std::string class_name,
                                          std::vector<value> args, int parallelism) {
    entry& e = _entries.emplace_back();
    e.def.id = std::move(id);
    e.def.kind = component_kind::bolt;
    e.def.class_name = std::move(class_name);
    e.def.args = std::move(args);
    e.def.parallelism = parallelism;
    e.def.num_tasks = parallelism;
    e.bolt.reset(new bolt_declarer(&e.def, _registry));
    return *e.bolt;
}

topology topology_builder::create_topology() const {
    topology t;
    std::vector<std::string> problems;
    std::set<std::string, std::less<>> unbuilt;
    std::map<std::string_view, int> declared;
    for (const entry& e : _entries) {
        const component_def& src = e.def;
        if (++declared[src.id] > 1) {
            if (declared[src.id] == 2) {
                problems.push_back("component id " + quoted(src.id) +
                                   " is declared more than once");
            }
            continue;
        }
        component_def def = src;
        if (!complete_def(*_registry, def, problems)) {
            unbuilt.insert(def.id);
        }
        if (def.kind == component_kind::bolt) {
            check_custom_groupings(*_registry, def, problems);
        }
        t.components.push_back(std::move(def));
    }
    std::sort(t.components.begin(), t.components.end(),
              [](const component_def& a, const component_def& b) { return a.id < b.id; });
    std::vector<std::string> more = detail::topology_problems(t, unbuilt);
    problems.insert(problems.end(), more.begin(), more.end());
    if (!problems.empty()) {
        throw invalid_topology(detail::join_lines(problems));
    }
    return t;
}

}  // namespace tempest
