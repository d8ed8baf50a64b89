// SPDX-License-Identifier: Apache-2.0
// The `tempest` binary. Each daemon and tool is a subcommand; every subcommand accepts
// `--config FILE` and `-c key=value` (repeatable), as Storm's CLI does. Bad input ends with one
// line "tempest: error: ..." on stderr and a non-zero exit status.
#include "cli_error.h"
#include "cluster_commands.h"
#include "dev_cluster_command.h"
#include "dev_zookeeper_command.h"
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

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::cli {
namespace {

constexpr const char* version_line = "tempest " TEMPEST_VERSION;

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
    int dev_zk_port = 0;
    std::string dev_zk_dir;
    dev_zk
        ->add_option("--port", dev_zk_port,
                     "Client port (default storm.zookeeper.port; 0 picks a free port)")
        ->check(CLI::Range(0, 65535))
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
    worker->add_option("--port", worker_args.port, "Slot port to listen on")
        ->required()
        ->check(CLI::Range(1, 65535));
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
    int kill_wait = 0;
    kill.app->add_option("NAME", kill_name, "Topology name")->required();
    kill.app
        ->add_option("-w,--wait", kill_wait,
                     "Seconds between deactivating and removing (default: its message timeout)")
        ->check(CLI::NonNegativeNumber)
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
    int rebalance_wait = 0;
    int rebalance_workers = 0;
    std::vector<std::string> rebalance_executors;
    rebalance.app->add_option("NAME", rebalance_name, "Topology name")->required();
    rebalance.app
        ->add_option("-w,--wait", rebalance_wait, "Seconds to deactivate before rebalancing")
        ->check(CLI::NonNegativeNumber)
        ->type_name("SECS");
    rebalance.app->add_option("-n,--num-workers", rebalance_workers, "New number of workers")
        ->check(CLI::PositiveNumber)
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
        if (app.get_subcommands().empty() && !extra.empty()) {
            throw cli_error(
                fmt::format(
                    "unknown command '{}'; expected one of: version, local, "
                    "dev-zookeeper, dev-cluster, nimbus, supervisor, worker, ui, logviewer, "
                    "jar, list, "
                    "kill, activate, deactivate, rebalance, monitor, errors",
                    extra.front()),
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

    if (dev_zk->parsed()) {
        merged_config m = merge(global, dev_zk_opts);
        dev_zookeeper_options o;
        o.config_file = m.file;
        o.overrides = m.overrides;
        if (dev_zk->count("--port") > 0) {
            o.port = dev_zk_port;
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
                char* end = nullptr;
                double d = std::strtod(wait_text.c_str(), &end);
                if (end == wait_text.c_str() + wait_text.size() && std::isfinite(d) && d >= 0) {
                    o.wait_secs = d;
                } else {
                    // `--wait PACKAGE.so ...`: the option took the package as its value.
                    rest.insert(rest.begin(), wait_text);
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
            wait = kill_wait;
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
            r.wait_secs = rebalance_wait;
        }
        if (rebalance.app->count("--num-workers") > 0) {
            r.num_workers = rebalance_workers;
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
        o.duration_secs = parse_duration(duration_text);
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
