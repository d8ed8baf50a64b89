// SPDX-License-Identifier: Apache-2.0
// The `tempest` binary. Each daemon and tool is a subcommand; every subcommand accepts
// `--config FILE` and `-c key=value` (repeatable), as Storm's CLI does. Bad input ends with one
// line "tempest: error: ..." on stderr and a non-zero exit status.
#include "cli_error.h"
#include "local_command.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/package_loader.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {
namespace {

constexpr const char* version_line = "tempest " TEMPEST_VERSION;

// The options every (sub)command takes; global ones come before a subcommand's own.
struct config_options {
    std::string config_file;
    std::vector<std::string> overrides;

    void add_to(CLI::App& app) {
        app.add_option("--config", config_file,
                       "Node config file to read instead of conf/tempest.yaml");
        app.add_option("-c", overrides, "Override a config key; VALUE is YAML (repeatable)")
            ->type_name("KEY=VALUE")
            ->allow_extra_args(false);
    }
};

struct merged_config {
    std::optional<std::string> file;
    std::vector<std::string> overrides;
};

merged_config merge(const config_options& global, const config_options& sub) {
    merged_config m;
    if (!sub.config_file.empty()) {
        m.file = sub.config_file;
    } else if (!global.config_file.empty()) {
        m.file = global.config_file;
    }
    m.overrides = global.overrides;
    m.overrides.insert(m.overrides.end(), sub.overrides.begin(), sub.overrides.end());
    return m;
}

double parse_duration(const std::string& text) {
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !std::isfinite(d) ||
        d < 0) {
        throw cli_error(fmt::format("bad --duration '{}': expected a number of seconds >= 0", text),
                        exit_usage);
    }
    return d;
}

int run(int argc, char** argv) {
    CLI::App app("Tempest: a distributed real-time stream-processing engine", "tempest");
    app.require_subcommand(1);
    app.set_version_flag("--version", version_line);
    config_options global;
    global.add_to(app);

    CLI::App* version = app.add_subcommand("version", "Print the version");
    config_options version_opts;
    version_opts.add_to(*version);

    CLI::App* local = app.add_subcommand(
        "local", "Run a topology package in this process until --duration or SIGINT/SIGTERM");
    config_options local_opts;
    local_opts.add_to(*local);
    std::string duration_text;
    local
        ->add_option("--duration", duration_text,
                     "Seconds to run before killing the topologies (default: until a signal)")
        ->type_name("SECS");
    // The package path and everything after it belong to the package: stop parsing there.
    local->prefix_command();
    local->footer(
        "Usage: tempest local [OPTIONS] PACKAGE.so [PACKAGE ARGS...]\n"
        "Options go before PACKAGE.so; every argument after it is passed to the package's\n"
        "tempest_main untouched.");

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help, --version
    } catch (const CLI::ParseError& e) {
        auto extra = app.remaining();
        if (app.get_subcommands().empty() && !extra.empty()) {
            throw cli_error(
                fmt::format("unknown command '{}'; expected one of: version, local", extra.front()),
                exit_usage);
        }
        throw cli_error(e.what(), exit_usage);
    }

    if (version->parsed()) {
        merged_config m = merge(global, version_opts);
        if (m.file || !m.overrides.empty()) {
            (void)common::load_daemon_config(m.file, m.overrides);  // only to report bad input
        }
        fmt::print("{}\n", version_line);
        return 0;
    }

    // local
    std::vector<std::string> rest = local->remaining();
    if (!rest.empty() && rest.front() == "--") {
        rest.erase(rest.begin());
    } else if (!rest.empty() && rest.front().size() > 1 && rest.front().front() == '-') {
        throw cli_error(fmt::format("unknown option '{}' for 'tempest local' (options go before "
                                    "PACKAGE.so)",
                                    rest.front()),
                        exit_usage);
    }
    if (rest.empty()) {
        throw cli_error("missing PACKAGE.so: usage: tempest local [OPTIONS] PACKAGE.so [ARGS...]",
                        exit_usage);
    }
    merged_config m = merge(global, local_opts);
    local_options o;
    o.config_file = m.file;
    o.overrides = m.overrides;
    if (!duration_text.empty() || local->count("--duration") > 0) {
        o.duration_secs = parse_duration(duration_text);
    }
    o.package = rest.front();
    o.package_args.assign(rest.begin() + 1, rest.end());
    return run_local(o);
}

}  // namespace
}  // namespace tempest::cli

int main(int argc, char** argv) {
    using namespace tempest;
    try {
        return cli::run(argc, argv);
    } catch (const cli::cli_error& e) {
        cli::print_error(e.what());
        return e.exit_code();
    } catch (const common::config_error& e) {
        cli::print_error(e.what());
        return cli::exit_failure;
    } catch (const common::package_error& e) {
        cli::print_error(e.what());
        return cli::exit_failure;
    } catch (const std::exception& e) {
        cli::print_error(e.what());
        return cli::exit_failure;
    }
}
