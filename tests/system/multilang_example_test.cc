// SPDX-License-Identifier: Apache-2.0
// Runs examples/multilang (word count with a Python split bolt) with the real binary:
// `tempest local --duration 3 build/examples/multilang.so`, which finds the Python files in
// multilang.resources/ beside the package, and checks that sentences went through Python and
// were acked with none failed; the same from examples/multilang/multilang.yaml (Flux), and on
// `tempest dev-cluster` through `tempest jar`, the scripts shipped inside the package
// (PACKAGE.resources/ or --resources) and run from the supervisor's installed copy.
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

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

// The stormdist directories of the dev cluster's supervisor under `dir`.
std::vector<fs::path> installed_code(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
        if (e.path().filename() == "stormjar.so" &&
            e.path().parent_path().parent_path().filename() == "stormdist" &&
            e.path().string().find("supervisor") != std::string::npos) {
            out.push_back(e.path().parent_path());
        }
    }
    return out;
}

// Runs `tempest jar --config <the dev cluster's> <jar_args>` against a fresh dev cluster (its
// own state directory: the supervisor's copy of the code is not the submitter's), calls
// `after_submit` once jar has returned, and checks that both Python processes of the split bolt
// started and that, once killed, the topology acked sentences with none failed.
void run_on_dev_cluster(const std::vector<std::string>& jar_args,
                        const std::function<void()>& after_submit) {
    std::string tmpl = (fs::temp_directory_path() / "tempest-multilang-dc-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    const fs::path dir = tmpl;
    {
        system_test::tempest_process dc({"dev-cluster", "--dir", (dir / "dc").string(), "-c",
                                         "nimbus.thrift.port=0", "-c", "logviewer.port=0", "-c",
                                         "ui.port=0"});
        ASSERT_TRUE(
            wait_until([&] { return fs::exists(dir / "dc" / "cluster.yaml") || dc.exited(); }, 90s))
            << dc.out() << dc.err();
        ASSERT_FALSE(dc.exited()) << dc.out() << dc.err();
        const std::string conf = (dir / "dc" / "cluster.yaml").string();
        std::vector<std::string> jar = {"jar", "--config", conf};
        jar.insert(jar.end(), jar_args.begin(), jar_args.end());
        auto submitted = run(jar);
        ASSERT_EQ(submitted.status, 0) << submitted.out << submitted.err;
        after_submit();
        EXPECT_TRUE(wait_until(
            [&] {
                // Both Python processes of the split bolt did the handshake.
                const std::string logs = worker_logs(dir / "dc");
                const std::regex started(R"(shell bolt 'split' task \d+: started)");
                return std::distance(std::sregex_iterator(logs.begin(), logs.end(), started),
                                     std::sregex_iterator()) == 2;
            },
            90s))
            << worker_logs(dir / "dc");
        // They run the scripts the supervisor unpacked from the package, in its own stormdist.
        const auto code = installed_code(dir / "dc");
        ASSERT_EQ(code.size(), 1u);
        EXPECT_TRUE(fs::is_regular_file(code[0] / "resources" / "splitsentence.py"));
        EXPECT_NE(worker_logs(dir / "dc").find("in " + (code[0] / "resources").string()),
                  std::string::npos)
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

// Through Nimbus and a supervisor, from the Flux file: `tempest jar` ships PACKAGE.resources/
// (beside the package: the convention) inside the uploaded package; the shell bolt's arguments
// cross Thrift.
TEST(multilang_example_test, runs_on_the_dev_cluster) {
    run_on_dev_cluster({"--package", TEMPEST_MULTILANG_EXAMPLE_PKG, TEMPEST_MULTILANG_EXAMPLE_FLUX},
                       [] {});
}

// `tempest jar --resources DIR` from a copy of the package and its scripts elsewhere, both
// removed as soon as jar returns: the workers can only be using the supervisor's installed copy.
TEST(multilang_example_test, ships_resources_to_the_supervisor_with_the_package) {
    std::string tmpl = (fs::temp_directory_path() / "tempest-multilang-src-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    const fs::path src = tmpl;
    fs::copy_file(TEMPEST_MULTILANG_EXAMPLE_PKG, src / "topology.so");
    fs::copy(TEMPEST_MULTILANG_EXAMPLE_RESOURCES, src / "scripts", fs::copy_options::recursive);
    ASSERT_TRUE(fs::is_regular_file(src / "scripts" / "splitsentence.py"));
    run_on_dev_cluster({"--resources", (src / "scripts").string(), (src / "topology.so").string()},
                       [&] { fs::remove_all(src); });
    EXPECT_FALSE(fs::exists(src));
}

// A --resources that is not a directory is refused before anything is uploaded.
TEST(multilang_example_test, a_missing_resources_folder_is_named) {
    auto r = run({"jar", "--nimbus", "127.0.0.1:1", "--resources", "/nonexistent/scripts",
                  TEMPEST_MULTILANG_EXAMPLE_PKG});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("bad --resources '/nonexistent/scripts': expected a directory"),
              std::string::npos)
        << r.err;
}

}  // namespace
}  // namespace tempest
