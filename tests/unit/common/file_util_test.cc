// SPDX-License-Identifier: Apache-2.0
// file_util and random_id: whole-file reads, atomic replacement (no temporary left behind, the
// old file kept on failure), and the shape of random ids.
#include "tempest/common/file_util.h"

#include "tempest/common/random_id.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <system_error>

namespace tempest::common {
namespace {

namespace fs = std::filesystem;

class file_util_test : public ::testing::Test {
  protected:
    void SetUp() override {
        _dir = fs::temp_directory_path() / ("tempest-file-util-" + random_hex(12));
        fs::create_directories(_dir);
    }
    void TearDown() override { fs::remove_all(_dir); }
    std::size_t entries() const {
        return static_cast<std::size_t>(std::distance(fs::directory_iterator(_dir), {}));
    }
    fs::path _dir;
};

TEST_F(file_util_test, writes_and_reads_back_binary_bytes) {
    std::string bytes("a\0b\nc", 5);
    bytes += std::string(200 * 1024, 'x');  // more than one read buffer
    write_file_atomically(_dir / "f", bytes);
    EXPECT_EQ(read_file(_dir / "f"), bytes);
    auto r = try_read_file(_dir / "f");
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, bytes);
    EXPECT_EQ(entries(), 1u);  // no temporary file left
}

TEST_F(file_util_test, replaces_an_existing_file_whole) {
    write_file_atomically(_dir / "f", std::string(1000, 'a'), durability::fsync);
    write_file_atomically(_dir / "f", "short");
    EXPECT_EQ(read_file(_dir / "f"), "short");
    EXPECT_EQ(entries(), 1u);
}

TEST_F(file_util_test, missing_file_is_an_error_naming_the_path) {
    auto r = try_read_file(_dir / "nope");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), std::errc::no_such_file_or_directory);
    try {
        (void)read_file(_dir / "nope");
        FAIL() << "read_file of a missing file returned";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find((_dir / "nope").string()), std::string::npos)
            << e.what();
    }
}

TEST_F(file_util_test, failed_write_keeps_the_old_file_and_leaves_no_temporary) {
    write_file_atomically(_dir / "f", "old");
    // A directory where the file should be: the rename over it fails.
    fs::create_directories(_dir / "d");
    auto r = try_write_file_atomically(_dir / "d", "new");
    EXPECT_FALSE(r);
    EXPECT_TRUE(fs::is_directory(_dir / "d"));
    // A missing parent directory: the temporary cannot even be created.
    EXPECT_FALSE(try_write_file_atomically(_dir / "missing" / "f", "new"));
    EXPECT_THROW(write_file_atomically(_dir / "missing" / "f", "new"), std::system_error);
    EXPECT_EQ(read_file(_dir / "f"), "old");
    EXPECT_EQ(entries(), 2u);  // f and d, no temporaries
}

TEST(random_id_test, ids_have_their_shape_and_differ) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        std::string h = random_hex(16);
        ASSERT_EQ(h.size(), 16u);
        EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
        seen.insert(h);
    }
    EXPECT_EQ(seen.size(), 100u);
    std::string u = random_uuid();
    ASSERT_EQ(u.size(), 36u);
    for (std::size_t i : {8u, 13u, 18u, 23u}) {
        EXPECT_EQ(u[i], '-') << u;
    }
}

}  // namespace
}  // namespace tempest::common
