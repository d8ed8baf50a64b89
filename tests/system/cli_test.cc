// SPDX-License-Identifier: Apache-2.0
// Runs the real `tempest` binary (build/bin/tempest, found through TEMPEST_BUILD_DIR) and checks
// its exit status and what it prints, for good and bad command lines.
#include "tempest/test_support/wait_until.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tempest {
namespace {

using namespace std::chrono_literals;
using test_support::wait_until;

std::filesystem::path build_dir() {
    const char* env = std::getenv("TEMPEST_BUILD_DIR");
    return env != nullptr ? std::filesystem::path(env) : std::filesystem::path(TEMPEST_BINARY_DIR);
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A `tempest` process with its stdout and stderr in files of a private temporary directory.
class tempest_process {
  public:
    explicit tempest_process(const std::vector<std::string>& args) {
        static int counter = 0;
        _dir = std::filesystem::temp_directory_path() /
               ("tempest-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(_dir);
        std::string binary = (build_dir() / "bin" / "tempest").string();
        std::vector<std::string> argv_store{binary};
        argv_store.insert(argv_store.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_store) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        std::string out = (_dir / "stdout").string();
        std::string err = (_dir / "stderr").string();
        _pid = ::fork();
        if (_pid == 0) {
            int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(o, 1);
            ::dup2(e, 2);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }
    ~tempest_process() {
        if (_pid > 0 && !_exited) {
            ::kill(_pid, SIGKILL);
            int status = 0;
            ::waitpid(_pid, &status, 0);
        }
        std::error_code ec;
        std::filesystem::remove_all(_dir, ec);
    }

    // Waits for the exit status (or -signal); -1000 if it is still running at the deadline.
    int wait(std::chrono::seconds timeout = 60s) {
        if (!_exited) {
            bool done = wait_until(
                [&] {
                    int status = 0;
                    pid_t r = ::waitpid(_pid, &status, WNOHANG);
                    if (r == _pid) {
                        _exited = true;
                        _status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
                    }
                    return _exited;
                },
                timeout);
            if (!done) {
                return -1000;
            }
        }
        return _status;
    }
    void signal(int sig) { ::kill(_pid, sig); }
    std::string out() const { return read_all(_dir / "stdout"); }
    std::string err() const { return read_all(_dir / "stderr"); }

  private:
    std::filesystem::path _dir;
    pid_t _pid = -1;
    bool _exited = false;
    int _status = 0;
};

struct run_result {
    int status;
    std::string out;
    std::string err;
};

run_result run(const std::vector<std::string>& args) {
    tempest_process p(args);
    int status = p.wait();
    return {status, p.out(), p.err()};
}

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
                          "config key 'ui.port' must be an integer, got string \"abc\"");
    expect_one_error_line(
        run({"local", "--config", "/nonexistent/tempest.yaml", TEMPEST_CLI_TEST_PKG}),
        "config file '/nonexistent/tempest.yaml' not found");
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
                          "config key 'topology.workers' must be an integer, got string \"many\"");
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
