// SPDX-License-Identifier: Apache-2.0
// The Nimbus-free part of the code download: temporary directory, checks, rename, retry.
#include "code_download.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <stdexcept>

namespace tempest::supervisor {
namespace {

namespace fs = std::filesystem;

struct supervisor_code_download_test : ::testing::Test {
    fs::path dist;
    int calls = 0;
    void SetUp() override {
        dist = fs::temp_directory_path() /
               ("tempest-dl-test-" + std::to_string(std::random_device{}())) / "stormdist";
        fs::create_directories(dist);
    }
    void TearDown() override { fs::remove_all(dist.parent_path()); }
    std::vector<fs::path> entries() const {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(dist)) {
            out.push_back(e.path().filename());
        }
        return out;
    }
    code_fetcher writes(std::vector<std::string> names) {
        return [this, names](const std::string& id, const fs::path& dest) {
            ++calls;
            EXPECT_NE(dest, dist / id);  // never straight into place
            EXPECT_TRUE(fs::is_directory(dest));
            for (const auto& n : names) {
                std::ofstream(dest / n) << "content of " << n;
            }
        };
    }
};

TEST_F(supervisor_code_download_test, fetches_into_a_temporary_dir_then_renames_it_into_place) {
    ASSERT_TRUE(detail::install_topology_code(
        dist, "wc-1", writes({"stormjar.so", "stormcode.ser", "stormconf.json"})));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(entries(), std::vector<fs::path>{"wc-1"});
    for (const char* n : detail::code_files) {
        EXPECT_TRUE(fs::is_regular_file(dist / "wc-1" / n)) << n;
    }
    // Present: not fetched again.
    EXPECT_TRUE(detail::install_topology_code(dist, "wc-1", writes({})));
    EXPECT_EQ(calls, 1);
}

TEST_F(supervisor_code_download_test, failed_fetch_leaves_nothing_and_is_retried) {
    auto failing = [this](const std::string&, const fs::path& dest) {
        ++calls;
        std::ofstream(dest / "stormjar.so") << "half";
        throw std::runtime_error("connection refused");
    };
    EXPECT_FALSE(detail::install_topology_code(dist, "wc-1", failing));
    EXPECT_TRUE(entries().empty());
    // The next sync tries again and succeeds.
    EXPECT_TRUE(detail::install_topology_code(
        dist, "wc-1", writes({"stormjar.so", "stormcode.ser", "stormconf.json"})));
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(entries(), std::vector<fs::path>{"wc-1"});
}

TEST_F(supervisor_code_download_test, incomplete_download_is_rejected) {
    EXPECT_FALSE(
        detail::install_topology_code(dist, "wc-1", writes({"stormjar.so", "stormcode.ser"})));
    EXPECT_TRUE(entries().empty());
}

TEST_F(supervisor_code_download_test, nimbus_fetcher_without_seeds_fails_clearly) {
    config conf;
    conf.set("nimbus.seeds", value::list{});
    auto fetch = detail::nimbus_fetcher(conf);
    try {
        fetch("wc-1", dist);
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("nimbus.seeds"), std::string::npos) << e.what();
    }
}

TEST_F(supervisor_code_download_test, removes_partial_downloads) {
    fs::create_directories(dist / ".download-wc-1-abc");
    fs::create_directories(dist / "wc-2");
    detail::remove_partial_downloads(dist);
    EXPECT_EQ(entries(), std::vector<fs::path>{"wc-2"});
}

}  // namespace
}  // namespace tempest::supervisor
