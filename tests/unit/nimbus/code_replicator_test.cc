// SPDX-License-Identifier: Apache-2.0
// code_replicator with a fake per-file fetch: stale code goes, missing code is installed
// (common::install_topology_code: checked, renamed into place), a failed or corrupted fetch
// leaves nothing and is reported after the others, and code fetched for a topology killed
// meanwhile is dropped.
#include "code_replicator.h"

#include "nimbus_fixture.h"
#include "tempest/common/file_util.h"
#include "tempest/common/sha256.h"
#include "tempest/common/stormdist.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>

namespace tempest::nimbus {
namespace {

using testing::nimbus_part_test;
namespace fs = std::filesystem;
namespace sd = common::stormdist;

class code_replicator_test : public nimbus_part_test {
  protected:
    // A standby's own stormdist, separate from the store's (the "leader's").
    fs::path standby = dir.path / "standby";
    std::mutex topology_mu;
    code_replicator replicator{state, paths, standby, topology_mu};
    std::set<std::string> fetched;

    // Serves "<id>/<file>" as a leader would: the package's content is the id and the checksum
    // its SHA-256; topologies in `failing` fail on their package.
    common::code_file_fetcher fake_fetch(std::set<std::string> failing = {}) {
        return [this, failing](const std::string& remote,
                               const fs::path& dest) -> common::result<void> {
            auto slash = remote.find('/');
            auto id = remote.substr(0, slash);
            auto file = remote.substr(slash + 1);
            fetched.insert(id);
            if (file == sd::package_file && failing.contains(id)) {
                return std::make_error_code(std::errc::io_error);
            }
            common::sha256 h;
            h.update(id);
            common::write_file_atomically(dest, file == sd::checksum_file ? h.hex() + "\n" : id);
            return {};
        };
    }
};

TEST_F(code_replicator_test, fetches_missing_code_and_removes_code_of_topologies_gone) {
    auto a = store_topology("a");
    auto b = store_topology("b");
    fs::create_directories(standby / "gone-1-1");
    fs::create_directories(standby / ".fetch-old");
    EXPECT_EQ(replicator.replicate(fake_fetch(), "leader:6627"), 2);
    EXPECT_EQ(common::read_file(standby / a / sd::package_file), a);
    EXPECT_EQ(common::read_file(standby / b / sd::code_file), b);
    EXPECT_FALSE(fs::exists(standby / "gone-1-1"));
    EXPECT_FALSE(fs::exists(standby / ".fetch-old"));
    EXPECT_EQ(std::distance(fs::directory_iterator(standby), fs::directory_iterator()), 2);
    // What is here is not fetched again.
    fetched.clear();
    EXPECT_EQ(replicator.replicate(fake_fetch(), "leader:6627"), 0);
    EXPECT_TRUE(fetched.empty());
}

TEST_F(code_replicator_test, a_failed_fetch_leaves_nothing_and_is_reported_after_the_rest) {
    auto a = store_topology("a");
    auto b = store_topology("b");
    try {
        replicator.replicate(fake_fetch({a}), "leader:6627");
        FAIL() << "a failed fetch was not reported";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("installing the code of " + a + " from leader:6627"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(fetched.size(), 2U);  // b was still tried
    EXPECT_FALSE(fs::exists(standby / a));
    EXPECT_TRUE(fs::is_regular_file(standby / b / sd::package_file));
    EXPECT_EQ(std::distance(fs::directory_iterator(standby), fs::directory_iterator()), 1);
    EXPECT_EQ(replicator.replicate(fake_fetch(), "leader:6627"), 1);  // retried next round
}

TEST_F(code_replicator_test, a_package_that_does_not_match_its_checksum_is_not_installed) {
    auto a = store_topology("a");
    auto fetch = fake_fetch();
    auto tampered = [&](const std::string& remote, const fs::path& dest) -> common::result<void> {
        auto r = fetch(remote, dest);
        if (remote == a + "/" + sd::package_file) {
            common::write_file_atomically(dest, "tampered");
        }
        return r;
    };
    EXPECT_THROW(replicator.replicate(tampered, "leader:6627"), std::runtime_error);
    EXPECT_TRUE(fs::is_empty(standby));
}

TEST_F(code_replicator_test, code_of_a_topology_killed_while_fetching_is_dropped) {
    auto a = store_topology("a");
    auto fetch = fake_fetch();
    EXPECT_EQ(replicator.replicate(
                  [&](const std::string& remote, const fs::path& dest) {
                      auto r = fetch(remote, dest);
                      if (remote == a + "/" + sd::conf_file) {
                          store.remove(a);  // the leader kills it meanwhile
                      }
                      return r;
                  },
                  "leader:6627"),
              0);
    EXPECT_FALSE(fs::exists(standby / a));
    EXPECT_TRUE(fs::is_empty(standby));
}

}  // namespace
}  // namespace tempest::nimbus
