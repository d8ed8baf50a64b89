// SPDX-License-Identifier: Apache-2.0
// topology <-> StormTopology and config <-> JSON (see topology_convert.h).
#include "tempest/thrift/topology_convert.h"

#include "tempest/topology_api/shell_component.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace tempest::thrift {
namespace {

using json = nlohmann::json;

// Storm's partial key grouping travels as a custom grouping of this class (Storm serializes a
// PartialKeyGrouping object; we name it instead, with the field names as string arguments).
constexpr const char* partial_key_class = "org.apache.storm.grouping.PartialKeyGrouping";
constexpr const char* tasks_key = "topology.tasks";

JavaObjectArg to_arg(const value& v, const std::string& what) {
    JavaObjectArg a;
    switch (v.type()) {
        case value_type::boolean:
            a.__set_bool_arg(v.as_bool());
            break;
        case value_type::int64:
            a.__set_long_arg(v.as_int());
            break;
        case value_type::float64:
            a.__set_double_arg(v.as_double());
            break;
        case value_type::string:
            a.__set_string_arg(v.as_string());
            break;
        case value_type::bytes:
            a.__set_binary_arg(v.as_bytes().data);
            break;
        case value_type::null:
        case value_type::list:
            throw invalid_topology(what + ": a constructor argument of type " +
                                   std::string(to_string(v.type())) +
                                   " cannot be sent to Nimbus (Storm's JavaObjectArg holds only "
                                   "int, long, string, bool, binary and double)");
    }
    return a;
}

value from_arg(const JavaObjectArg& a, const std::string& what, std::size_t index) {
    const auto& s = a.__isset;
    if (s.int_arg) {
        return value(static_cast<std::int64_t>(a.int_arg));
    }
    if (s.long_arg) {
        return value(a.long_arg);
    }
    if (s.string_arg) {
        return value(a.string_arg);
    }
    if (s.bool_arg) {
        return value(a.bool_arg);
    }
    if (s.binary_arg) {
        return value(bytes{a.binary_arg});
    }
    if (s.double_arg) {
        return value(a.double_arg);
    }
    throw invalid_topology(what + ": constructor argument " + std::to_string(index) +
                           " has no value of a known type");
}

JavaObject to_java_object(const std::string& class_name, const std::vector<value>& args,
                          const std::string& what) {
    JavaObject o;
    o.full_class_name = class_name;
    for (const auto& v : args) {
        o.args_list.push_back(to_arg(v, what));
    }
    return o;
}

std::vector<value> from_args(const std::vector<JavaObjectArg>& args, const std::string& what) {
    std::vector<value> out;
    out.reserve(args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
        out.push_back(from_arg(args[i], what, i));
    }
    return out;
}

Grouping to_grouping(const grouping& g, const std::string& what) {
    Grouping out;
    switch (g.type) {
        case grouping_type::shuffle:
            out.__set_shuffle(NullStruct());
            break;
        case grouping_type::fields:
            out.__set_fields(g.fields.names());
            break;
        case grouping_type::global:
            out.__set_fields({});
            break;
        case grouping_type::all:
            out.__set_all(NullStruct());
            break;
        case grouping_type::none:
            out.__set_none(NullStruct());
            break;
        case grouping_type::direct:
            out.__set_direct(NullStruct());
            break;
        case grouping_type::local_or_shuffle:
            out.__set_local_or_shuffle(NullStruct());
            break;
        case grouping_type::partial_key: {
            std::vector<value> names(g.fields.begin(), g.fields.end());
            out.__set_custom_object(to_java_object(partial_key_class, names, what));
            break;
        }
        case grouping_type::custom:
            out.__set_custom_object(to_java_object(g.custom_class, g.custom_args, what));
            break;
    }
    return out;
}

grouping from_grouping(const Grouping& g, const std::string& what) {
    grouping out;
    const auto& s = g.__isset;
    if (s.fields) {
        out.type = g.fields.empty() ? grouping_type::global : grouping_type::fields;
        out.fields = fields(g.fields);
    } else if (s.shuffle) {
        out.type = grouping_type::shuffle;
    } else if (s.all) {
        out.type = grouping_type::all;
    } else if (s.none) {
        out.type = grouping_type::none;
    } else if (s.direct) {
        out.type = grouping_type::direct;
    } else if (s.local_or_shuffle) {
        out.type = grouping_type::local_or_shuffle;
    } else if (s.custom_object) {
        const auto& o = g.custom_object;
        auto args = from_args(o.args_list, what);
        if (o.full_class_name == partial_key_class) {
            std::vector<std::string> names;
            for (const auto& a : args) {
                if (a.type() != value_type::string) {
                    throw invalid_topology(what +
                                           ": partial key grouping arguments must be field names");
                }
                names.push_back(a.as_string());
            }
            out.type = grouping_type::partial_key;
            out.fields = fields(std::move(names));
        } else {
            out.type = grouping_type::custom;
            out.custom_class = o.full_class_name;
            out.custom_args = std::move(args);
        }
    } else if (s.custom_serialized) {
        throw invalid_topology(what +
                               ": custom_serialized groupings (serialized Java objects) are not "
                               "supported; name a registered grouping class with custom_object");
    } else {
        throw invalid_topology(what + ": grouping of an unknown kind");
    }
    return out;
}

json to_json_value(const value& v, const std::string& key) {
    switch (v.type()) {
        case value_type::null:
            return nullptr;
        case value_type::boolean:
            return v.as_bool();
        case value_type::int64:
            return v.as_int();
        case value_type::float64:
            return v.as_double();
        case value_type::string:
            return v.as_string();
        case value_type::list: {
            json arr = json::array();
            for (const auto& e : v.as_list()) {
                arr.push_back(to_json_value(e, key));
            }
            return arr;
        }
        case value_type::bytes:
            break;
    }
    throw invalid_topology("config key '" + key + "': bytes values cannot be written as JSON");
}

value from_json_value(const json& j, const std::string& key) {
    switch (j.type()) {
        case json::value_t::null:
            return value();
        case json::value_t::boolean:
            return value(j.get<bool>());
        case json::value_t::number_integer:
            return value(j.get<std::int64_t>());
        case json::value_t::number_unsigned: {
            auto u = j.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                throw invalid_topology("config key '" + key + "': integer " + std::to_string(u) +
                                       " is out of range");
            }
            return value(static_cast<std::int64_t>(u));
        }
        case json::value_t::number_float:
            return value(j.get<double>());
        case json::value_t::string:
            return value(j.get<std::string>());
        case json::value_t::array: {
            value::list l;
            for (const auto& e : j) {
                l.push_back(from_json_value(e, key));
            }
            return value(std::move(l));
        }
        default:
            break;
    }
    throw invalid_topology("config key '" + key + "': unsupported JSON value " + j.dump() +
                           " (nested objects are not supported)");
}

std::string component_what(const std::string& id) {
    return "component '" + id + "'";
}

ComponentObject to_component_object(const component_def& c) {
    ComponentObject o;
    o.__set_java_object(to_java_object(c.class_name, c.args, component_what(c.id)));
    return o;
}

ComponentCommon to_common(const component_def& c) {
    const auto what = component_what(c.id);
    ComponentCommon common;
    for (const auto& in : c.inputs) {
        GlobalStreamId sid;
        sid.componentId = in.component;
        sid.streamId = in.stream;
        common.inputs[sid] = to_grouping(in.grouping, what);
    }
    for (const auto& s : c.outputs) {
        StreamInfo info;
        info.output_fields = s.fields.names();
        info.direct = s.direct;
        common.streams[s.id] = info;
    }
    common.__set_parallelism_hint(c.parallelism);
    config conf = c.conf;
    conf.set(tasks_key, c.num_tasks);
    common.__set_json_conf(to_json(conf));
    return common;
}

component_def from_component(const std::string& id, component_kind kind, const ComponentObject& obj,
                             const ComponentCommon& common) {
    const auto what = component_what(id);
    component_def c;
    c.id = id;
    c.kind = kind;
    // A union should hold one field; if a client set several, any we cannot run is refused.
    if (obj.__isset.serialized_java) {
        throw invalid_topology(what +
                               " is a serialized Java object, which Tempest cannot run; name "
                               "a class registered in the topology package (java_object)");
    }
    if (obj.__isset.shell) {
        // Storm's ShellComponent runs `execution_command script`, as ShellBolt/ShellSpout do:
        // here Tempest's own shell bolt or spout (docs/MULTILANG.md), with the streams below.
        if (obj.shell.script.empty()) {
            throw invalid_topology(what + " is a shell component with an empty script");
        }
        shell_spec spec;
        if (!obj.shell.execution_command.empty()) {
            spec.command.push_back(obj.shell.execution_command);
        }
        spec.command.push_back(obj.shell.script);
        for (const auto& [sid, info] : common.streams) {
            spec.streams.push_back({sid, fields(info.output_fields), info.direct});
        }
        c.class_name =
            std::string(kind == component_kind::spout ? shell_spout_class : shell_bolt_class);
        c.args = spec.to_args();
    } else if (!obj.__isset.java_object) {
        throw invalid_topology(what + " has no component object");
    } else {
        c.class_name = obj.java_object.full_class_name;
        c.args = from_args(obj.java_object.args_list, what);
    }
    if (c.class_name.empty()) {
        throw invalid_topology(what + " has an empty class name");
    }
    for (const auto& [sid, g] : common.inputs) {
        c.inputs.push_back({sid.componentId, sid.streamId, from_grouping(g, what)});
    }
    for (const auto& [sid, info] : common.streams) {
        c.outputs.push_back({sid, fields(info.output_fields), info.direct});
    }
    c.parallelism = common.__isset.parallelism_hint ? common.parallelism_hint : 1;
    if (common.__isset.json_conf && !common.json_conf.empty()) {
        try {
            c.conf = config_from_json(common.json_conf);
        } catch (const invalid_topology& e) {
            throw invalid_topology(what + " conf: " + e.what());
        }
    }
    c.num_tasks = c.parallelism;
    if (const value* t = c.conf.find(tasks_key); t != nullptr && !t->is_null()) {
        if (t->type() != value_type::int64) {
            throw invalid_topology(what + ": " + tasks_key + " must be an integer, got " +
                                   t->to_string());
        }
        auto n = t->as_int();
        if (n < 0 || n > std::numeric_limits<int>::max()) {
            throw invalid_topology(what + ": " + tasks_key +
                                   " is out of range: " + std::to_string(n));
        }
        c.num_tasks = static_cast<int>(n);
    }
    c.conf.erase(tasks_key);
    return c;
}

}  // namespace

StormTopology to_thrift(const tempest::topology& t) {
    StormTopology out;
    for (const auto& c : t.components) {
        if (c.kind == component_kind::spout) {
            SpoutSpec s;
            s.spout_object = to_component_object(c);
            s.common = to_common(c);
            out.spouts[c.id] = std::move(s);
        } else {
            Bolt b;
            b.bolt_object = to_component_object(c);
            b.common = to_common(c);
            out.bolts[c.id] = std::move(b);
        }
    }
    return out;
}

tempest::topology from_thrift(const StormTopology& t) {
    tempest::topology out;
    if (!t.state_spouts.empty()) {
        throw invalid_topology("state spouts are not supported (component '" +
                               t.state_spouts.begin()->first + "')");
    }
    for (const auto& [id, s] : t.spouts) {
        out.components.push_back(
            from_component(id, component_kind::spout, s.spout_object, s.common));
    }
    for (const auto& [id, b] : t.bolts) {
        if (t.spouts.count(id) != 0) {
            throw invalid_topology("component id '" + id + "' is both a spout and a bolt");
        }
        out.components.push_back(from_component(id, component_kind::bolt, b.bolt_object, b.common));
    }
    std::sort(out.components.begin(), out.components.end(),
              [](const component_def& a, const component_def& b) { return a.id < b.id; });
    return out;
}

std::string to_json(const tempest::config& c) {
    json obj = json::object();
    for (const auto& [key, v] : c) {
        obj[key] = to_json_value(v, key);
    }
    return obj.dump();
}

tempest::config config_from_json(std::string_view text) {
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        throw invalid_topology(std::string("malformed JSON conf: ") + e.what());
    }
    if (!j.is_object()) {
        throw invalid_topology("JSON conf must be an object, got " + std::string(j.type_name()));
    }
    config out;
    for (const auto& [key, v] : j.items()) {
        out.set(key, from_json_value(v, key));
    }
    return out;
}

}  // namespace tempest::thrift
