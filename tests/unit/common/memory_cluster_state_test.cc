// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/memory_cluster_state.h"

#include "cluster_state_contract.h"
#include "tempest/test_support/wait_until.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tempest::common {
namespace {

using namespace std::chrono_literals;
using test_support::wait_until;

class memory_backend final : public contract::backend {
  public:
    std::unique_ptr<cluster_state> connect() override {
        return std::make_unique<memory_cluster_state>(_store);
    }
    std::string root() override { return ""; }

  private:
    std::shared_ptr<memory_cluster_state::store> _store = memory_cluster_state::make_store();
};

}  // namespace

namespace contract {
INSTANTIATE_TEST_SUITE_P(memory, cluster_state_contract,
                         ::testing::Values(contract_backend{
                             "memory", [] { return std::make_unique<memory_backend>(); }}),
                         contract_backend_name);
}  // namespace contract

namespace {

TEST(memory_cluster_state_test, sessions_on_one_store_share_the_tree_and_others_do_not) {
    memory_cluster_state a;
    memory_cluster_state b(a.shared_store());
    memory_cluster_state separate;
    ASSERT_TRUE(a.create("/x", "1"));
    EXPECT_EQ(b.get("/x")->data, "1");
    EXPECT_FALSE(separate.exists("/x")->has_value());
}

TEST(memory_cluster_state_test, root_exists_and_cannot_be_created_or_removed) {
    memory_cluster_state s;
    EXPECT_TRUE(s.exists("/")->has_value());
    EXPECT_EQ(s.create("/", "").error(), errc::invalid_path);
    EXPECT_EQ(s.remove("/").error(), errc::invalid_path);
}

TEST(memory_cluster_state_test, the_destructor_removes_the_sessions_ephemerals) {
    memory_cluster_state keeper;
    {
        memory_cluster_state worker(keeper.shared_store());
        ASSERT_TRUE(worker.create("/beat", "", create_mode::ephemeral));
        EXPECT_TRUE(keeper.exists("/beat")->has_value());
    }
    EXPECT_FALSE(keeper.exists("/beat")->has_value());
}

TEST(memory_cluster_state_test, close_is_idempotent) {
    memory_cluster_state s;
    s.close();
    s.close();
    EXPECT_EQ(s.exists("/").error(), errc::session_expired);
}

TEST(memory_cluster_state_test, a_session_may_close_itself_from_its_own_watcher) {
    memory_cluster_state s;
    ASSERT_TRUE(s.create("/n", ""));
    std::atomic<bool> closed{false};
    ASSERT_TRUE(s.get("/n", [&](const watch_event&) {
        s.close();  // must not wait for the callback it is running in
        closed = true;
    }));
    ASSERT_TRUE(s.set("/n", "x"));
    EXPECT_TRUE(closed.load());
    EXPECT_EQ(s.get("/n").error(), errc::session_expired);
}

TEST(memory_cluster_state_test, close_waits_for_a_watcher_running_on_another_thread) {
    memory_cluster_state writer;
    auto watched = std::make_unique<memory_cluster_state>(writer.shared_store());
    ASSERT_TRUE(writer.create("/n", ""));

    std::mutex mu;
    std::condition_variable cv;
    bool entered = false;
    bool release = false;
    std::atomic<bool> finished{false};
    ASSERT_TRUE(watched->get("/n", [&](const watch_event&) {
        std::unique_lock lock(mu);
        entered = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
        finished = true;
    }));
    std::thread setter([&] { ASSERT_TRUE(writer.set("/n", "x")); });
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return entered; }));
    }
    std::atomic<bool> finished_when_close_returned{false};
    std::atomic<bool> close_returned{false};
    std::thread closer([&] {
        watched->close();
        finished_when_close_returned = finished.load();
        close_returned = true;
    });
    // The watcher is released only once close() has begun (the session refuses calls), so a
    // close() that did not wait would return while the watcher still runs: the test is not
    // decided by which thread the scheduler happens to run first.
    EXPECT_TRUE(wait_until(
        [&] {
            auto r = watched->get("/n");
            return !r && r.error() == errc::session_expired;
        },
        10s));
    EXPECT_FALSE(finished.load());
    {
        std::scoped_lock lock(mu);
        release = true;
    }
    cv.notify_all();
    closer.join();
    setter.join();
    EXPECT_TRUE(close_returned.load());
    EXPECT_TRUE(finished_when_close_returned.load())
        << "close() returned while a watcher of its session was still running";
}

TEST(memory_cluster_state_test, a_throwing_watcher_does_not_break_the_store) {
    memory_cluster_state s;
    ASSERT_TRUE(s.create("/n", ""));
    ASSERT_TRUE(s.get("/n", [](const watch_event&) { throw std::runtime_error("boom"); }));
    auto r = s.set("/n", "x");
    ASSERT_TRUE(r);
    EXPECT_EQ(s.get("/n")->data, "x");
}

TEST(memory_cluster_state_test, sequence_numbers_follow_the_parents_child_version) {
    memory_cluster_state s;
    ASSERT_TRUE(s.create("/p", ""));
    ASSERT_TRUE(s.create("/p/plain", ""));
    auto r = s.create("/p/seq-", "", create_mode::persistent_sequential);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, "/p/seq-0000000001");
}

TEST(errc_test, errors_have_our_category_and_messages) {
    std::error_code ec = errc::no_node;
    EXPECT_EQ(ec.category().name(), std::string("tempest.common"));
    EXPECT_EQ(ec.message(), "no such node");
    EXPECT_TRUE(ec == errc::no_node);
    EXPECT_FALSE(ec == errc::node_exists);
    result<int> r = errc::bad_version;
    EXPECT_FALSE(r);
    EXPECT_THROW((void)r.value(), std::system_error);
}

}  // namespace
}  // namespace tempest::common
