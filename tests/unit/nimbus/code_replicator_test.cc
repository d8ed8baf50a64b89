// SPDX-License-Identifier: Apache-2.0
// code_replicator with a fake fetch: stale code goes, missing code is fetched into a temporary
// directory and renamed into place, a failed fetch leaves nothing and is reported after the
// others, and code fetched for a topology killed meanwhile is dropped.
#include "code_replicator.h"

#include "nimbus_fixture.h"
#include "tempest/common/file_util.h"
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
    std::vector<std::string> fetched;

    // Writes every file of `id` into `dest`, as fetch_topology_code would.
    code_replicator::fetch_fn fake_fetch(std::set<std::string> failing = {}) {
        return [this, failing](const std::string& id, const fs::path& dest) {
            fetched.push_back(id);
            fs::create_directories(dest);
            common::write_file_atomically(dest / sd::checksum_file, "sum-" + id + "\n");
            if (failing.contains(id)) {
                throw std::runtime_error("fetching " + id + " failed");
            }
            for (const char* f : {sd::package_file, sd::code_file, sd::conf_file}) {
                common::write_file_atomically(dest / f, id);
            }
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
    EXPECT_EQ(common::read_file(standby / b / sd::checksum_file), "sum-" + b + "\n");
    EXPECT_FALSE(fs::exists(standby / "gone-1-1"));
    EXPECT_FALSE(fs::exists(standby / ".fetch-old"));
    EXPECT_FALSE(fs::exists(standby / (".fetch-" + a)));
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
        EXPECT_NE(std::string(e.what()).find("fetching " + a + " failed"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(fetched.size(), 2U);  // b was still tried
    EXPECT_FALSE(fs::exists(standby / a));
    EXPECT_FALSE(fs::exists(standby / (".fetch-" + a)));
    EXPECT_TRUE(fs::is_regular_file(standby / b / sd::package_file));
    EXPECT_EQ(replicator.replicate(fake_fetch(), "leader:6627"), 1);  // retried next round
}

TEST_F(code_replicator_test, code_of_a_topology_killed_while_fetching_is_dropped) {
    auto a = store_topology("a");
    auto fetch = fake_fetch();
    EXPECT_EQ(replicator.replicate(
                  [&](const std::string& id, const fs::path& dest) {
                      fetch(id, dest);
                      store.remove(id);  // the leader kills it meanwhile
                  },
                  "leader:6627"),
              0);
    EXPECT_FALSE(fs::exists(standby / a));
    EXPECT_TRUE(fs::is_empty(standby));
}

}  // namespace
}  // namespace tempest::nimbus
