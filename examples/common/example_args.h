// SPDX-License-Identifier: Apache-2.0
// example_args: the small command-line parser the example packages share. Header-only, so that
// each package stays a single shared library linked only to tempest::topology_api.
//
// Options are `--name value` or `--name=value`. argv[0] is skipped when it is not an option
// (the program or package path, as main() would receive it). Unknown options, missing or
// malformed values and out-of-range numbers are reported on stderr, naming the option.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::examples {

// What tempest_main should do after parsing.
enum class parse_outcome { run, help, error };

class arg_parser {
  public:
    explicit arg_parser(std::string program) : _program(std::move(program)) {}

    void add_int(std::string name, int* target, long min, long max, std::string help) {
        _options.push_back({std::move(name), kind::integer, target, nullptr, nullptr,
                            static_cast<double>(min), static_cast<double>(max), std::move(help)});
    }
    void add_double(std::string name, double* target, double min, double max, std::string help) {
        _options.push_back(
            {std::move(name), kind::real, nullptr, target, nullptr, min, max, std::move(help)});
    }
    void add_string(std::string name, std::string* target, std::string help) {
        _options.push_back(
            {std::move(name), kind::text, nullptr, nullptr, target, 0, 0, std::move(help)});
    }

    // Parses argv; on `help` the usage was printed to stdout, on `error` a message naming the
    // bad argument and the usage were printed to stderr.
    parse_outcome parse(int argc, char** argv) {
        int i = 0;
        if (argc > 0 && !std::string_view(argv[0]).starts_with("-")) {
            i = 1;
        }
        for (; i < argc; ++i) {
            std::string_view arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                print_usage(stdout);
                return parse_outcome::help;
            }
            if (!arg.starts_with("--")) {
                return fail("unexpected argument '" + std::string(arg) + "'");
            }
            std::string_view name = arg.substr(2);
            std::string text;
            bool has_value = false;
            if (auto eq = name.find('='); eq != std::string_view::npos) {
                text = std::string(name.substr(eq + 1));
                name = name.substr(0, eq);
                has_value = true;
            }
            option* opt = find(name);
            if (opt == nullptr) {
                return fail("unknown option '--" + std::string(name) + "'");
            }
            if (!has_value) {
                if (i + 1 >= argc) {
                    return fail("option '--" + opt->name + "' needs a value");
                }
                text = argv[++i];
            }
            if (std::string err = assign(*opt, text); !err.empty()) {
                return fail(err);
            }
        }
        return parse_outcome::run;
    }

    void print_usage(std::FILE* out) const {
        std::fprintf(out, "usage: %s [options]\n", _program.c_str());
        for (const option& o : _options) {
            std::fprintf(out, "  --%-18s %s\n", (o.name + " " + placeholder(o)).c_str(),
                         o.help.c_str());
        }
        std::fflush(out);
    }

  private:
    enum class kind { integer, real, text };
    struct option {
        std::string name;
        kind type;
        int* int_target;
        double* double_target;
        std::string* string_target;
        double min;
        double max;
        std::string help;
    };

    option* find(std::string_view name) {
        for (option& o : _options) {
            if (o.name == name) {
                return &o;
            }
        }
        return nullptr;
    }

    static const char* placeholder(const option& o) {
        switch (o.type) {
            case kind::integer:
                return "N";
            case kind::real:
                return "X";
            case kind::text:
                return "TEXT";
        }
        return "";
    }

    // Returns an error message, or empty on success.
    static std::string assign(option& o, const std::string& text) {
        const std::string where = "option '--" + o.name + "'";
        if (o.type == kind::text) {
            if (text.empty()) {
                return where + " needs a non-empty value";
            }
            *o.string_target = text;
            return {};
        }
        char* end = nullptr;
        double v = o.type == kind::integer
                       ? static_cast<double>(std::strtol(text.c_str(), &end, 10))
                       : std::strtod(text.c_str(), &end);
        if (text.empty() || end == nullptr || *end != '\0') {
            return where + " expects " + (o.type == kind::integer ? "an integer" : "a number") +
                   ", got '" + text + "'";
        }
        if (v < o.min || v > o.max) {
            return where + " must be between " + format(o.min) + " and " + format(o.max) +
                   ", got " + text;
        }
        if (o.type == kind::integer) {
            *o.int_target = static_cast<int>(v);
        } else {
            *o.double_target = v;
        }
        return {};
    }

    static std::string format(double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v);
        return buf;
    }

    parse_outcome fail(const std::string& message) const {
        std::fprintf(stderr, "%s: %s\n", _program.c_str(), message.c_str());
        print_usage(stderr);
        return parse_outcome::error;
    }

    std::string _program;
    std::vector<option> _options;
};

}  // namespace tempest::examples
