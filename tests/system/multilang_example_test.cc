// SPDX-License-Identifier: Apache-2.0
// Runs examples/multilang (word count with a Python split bolt) with the real binary:
// `tempest local --duration 3 build/examples/multilang.so`, which finds the Python files in
// multilang.resources/ beside the package, and checks that sentences went through Python and
// were acked with none failed; the same from examples/multilang/multilang.yaml (Flux).
#include "tempest_process.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace tempest {
namespace {

using system_test::run;

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

}  // namespace
}  // namespace tempest
