// SPDX-License-Identifier: Apache-2.0
// Runs the real `tempest` binary (build/bin/tempest, found through TEMPEST_BUILD_DIR) and checks
// its exit status and what it prints, for good and bad command lines.
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace tempest {
namespace {

using namespace std::chrono_literals;
using system_test::run;
using system_test::run_result;
using system_test::tempest_process;
using test_support::wait_until;

// Expects a failure reported as exactly one line "tempest: error: <...want...>".
void expect_one_error_line(const run_result& r, const std::string& want) {
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.err.rfind("tempest: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(cli_test, version_prints_the_version) {
    auto r = run({"version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "tempest 0.1.0\n");
}

TEST(cli_test, bad_command_lines_give_one_error_line) {
    expect_one_error_line(run({}), "subcommand");
    expect_one_error_line(run({"frobnicate"}), "frobnicate");
    expect_one_error_line(run({"frobnicate"}), "worker, ui, logviewer, jar");
    expect_one_error_line(run({"version", "-c", "logviewer.port=x"}),
                          "config key 'logviewer.port' in -c logviewer.port=x: got \"x\" (a "
                          "string), expected an integer from 0 to 65535");
    expect_one_error_line(run({"local"}), "missing PACKAGE.so");
    expect_one_error_line(run({"local", "--bogus", TEMPEST_CLI_TEST_PKG}),
                          "unknown option '--bogus'");
    expect_one_error_line(run({"local", "--duration", "soon", TEMPEST_CLI_TEST_PKG}),
                          "bad --duration 'soon'");
    expect_one_error_line(run({"local", "--duration", "-1", TEMPEST_CLI_TEST_PKG}),
                          "bad --duration '-1'");
    expect_one_error_line(run({"local", "-c", "topology.workers", TEMPEST_CLI_TEST_PKG}),
                          "bad -c option 'topology.workers': expected key=value");
    expect_one_error_line(run({"local", "-c", "nimbus.thrfit.port=1", TEMPEST_CLI_TEST_PKG}),
                          "unknown config key 'nimbus.thrfit.port'");
    expect_one_error_line(run({"version", "-c", "ui.port=abc"}),
                          "config key 'ui.port' in -c ui.port=abc: got \"abc\" (a string)");
    expect_one_error_line(
        run({"local", "--config", "/nonexistent/tempest.yaml", TEMPEST_CLI_TEST_PKG}),
        "config file '/nonexistent/tempest.yaml' not found");
}

TEST(cli_test, bad_cluster_command_lines_give_one_error_line) {
    expect_one_error_line(run({"kill"}), "NAME is required");
    expect_one_error_line(run({"kill", "wc", "-w", "soon"}), "soon");
    expect_one_error_line(run({"rebalance", "wc", "-e", "split"}),
                          "bad -e 'split': expected COMPONENT=PARALLELISM");
    expect_one_error_line(run({"rebalance", "wc", "-e", "split=0"}), "bad -e 'split=0'");
    expect_one_error_line(run({"list", "--nimbus", "localhost"}),
                          "bad --nimbus 'localhost': expected HOST:PORT");
    expect_one_error_line(run({"jar"}), "missing PACKAGE.so");
    expect_one_error_line(run({"jar", "--bogus", TEMPEST_CLI_TEST_PKG}),
                          "unknown option '--bogus' for 'tempest jar'");
    expect_one_error_line(run({"list", "-c", "nimbus.thrift.port=0"}), "nimbus.thrift.port is 0");
    expect_one_error_line(run({"dev-zookeeper", "--port", "70000"}), "70000");
    expect_one_error_line(run({"monitor"}), "NAME is required");
    expect_one_error_line(run({"monitor", "wc", "-m", "executed"}),
                          "bad -m 'executed': expected emitted, transferred or acked");
    expect_one_error_line(run({"monitor", "wc", "-i", "0"}), "bad -i '0'");
    expect_one_error_line(run({"monitor", "wc", "-i", "soon"}), "bad -i 'soon'");
    expect_one_error_line(run({"monitor", "wc", "-s", ""}), "bad -s ''");
    expect_one_error_line(run({"errors"}), "NAME is required");
    for (const char* command : {"monitor", "errors"}) {
        auto r = run({command, "wc", "--nimbus", "localhost"});
        expect_one_error_line(r, "bad --nimbus 'localhost'");
        EXPECT_EQ(r.status, 2) << command;
    }
}

// Expects a usage error (exit status 2) reported as exactly the line "tempest: error: <want>".
void expect_usage_line(const run_result& r, const std::string& want) {
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err, "tempest: error: " + want + "\n");
}

TEST(cli_test, bad_flag_values_name_the_flag_the_value_and_what_was_expected) {
    expect_usage_line(run({"jar", "--wait", "x", TEMPEST_CLI_TEST_PKG}),
                      "bad --wait 'x': expected a number of seconds >= 0 (or nothing, for 60)");
    expect_usage_line(run({"rebalance", "wc", "-n", "-1"}),
                      "bad -n '-1': expected a number of workers, an integer >= 1");
    expect_usage_line(run({"rebalance", "wc", "-w", "soon"}),
                      "bad -w 'soon': expected a number of seconds, an integer >= 0");
    expect_usage_line(run({"rebalance", "wc", "-e", "count=abc"}),
                      "bad -e 'count=abc': expected COMPONENT=PARALLELISM with PARALLELISM a "
                      "positive integer");
    expect_usage_line(run({"monitor", "wc", "-i", "0"}),
                      "bad -i '0': expected a number of seconds above 0 (at most 86400)");
    expect_usage_line(run({"kill", "wc", "-w", "x"}),
                      "bad -w 'x': expected a number of seconds, an integer >= 0");
    expect_usage_line(run({"local", "--duration", "x", TEMPEST_CLI_TEST_PKG}),
                      "bad --duration 'x': expected a number of seconds >= 0");
    expect_usage_line(run({"dev-zookeeper", "--port", "70000"}),
                      "bad --port '70000': expected a port, an integer from 0 to 65535");
    expect_usage_line(run({"worker", "--topology-id", "t", "--supervisor-id", "s", "--worker-id",
                           "w", "--port", "0"}),
                      "bad --port '0': expected a port, an integer from 1 to 65535");
    expect_usage_line(run({"list", "-c", "notyaml:["}),
                      "bad -c option 'notyaml:[': expected key=value");
    expect_usage_line(run({"list", "-c", "topology.workers=abc"}),
                      "config key 'topology.workers' in -c topology.workers=abc: got \"abc\" (a "
                      "string), expected an integer >= 1");
    expect_usage_line(run({"list", "-c", "ui.port={a: 1}"}),
                      "config key 'ui.port' in -c ui.port={a: 1}: got {a: 1} (a map), expected an "
                      "integer from 0 to 65535");
}

TEST(cli_test, unknown_options_and_missing_values_name_what_was_expected) {
    expect_usage_line(run({"kill", "wc", "--bogus"}),
                      "unknown option '--bogus' for 'tempest kill'; expected one of: -h/--help, "
                      "--config, -c, --nimbus, -w/--wait");
    expect_usage_line(run({"kill", "wc", "extra"}),
                      "unexpected argument 'extra' for 'tempest kill'; expected only NAME");
    expect_usage_line(run({"--bogus", "list"}),
                      "unknown option '--bogus' for 'tempest'; expected one of: -h/--help, "
                      "--version, --config, -c");
    expect_usage_line(run({"kill", "wc", "-w"}),
                      "missing value for --wait in 'tempest kill': expected SECS");
    expect_usage_line(run({"list", "-c"}),
                      "missing value for -c in 'tempest list': expected KEY=VALUE");
    expect_usage_line(run({"kill"}),
                      "NAME is required for 'tempest kill'; usage: tempest kill [OPTIONS] NAME");
}

// A daemon started with a bad value stops before it does anything, with that one line.
TEST(cli_test, daemons_refuse_a_bad_config_value_with_one_line) {
    for (const char* daemon : {"nimbus", "supervisor", "ui", "logviewer", "dev-cluster"}) {
        SCOPED_TRACE(daemon);
        expect_usage_line(run({daemon, "-c", "nimbus.thrift.port=abc"}),
                          "config key 'nimbus.thrift.port' in -c nimbus.thrift.port=abc: got "
                          "\"abc\" (a string), expected an integer from 0 to 65535");
    }
}

TEST(cli_test, package_load_errors_give_one_error_line) {
    expect_one_error_line(run({"local", "/nonexistent/pkg.so"}),
                          "package /nonexistent/pkg.so not found");
    expect_one_error_line(run({"local", TEMPEST_CLI_TEST_PKG_V2}),
                          "was built for tempest API version 2; this tempest speaks 1");
}

TEST(cli_test, invalid_topologies_give_one_error_line) {
    expect_one_error_line(
        run({"local", TEMPEST_CLI_TEST_PKG, "--unregistered"}),
        "component 'sneaky' uses class '(anonymous namespace)::unregistered_spout' which "
        "tempest_register did not register; workers could not rebuild it");
    expect_one_error_line(run({"local", TEMPEST_CLI_TEST_PKG, "--swallow"}),
                          "which tempest_register did not register");
    expect_one_error_line(run({"local", TEMPEST_CLI_TEST_PKG, "--bad-conf"}),
                          "config key 'topology.workers' in the config of topology 'cli-test': "
                          "got \"many\" (a string), expected an integer >= 1");
    expect_one_error_line(run({"local", TEMPEST_CLI_TEST_PKG, "--invalid-topology"}), "nowhere");
}

TEST(cli_test, local_runs_for_the_duration_and_passes_arguments_untouched) {
    auto r = run({"local", "--duration", "0.2", "-c", "topology.workers=1", TEMPEST_CLI_TEST_PKG,
                  "--duration", "x", "-c", "--config", ""});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "package args: [--duration] [x] [-c] [--config] []\n");
    // The error the spout reported is printed after the topology is killed.
    EXPECT_NE(r.err.find("component 'numbers' task"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("counting_spout says hello"), std::string::npos) << r.err;
}

TEST(cli_test, local_returns_the_packages_exit_code) {
    auto r = run({"local", "--duration", "0", TEMPEST_CLI_TEST_PKG, "--exit", "3"});
    EXPECT_EQ(r.status, 3) << r.err;
}

TEST(cli_test, local_stops_cleanly_on_sigterm) {
    tempest_process p({"local", TEMPEST_CLI_TEST_PKG});
    ASSERT_TRUE(wait_until([&] { return p.err().find("running until") != std::string::npos; }, 30s))
        << p.err();
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0) << p.err();
    EXPECT_NE(p.err().find("killing topology 'cli-test'"), std::string::npos) << p.err();
}

}  // namespace
}  // namespace tempest
