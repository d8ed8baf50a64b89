// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/topology.h"

#include "topology_problems.h"

#include <map>

namespace tempest {

std::string_view to_string(grouping_type t) noexcept {
    switch (t) {
        case grouping_type::shuffle:
            return "shuffle";
        case grouping_type::fields:
            return "fields";
        case grouping_type::all:
            return "all";
        case grouping_type::global:
            return "global";
        case grouping_type::local_or_shuffle:
            return "local_or_shuffle";
        case grouping_type::none:
            return "none";
        case grouping_type::direct:
            return "direct";
        case grouping_type::partial_key:
            return "partial_key";
        case grouping_type::custom:
            return "custom";
    }
    return "unknown";
}

const stream_def* component_def::find_stream(std::string_view stream) const {
    for (const stream_def& s : outputs) {
        if (s.id == stream) {
            return &s;
        }
    }
    return nullptr;
}

const component_def* topology::find(std::string_view id) const {
    // Linear: topologies have tens of components and this runs at setup only; it also works on
    // a hand-built topology that is not sorted.
    for (const component_def& c : components) {
        if (c.id == id) {
            return &c;
        }
    }
    return nullptr;
}

void topology::validate() const {
    std::vector<std::string> problems = detail::topology_problems(*this, {});
    if (!problems.empty()) {
        throw invalid_topology(detail::join_lines(problems));
    }
}

namespace detail {

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

std::string kind_name(component_kind k) {
    return k == component_kind::spout ? "spout" : "bolt";
}

// "spout 'x'", or for an empty id "spout with an empty id (class C)".
std::string describe(const component_def& c) {
    if (c.id.empty()) {
        return kind_name(c.kind) + " with an empty id (class " + quoted(c.class_name) + ")";
    }
    return kind_name(c.kind) + " " + quoted(c.id);
}

std::string stream_ids(const component_def& c) {
    if (c.outputs.empty()) {
        return "no streams";
    }
    std::string out = "streams [";
    for (std::size_t i = 0; i < c.outputs.size(); ++i) {
        out += (i > 0 ? ", " : "") + c.outputs[i].id;
    }
    return out + "]";
}

void check_component(const component_def& c, std::vector<std::string>& problems) {
    const std::string who = describe(c);
    if (c.id.empty()) {
        problems.push_back("a " + who + ": every component needs an id");
    } else if (c.id.starts_with("__")) {
        problems.push_back(who + ": ids starting with \"__\" are reserved for system components");
    }
    if (c.class_name.empty()) {
        problems.push_back(who + ": no class name");
    }
    if (c.parallelism < 1) {
        problems.push_back(who + ": parallelism must be at least 1, got " +
                           std::to_string(c.parallelism));
    } else if (c.num_tasks < c.parallelism) {
        problems.push_back(who + ": num_tasks (" + std::to_string(c.num_tasks) +
                           ") must be at least its parallelism (" + std::to_string(c.parallelism) +
                           ")");
    }
    if (c.kind == component_kind::spout && !c.inputs.empty()) {
        problems.push_back(who + ": a spout cannot subscribe to streams (it subscribes to " +
                           quoted(c.inputs.front().component) + ")");
    }
    for (std::size_t i = 0; i < c.outputs.size(); ++i) {
        const stream_def& s = c.outputs[i];
        if (s.id.empty()) {
            problems.push_back(who + ": declares a stream with an empty id");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (c.outputs[j].id == s.id) {
                problems.push_back(who + ": declares stream " + quoted(s.id) + " more than once");
                break;
            }
        }
        for (std::size_t f = 0; f < s.fields.size(); ++f) {
            if (s.fields.index_of(s.fields[f]) != static_cast<int>(f)) {
                problems.push_back(who + ": stream " + quoted(s.id) + " declares field " +
                                   quoted(s.fields[f]) + " more than once");
            }
        }
    }
}

void check_input(const topology& t, const component_def& c, std::size_t index,
                 const std::set<std::string, std::less<>>& unbuilt,
                 std::vector<std::string>& problems) {
    const input_def& in = c.inputs[index];
    const std::string who = describe(c);
    for (std::size_t j = 0; j < index; ++j) {
        if (c.inputs[j].component == in.component && c.inputs[j].stream == in.stream) {
            problems.push_back(who + ": subscribes to stream " + quoted(in.stream) + " of " +
                               quoted(in.component) + " more than once");
            return;
        }
    }
    const component_def* src = t.find(in.component);
    if (src == nullptr) {
        problems.push_back(who + ": subscribes to unknown component " + quoted(in.component));
        return;
    }
    const std::string grouping = std::string(to_string(in.grouping.type)) + " grouping";
    const std::string on = " on stream " + quoted(in.stream) + " of " + quoted(in.component);
    if (in.grouping.type == grouping_type::custom && in.grouping.custom_class.empty()) {
        problems.push_back(who + ": custom grouping" + on + " has no class name");
    }
    if (unbuilt.contains(in.component)) {
        return;
    }
    const stream_def* s = src->find_stream(in.stream);
    if (s == nullptr) {
        problems.push_back(who + ": subscribes to stream " + quoted(in.stream) + " of " +
                           quoted(in.component) + ", which " + quoted(in.component) +
                           " does not declare (it declares " + stream_ids(*src) + ")");
        return;
    }
    switch (in.grouping.type) {
        case grouping_type::fields:
        case grouping_type::partial_key:
            if (in.grouping.fields.empty()) {
                problems.push_back(who + ": " + grouping + on + " names no fields");
            }
            for (const std::string& f : in.grouping.fields) {
                if (!s->fields.contains(f)) {
                    problems.push_back(who + ": " + grouping + on + " names field " + quoted(f) +
                                       ", which the stream does not declare (declared fields: " +
                                       s->fields.to_string() + ")");
                }
            }
            break;
        case grouping_type::direct:
            if (!s->direct) {
                problems.push_back(
                    who + ": direct grouping" + on +
                    ", which is not declared direct (declare it with direct = true)");
            }
            break;
        default:
            break;
    }
    if (in.grouping.type != grouping_type::direct && s->direct) {
        problems.push_back(who + ": " + grouping + on +
                           ", which is declared direct and needs direct grouping");
    }
}

}  // namespace

std::vector<std::string> topology_problems(const topology& t,
                                           const std::set<std::string, std::less<>>& unbuilt) {
    std::vector<std::string> problems;
    if (t.components.empty()) {
        problems.push_back("topology has no spout (it has no components at all)");
        return problems;
    }
    std::map<std::string_view, int> uses;
    bool has_spout = false;
    for (const component_def& c : t.components) {
        if (!c.id.empty() && ++uses[c.id] == 2) {
            problems.push_back("component id " + quoted(c.id) +
                               " is used by more than one component");
        }
        has_spout = has_spout || c.kind == component_kind::spout;
    }
    if (!has_spout) {
        problems.push_back("topology has no spout");
    }
    for (const component_def& c : t.components) {
        check_component(c, problems);
        window_problems(c, describe(c), problems);
        if (c.kind == component_kind::bolt) {
            for (std::size_t i = 0; i < c.inputs.size(); ++i) {
                check_input(t, c, i, unbuilt, problems);
            }
        }
    }
    return problems;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& l : lines) {
        if (!out.empty()) {
            out += '\n';
        }
        out += l;
    }
    return out;
}

}  // namespace detail

}  // namespace tempest
