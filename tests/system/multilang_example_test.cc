// SPDX-License-Identifier: Apache-2.0
// Runs examples/multilang (word count with a Python split bolt) with the real binary:
// `tempest local --duration 3 build/examples/multilang.so`, which finds the Python files in
// multilang.resources/ beside the package, and checks that sentences went through Python and
// were acked with none failed; the same from examples/multilang/multilang.yaml (Flux), and on
// `tempest dev-cluster` through `tempest jar`.
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <iterator>
#include <regex>
#include <string>

namespace tempest {
namespace {

using namespace std::chrono_literals;
using system_test::run;
using test_support::wait_until;
namespace fs = std::filesystem;

// Everything the workers of the dev cluster under `dir` wrote to their logs.
std::string worker_logs(const fs::path& dir) {
    std::string all;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir / "logs" / "workers-artifacts", ec)) {
        if (e.path().filename() == "worker.log") {
            all += system_test::read_all(e.path());
        }
    }
    return all;
}

// The summary lines of a run: sentences acked, none failed, Python's words counted in C++.
void expect_words_counted(const system_test::run_result& r) {
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    std::smatch m;
    const std::regex summary(R"(multilang: (\d+) sentences acked, (\d+) failed)");
    ASSERT_TRUE(std::regex_search(r.out, m, summary)) << r.out << r.err;
    EXPECT_GT(std::stoull(m[1]), 0u) << r.out;
    EXPECT_EQ(m[2], "0") << r.out;
    // "the" is in half the sentences: Python's words reached the C++ counters.
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(multilang count task \d+: the +\d+)")))
        << r.out;
    // The Python processes never died.
    EXPECT_EQ((r.out + r.err).find("will be restarted"), std::string::npos) << r.err;
}

TEST(multilang_example_test, python_split_bolt_counts_words_with_every_sentence_acked) {
    expect_words_counted(run({"local", "--duration", "3", TEMPEST_MULTILANG_EXAMPLE_PKG}));
}

// The same topology from Flux, the Python bolt declared as Storm's FluxShellBolt.
TEST(multilang_example_test, the_flux_file_runs_the_same_topology) {
    expect_words_counted(run({"local", "--duration", "3", "--package",
                              TEMPEST_MULTILANG_EXAMPLE_PKG, TEMPEST_MULTILANG_EXAMPLE_FLUX}));
}

// Through Nimbus and a supervisor: `tempest jar` submits the package (the shell bolt's
// arguments cross Thrift) with PACKAGE.resources/ as the resources directory (one machine).
TEST(multilang_example_test, runs_on_the_dev_cluster) {
    std::string tmpl = (fs::temp_directory_path() / "tempest-multilang-dc-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    const fs::path dir = tmpl;
    {
        system_test::tempest_process dc(
            {"dev-cluster", "--dir", (dir / "dc").string(), "-c", "nimbus.thrift.port=0"});
        ASSERT_TRUE(
            wait_until([&] { return fs::exists(dir / "dc" / "cluster.yaml") || dc.exited(); }, 90s))
            << dc.out() << dc.err();
        ASSERT_FALSE(dc.exited()) << dc.out() << dc.err();
        const std::string conf = (dir / "dc" / "cluster.yaml").string();
        auto jar = run({"jar", "--config", conf, "--wait", "60", TEMPEST_MULTILANG_EXAMPLE_PKG});
        ASSERT_EQ(jar.status, 0) << jar.out << jar.err;
        EXPECT_TRUE(wait_until(
            [&] {
                // Both Python processes of the split bolt did the handshake.
                const std::string logs = worker_logs(dir / "dc");
                const std::regex started(R"(shell bolt 'split' task \d+: started)");
                return std::distance(std::sregex_iterator(logs.begin(), logs.end(), started),
                                     std::sregex_iterator()) == 2;
            },
            60s))
            << worker_logs(dir / "dc");
        auto kill = run({"kill", "--config", conf, "multilang", "-w", "0"});
        EXPECT_EQ(kill.status, 0) << kill.err;
        std::smatch m;
        std::string logs;
        const std::regex summary(R"(multilang: (\d+) sentences acked, (\d+) failed)");
        EXPECT_TRUE(wait_until(
            [&] {
                logs = worker_logs(dir / "dc");
                return std::regex_search(logs, m, summary);
            },
            60s))
            << logs;
        if (!m.empty()) {
            EXPECT_GT(std::stoull(m[1]), 0u) << logs;
            EXPECT_EQ(m[2], "0") << logs;
        }
        EXPECT_EQ(logs.find("will be restarted"), std::string::npos) << logs;
        dc.signal(SIGTERM);
        EXPECT_EQ(dc.wait(60s), 0) << dc.out() << dc.err();
    }
    std::error_code ec;
    fs::remove_all(dir, ec);  // best effort: a temporary directory
}

}  // namespace
}  // namespace tempest
