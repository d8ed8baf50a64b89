// SPDX-License-Identifier: Apache-2.0
// SHA-256 (moved here from nimbus for the supervisor's code check): known digests, incremental
// updates, files and the hex-format check.
#include "tempest/common/sha256.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace tempest::common {
namespace {

namespace fs = std::filesystem;

// FIPS 180-2 test vectors.
constexpr const char* empty_digest =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* abc_digest =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::string digest_of(std::string_view data) {
    sha256 h;
    h.update(data);
    return h.hex();
}

TEST(sha256_test, known_digests) {
    EXPECT_EQ(digest_of(""), empty_digest);
    EXPECT_EQ(digest_of("abc"), abc_digest);
    EXPECT_EQ(digest_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256_test, incremental_updates_equal_one_update) {
    sha256 h;
    h.update("a");
    h.update("");
    h.update("bc");
    EXPECT_EQ(h.hex(), abc_digest);
}

// Bigger than sha256_of_file's 1 MiB block, so that it takes several reads.
TEST(sha256_test, file_digest_equals_digest_of_its_bytes) {
    const fs::path dir =
        fs::temp_directory_path() / ("tempest-sha256-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::string bytes;
    for (int i = 0; i < (3 << 20) / 2 + 7; ++i) {
        bytes.push_back(static_cast<char>(i * 31 % 251));
        bytes.push_back('\0');
    }
    std::ofstream(dir / "pkg", std::ios::binary) << bytes;
    std::ofstream(dir / "empty", std::ios::binary).close();
    EXPECT_EQ(sha256_of_file(dir / "pkg"), digest_of(bytes));
    EXPECT_EQ(sha256_of_file(dir / "empty"), empty_digest);
    fs::remove_all(dir);
}

TEST(sha256_test, unreadable_file_names_it) {
    try {
        sha256_of_file("/nonexistent/tempest/stormjar.so");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/tempest/stormjar.so"), std::string::npos)
            << e.what();
    }
}

TEST(sha256_test, is_sha256_hex_accepts_only_64_lowercase_hex_digits) {
    EXPECT_TRUE(is_sha256_hex(abc_digest));
    EXPECT_TRUE(is_sha256_hex(std::string(64, '0')));
    EXPECT_FALSE(is_sha256_hex(""));
    EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
    EXPECT_FALSE(is_sha256_hex(std::string(65, 'a')));
    EXPECT_FALSE(is_sha256_hex(std::string(abc_digest) + "\n"));
    std::string upper(abc_digest);
    upper[0] = 'B';
    EXPECT_FALSE(is_sha256_hex(upper));
    std::string not_hex(abc_digest);
    not_hex[10] = 'g';
    EXPECT_FALSE(is_sha256_hex(not_hex));
}

}  // namespace
}  // namespace tempest::common
