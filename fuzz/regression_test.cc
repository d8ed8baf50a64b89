// SPDX-License-Identifier: Apache-2.0
// Replays every file of fuzz/corpus/<target>/ (seed inputs) and fuzz/regressions/<target>/
// (inputs that once crashed or hung) through the targets' entry functions, under whatever
// compiler and sanitizer this build uses. A broken promise aborts the test (fuzz_check.h); a
// slow input fails it.
#include "fuzz_entries.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

namespace tempest::fuzz {
namespace {

namespace fs = std::filesystem;

// Far above what any input here takes, even under ThreadSanitizer: a regression that hangs again
// fails instead of running until ctest's timeout.
constexpr auto max_input_time = std::chrono::seconds(10);

std::vector<fs::path> inputs_of(const fs::path& dir) {
    std::vector<fs::path> files;
    if (fs::is_directory(dir)) {
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.is_regular_file() && e.path().filename() != "README.md") {
                files.push_back(e.path());
            }
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// ctest and gtest name a case by its target, not by the struct's bytes.
void PrintTo(const target& t, std::ostream* os) {
    *os << t.name;
}

namespace {

class fuzz_regression_test : public ::testing::TestWithParam<target> {};

TEST_P(fuzz_regression_test, replays_corpus_and_regressions_without_failing) {
    const target t = GetParam();
    const fs::path root(TEMPEST_FUZZ_DIR);
    const auto corpus = inputs_of(root / "corpus" / std::string(t.name));
    EXPECT_FALSE(corpus.empty()) << "no seed inputs in fuzz/corpus/" << t.name;
    auto files = corpus;
    const auto regressions = inputs_of(root / "regressions" / std::string(t.name));
    files.insert(files.end(), regressions.begin(), regressions.end());
    for (const auto& f : files) {
        SCOPED_TRACE(f.string());
        const std::string bytes = read_file(f);
        const auto start = std::chrono::steady_clock::now();
        EXPECT_EQ(t.entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
        EXPECT_LT(std::chrono::steady_clock::now() - start, max_input_time);
    }
}

INSTANTIATE_TEST_SUITE_P(targets, fuzz_regression_test,
                         ::testing::ValuesIn(all_targets().begin(), all_targets().end()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tempest::fuzz
