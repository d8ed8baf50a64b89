// SPDX-License-Identifier: Apache-2.0
// versioned_node and large reads against every cluster_state backend (part of the contract suite:
// the memory backend in common_test, ZooKeeper in zk_cluster_state_test).
#include "cluster_state_contract.h"
#include "tempest/common/versioned_node.h"
#include "tempest/test_support/wait_until.h"

#include <atomic>
#include <chrono>
#include <string>

namespace tempest::common::contract {
namespace {

using namespace std::chrono_literals;

// Forwards to a session and counts the data reads (get) and stat reads (exists) made through it.
class counting_state final : public cluster_state {
  public:
    explicit counting_state(cluster_state& inner) : _inner(inner) {}
    result<std::string> create(std::string_view p, std::string_view d, create_mode m) override {
        return _inner.create(p, d, m);
    }
    result<node_data> get(std::string_view p, watcher w) override {
        ++gets;
        return _inner.get(p, std::move(w));
    }
    result<node_stat> set(std::string_view p, std::string_view d, std::int32_t v) override {
        return _inner.set(p, d, v);
    }
    result<std::optional<node_stat>> exists(std::string_view p, watcher w) override {
        ++stats;
        return _inner.exists(p, std::move(w));
    }
    result<std::vector<std::string>> children(std::string_view p, watcher w) override {
        return _inner.children(p, std::move(w));
    }
    result<void> remove(std::string_view p, std::int32_t v) override { return _inner.remove(p, v); }
    std::int64_t session_id() const override { return _inner.session_id(); }
    void close() override { _inner.close(); }

    int gets = 0;
    int stats = 0;

  private:
    cluster_state& _inner;
};

TEST_P(cluster_state_contract, data_larger_than_the_first_read_buffer_is_read_whole) {
    // 16 KiB is the ZooKeeper backend's first read size; cross it growing and shrinking.
    const std::string big(100 * 1024, 'b');
    const std::string bigger(300 * 1024, 'c');
    ASSERT_TRUE(state->create(path("/big"), big));
    for (int i = 0; i < 2; ++i) {
        auto got = state->get(path("/big"));
        ASSERT_TRUE(got);
        EXPECT_EQ(got->data, big);
        EXPECT_EQ(got->stat.data_length, static_cast<std::int32_t>(big.size()));
    }
    ASSERT_TRUE(state->set(path("/big"), bigger));
    EXPECT_EQ(state->get(path("/big"))->data, bigger);
    ASSERT_TRUE(state->set(path("/big"), "small"));
    EXPECT_EQ(state->get(path("/big"))->data, "small");
    ASSERT_TRUE(state->set(path("/big"), big));
    EXPECT_EQ(state->get(path("/big"))->data, big);
}

TEST_P(cluster_state_contract, a_versioned_node_reads_data_only_when_it_changed) {
    ASSERT_TRUE(state->create(path("/rec"), std::string(40 * 1024, 'a')));
    counting_state counted(*state);
    versioned_node node(path("/rec"));

    auto first = node.refresh(counted);
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_TRUE(*first);
    ASSERT_TRUE(node.current());
    EXPECT_EQ(node.current()->data, std::string(40 * 1024, 'a'));
    EXPECT_EQ(counted.gets, 1);

    // Unchanged: ten polls, ten stats, no data read.
    for (int i = 0; i < 10; ++i) {
        auto again = node.refresh(counted);
        ASSERT_TRUE(again);
        EXPECT_FALSE(*again);
    }
    EXPECT_EQ(counted.gets, 1);
    EXPECT_EQ(counted.stats, 11);
    EXPECT_EQ(node.data_reads(), 1u);

    // A change (from another session, as Nimbus writes) is seen at the next poll.
    auto writer = connect();
    ASSERT_TRUE(writer->set(path("/rec"), "changed"));
    auto changed = node.refresh(counted);
    ASSERT_TRUE(changed);
    EXPECT_TRUE(*changed);
    EXPECT_EQ(node.current()->data, "changed");
    EXPECT_EQ(node.current()->stat.version, 1);
    EXPECT_EQ(counted.gets, 2);
    EXPECT_FALSE(*node.refresh(counted));
    EXPECT_EQ(counted.gets, 2);

    // Gone: no_node and no copy; created again (version 0 again): read as changed.
    ASSERT_TRUE(writer->remove(path("/rec")));
    EXPECT_EQ(node.refresh(counted).error(), errc::no_node);
    EXPECT_FALSE(node.current());
    ASSERT_TRUE(writer->create(path("/rec"), "new"));
    auto recreated = node.refresh(counted);
    ASSERT_TRUE(recreated);
    EXPECT_TRUE(*recreated);
    EXPECT_EQ(node.current()->data, "new");
}

TEST_P(cluster_state_contract, a_versioned_node_leaves_its_watch_on_every_poll) {
    ASSERT_TRUE(state->create(path("/w"), "0"));
    versioned_node node(path("/w"));
    std::atomic<int> fired{0};
    auto count = [&fired](const watch_event&) { ++fired; };
    ASSERT_TRUE(node.refresh(*state, count));
    auto writer = connect();
    ASSERT_TRUE(writer->set(path("/w"), "1"));
    ASSERT_TRUE(test_support::wait_until([&] { return fired.load() == 1; }, 10s));
    // Re-armed by the unchanged-or-not poll that follows.
    EXPECT_TRUE(*node.refresh(*state, count));
    ASSERT_TRUE(writer->set(path("/w"), "2"));
    ASSERT_TRUE(test_support::wait_until([&] { return fired.load() == 2; }, 10s));
}

}  // namespace
}  // namespace tempest::common::contract
