// SPDX-License-Identifier: Apache-2.0
// file_transfers: upload sessions (size cap, checksum, claiming for a submission, expiry) and
// downloads confined to stormdist, in chunks.
#include "file_transfers.h"

#include "nimbus_error.h"
#include "nimbus_fixture.h"
#include "tempest/common/sha256.h"

#include <gtest/gtest.h>

namespace tempest::nimbus {
namespace {

using testing::temp_dir;
namespace fs = std::filesystem;

class file_transfers_test : public ::testing::Test {
  protected:
    file_transfers_test() {
        fs::create_directories(inbox);
        fs::create_directories(stormdist);
    }
    temp_dir dir;
    fs::path inbox = dir.path / "inbox";
    fs::path stormdist = dir.path / "stormdist";
    file_transfers files{inbox, stormdist, 64};
};

error_kind kind_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const nimbus_error& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no nimbus_error";
    return error_kind::not_leader;
}

TEST_F(file_transfers_test, an_upload_lands_in_the_inbox_with_its_checksum) {
    auto location = files.begin_upload();
    EXPECT_EQ(fs::path(location).parent_path(), inbox);
    files.upload_chunk(location, "abc");
    // Not finished yet: a submission may not take it.
    EXPECT_EQ(kind_of([&] { (void)files.claim_upload(location, "t"); }),
              error_kind::invalid_topology);
    files.upload_chunk(location, "def");
    files.finish_upload(location);
    files.finish_upload(location);  // twice is fine
    common::sha256 h;
    h.update("abcdef");
    EXPECT_EQ(files.claim_upload(location, "t"), h.hex());
    EXPECT_EQ(kind_of([&] { files.upload_chunk(location, "x"); }), error_kind::bad_request);
}

TEST_F(file_transfers_test, an_upload_over_the_limit_is_abandoned_and_removed) {
    auto location = files.begin_upload();
    files.upload_chunk(location, std::string(40, 'x'));
    try {
        files.upload_chunk(location, std::string(40, 'y'));
        FAIL() << "an upload over the limit was accepted";
    } catch (const nimbus_error& e) {
        EXPECT_EQ(e.kind(), error_kind::bad_request);
        EXPECT_NE(std::string(e.what()).find("nimbus.file.upload.max.bytes (64 bytes)"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(fs::exists(location));
    EXPECT_EQ(kind_of([&] { files.finish_upload(location); }), error_kind::bad_request);
}

TEST_F(file_transfers_test, only_inbox_files_can_be_claimed) {
    std::ofstream(dir.path / "elsewhere.so") << "x";
    EXPECT_EQ(kind_of([&] { (void)files.claim_upload((dir.path / "elsewhere.so").string(), "t"); }),
              error_kind::invalid_topology);
    EXPECT_EQ(kind_of([&] { (void)files.claim_upload((inbox / "missing.so").string(), "t"); }),
              error_kind::invalid_topology);
    // A file in the inbox without a session (an earlier process): hashed on the spot.
    std::ofstream(inbox / "stormjar-old.so") << "old";
    common::sha256 h;
    h.update("old");
    EXPECT_EQ(files.claim_upload((inbox / "stormjar-old.so").string(), "t"), h.hex());
}

TEST_F(file_transfers_test, uploads_older_than_the_cutoff_expire) {
    auto old_upload = files.begin_upload();
    files.finish_upload(old_upload);
    auto fresh = files.begin_upload();
    auto now = fs::file_time_type::clock::now();
    fs::last_write_time(old_upload, now - std::chrono::hours(2));
    EXPECT_EQ(files.expire_uploads(now - std::chrono::hours(1)), 1);
    EXPECT_FALSE(fs::exists(old_upload));
    EXPECT_TRUE(fs::exists(fresh));
    EXPECT_EQ(kind_of([&] { files.upload_chunk(old_upload, "x"); }), error_kind::bad_request);
}

TEST_F(file_transfers_test, downloads_serve_files_under_stormdist_in_chunks) {
    fs::create_directories(stormdist / "wc-1-1");
    std::string content(file_transfers::chunk_bytes + 10, 'q');
    std::ofstream(stormdist / "wc-1-1" / "stormjar.so", std::ios::binary) << content;
    auto id = files.begin_download("wc-1-1/stormjar.so");
    auto first = files.download_chunk(id);
    EXPECT_EQ(first.size(), file_transfers::chunk_bytes);
    EXPECT_EQ(files.download_chunk(id).size(), 10U);
    EXPECT_TRUE(files.download_chunk(id).empty());
    // The session ended with the empty chunk.
    EXPECT_EQ(kind_of([&] { (void)files.download_chunk(id); }), error_kind::bad_request);
    EXPECT_NO_THROW((void)files.begin_download((stormdist / "wc-1-1" / "stormjar.so").string()));

    std::ofstream(inbox / "x") << "x";
    EXPECT_EQ(kind_of([&] { (void)files.begin_download("../inbox/x"); }), error_kind::bad_request);
    EXPECT_EQ(kind_of([&] { (void)files.begin_download((inbox / "x").string()); }),
              error_kind::bad_request);
    EXPECT_EQ(kind_of([&] { (void)files.begin_download(stormdist.string()); }),
              error_kind::bad_request);
    EXPECT_EQ(kind_of([&] { (void)files.begin_download("wc-1-1"); }), error_kind::bad_request);
}

}  // namespace
}  // namespace tempest::nimbus
