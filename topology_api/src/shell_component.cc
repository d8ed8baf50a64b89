// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/shell_component.h"

#include <set>
#include <stdexcept>

namespace tempest {

std::vector<value> shell_spec::to_args() const {
    value::list argv;
    for (const std::string& a : command) {
        argv.emplace_back(a);
    }
    value::list streams_arg;
    for (const stream_def& s : streams) {
        value::list names;
        for (const std::string& f : s.fields) {
            names.emplace_back(f);
        }
        streams_arg.emplace_back(
            value::list{value(s.id), value(std::move(names)), value(s.direct)});
    }
    return {value(std::move(argv)), value(std::move(streams_arg))};
}

shell_spec shell_spec::from_args(const std::vector<value>& args) {
    auto bad = [](const std::string& what) {
        throw std::invalid_argument("shell component: " + what);
    };
    if (args.size() != 2 || args[0].type() != value_type::list ||
        args[1].type() != value_type::list) {
        bad("expected 2 arguments (command list, stream list), got " + std::to_string(args.size()));
    }
    shell_spec spec;
    for (const value& a : args[0].as_list()) {
        if (a.type() != value_type::string) {
            bad("command element " + a.to_string() + " is not a string");
        }
        spec.command.push_back(a.as_string());
    }
    if (spec.command.empty() || spec.command.front().empty()) {
        bad("the command is empty");
    }
    std::set<std::string, std::less<>> seen;
    for (const value& s : args[1].as_list()) {
        if (s.type() != value_type::list || s.as_list().size() != 3 ||
            s.as_list()[0].type() != value_type::string ||
            s.as_list()[1].type() != value_type::list ||
            s.as_list()[2].type() != value_type::boolean) {
            bad("stream " + s.to_string() + " is not [id, [fields...], direct]");
        }
        const value::list& l = s.as_list();
        std::vector<std::string> names;
        for (const value& f : l[1].as_list()) {
            if (f.type() != value_type::string) {
                bad("field " + f.to_string() + " of stream '" + l[0].as_string() +
                    "' is not a string");
            }
            names.push_back(f.as_string());
        }
        if (!seen.insert(l[0].as_string()).second) {
            bad("stream '" + l[0].as_string() + "' is declared more than once");
        }
        spec.streams.push_back({l[0].as_string(), fields(std::move(names)), l[2].as_bool()});
    }
    return spec;
}

}  // namespace tempest
