// SPDX-License-Identifier: Apache-2.0
// The `tempest` binary. Each daemon and tool is a subcommand; every subcommand accepts
// `--config FILE` and `-c key=value` (repeatable), as Storm's CLI does. Bad input ends with one
// line "tempest: error: ..." on stderr and a non-zero exit status.
#include "cli_error.h"
#include "cluster_commands.h"
#include "dev_cluster_command.h"
#include "dev_zookeeper_command.h"
#include "flag_values.h"
#include "local_command.h"
#include "logviewer_command.h"
#include "nimbus_command.h"
#include "package_classes_command.h"
#include "supervisor_command.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/package_loader.h"
#include "ui_command.h"
#include "worker_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::cli {
namespace {

constexpr const char* version_line = "tempest " TEMPEST_VERSION;

constexpr std::string_view command_list =
    "version, local, dev-zookeeper, dev-cluster, nimbus, supervisor, worker, ui, logviewer, jar, "
    "list, kill, activate, deactivate, rebalance, monitor, errors";

// `tempest jar --wait PACKAGE.so`: the optional SECS took the package.
bool looks_like_package(const std::string& text) {
    std::error_code ec;
    return text.ends_with(".so") || std::filesystem::is_regular_file(text, ec);
}

// "-w/--wait" for "-w,--wait".
std::string option_names(const CLI::Option& o) {
    std::string names = o.get_name(false, true);
    std::replace(names.begin(), names.end(), ',', '/');
    return names;
}

// CLI11's own parse errors (unknown option, extra argument, option without its value, missing
// argument) as one line naming what was given and what was expected.
std::string parse_error_line(CLI::App& app, const CLI::ParseError& e) {
    CLI::App* sub = app.get_subcommands().empty() ? &app : app.get_subcommands().front();
    // An unknown option before the subcommand is the top level's.
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && e.get_name() != sub->get_name()) {
        sub = &app;
    }
    const std::string command = sub == &app ? "tempest" : "tempest " + sub->get_name();
    std::vector<std::string> options;
    std::vector<std::string> positionals;
    for (const CLI::Option* o : sub->get_options()) {
        (o->get_positional() ? positionals : options).push_back(option_names(*o));
    }
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
        std::vector<std::string> extra = sub->remaining();
        if (!extra.empty() && extra.front().size() > 1 && extra.front().front() == '-') {
            return fmt::format("unknown option '{}' for '{}'; expected one of: {}", extra.front(),
                               command, fmt::join(options, ", "));
        }
        if (!extra.empty()) {
            return fmt::format(
                "unexpected argument '{}' for '{}'; expected {}", extra.front(), command,
                positionals.empty() ? std::string("no arguments")
                                    : fmt::format("only {}", fmt::join(positionals, " ")));
        }
        return fmt::format("{} ({})", e.what(), command);
    }
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
        // "--wait: 1 required SECS missing"
        std::string_view text = e.what();
        auto colon = text.find(": ");
        auto required = text.find(" required ");
        auto missing = text.rfind(" missing");
        if (colon != std::string_view::npos && required != std::string_view::npos &&
            missing != std::string_view::npos && missing > required) {
            return fmt::format("missing value for {} in '{}': expected {}", text.substr(0, colon),
                               command, text.substr(required + 10, missing - required - 10));
        }
    }
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && sub == &app) {
        return fmt::format("a subcommand is required; expected one of: {}", command_list);
    }
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
        return fmt::format("{} for '{}'; usage: {} [OPTIONS] {}", e.what(), command, command,
                           fmt::join(positionals, " "));
    }
    return fmt::format("{} ({})", e.what(), command);
}

// The options every (sub)command takes; global ones come before a subcommand's own.
struct config_options {
    std::string config_file;
    std::vector<std::string> overrides;

    // Without `overrides` the subcommand keeps -c for itself (`monitor -c COMPONENT`, as the
    // issue and Storm's users expect); config overrides then go before the subcommand.
    void add_to(CLI::App& app, bool with_overrides = true) {
        app.add_option("--config", config_file,
                       "Node config file to read instead of the one beside the install "
                       "(conf/tempest.yaml, etc/tempest/tempest.yaml; /etc/tempest for /usr/bin)");
        if (with_overrides) {
            app.add_option("-c", overrides, "Override a config key; VALUE is YAML (repeatable)")
                ->type_name("KEY=VALUE")
                ->allow_extra_args(false);
        }
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

// Options go before PACKAGE.so; the package and everything after it is the package's (CLI11
// stops parsing there). Returns them, with a leading "--" dropped; throws for an unknown option.
std::vector<std::string> package_command_line(std::vector<std::string> rest,
                                              const std::string& command) {
    if (!rest.empty() && rest.front() == "--") {
        rest.erase(rest.begin());
    } else if (!rest.empty() && rest.front().size() > 1 && rest.front().front() == '-') {
        throw cli_error(fmt::format("unknown option '{}' for 'tempest {}' (options go before "
                                    "PACKAGE.so)",
                                    rest.front(), command),
                        exit_usage);
    }
    if (rest.empty()) {
        throw cli_error(fmt::format("missing PACKAGE.so: usage: tempest {} [OPTIONS] PACKAGE.so "
                                    "[ARGS...]",
                                    command),
                        exit_usage);
    }
    return rest;
}

// With --package, the only argument is the Flux YAML file; returns it, throws for anything else.
std::string flux_command_line(std::vector<std::string> rest, const std::string& command) {
    if (!rest.empty() && rest.front() == "--") {
        rest.erase(rest.begin());
    } else if (!rest.empty() && rest.front().size() > 1 && rest.front().front() == '-') {
        throw cli_error(fmt::format("unknown option '{}' for 'tempest {}' (options go before "
                                    "the YAML file)",
                                    rest.front(), command),
                        exit_usage);
    }
    if (rest.empty()) {
        throw cli_error(fmt::format("missing the Flux YAML file: usage: tempest {} [OPTIONS] "
                                    "--package PACKAGE.so TOPOLOGY.yaml",
                                    command),
                        exit_usage);
    }
    if (rest.size() > 1) {
        throw cli_error(fmt::format("unexpected argument '{}': with --package, 'tempest {}' "
                                    "takes only the Flux YAML file",
                                    rest[1], command),
                        exit_usage);
    }
    return rest.front();
}

// A subcommand that talks to Nimbus: config options plus --nimbus HOST:PORT.
struct client_command {
    CLI::App* app = nullptr;
    config_options conf;
    std::string nimbus;

    client_command(CLI::App& parent, const std::string& name, const std::string& description,
                   bool with_overrides = true) {
        app = parent.add_subcommand(name, description);
        conf.add_to(*app, with_overrides);
        app->add_option("--nimbus", nimbus,
                        "Nimbus to talk to (default: nimbus.seeds[0]:nimbus.thrift.port)")
            ->type_name("HOST:PORT");
    }

    client_options options(const config_options& global) const {
        merged_config m = merge(global, conf);
        client_options o;
        o.config_file = m.file;
        o.overrides = m.overrides;
        if (app->count("--nimbus") > 0) {
            o.nimbus = nimbus;
        }
        return o;
    }
};

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
    std::string local_package;
    local
        ->add_option("--package", local_package,
                     "Run the Flux YAML topology given as the argument with this package's "
                     "classes (no tempest_main)")
        ->type_name("PACKAGE.so");
    std::string local_resources;
    local
        ->add_option("--resources", local_resources,
                     "Shell components' scripts folder (default: PACKAGE.resources/ beside the "
                     "package, if any)")
        ->type_name("DIR");
    // The package path and everything after it belong to the package: stop parsing there.
    local->prefix_command();
    local->footer(
        "Usage: tempest local [OPTIONS] PACKAGE.so [PACKAGE ARGS...]\n"
        "       tempest local [OPTIONS] --package PACKAGE.so TOPOLOGY.yaml\n"
        "Options go before PACKAGE.so; every argument after it is passed to the package's\n"
        "tempest_main untouched. With --package, the topology comes from a Flux YAML file.");

    CLI::App* dev_zk = app.add_subcommand(
        "dev-zookeeper", "Run a throwaway ZooKeeper server on 127.0.0.1 until SIGINT/SIGTERM");
    config_options dev_zk_opts;
    dev_zk_opts.add_to(*dev_zk);
    std::string dev_zk_port;
    std::string dev_zk_dir;
    dev_zk
        ->add_option("--port", dev_zk_port,
                     "Client port (default storm.zookeeper.port; 0 picks a free port)")
        ->type_name("N");
    dev_zk
        ->add_option("--dir", dev_zk_dir,
                     "Data and log directory, kept (default: a temporary one, removed on exit)")
        ->type_name("DIR");

    CLI::App* nimbus = app.add_subcommand("nimbus", "Run the Nimbus daemon until SIGINT/SIGTERM");
    config_options nimbus_opts;
    nimbus_opts.add_to(*nimbus);

    CLI::App* supervisor =
        app.add_subcommand("supervisor", "Run this node's supervisor daemon until SIGINT/SIGTERM");
    config_options supervisor_opts;
    supervisor_opts.add_to(*supervisor);

    CLI::App* ui = app.add_subcommand("ui", "Run the UI daemon (REST API) until SIGINT/SIGTERM");
    config_options ui_opts;
    ui_opts.add_to(*ui);

    CLI::App* logviewer = app.add_subcommand(
        "logviewer", "Run this node's logviewer (worker logs over HTTP) until SIGINT/SIGTERM");
    config_options logviewer_opts;
    logviewer_opts.add_to(*logviewer);

    CLI::App* worker = app.add_subcommand(
        "worker", "Run one worker process of a topology (started by a supervisor)");
    config_options worker_opts;
    worker_opts.add_to(*worker);
    worker_options worker_args;
    worker->add_option("--topology-id", worker_args.topology_id, "Topology id")->required();
    worker->add_option("--supervisor-id", worker_args.supervisor_id, "Supervisor (node) id")
        ->required();
    std::string worker_port;
    worker->add_option("--port", worker_port, "Slot port to listen on")->required();
    worker->add_option("--worker-id", worker_args.worker_id, "Worker id (local state folder)")
        ->required();

    CLI::App* dev_cluster = app.add_subcommand(
        "dev-cluster", "Run ZooKeeper, Nimbus and a supervisor on 127.0.0.1 until SIGINT/SIGTERM");
    config_options dev_cluster_opts;
    dev_cluster_opts.add_to(*dev_cluster);
    std::string dev_cluster_dir;
    dev_cluster
        ->add_option("--dir", dev_cluster_dir,
                     "State and log directory, kept (default: a temporary one, removed on exit)")
        ->type_name("DIR");

    client_command jar(app, "jar", "Upload a topology package and run it to submit to Nimbus");
    std::string wait_text;
    jar.app
        ->add_option("--wait", wait_text,
                     "After submitting, wait up to SECS (default 60) until each topology runs "
                     "(ACTIVE, executors assigned, workers heartbeating)")
        ->expected(0, 1)
        ->type_name("[SECS]");
    std::string jar_package;
    jar.app
        ->add_option("--package", jar_package,
                     "Upload this package and submit the Flux YAML topology given as the "
                     "argument (no tempest_main)")
        ->type_name("PACKAGE.so");
    std::string jar_resources;
    jar.app
        ->add_option("--resources", jar_resources,
                     "Ship this folder (the shell components' scripts) inside the uploaded "
                     "package; the supervisors unpack it as their working directory (default: "
                     "PACKAGE.resources/ beside the package, if any)")
        ->type_name("DIR");
    jar.app->prefix_command();
    jar.app->footer(
        "Usage: tempest jar [OPTIONS] PACKAGE.so [PACKAGE ARGS...]\n"
        "       tempest jar [OPTIONS] --package PACKAGE.so TOPOLOGY.yaml\n"
        "Options go before PACKAGE.so; every argument after it is passed to the package's\n"
        "tempest_main untouched. With --package, the topology comes from a Flux YAML file.");

    client_command list(app, "list", "List the topologies Nimbus runs");

    client_command kill(app, "kill", "Kill a topology: deactivate it, then remove it");
    std::string kill_name;
    std::string kill_wait;
    kill.app->add_option("NAME", kill_name, "Topology name")->required();
    kill.app
        ->add_option("-w,--wait", kill_wait,
                     "Seconds between deactivating and removing (default: its message timeout)")
        ->type_name("SECS");

    client_command activate(app, "activate", "Activate a topology's spouts");
    std::string activate_name;
    activate.app->add_option("NAME", activate_name, "Topology name")->required();

    client_command deactivate(app, "deactivate", "Deactivate a topology's spouts");
    std::string deactivate_name;
    deactivate.app->add_option("NAME", deactivate_name, "Topology name")->required();

    client_command rebalance(app, "rebalance",
                             "Spread a topology over a new number of workers or executors");
    std::string rebalance_name;
    std::string rebalance_wait;
    std::string rebalance_workers;
    std::vector<std::string> rebalance_executors;
    rebalance.app->add_option("NAME", rebalance_name, "Topology name")->required();
    rebalance.app
        ->add_option("-w,--wait", rebalance_wait, "Seconds to deactivate before rebalancing")
        ->type_name("SECS");
    rebalance.app->add_option("-n,--num-workers", rebalance_workers, "New number of workers")
        ->type_name("WORKERS");
    rebalance.app
        ->add_option("-e,--executors", rebalance_executors,
                     "New parallelism of a component (repeatable)")
        ->type_name("COMPONENT=PARALLELISM")
        ->allow_extra_args(false);

    client_command monitor(app, "monitor",
                           "Print a component's throughput every interval until SIGINT/SIGTERM "
                           "(as storm monitor)",
                           false);
    monitor.app->footer(
        "Here -c names the component; config overrides go before the command:\n"
        "  tempest -c KEY=VALUE monitor NAME -c COMPONENT");
    std::string monitor_name;
    std::string monitor_metric_text = "emitted";
    std::string monitor_component;
    std::string monitor_stream = "default";
    std::string monitor_interval_text = "4";
    monitor.app->add_option("NAME", monitor_name, "Topology name")->required();
    monitor.app
        ->add_option("-m,--metric", monitor_metric_text,
                     "What to count: emitted, transferred or acked (default emitted)")
        ->type_name("METRIC");
    monitor.app
        ->add_option("-c,--component", monitor_component,
                     "Component to watch (without it, the components are listed)")
        ->type_name("COMPONENT");
    monitor.app->add_option("-s,--stream", monitor_stream, "Stream to watch (default: default)")
        ->type_name("STREAM");
    monitor.app
        ->add_option("-i,--interval", monitor_interval_text, "Seconds between polls (default 4)")
        ->type_name("SECS");

    client_command errors(app, "errors", "List a topology's recent errors per component");
    std::string errors_name;
    errors.app->add_option("NAME", errors_name, "Topology name")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help, --version
    } catch (const CLI::ParseError& e) {
        auto extra = app.remaining();
        if (app.get_subcommands().empty() && !extra.empty() && extra.front().front() != '-') {
            throw cli_error(fmt::format("unknown command '{}'; expected one of: {}", extra.front(),
                                        command_list),
                            exit_usage);
        }
        throw cli_error(parse_error_line(app, e), exit_usage);
    }

    if (version->parsed()) {
        merged_config m = merge(global, version_opts);
        if (m.file || !m.overrides.empty()) {
            (void)common::load_daemon_config(m.file, m.overrides);  // only to report bad input
        }
        fmt::print("{}\n", version_line);
        return 0;
    }

    if (dev_zk->parsed()) {
        merged_config m = merge(global, dev_zk_opts);
        dev_zookeeper_options o;
        o.config_file = m.file;
        o.overrides = m.overrides;
        if (dev_zk->count("--port") > 0) {
            o.port = parse_port_flag("--port", dev_zk_port, 0);
        }
        if (dev_zk->count("--dir") > 0) {
            o.dir = dev_zk_dir;
        }
        return run_dev_zookeeper(o);
    }
    if (nimbus->parsed()) {
        merged_config m = merge(global, nimbus_opts);
        return run_nimbus({.config_file = m.file, .overrides = m.overrides});
    }
    if (supervisor->parsed()) {
        merged_config m = merge(global, supervisor_opts);
        return run_supervisor({.config_file = m.file, .overrides = m.overrides});
    }
    if (ui->parsed()) {
        merged_config m = merge(global, ui_opts);
        return run_ui({.config_file = m.file, .overrides = m.overrides});
    }
    if (logviewer->parsed()) {
        merged_config m = merge(global, logviewer_opts);
        return run_logviewer({.config_file = m.file, .overrides = m.overrides});
    }
    if (worker->parsed()) {
        merged_config m = merge(global, worker_opts);
        worker_args.port = parse_port_flag("--port", worker_port, 1);
        worker_args.config_file = m.file;
        worker_args.overrides = m.overrides;
        return run_worker(worker_args);
    }
    if (dev_cluster->parsed()) {
        merged_config m = merge(global, dev_cluster_opts);
        dev_cluster_options o;
        o.config_file = m.file;
        o.overrides = m.overrides;
        if (dev_cluster->count("--dir") > 0) {
            o.dir = dev_cluster_dir;
        }
        return run_dev_cluster(o);
    }
    if (jar.app->parsed()) {
        jar_options o;
        o.client = jar.options(global);
        std::vector<std::string> rest = jar.app->remaining();
        if (jar.app->count("--wait") > 0) {
            o.wait_secs = 60;
            if (!wait_text.empty()) {
                if (is_seconds(wait_text)) {
                    o.wait_secs = parse_seconds_flag("--wait", wait_text);
                } else if (looks_like_package(wait_text)) {
                    // `--wait PACKAGE.so ...`: the option took the package as its value.
                    rest.insert(rest.begin(), wait_text);
                } else {
                    throw cli_error(fmt::format("bad --wait '{}': expected a number of seconds >= "
                                                "0 (or nothing, for 60)",
                                                wait_text),
                                    exit_usage);
                }
            }
        }
        if (jar.app->count("--package") > 0) {
            if (jar.app->count("--resources") > 0) {
                o.resources = jar_resources;
            }
            o.flux_file = flux_command_line(std::move(rest), "jar");
            o.package = jar_package;
            return run_jar(o);
        }
        if (jar.app->count("--resources") > 0) {
            o.resources = jar_resources;
        }
        rest = package_command_line(std::move(rest), "jar");
        o.package = rest.front();
        o.package_args.assign(rest.begin() + 1, rest.end());
        return run_jar(o);
    }
    if (list.app->parsed()) {
        return run_list(list.options(global));
    }
    if (kill.app->parsed()) {
        std::optional<int> wait;
        if (kill.app->count("--wait") > 0) {
            wait = parse_int_flag("-w", kill_wait, 0, std::numeric_limits<int>::max(),
                                  "a number of seconds");
        }
        return run_kill(kill.options(global), kill_name, wait);
    }
    if (activate.app->parsed()) {
        return run_activate(activate.options(global), activate_name);
    }
    if (deactivate.app->parsed()) {
        return run_deactivate(deactivate.options(global), deactivate_name);
    }
    if (rebalance.app->parsed()) {
        common::rebalance_request r;
        if (rebalance.app->count("--wait") > 0) {
            r.wait_secs = parse_int_flag("-w", rebalance_wait, 0, std::numeric_limits<int>::max(),
                                         "a number of seconds");
        }
        if (rebalance.app->count("--num-workers") > 0) {
            r.num_workers = parse_int_flag("-n", rebalance_workers, 1,
                                           std::numeric_limits<int>::max(), "a number of workers");
        }
        for (const auto& e : rebalance_executors) {
            auto [component, n] = parse_component_parallelism(e);
            r.num_executors[component] = n;
        }
        return run_rebalance(rebalance.options(global), rebalance_name, r);
    }

    if (monitor.app->parsed()) {
        // Checked before Nimbus is contacted.
        monitor_request r;
        r.topology = monitor_name;
        r.metric = parse_monitor_metric(monitor_metric_text);
        r.interval = parse_monitor_interval(monitor_interval_text);
        if (monitor.app->count("--component") > 0) {
            if (monitor_component.empty()) {
                throw cli_error("bad -c '': expected a component name", exit_usage);
            }
            r.component = monitor_component;
        }
        if (monitor_stream.empty()) {
            throw cli_error("bad -s '': expected a stream name", exit_usage);
        }
        r.stream = monitor_stream;
        return run_monitor(monitor.options(global), r);
    }
    if (errors.app->parsed()) {
        return run_errors(errors.options(global), errors_name);
    }

    // local
    std::vector<std::string> rest =
        local->count("--package") > 0
            ? std::vector<std::string>{flux_command_line(local->remaining(), "local")}
            : package_command_line(local->remaining(), "local");
    merged_config m = merge(global, local_opts);
    local_options o;
    o.config_file = m.file;
    o.overrides = m.overrides;
    if (!duration_text.empty() || local->count("--duration") > 0) {
        o.duration_secs = parse_seconds_flag("--duration", duration_text);
    }
    if (local->count("--resources") > 0) {
        o.resources = local_resources;
    }
    if (local->count("--package") > 0) {
        o.package = local_package;
        o.flux_file = rest.front();
    } else {
        o.package = rest.front();
        o.package_args.assign(rest.begin() + 1, rest.end());
    }
    return run_local(o);
}

}  // namespace
}  // namespace tempest::cli

int main(int argc, char** argv) {
    using namespace tempest;
    // Nimbus' package check (package_classes_command.h): before any parsing, logging or config.
    if (argc >= 2 && std::string_view(argv[1]) == cli::package_classes_command) {
        cli::run_package_classes(argc, argv);
    }
    try {
        return cli::run(argc, argv);
    } catch (const cli::cli_error& e) {
        cli::print_error(e.what());
        return e.exit_code();
    } catch (const common::config_error& e) {
        // Bad input, as a bad flag is: in a config file, a -c option or a topology's config.
        cli::print_error(e.what());
        return cli::exit_usage;
    } catch (const common::package_error& e) {
        cli::print_error(e.what());
        return cli::exit_failure;
    } catch (const std::exception& e) {
        cli::print_error(e.what());
        return cli::exit_failure;
    }
}
