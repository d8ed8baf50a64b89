// SPDX-License-Identifier: Apache-2.0
// code_install: temporary directory, checks (the package's SHA-256 included), rename, retry.
// Moved from the supervisor's code download test when the install moved to common.
#include "tempest/common/code_install.h"

#include "tempest/common/file_util.h"
#include "tempest/common/log.h"
#include "tempest/common/package_bundle.h"
#include "tempest/common/random_id.h"
#include "tempest/common/sha256.h"
#include "tempest/common/stormdist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <stdexcept>

namespace tempest::common {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> all_files = {"stormjar.so", "stormcode.ser", "stormconf.json",
                                            "stormjar.so.sha256"};

std::string sha256_hex(std::string_view data) {
    sha256 h;
    h.update(data);
    return h.hex();
}

std::string topology_of(const std::string& remote) {
    return remote.substr(0, remote.find('/'));
}

std::string file_of(const std::string& remote) {
    return remote.substr(remote.find('/') + 1);
}

// Warnings go to a log file of the test's own (read by logged()), and back to stderr afterwards.
struct code_install_test : ::testing::Test {
    fs::path dist;
    std::vector<std::string> fetched;  // remote names, in order
    void SetUp() override {
        dist = fs::temp_directory_path() / ("tempest-install-test-" + random_hex(12)) / "stormdist";
        fs::create_directories(dist);
        init_logging("info", dist.parent_path() / "install.log");
    }
    void TearDown() override {
        init_logging("info");
        fs::remove_all(dist.parent_path());
    }
    std::string logged() const { return read_file(dist.parent_path() / "install.log"); }
    std::vector<fs::path> entries() const {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(dist)) {
            out.push_back(e.path().filename());
        }
        return out;
    }
    // A fetcher writing the files among `names` (others: success without writing);
    // stormjar.so.sha256 holds the SHA-256 of the stormjar.so it writes, as Nimbus records it
    // (hex and a newline), unless `checksum` overrides the file.
    code_file_fetcher writes(std::vector<std::string> names,
                             std::optional<std::string> checksum = std::nullopt) {
        return [this, names, checksum](const std::string& remote,
                                       const fs::path& dest) -> result<void> {
            fetched.push_back(remote);
            const std::string id = topology_of(remote);
            const std::string n = file_of(remote);
            EXPECT_NE(dest.parent_path(), dist / id);  // never straight into place
            EXPECT_TRUE(fs::is_directory(dest.parent_path()));
            EXPECT_EQ(dest.filename(), n);
            if (std::find(names.begin(), names.end(), n) == names.end()) {
                return {};
            }
            std::ofstream out(dest, std::ios::binary);
            if (n == stormdist::checksum_file) {
                out << (checksum ? *checksum : sha256_hex(package_of(id)) + "\n");
            } else if (n == stormdist::package_file) {
                out << package_of(id);
            } else {
                out << "content of " << n;
            }
            return {};
        };
    }
    static std::string package_of(const std::string& id) { return "package of " + id; }
    // Refused: an error, and neither the topology's directory nor a partial install is left.
    std::error_code expect_refused(const std::string& id, const code_file_fetcher& fetch) {
        auto r = install_topology_code(dist, id, fetch);
        EXPECT_FALSE(r);
        EXPECT_TRUE(entries().empty());
        return r.error();
    }
};

TEST_F(code_install_test, fetches_into_a_temporary_dir_then_renames_it_into_place) {
    ASSERT_TRUE(install_topology_code(dist, "wc-1", writes(all_files)));
    // Checksum first, each file under "<topology-id>/<name>".
    EXPECT_EQ(fetched, (std::vector<std::string>{"wc-1/stormjar.so.sha256", "wc-1/stormjar.so",
                                                 "wc-1/stormcode.ser", "wc-1/stormconf.json"}));
    EXPECT_EQ(entries(), std::vector<fs::path>{"wc-1"});
    for (const char* n : stormdist::files) {
        EXPECT_TRUE(fs::is_regular_file(dist / "wc-1" / n)) << n;
    }
    // Present: not fetched again.
    EXPECT_TRUE(install_topology_code(dist, "wc-1", writes({})));
    EXPECT_EQ(fetched.size(), 4u);
}

TEST_F(code_install_test, failed_fetch_leaves_nothing_passes_its_error_on_and_is_retried) {
    auto failing = [this](const std::string& remote, const fs::path& dest) -> result<void> {
        fetched.push_back(remote);
        std::ofstream(dest) << "half";
        return std::make_error_code(std::errc::connection_refused);
    };
    EXPECT_EQ(expect_refused("wc-1", failing), std::errc::connection_refused);
    EXPECT_EQ(fetched.size(), 1u);  // stops at the first failure
    // The next sync tries again and succeeds.
    EXPECT_TRUE(install_topology_code(dist, "wc-1", writes(all_files)));
    EXPECT_EQ(entries(), std::vector<fs::path>{"wc-1"});
}

TEST_F(code_install_test, throwing_fetcher_is_an_error_not_an_exception) {
    auto throwing = [](const std::string&, const fs::path&) -> result<void> {
        throw std::runtime_error("connection refused");
    };
    EXPECT_EQ(expect_refused("wc-1", throwing), install_errc::fetcher_threw);
    EXPECT_NE(logged().find("connection refused"), std::string::npos) << logged();
}

TEST_F(code_install_test, incomplete_download_is_rejected) {
    EXPECT_EQ(
        expect_refused("wc-1", writes({"stormjar.so", "stormcode.ser", "stormjar.so.sha256"})),
        install_errc::missing_file);
}

TEST_F(code_install_test, package_matching_its_checksum_is_installed) {
    ASSERT_TRUE(install_topology_code(dist, "wc-1", writes(all_files)));
    EXPECT_EQ(read_file(dist / "wc-1" / "stormjar.so"), package_of("wc-1"));
    EXPECT_EQ(read_file(dist / "wc-1" / "stormjar.so.sha256"),
              sha256_hex(package_of("wc-1")) + "\n");
    // Without Nimbus's trailing newline the digest is as good.
    ASSERT_TRUE(
        install_topology_code(dist, "wc-2", writes(all_files, sha256_hex(package_of("wc-2")))));
    auto installed = entries();
    std::sort(installed.begin(), installed.end());
    EXPECT_EQ(installed, (std::vector<fs::path>{"wc-1", "wc-2"}));
}

TEST_F(code_install_test, corrupted_package_is_refused_and_retried) {
    const std::string recorded = sha256_hex(package_of("wc-1"));
    auto corrupted = [this, recorded](const std::string& remote,
                                      const fs::path& dest) -> result<void> {
        fetched.push_back(remote);
        const std::string n = file_of(remote);
        if (n == stormdist::package_file) {
            std::ofstream(dest, std::ios::binary) << "package of wc-X";
        } else if (n == stormdist::checksum_file) {
            std::ofstream(dest) << recorded << "\n";
        } else {
            std::ofstream(dest) << "content of " << n;
        }
        return {};
    };
    EXPECT_EQ(expect_refused("wc-1", corrupted), install_errc::checksum_mismatch);
    const std::string log = logged();
    EXPECT_NE(log.find("wc-1"), std::string::npos) << log;
    EXPECT_NE(log.find(recorded), std::string::npos) << log;
    EXPECT_NE(log.find(sha256_hex("package of wc-X")), std::string::npos) << log;
    EXPECT_NE(log.find("stormjar.so of topology wc-1 has SHA-256"), std::string::npos) << log;
    // The next sync downloads it again; this time the bytes are right.
    EXPECT_TRUE(install_topology_code(dist, "wc-1", writes(all_files)));
    EXPECT_EQ(fetched.size(), 8u);
    EXPECT_EQ(entries(), std::vector<fs::path>{"wc-1"});
}

TEST_F(code_install_test, missing_checksum_is_refused) {
    EXPECT_EQ(expect_refused("wc-1", writes({"stormjar.so", "stormcode.ser", "stormconf.json"})),
              install_errc::missing_file);
    const std::string log = logged();
    EXPECT_NE(log.find("wc-1"), std::string::npos) << log;
    EXPECT_NE(log.find("stormjar.so.sha256"), std::string::npos) << log;
}

TEST_F(code_install_test, malformed_checksum_is_refused) {
    std::string upper = sha256_hex(package_of("wc-1"));
    for (auto& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    const std::string digest = sha256_hex(package_of("wc-1"));
    for (const std::string& bad :
         {std::string(), std::string("\n"), digest.substr(0, 63), digest + "0", upper,
          "sha256:" + digest, digest + " stormjar.so\n", digest + "\n\n" + digest}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(expect_refused("wc-1", writes(all_files, bad)), install_errc::checksum_malformed);
    }
    const std::string log = logged();
    EXPECT_NE(log.find("stormjar.so.sha256 of topology wc-1 is malformed"), std::string::npos)
        << log;
}

TEST_F(code_install_test, errors_have_messages) {
    EXPECT_NE(make_error_code(install_errc::checksum_mismatch).message().find("SHA-256"),
              std::string::npos);
    EXPECT_EQ(make_error_code(install_errc::missing_file).category().name(),
              std::string("tempest.code_install"));
}

// A fetcher serving `package` (a file) as stormjar.so with `recorded` as its checksum.
code_file_fetcher serving(const fs::path& package, const std::string& recorded) {
    return [package, recorded](const std::string& remote, const fs::path& dest) -> result<void> {
        const std::string n = file_of(remote);
        if (n == stormdist::package_file) {
            fs::copy_file(package, dest);
        } else if (n == stormdist::checksum_file) {
            std::ofstream(dest) << recorded << "\n";
        } else {
            std::ofstream(dest) << "content of " << n;
        }
        return {};
    };
}

// The package Nimbus stored: a library with the folder `res` appended (tempest jar --resources).
fs::path make_bundle(const fs::path& dir) {
    fs::create_directories(dir / "res" / "lib");
    std::ofstream(dir / "res" / "split.py") << "print('split')\n";
    std::ofstream(dir / "res" / "lib" / "tiny.py") << "x = 1\n";
    std::ofstream(dir / "pkg.so") << "the library";
    write_package_bundle(dir / "pkg.so", dir / "res", dir / "bundle.so");
    return dir / "bundle.so";
}

TEST_F(code_install_test, resources_the_package_carries_are_unpacked_beside_it) {
    const fs::path bundle = make_bundle(dist.parent_path() / "src");
    ASSERT_TRUE(install_topology_code(dist, "ml-1", serving(bundle, sha256_of_file(bundle))));
    const fs::path res = dist / "ml-1" / stormdist::resources_dir;
    EXPECT_EQ(read_file(res / "split.py"), "print('split')\n");
    EXPECT_EQ(read_file(res / "lib" / "tiny.py"), "x = 1\n");
    EXPECT_EQ(read_file(dist / "ml-1" / stormdist::package_file), read_file(bundle));
    // A plain package gets no resources folder.
    ASSERT_TRUE(install_topology_code(dist, "wc-1", writes(all_files)));
    EXPECT_FALSE(fs::exists(dist / "wc-1" / stormdist::resources_dir));
}

TEST_F(code_install_test, tampered_resources_fail_the_packages_checksum) {
    const fs::path bundle = make_bundle(dist.parent_path() / "src");
    const std::string recorded = sha256_of_file(bundle);
    // One byte of a script changed after Nimbus recorded the digest (on its disk or on the way).
    std::string bytes = read_file(bundle);
    const auto at = bytes.find("print('split')");
    ASSERT_NE(at, std::string::npos);
    bytes[at] = 'P';
    const fs::path tampered = dist.parent_path() / "src" / "tampered.so";
    std::ofstream(tampered, std::ios::binary) << bytes;
    EXPECT_EQ(expect_refused("ml-1", serving(tampered, recorded)), install_errc::checksum_mismatch);
    const std::string log = logged();
    EXPECT_NE(log.find("stormjar.so of topology ml-1 has SHA-256 " + sha256_of_file(tampered)),
              std::string::npos)
        << log;
    // The untampered package installs.
    EXPECT_TRUE(install_topology_code(dist, "ml-1", serving(bundle, recorded)));
}

TEST_F(code_install_test, a_malformed_archive_under_a_good_checksum_is_refused) {
    // A hostile or broken submitter: the digest matches, but the archive climbs out.
    std::string entry = "F";
    for (std::uint64_t v : {std::uint64_t{6}}) {
        for (int i = 0; i < 4; ++i) {
            entry.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
        }
    }
    entry += "../x.p";
    entry += std::string("\xa4\x01\0\0", 4) + std::string(8, '\0');
    std::string archive = entry;
    for (std::uint64_t v : {std::uint64_t{entry.size()}, std::uint64_t{1}}) {
        for (int i = 0; i < 8; ++i) {
            archive.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
        }
    }
    const fs::path evil = dist.parent_path() / "evil.so";
    std::ofstream(evil, std::ios::binary) << "lib" << archive << "TMPSTRS1";
    EXPECT_EQ(expect_refused("ml-1", serving(evil, sha256_of_file(evil))),
              install_errc::resources_malformed);
    EXPECT_FALSE(fs::exists(dist / "x.p"));
    EXPECT_NE(logged().find("cannot unpack the resources of topology ml-1"), std::string::npos)
        << logged();
}

TEST_F(code_install_test, removes_partial_installs) {
    fs::create_directories(dist / ".install-wc-1-abc");
    fs::create_directories(dist / ".download-wc-3-abc");  // left by an older supervisor
    fs::create_directories(dist / "wc-2");
    remove_partial_installs(dist);
    EXPECT_EQ(entries(), std::vector<fs::path>{"wc-2"});
}

}  // namespace
}  // namespace tempest::common
