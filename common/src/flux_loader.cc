// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/flux_loader.h"

#include "tempest/common/config_loader.h"
#include "tempest/topology_api/shell_component.h"
#include "tempest/topology_api/topology_builder.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace tempest::common {
namespace {

constexpr std::string_view yaml_str_tag = "tag:yaml.org,2002:str";
constexpr std::int64_t max_parallelism = 1 << 20;

// Flux keys that need Java's object model; each refused with the reason.
const std::map<std::string_view, std::string_view>& unsupported_keys() {
    static const std::map<std::string_view, std::string_view> keys = {
        {"includes", "includes are not supported: put the whole topology in one file"},
        {"components",
         "components are not supported: constructor arguments are plain values, not objects"},
        {"topologySource",
         "topologySource is not supported: a topology built in code belongs in the package's "
         "tempest_main"},
        {"workerHooks", "worker hooks are not supported"},
        {"properties", "properties (setter injection) are not supported: use constructorArgs"},
        {"configMethods", "configMethods are not supported: use constructorArgs"},
        {"factory",
         "factory methods are not supported: register a class built from "
         "constructorArgs"},
        {"factoryArgs",
         "factory methods are not supported: register a class built from "
         "constructorArgs"},
        {"ref", "references ('ref') are not supported: constructor arguments are plain values"},
    };
    return keys;
}

// Parses one Flux document; every error is a flux_error "SOURCE:LINE: KEY: message".
class flux_parser {
  public:
    flux_parser(const std::string& source, component_registry& registry)
        : _source(source), _registry(registry) {}

    flux_topology parse(std::string_view text);

  private:
    struct vertex {
        std::string id;
        std::string class_name;
        std::vector<value> args;
        int parallelism = 1;
        std::optional<int> num_tasks;
        int line = 0;
    };

    YAML::Node load(std::string_view yaml) const;
    [[noreturn]] void fail(const YAML::Node& at, std::string_view key, std::string_view msg) const;
    [[noreturn]] void fail_at(const YAML::Mark& mark, std::string_view key,
                              std::string_view msg) const;
    void check_keys(const YAML::Node& map, const std::string& path,
                    std::initializer_list<std::string_view> allowed) const;
    YAML::Node require(const YAML::Node& map, const std::string& path, const char* key) const;
    std::string text(const YAML::Node& n, const std::string& path) const;
    std::int64_t integer(const YAML::Node& n, const std::string& path, std::int64_t min,
                         std::int64_t max) const;
    value to_value(const YAML::Node& n, const std::string& path) const;
    std::vector<value> args(const YAML::Node& map, const std::string& path) const;
    std::string class_name(const YAML::Node& map, const std::string& path,
                           component_class_kind kind) const;
    bool shell_wrapper(const YAML::Node& n, const std::string& path, component_class_kind kind,
                       vertex& v) const;
    config parse_config(const YAML::Node& n) const;
    std::vector<vertex> parse_vertices(const YAML::Node& root, const char* section,
                                       component_class_kind kind);
    void parse_stream(const YAML::Node& n, const std::string& path,
                      std::map<std::string, bolt_declarer*>& bolts) const;

    const std::string& _source;
    component_registry& _registry;
    std::map<std::string, int> _ids;                  // component id -> line
    std::map<std::string, component_kind> _id_kinds;  // component id -> spout or bolt
};

std::string_view kind_name(component_class_kind k) {
    switch (k) {
        case component_class_kind::spout:
            return "spout";
        case component_class_kind::bolt:
            return "bolt";
        case component_class_kind::grouping:
            return "grouping";
    }
    return "component";
}

std::string_view describe(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Map:
            return "a map";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Scalar:
            return "a scalar";
        default:
            return "nothing";
    }
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) {
        out += (out.empty() ? "" : ", ") + s;
    }
    return out;
}

void flux_parser::fail_at(const YAML::Mark& mark, std::string_view key,
                          std::string_view msg) const {
    std::string where = mark.is_null() ? _source : fmt::format("{}:{}", _source, mark.line + 1);
    if (key.empty()) {
        throw flux_error(fmt::format("{}: {}", where, msg));
    }
    throw flux_error(fmt::format("{}: {}: {}", where, key, msg));
}

void flux_parser::fail(const YAML::Node& at, std::string_view key, std::string_view msg) const {
    fail_at(at.Mark(), key, msg);
}

// Requires `map` to be a map whose keys are all in `allowed`; Flux features we refuse get their
// reason, a duplicate key or any other key an error naming it.
void flux_parser::check_keys(const YAML::Node& map, const std::string& path,
                             std::initializer_list<std::string_view> allowed) const {
    if (!map.IsMap()) {
        fail(map, path, fmt::format("expected a map, got {}", describe(map)));
    }
    std::set<std::string> seen;
    for (const auto& kv : map) {
        const YAML::Node& k = kv.first;
        std::string key = k.IsScalar() ? k.Scalar() : std::string();
        std::string key_path = path.empty() ? key : path + "." + key;
        if (!k.IsScalar()) {
            fail(k, path, "keys must be plain names");
        }
        if (!seen.insert(key).second) {
            fail(k, key_path, "appears twice");
        }
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
            continue;
        }
        auto it = unsupported_keys().find(key);
        if (it != unsupported_keys().end()) {
            fail(k, key_path, it->second);
        }
        std::vector<std::string> names(allowed.begin(), allowed.end());
        fail(k, key_path, fmt::format("unknown key; expected one of: {}", join(names)));
    }
}

YAML::Node flux_parser::require(const YAML::Node& map, const std::string& path,
                                const char* key) const {
    const YAML::Node n = map[key];
    std::string key_path = path.empty() ? key : path + "." + key;
    if (!n.IsDefined() || n.IsNull()) {
        fail(n.IsDefined() ? n : map, key_path, "missing");
    }
    return n;
}

std::string flux_parser::text(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar() || n.Scalar().empty()) {
        fail(n, path, fmt::format("expected a non-empty string, got {}", describe(n)));
    }
    return n.Scalar();
}

std::int64_t flux_parser::integer(const YAML::Node& n, const std::string& path, std::int64_t min,
                                  std::int64_t max) const {
    value v = to_value(n, path);
    if (v.type() != value_type::int64 || v.as_int() < min || v.as_int() > max) {
        fail(n, path,
             fmt::format("expected an integer from {} to {}, got {}", min, max,
                         n.IsScalar() ? n.Scalar() : std::string(describe(n))));
    }
    return v.as_int();
}

// A YAML value as a tempest::value, with the same scalar rules as config files (config_loader.h):
// quoted -> string; plain -> null, bool, int64, double or string; list -> list. Maps have no
// value form (a `ref` map gets its own message).
value flux_parser::to_value(const YAML::Node& n, const std::string& path) const {
    switch (n.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            return nullptr;
        case YAML::NodeType::Scalar: {
            const std::string& s = n.Scalar();
            if (n.Tag() == "!" || n.Tag() == yaml_str_tag) {
                return s;
            }
            // A plain scalar reads the same on its own, so the config loader's resolver applies.
            value v;
            try {
                parsed_config p = parse_config_override("v=" + s);
                v = *p.conf.find("v");
            } catch (const config_error&) {
                fail(n, path, fmt::format("the number {} is out of range", s));
            }
            // "---" or "..." alone would read as an empty document: keep such text a string.
            if (v.is_null() && s != "~" && s != "null" && s != "Null" && s != "NULL") {
                return s;
            }
            return v;
        }
        case YAML::NodeType::Sequence: {
            value::list items;
            for (std::size_t i = 0; i < n.size(); ++i) {
                items.push_back(to_value(n[i], fmt::format("{}[{}]", path, i)));
            }
            return items;
        }
        case YAML::NodeType::Map:
            if (n["ref"].IsDefined()) {
                fail(n, path, unsupported_keys().at("ref"));
            }
            fail(n, path, "a map is not a value; use a scalar or a list");
    }
    return nullptr;
}

std::vector<value> flux_parser::args(const YAML::Node& map, const std::string& path) const {
    const YAML::Node n = map["constructorArgs"];
    std::string key_path = path + ".constructorArgs";
    if (!n.IsDefined() || n.IsNull()) {
        return {};
    }
    if (!n.IsSequence()) {
        fail(n, key_path, fmt::format("expected a list, got {}", describe(n)));
    }
    return to_value(n, key_path).as_list();
}

// Storm's Flux wrappers of shell components, run by Tempest's own shell spout and bolt
// (docs/MULTILANG.md), with Storm's constructor arguments: the command (a list of strings), then
// the default stream's output fields (a list of strings). True when `n` names one; then `v`
// holds the shell class and its spec. Fails naming the line for wrong arguments.
bool flux_parser::shell_wrapper(const YAML::Node& n, const std::string& path,
                                component_class_kind kind, vertex& v) const {
    static constexpr std::string_view storm_shell_bolt =
        "org.apache.storm.flux.wrappers.bolts.FluxShellBolt";
    static constexpr std::string_view storm_shell_spout =
        "org.apache.storm.flux.wrappers.spouts.FluxShellSpout";
    YAML::Node cls = require(n, path, "className");
    std::string name = text(cls, path + ".className");
    if (name != storm_shell_bolt && name != storm_shell_spout) {
        return false;
    }
    const bool is_spout = name == storm_shell_spout;
    if (is_spout != (kind == component_class_kind::spout)) {
        fail(cls, path + ".className",
             fmt::format("class '{}' is a {}, not a {}", name, is_spout ? "spout" : "bolt",
                         kind_name(kind)));
    }
    YAML::Node at = n["constructorArgs"].IsDefined() ? n["constructorArgs"] : n;
    // A list of strings into `out`; false for anything else.
    auto string_list = [](const value& l, std::vector<std::string>& out) {
        if (l.type() != value_type::list) {
            return false;
        }
        for (const value& e : l.as_list()) {
            if (e.type() != value_type::string) {
                return false;
            }
            out.push_back(e.as_string());
        }
        return true;
    };
    shell_spec spec;
    std::vector<std::string> fields_list;
    if (v.args.size() != 2 || !string_list(v.args[0], spec.command) || spec.command.empty() ||
        spec.command.front().empty() || !string_list(v.args[1], fields_list)) {
        fail(at, path + ".constructorArgs",
             fmt::format("{} takes 2 arguments: the command (a non-empty list of strings) and "
                         "the output fields (a list of strings)",
                         name));
    }
    spec.streams.push_back({"default", fields(std::move(fields_list)), false});
    v.class_name = std::string(is_spout ? shell_spout_class : shell_bolt_class);
    v.args = spec.to_args();
    return true;
}

// The map's className, which must be registered as a class of `kind`.
std::string flux_parser::class_name(const YAML::Node& map, const std::string& path,
                                    component_class_kind kind) const {
    std::string key_path = path + ".className";
    YAML::Node n = require(map, path, "className");
    std::string name = text(n, key_path);
    if (!_registry.contains(name)) {
        std::vector<std::string> same_kind;
        for (const auto& r : _registry.names()) {
            if (_registry.kind_of(r) == kind) {
                same_kind.push_back(r);
            }
        }
        fail(n, key_path,
             fmt::format("no {} class '{}' is registered by the package (registered {}s: {})",
                         kind_name(kind), name, kind_name(kind),
                         same_kind.empty() ? "none" : join(same_kind)));
    }
    if (_registry.kind_of(name) != kind) {
        fail(n, key_path,
             fmt::format("class '{}' is a {}, not a {}", name, kind_name(_registry.kind_of(name)),
                         kind_name(kind)));
    }
    return name;
}

config flux_parser::parse_config(const YAML::Node& n) const {
    config conf;
    if (!n.IsDefined() || n.IsNull()) {
        return conf;
    }
    if (!n.IsMap()) {
        fail(n, "config", fmt::format("expected a map of config keys, got {}", describe(n)));
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
        if (!kv.first.IsScalar()) {
            fail(kv.first, "config", "keys must be plain names");
        }
        const std::string& key = kv.first.Scalar();
        std::string path = "config." + key;
        if (!seen.insert(key).second) {
            fail(kv.first, path, "appears twice");
        }
        if (kv.second.IsMap()) {
            fail(kv.first, path, "has a map value; config values are scalars or lists");
        }
        config one;
        one.set(key, to_value(kv.second, path));
        try {
            validate_topology_config(one, "the config section");
        } catch (const config_error& e) {
            fail(kv.first, "", e.what());
        }
        conf.merge(one);
    }
    return conf;
}

std::vector<flux_parser::vertex> flux_parser::parse_vertices(const YAML::Node& root,
                                                             const char* section,
                                                             component_class_kind kind) {
    std::vector<vertex> out;
    const YAML::Node list = root[section];
    if (!list.IsDefined() || list.IsNull()) {
        return out;
    }
    if (!list.IsSequence()) {
        fail(list, section, fmt::format("expected a list, got {}", describe(list)));
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        const YAML::Node n = list[i];
        std::string path = fmt::format("{}[{}]", section, i);
        check_keys(n, path, {"id", "className", "parallelism", "numTasks", "constructorArgs"});
        vertex v;
        v.line = n.Mark().line + 1;
        YAML::Node id = require(n, path, "id");
        v.id = text(id, path + ".id");
        auto [it, fresh] = _ids.emplace(v.id, v.line);
        if (!fresh) {
            fail(id, path + ".id",
                 fmt::format("id '{}' is already used on line {}", v.id, it->second));
        }
        _id_kinds[v.id] =
            kind == component_class_kind::spout ? component_kind::spout : component_kind::bolt;
        v.class_name.clear();
        v.args = args(n, path);
        if (n["parallelism"].IsDefined()) {
            v.parallelism = static_cast<int>(
                integer(n["parallelism"], path + ".parallelism", 1, max_parallelism));
        }
        if (n["numTasks"].IsDefined()) {
            v.num_tasks =
                static_cast<int>(integer(n["numTasks"], path + ".numTasks", 1, max_parallelism));
        }
        if (shell_wrapper(n, path, kind, v)) {
            out.push_back(std::move(v));
            continue;
        }
        v.class_name = class_name(n, path, kind);
        // Build one instance now, so that arguments that do not fit the class are reported
        // against this file's line rather than later without one.
        try {
            if (kind == component_class_kind::spout) {
                (void)_registry.make_spout(v.class_name, v.args);
            } else {
                (void)_registry.make_bolt(v.class_name, v.args);
            }
        } catch (const std::exception& e) {
            YAML::Node at = n["constructorArgs"].IsDefined() ? n["constructorArgs"] : n;
            fail(at, path + ".constructorArgs", e.what());
        }
        out.push_back(std::move(v));
    }
    return out;
}

void flux_parser::parse_stream(const YAML::Node& n, const std::string& path,
                               std::map<std::string, bolt_declarer*>& bolts) const {
    check_keys(n, path, {"name", "from", "to", "grouping"});
    YAML::Node from_node = require(n, path, "from");
    std::string from = text(from_node, path + ".from");
    if (!_ids.contains(from)) {
        fail(from_node, path + ".from", fmt::format("no spout or bolt has id '{}'", from));
    }
    YAML::Node to_node = require(n, path, "to");
    std::string to = text(to_node, path + ".to");
    if (!_ids.contains(to)) {
        fail(to_node, path + ".to", fmt::format("no bolt has id '{}'", to));
    }
    if (_id_kinds.at(to) != component_kind::bolt) {
        fail(to_node, path + ".to", fmt::format("'{}' is a spout; only bolts subscribe", to));
    }

    std::string gpath = path + ".grouping";
    const YAML::Node g = require(n, path, "grouping");
    check_keys(g, gpath, {"type", "args", "streamId", "customClass"});
    YAML::Node type_node = require(g, gpath, "type");
    std::string type = text(type_node, gpath + ".type");
    static const std::map<std::string_view, grouping_type> types = {
        {"SHUFFLE", grouping_type::shuffle},
        {"FIELDS", grouping_type::fields},
        {"ALL", grouping_type::all},
        {"GLOBAL", grouping_type::global},
        {"LOCAL_OR_SHUFFLE", grouping_type::local_or_shuffle},
        {"NONE", grouping_type::none},
        {"DIRECT", grouping_type::direct},
        {"CUSTOM", grouping_type::custom},
        {"PARTIAL_KEY", grouping_type::partial_key},
    };
    auto t = types.find(type);
    if (t == types.end()) {
        fail(type_node, gpath + ".type",
             fmt::format("unknown grouping type '{}'; expected one of: SHUFFLE, FIELDS, ALL, "
                         "GLOBAL, LOCAL_OR_SHUFFLE, NONE, DIRECT, CUSTOM, PARTIAL_KEY",
                         type));
    }
    grouping_type gt = t->second;

    std::string stream = "default";
    if (g["streamId"].IsDefined()) {
        stream = text(g["streamId"], gpath + ".streamId");
    }

    bool takes_fields = gt == grouping_type::fields || gt == grouping_type::partial_key;
    std::vector<std::string> field_names;
    const YAML::Node args_node = g["args"];
    if (takes_fields) {
        YAML::Node a = require(g, gpath, "args");
        if (!a.IsSequence() || a.size() == 0) {
            fail(a, gpath + ".args",
                 fmt::format("a {} grouping needs a non-empty list of field "
                             "names",
                             type));
        }
        for (std::size_t i = 0; i < a.size(); ++i) {
            field_names.push_back(text(a[i], fmt::format("{}.args[{}]", gpath, i)));
        }
    } else if (args_node.IsDefined()) {
        fail(args_node, gpath + ".args", "only FIELDS and PARTIAL_KEY groupings take args");
    }

    std::string custom_class;
    std::vector<value> custom_args;
    const YAML::Node custom = g["customClass"];
    if (gt == grouping_type::custom) {
        std::string cpath = gpath + ".customClass";
        const YAML::Node c = require(g, gpath, "customClass");
        check_keys(c, cpath, {"className", "constructorArgs"});
        custom_class = class_name(c, cpath, component_class_kind::grouping);
        custom_args = args(c, cpath);
        try {
            (void)_registry.make_grouping(custom_class, custom_args);
        } catch (const std::exception& e) {
            YAML::Node at = c["constructorArgs"].IsDefined() ? c["constructorArgs"] : c;
            fail(at, cpath + ".constructorArgs", e.what());
        }
    } else if (custom.IsDefined()) {
        fail(custom, gpath + ".customClass", "only a CUSTOM grouping takes customClass");
    }

    bolt_declarer& b = *bolts.at(to);
    switch (gt) {
        case grouping_type::shuffle:
            b.shuffle_grouping(from, stream);
            break;
        case grouping_type::fields:
            b.fields_grouping(from, stream, fields(field_names));
            break;
        case grouping_type::all:
            b.all_grouping(from, stream);
            break;
        case grouping_type::global:
            b.global_grouping(from, stream);
            break;
        case grouping_type::local_or_shuffle:
            b.local_or_shuffle_grouping(from, stream);
            break;
        case grouping_type::none:
            b.none_grouping(from, stream);
            break;
        case grouping_type::direct:
            b.direct_grouping(from, stream);
            break;
        case grouping_type::partial_key:
            b.partial_key_grouping(from, stream, fields(field_names));
            break;
        case grouping_type::custom:
            b.custom_grouping(from, stream, custom_class, custom_args);
            break;
    }
}

YAML::Node flux_parser::load(std::string_view yaml) const {
    try {
        return YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        fail_at(e.mark, "", fmt::format("invalid YAML: {}", e.msg));
    }
}

flux_topology flux_parser::parse(std::string_view yaml) {
    const YAML::Node root = load(yaml);
    if (!root.IsDefined() || root.IsNull()) {
        fail(root, "", "the file is empty; a Flux topology needs name, spouts, bolts and streams");
    }
    check_keys(root, "", {"name", "config", "spouts", "bolts", "streams"});

    flux_topology out;
    out.name = text(require(root, "", "name"), "name");
    out.conf = parse_config(root["config"]);

    std::vector<vertex> spouts = parse_vertices(root, "spouts", component_class_kind::spout);
    if (spouts.empty()) {
        fail(root["spouts"].IsDefined() ? root["spouts"] : root, "spouts",
             "a topology needs at least one spout");
    }
    std::vector<vertex> bolts = parse_vertices(root, "bolts", component_class_kind::bolt);

    topology_builder builder(_registry);
    for (const auto& v : spouts) {
        auto& d = builder.set_spout(v.id, v.class_name, v.args, v.parallelism);
        if (v.num_tasks) {
            d.set_num_tasks(*v.num_tasks);
        }
    }
    std::map<std::string, bolt_declarer*> declarers;
    for (const auto& v : bolts) {
        auto& d = builder.set_bolt(v.id, v.class_name, v.args, v.parallelism);
        if (v.num_tasks) {
            d.set_num_tasks(*v.num_tasks);
        }
        declarers[v.id] = &d;
    }

    const YAML::Node streams = root["streams"];
    if (streams.IsDefined() && !streams.IsNull()) {
        if (!streams.IsSequence()) {
            fail(streams, "streams", fmt::format("expected a list, got {}", describe(streams)));
        }
        for (std::size_t i = 0; i < streams.size(); ++i) {
            parse_stream(streams[i], fmt::format("streams[{}]", i), declarers);
        }
    }

    try {
        out.topology = builder.create_topology();
    } catch (const std::exception& e) {
        throw flux_error(fmt::format("{}: invalid topology: {}", _source, e.what()));
    }
    return out;
}

}  // namespace

flux_topology parse_flux_yaml(std::string_view text, const std::string& source_name,
                              component_registry& registry) {
    return flux_parser(source_name, registry).parse(text);
}

flux_topology load_flux_file(const std::filesystem::path& path, component_registry& registry) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw flux_error(
            fmt::format("Flux file '{}' {}", path.string(),
                        std::filesystem::exists(path, ec) ? "is not a regular file" : "not found"));
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
        throw flux_error(fmt::format("cannot read Flux file '{}'", path.string()));
    }
    return parse_flux_yaml(text.str(), path.string(), registry);
}

}  // namespace tempest::common
