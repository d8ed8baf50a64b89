// SPDX-License-Identifier: Apache-2.0
// The chaos suite's ledger checker (chaos_ledger.h) on hand-written ledgers: a complete ledger
// passes with its duplicates counted, a missing or unacked id fails naming it, a partial last
// line waits for its end, and garbage is counted as malformed.
#include "chaos_ledger.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tempest::system_test::chaos {
namespace {

namespace fs = std::filesystem;

class chaos_ledger_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-ledger-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }
    void append(const std::string& file, const std::string& text) {
        std::ofstream(_dir / file, std::ios::app) << text;
    }
    fs::path _dir;
};

TEST_F(chaos_ledger_test, a_complete_ledger_passes_and_counts_duplicates) {
    append("ledger-1.txt", "0\n2\n");
    append("ledger-2.txt", "1\n2\n3\n");
    append("acked-5.txt", "0\n1\n2\n3\n");
    ledger_reader r(_dir);
    r.poll();
    ledger_result res = r.check(4);
    EXPECT_TRUE(res.ok()) << res.describe();
    EXPECT_EQ(res.processed, 4U);
    EXPECT_EQ(res.duplicates, 1U);
    EXPECT_EQ(res.lines, 5U);
    EXPECT_EQ(r.distinct_processed(), 4U);
}

TEST_F(chaos_ledger_test, a_missing_or_unacked_id_fails_and_is_named) {
    append("ledger-1.txt", "0\n1\n3\n");
    append("acked-5.txt", "0\n1\n3\n4\n");
    ledger_reader r(_dir);
    r.poll();
    ledger_result res = r.check(5);
    EXPECT_FALSE(res.ok());
    EXPECT_EQ(res.missing(), 2U);
    EXPECT_EQ(res.first_missing, (std::vector<std::uint64_t>{2, 4}));
    EXPECT_EQ(res.unacked(), 1U);
    EXPECT_EQ(res.first_unacked, (std::vector<std::uint64_t>{2}));
    EXPECT_NE(res.describe().find("LOSS: 5 ids, 2 missing (first: 2 4)"), std::string::npos)
        << res.describe();
}

TEST_F(chaos_ledger_test, a_partial_line_waits_and_garbage_is_malformed) {
    append("ledger-1.txt", "0\n1");
    append("acked-5.txt", "0\n1\n");
    ledger_reader r(_dir);
    r.poll();
    EXPECT_EQ(r.distinct_processed(), 1U) << "a line without its newline is not read yet";
    append("ledger-1.txt", "\n2\nx7\n");  // the partial "1" ends; 2 is beyond N
    r.poll();
    ledger_result res = r.check(2);
    EXPECT_EQ(res.processed, 2U) << res.describe();
    EXPECT_EQ(res.out_of_range, 1U);
    EXPECT_EQ(res.malformed, 1U);
    EXPECT_FALSE(res.ok()) << "malformed lines fail the check";
}

}  // namespace
}  // namespace tempest::system_test::chaos
