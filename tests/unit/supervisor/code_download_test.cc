// SPDX-License-Identifier: Apache-2.0
// The Nimbus-free part of the code download: temporary directory, checks (the package's SHA-256
// included), rename, retry.
#include "code_download.h"

#include "tempest/common/log.h"
#include "tempest/common/sha256.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>

namespace tempest::supervisor {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> all_files = {"stormjar.so", "stormcode.ser", "stormconf.json",
                                            "stormjar.so.sha256"};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string sha256_hex(std::string_view data) {
    common::sha256 h;
    h.update(data);
    return h.hex();
}

// The supervisor's warnings go to a log file of the test's own (read by logged()), and back to
// stderr afterwards.
struct supervisor_code_download_test : ::testing::Test {
    fs::path dist;
    int calls = 0;
    void SetUp() override {
        dist = fs::temp_directory_path() /
               ("tempest-dl-test-" + std::to_string(std::random_device{}())) / "stormdist";
        fs::create_directories(dist);
        common::init_logging("info", dist.parent_path() / "supervisor.log");
    }
    void TearDown() override {
        common::init_logging("info");
        fs::remove_all(dist.parent_path());
    }
    std::string logged() const { return read_file(dist.parent_path() / "supervisor.log"); }
    std::vector<fs::path> entries() const {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(dist)) {
            out.push_back(e.path().filename());
        }
        return out;
    }
    // A fetcher writing `names`; stormjar.so.sha256 holds the SHA-256 of the stormjar.so it
    // writes, as Nimbus records it (hex and a newline), unless `checksum` overrides the file.
    code_fetcher writes(std::vector<std::string> names,
                        std::optional<std::string> checksum = std::nullopt) {
        return [this, names, checksum](const std::string& id, const fs::path& dest) {
            ++calls;
            EXPECT_NE(dest, dist / id);  // never straight into place
            EXPECT_TRUE(fs::is_directory(dest));
            for (const auto& n : names) {
                std::ofstream out(dest / n, std::ios::binary);
                if (n == "stormjar.so.sha256") {
                    out << (checksum ? *checksum : sha256_hex(package_of(id)) + "\n");
                } else if (n == "stormjar.so") {
                    out << package_of(id);
                } else {
                    out << "content of " << n;
                }
            }
        };
    }
    static std::string package_of(const std::string& id) { return "package of " + id; }
    // Refused: false, and neither the topology's directory nor a partial download is left.
    void expect_refused(const std::string& id, const code_fetcher& fetch) {
        EXPECT_FALSE(detail::install_topology_code(dist, id, fetch));
        EXPECT_TRUE(entries().empty());
    }
};

TEST_F(supervisor_code_download_test, fetches_into_a_temporary_dir_then_renames_it_into_place) {
    ASSERT_TRUE(detail::install_topology_code(dist, "wc-1", writes(all_files)));
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
    EXPECT_TRUE(detail::install_topology_code(dist, "wc-1", writes(all_files)));
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(entries(), std::vector<fs::path>{"wc-1"});
}

TEST_F(supervisor_code_download_test, incomplete_download_is_rejected) {
    EXPECT_FALSE(
        detail::install_topology_code(dist, "wc-1", writes({"stormjar.so", "stormcode.ser"})));
    EXPECT_TRUE(entries().empty());
}

TEST_F(supervisor_code_download_test, package_matching_its_checksum_is_installed) {
    ASSERT_TRUE(detail::install_topology_code(dist, "wc-1", writes(all_files)));
    EXPECT_EQ(read_file(dist / "wc-1" / "stormjar.so"), package_of("wc-1"));
    EXPECT_EQ(read_file(dist / "wc-1" / "stormjar.so.sha256"),
              sha256_hex(package_of("wc-1")) + "\n");
    // Without Nimbus's trailing newline the digest is as good.
    ASSERT_TRUE(detail::install_topology_code(dist, "wc-2",
                                              writes(all_files, sha256_hex(package_of("wc-2")))));
    auto installed = entries();
    std::sort(installed.begin(), installed.end());
    EXPECT_EQ(installed, (std::vector<fs::path>{"wc-1", "wc-2"}));
}

TEST_F(supervisor_code_download_test, corrupted_package_is_refused_and_retried) {
    const std::string recorded = sha256_hex(package_of("wc-1"));
    auto corrupted = [this, recorded](const std::string&, const fs::path& dest) {
        ++calls;
        for (const char* n : {"stormcode.ser", "stormconf.json"}) {
            std::ofstream(dest / n) << "content of " << n;
        }
        std::ofstream(dest / "stormjar.so", std::ios::binary) << "package of wc-X";
        std::ofstream(dest / "stormjar.so.sha256") << recorded << "\n";
    };
    expect_refused("wc-1", corrupted);
    const std::string log = logged();
    EXPECT_NE(log.find("wc-1"), std::string::npos) << log;
    EXPECT_NE(log.find(recorded), std::string::npos) << log;
    EXPECT_NE(log.find(sha256_hex("package of wc-X")), std::string::npos) << log;
    EXPECT_NE(log.find("stormjar.so of topology wc-1 has SHA-256"), std::string::npos) << log;
    // The next sync downloads it again; this time the bytes are right.
    EXPECT_TRUE(detail::install_topology_code(dist, "wc-1", writes(all_files)));
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(entries(), std::vector<fs::path>{"wc-1"});
}

TEST_F(supervisor_code_download_test, missing_checksum_is_refused) {
    expect_refused("wc-1", writes({"stormjar.so", "stormcode.ser", "stormconf.json"}));
    const std::string log = logged();
    EXPECT_NE(log.find("wc-1"), std::string::npos) << log;
    EXPECT_NE(log.find("stormjar.so.sha256"), std::string::npos) << log;
}

TEST_F(supervisor_code_download_test, malformed_checksum_is_refused) {
    std::string upper = sha256_hex(package_of("wc-1"));
    for (auto& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    const std::string digest = sha256_hex(package_of("wc-1"));
    for (const std::string& bad :
         {std::string(), std::string("\n"), digest.substr(0, 63), digest + "0", upper,
          "sha256:" + digest, digest + " stormjar.so\n", digest + "\n\n" + digest}) {
        SCOPED_TRACE(bad);
        expect_refused("wc-1", writes(all_files, bad));
    }
    const std::string log = logged();
    EXPECT_NE(log.find("stormjar.so.sha256 of topology wc-1 is malformed"), std::string::npos)
        << log;
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
