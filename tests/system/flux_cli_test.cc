// SPDX-License-Identifier: Apache-2.0
// Runs `tempest local --package PACKAGE.so TOPOLOGY.yaml` (a Flux topology) as a process: the
// shipped word count YAML runs and counts words; a bad YAML file fails with one error line
// naming its line and key.
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

namespace tempest {
namespace {

using system_test::run;
using system_test::run_result;

void expect_one_error_line(const run_result& r, const std::string& want) {
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.err.rfind("tempest: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// A file in the temporary directory, removed by the destructor.
class temp_file {
  public:
    temp_file(const std::string& name, const std::string& text)
        : _path(std::filesystem::temp_directory_path() /
                (std::to_string(::getpid()) + "-" + name)) {
        std::ofstream(_path) << text;
    }
    ~temp_file() {
        std::error_code ec;
        std::filesystem::remove(_path, ec);
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    std::string path() const { return _path.string(); }

  private:
    std::filesystem::path _path;
};

TEST(flux_cli_test, local_runs_the_word_count_yaml_and_counts_words) {
    auto r = run({"local", "--duration", "3", "--package", TEMPEST_WORD_COUNT_PKG,
                  TEMPEST_SOURCE_DIR "/examples/word_count/word_count.yaml"});
    ASSERT_EQ(r.status, 0) << r.err;
    // The reporter's cleanup prints a final report with the number of words it saw.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("final report .* ([0-9]+) words counted")))
        << r.out;
    const double total = std::stod(m[1].str());
    ASSERT_GT(total, 10'000) << r.out;
    // The spout cycles through the example's 8 sentences (57 words a cycle; "the" 7 times, "and",
    // "be", "is", "not", "over", "seven", "that" and "to" twice each), so with the fields
    // grouping sending every copy of a word to one counter, each word's count is its share of
    // the words counted. A broken grouping (a word split over the 4 counters) or a lost or
    // doubled stream puts a count far off its share; tuples still in flight at the stop are a
    // tiny fraction of a run of this length.
    const std::string final_report = r.out.substr(static_cast<std::size_t>(m.position(0)));
    std::map<std::string, double> counts;
    const std::regex line_re(R"(\n +[0-9]+\. (\S+) +([0-9]+))");
    for (std::sregex_iterator it(final_report.begin(), final_report.end(), line_re), end; it != end;
         ++it) {
        counts[(*it)[1].str()] = std::stod((*it)[2].str());
    }
    ASSERT_EQ(counts.size(), 10u) << final_report;
    ASSERT_TRUE(counts.contains("the")) << final_report;
    EXPECT_NEAR(counts["the"] / total, 7.0 / 57.0, 0.02 * 7.0 / 57.0) << final_report;
    int twice_a_cycle = 0;
    for (const char* w : {"and", "be", "is", "not", "over", "seven", "that", "to"}) {
        if (counts.contains(w)) {
            ++twice_a_cycle;
            EXPECT_NEAR(counts[w] / total, 2.0 / 57.0, 0.02 * 2.0 / 57.0) << w << final_report;
        }
    }
    EXPECT_GE(twice_a_cycle, 8) << "the top 10 lacks words that occur twice a cycle\n"
                                << final_report;
}

TEST(flux_cli_test, a_bad_yaml_file_gives_one_error_line_with_its_line) {
    temp_file bad("bad-flux.yaml",
                  "name: bad\n"
                  "spouts:\n"
                  "  - id: sentences\n"
                  "    className: word_count.sentence_spout\n"
                  "bolts:\n"
                  "  - id: split\n"
                  "    className: word_count.no_such_bolt\n");
    expect_one_error_line(
        run({"local", "--duration", "1", "--package", TEMPEST_WORD_COUNT_PKG, bad.path()}),
        bad.path() +
            ":7: bolts[0].className: no bolt class "
            "'word_count.no_such_bolt' is registered");
}

TEST(flux_cli_test, bad_flux_command_lines_give_one_error_line) {
    expect_one_error_line(run({"local", "--package", TEMPEST_WORD_COUNT_PKG}),
                          "missing the Flux YAML file");
    expect_one_error_line(run({"local", "--package", TEMPEST_WORD_COUNT_PKG, "a.yaml", "b"}),
                          "unexpected argument 'b'");
    expect_one_error_line(run({"local", "--package", TEMPEST_WORD_COUNT_PKG, "/nonexistent.yaml"}),
                          "Flux file '/nonexistent.yaml' not found");
    expect_one_error_line(run({"jar", "--nimbus", "127.0.0.1:1", "--package",
                               TEMPEST_WORD_COUNT_PKG, "/nonexistent.yaml"}),
                          "Flux file '/nonexistent.yaml' not found");
}

}  // namespace
}  // namespace tempest
