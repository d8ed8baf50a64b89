// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/shell_component.h"

#include <set>
#include <stdexcept>

namespace tempest {

// Flat scalars only, so that the arguments cross Storm's Thrift JavaObjectArg (no lists):
//   [argc, argv..., stream count, (id, direct, field count, fields...)...]
std::vector<value> shell_spec::to_args() const {
    std::vector<value> out;
    out.emplace_back(static_cast<std::int64_t>(command.size()));
    for (const std::string& a : command) {
        out.emplace_back(a);
    }
    out.emplace_back(static_cast<std::int64_t>(streams.size()));
    for (const stream_def& s : streams) {
        out.emplace_back(s.id);
        out.emplace_back(s.direct);
        out.emplace_back(static_cast<std::int64_t>(s.fields.size()));
        for (const std::string& f : s.fields) {
            out.emplace_back(f);
        }
    }
    return out;
}

shell_spec shell_spec::from_args(const std::vector<value>& args) {
    auto bad = [](const std::string& what) {
        throw std::invalid_argument("shell component: " + what);
    };
    std::size_t i = 0;
    auto next = [&](value_type want, const char* what) -> const value& {
        if (i >= args.size()) {
            bad(std::string("arguments end before the ") + what);
        }
        const value& v = args[i++];
        if (v.type() != want) {
            bad(std::string("the ") + what + " (argument " + std::to_string(i) + ") is " +
                v.to_string() + ", not a " + std::string(tempest::to_string(want)));
        }
        return v;
    };
    auto count = [&](const char* what) {
        std::int64_t n = next(value_type::int64, what).as_int();
        if (n < 0 || static_cast<std::size_t>(n) > args.size()) {
            bad(std::string("the ") + what + " " + std::to_string(n) + " is out of range");
        }
        return static_cast<std::size_t>(n);
    };
    shell_spec spec;
    const std::size_t argc = count("command length");
    for (std::size_t k = 0; k < argc; ++k) {
        spec.command.push_back(next(value_type::string, "command element").as_string());
    }
    if (spec.command.empty() || spec.command.front().empty()) {
        bad("the command is empty");
    }
    std::set<std::string, std::less<>> seen;
    const std::size_t nstreams = count("stream count");
    for (std::size_t k = 0; k < nstreams; ++k) {
        std::string id = next(value_type::string, "stream id").as_string();
        bool direct = next(value_type::boolean, "stream's direct flag").as_bool();
        const std::size_t nfields = count("field count");
        std::vector<std::string> names;
        for (std::size_t f = 0; f < nfields; ++f) {
            names.push_back(next(value_type::string, "field name").as_string());
        }
        if (!seen.insert(id).second) {
            bad("stream '" + id + "' is declared more than once");
        }
        spec.streams.push_back({std::move(id), fields(std::move(names)), direct});
    }
    if (i != args.size()) {
        bad(std::to_string(args.size() - i) + " arguments left over after the streams");
    }
    return spec;
}

}  // namespace tempest
