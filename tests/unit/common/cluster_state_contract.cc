// SPDX-License-Identifier: Apache-2.0
#include "cluster_state_contract.h"

#include "tempest/test_support/wait_until.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace tempest::common::contract {
namespace {

using namespace std::chrono_literals;
using test_support::wait_until;

constexpr auto deadline = 10s;

// Records the watch events delivered to the watchers it makes. The watchers share its state, so
// they stay safe to call after the log itself is gone.
class event_log {
  public:
    watcher make() {
        return [s = _s](const watch_event& e) {
            std::scoped_lock lock(s->mu);
            s->events.push_back(e);
        };
    }
    std::size_t size() const {
        std::scoped_lock lock(_s->mu);
        return _s->events.size();
    }
    bool wait_for(std::size_t n) const {
        return wait_until([&] { return size() >= n; }, deadline);
    }
    std::vector<watch_event> events() const {
        std::scoped_lock lock(_s->mu);
        return _s->events;
    }

  private:
    struct shared {
        mutable std::mutex mu;  // guards events
        std::vector<watch_event> events;
    };
    std::shared_ptr<shared> _s = std::make_shared<shared>();
};

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

TEST_P(cluster_state_contract, create_then_get_returns_data_and_a_fresh_stat) {
    auto created = state->create(path("/a"), "hello");
    ASSERT_TRUE(created) << created.error().message();
    EXPECT_EQ(*created, path("/a"));
    auto got = state->get(path("/a"));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->data, "hello");
    EXPECT_EQ(got->stat.version, 0);
    EXPECT_EQ(got->stat.data_length, 5);
    EXPECT_EQ(got->stat.num_children, 0);
    EXPECT_EQ(got->stat.ephemeral_owner, 0);
}

TEST_P(cluster_state_contract, data_is_a_byte_string) {
    std::string bytes("a\0b\xff", 4);
    ASSERT_TRUE(state->create(path("/bin"), bytes));
    EXPECT_EQ(state->get(path("/bin"))->data, bytes);
}

TEST_P(cluster_state_contract, create_fails_when_node_exists_or_parent_is_missing) {
    ASSERT_TRUE(state->create(path("/a"), ""));
    EXPECT_EQ(state->create(path("/a"), "").error(), errc::node_exists);
    EXPECT_EQ(state->create(path("/missing/child"), "").error(), errc::no_node);
}

TEST_P(cluster_state_contract, malformed_paths_are_rejected) {
    for (std::string bad : {"", "a", "a/b", "/a/", "/a//b", "/a/./b", "/a/../b"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(state->create(bad, "").error(), errc::invalid_path);
        EXPECT_EQ(state->get(bad).error(), errc::invalid_path);
        EXPECT_EQ(state->set(bad, "").error(), errc::invalid_path);
        EXPECT_EQ(state->exists(bad).error(), errc::invalid_path);
        EXPECT_EQ(state->children(bad).error(), errc::invalid_path);
        EXPECT_EQ(state->remove(bad).error(), errc::invalid_path);
    }
}

TEST_P(cluster_state_contract, missing_nodes_report_no_node) {
    EXPECT_EQ(state->get(path("/nope")).error(), errc::no_node);
    EXPECT_EQ(state->set(path("/nope"), "x").error(), errc::no_node);
    EXPECT_EQ(state->children(path("/nope")).error(), errc::no_node);
    EXPECT_EQ(state->remove(path("/nope")).error(), errc::no_node);
    auto e = state->exists(path("/nope"));
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->has_value());
}

TEST_P(cluster_state_contract, set_bumps_the_version_and_honours_the_expected_one) {
    ASSERT_TRUE(state->create(path("/v"), "0"));
    auto s1 = state->set(path("/v"), "one");
    ASSERT_TRUE(s1);
    EXPECT_EQ(s1->version, 1);
    EXPECT_EQ(s1->data_length, 3);
    EXPECT_EQ(state->set(path("/v"), "stale", 0).error(), errc::bad_version);
    auto s2 = state->set(path("/v"), "two", 1);
    ASSERT_TRUE(s2);
    EXPECT_EQ(s2->version, 2);
    auto got = state->get(path("/v"));
    EXPECT_EQ(got->data, "two");
    EXPECT_EQ(got->stat, *s2);
}

TEST_P(cluster_state_contract, exists_returns_the_stat_of_a_node) {
    ASSERT_TRUE(state->create(path("/e"), "abc"));
    ASSERT_TRUE(state->set(path("/e"), "abcd"));
    auto e = state->exists(path("/e"));
    ASSERT_TRUE(e);
    ASSERT_TRUE(e->has_value());
    EXPECT_EQ((*e)->version, 1);
    EXPECT_EQ((*e)->data_length, 4);
}

TEST_P(cluster_state_contract, children_lists_names_and_the_parent_counts_them) {
    ASSERT_TRUE(state->create(path("/p"), ""));
    EXPECT_TRUE(state->children(path("/p"))->empty());
    ASSERT_TRUE(state->create(path("/p/b"), ""));
    ASSERT_TRUE(state->create(path("/p/a"), ""));
    ASSERT_TRUE(state->create(path("/p/a/deeper"), ""));
    EXPECT_EQ(sorted(*state->children(path("/p"))), (std::vector<std::string>{"a", "b"}));
    auto stat = state->exists(path("/p"));
    EXPECT_EQ((*stat)->num_children, 2);
    EXPECT_EQ((*stat)->cversion, 2);
}

TEST_P(cluster_state_contract, remove_checks_children_and_version) {
    ASSERT_TRUE(state->create(path("/r"), ""));
    ASSERT_TRUE(state->create(path("/r/c"), ""));
    EXPECT_EQ(state->remove(path("/r")).error(), errc::not_empty);
    ASSERT_TRUE(state->set(path("/r/c"), "x"));
    EXPECT_EQ(state->remove(path("/r/c"), 0).error(), errc::bad_version);
    EXPECT_TRUE(state->remove(path("/r/c"), 1));
    EXPECT_TRUE(state->remove(path("/r")));
    EXPECT_FALSE(state->exists(path("/r"))->has_value());
}

TEST_P(cluster_state_contract, sequential_nodes_get_increasing_ten_digit_suffixes) {
    ASSERT_TRUE(state->create(path("/q"), ""));
    std::vector<std::string> names;
    for (int i = 0; i < 3; ++i) {
        auto r = state->create(path("/q/item-"), "", create_mode::persistent_sequential);
        ASSERT_TRUE(r);
        names.push_back(*r);
    }
    for (const auto& n : names) {
        ASSERT_EQ(n.size(), path("/q/item-").size() + 10) << n;
        EXPECT_EQ(n.substr(0, path("/q/item-").size()), path("/q/item-"));
        EXPECT_TRUE(std::all_of(n.end() - 10, n.end(), [](char c) { return c >= '0' && c <= '9'; }))
            << n;
    }
    EXPECT_LT(names[0], names[1]);
    EXPECT_LT(names[1], names[2]);
    EXPECT_EQ(state->children(path("/q"))->size(), 3u);
}

TEST_P(cluster_state_contract, ephemeral_nodes_vanish_when_their_session_closes) {
    ASSERT_TRUE(state->create(path("/live"), ""));
    auto other = connect();
    ASSERT_NE(other->session_id(), state->session_id());
    auto created = other->create(path("/live/sup-1"), "info", create_mode::ephemeral);
    ASSERT_TRUE(created);
    auto seq = other->create(path("/live/n-"), "", create_mode::ephemeral_sequential);
    ASSERT_TRUE(seq);
    auto stat = state->exists(path("/live/sup-1"));
    ASSERT_TRUE(stat->has_value());
    EXPECT_EQ((*stat)->ephemeral_owner, other->session_id());
    EXPECT_EQ(state->children(path("/live"))->size(), 2u);

    other->close();
    EXPECT_TRUE(wait_until([&] { return state->children(path("/live"))->empty(); }, deadline));
    EXPECT_EQ(other->get(path("/live")).error(), errc::session_expired);
    EXPECT_EQ(other->create(path("/live/x"), "").error(), errc::session_expired);
}

TEST_P(cluster_state_contract, ephemeral_nodes_cannot_have_children) {
    ASSERT_TRUE(state->create(path("/eph"), "", create_mode::ephemeral));
    EXPECT_EQ(state->create(path("/eph/child"), "").error(), errc::no_children_for_ephemerals);
}

TEST_P(cluster_state_contract, a_data_watch_fires_once_on_change) {
    ASSERT_TRUE(state->create(path("/w"), "0"));
    ASSERT_TRUE(state->create(path("/sentinel"), ""));
    event_log log;
    ASSERT_TRUE(state->get(path("/w"), log.make()));
    ASSERT_TRUE(state->set(path("/w"), "1"));
    ASSERT_TRUE(log.wait_for(1));
    EXPECT_EQ(log.events()[0].type, watch_event_type::data_changed);
    EXPECT_EQ(log.events()[0].path, path("/w"));

    // One-shot: a second change does not fire it again. Events reach a session in order, so
    // once a later watch has fired the first one would have fired too.
    ASSERT_TRUE(state->set(path("/w"), "2"));
    event_log sentinel;
    ASSERT_TRUE(state->get(path("/sentinel"), sentinel.make()));
    ASSERT_TRUE(state->set(path("/sentinel"), "x"));
    ASSERT_TRUE(sentinel.wait_for(1));
    EXPECT_EQ(log.size(), 1u);
}

TEST_P(cluster_state_contract, an_exists_watch_fires_when_the_node_is_created) {
    event_log log;
    auto e = state->exists(path("/later"), log.make());
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->has_value());
    auto other = connect();
    ASSERT_TRUE(other->create(path("/later"), ""));
    ASSERT_TRUE(log.wait_for(1));
    EXPECT_EQ(log.events()[0].type, watch_event_type::created);
    EXPECT_EQ(log.events()[0].path, path("/later"));
}

TEST_P(cluster_state_contract, a_data_watch_fires_when_the_node_is_removed) {
    ASSERT_TRUE(state->create(path("/gone"), ""));
    event_log log;
    ASSERT_TRUE(state->get(path("/gone"), log.make()));
    ASSERT_TRUE(state->remove(path("/gone")));
    ASSERT_TRUE(log.wait_for(1));
    EXPECT_EQ(log.events()[0].type, watch_event_type::deleted);
}

TEST_P(cluster_state_contract, a_child_watch_fires_on_create_and_on_remove) {
    ASSERT_TRUE(state->create(path("/kids"), ""));
    event_log added;
    ASSERT_TRUE(state->children(path("/kids"), added.make()));
    auto other = connect();
    ASSERT_TRUE(other->create(path("/kids/a"), ""));
    ASSERT_TRUE(added.wait_for(1));
    EXPECT_EQ(added.events()[0].type, watch_event_type::children_changed);
    EXPECT_EQ(added.events()[0].path, path("/kids"));

    event_log removed;
    ASSERT_TRUE(state->children(path("/kids"), removed.make()));
    ASSERT_TRUE(other->remove(path("/kids/a")));
    ASSERT_TRUE(removed.wait_for(1));
    EXPECT_EQ(removed.events()[0].type, watch_event_type::children_changed);
}

TEST_P(cluster_state_contract, a_child_watch_does_not_fire_on_a_childs_data_change) {
    ASSERT_TRUE(state->create(path("/kids"), ""));
    ASSERT_TRUE(state->create(path("/kids/a"), ""));
    ASSERT_TRUE(state->create(path("/sentinel"), ""));
    event_log log;
    ASSERT_TRUE(state->children(path("/kids"), log.make()));
    ASSERT_TRUE(state->set(path("/kids/a"), "changed"));
    event_log sentinel;
    ASSERT_TRUE(state->get(path("/sentinel"), sentinel.make()));
    ASSERT_TRUE(state->set(path("/sentinel"), "x"));
    ASSERT_TRUE(sentinel.wait_for(1));
    EXPECT_EQ(log.size(), 0u);
}

TEST_P(cluster_state_contract, closing_a_session_fires_watches_on_its_ephemerals) {
    ASSERT_TRUE(state->create(path("/sups"), ""));
    auto sup = connect();
    ASSERT_TRUE(sup->create(path("/sups/s1"), "", create_mode::ephemeral));
    event_log node;
    event_log kids;
    ASSERT_TRUE(state->get(path("/sups/s1"), node.make()));
    ASSERT_TRUE(state->children(path("/sups"), kids.make()));
    sup->close();
    ASSERT_TRUE(node.wait_for(1));
    ASSERT_TRUE(kids.wait_for(1));
    EXPECT_EQ(node.events()[0].type, watch_event_type::deleted);
    EXPECT_EQ(kids.events()[0].type, watch_event_type::children_changed);
}

TEST_P(cluster_state_contract, a_watcher_may_call_back_into_the_state) {
    ASSERT_TRUE(state->create(path("/re"), "0"));
    std::atomic<int> seen{0};
    std::atomic<bool> reread_ok{false};
    cluster_state* s = state.get();
    std::string p = path("/re");
    ASSERT_TRUE(state->get(p, [&, s, p](const watch_event&) {
        // Reads inside the callback, as code that re-arms its watch does.
        reread_ok = s->get(p).has_value();
        seen++;
    }));
    ASSERT_TRUE(state->set(p, "1"));
    ASSERT_TRUE(wait_until([&] { return seen.load() == 1; }, deadline));
    EXPECT_TRUE(reread_ok.load());
}

TEST_P(cluster_state_contract, closed_sessions_drop_their_watches) {
    ASSERT_TRUE(state->create(path("/x"), ""));
    ASSERT_TRUE(state->create(path("/sentinel"), ""));
    auto other = connect();
    event_log log;
    ASSERT_TRUE(other->get(path("/x"), log.make()));
    other->close();
    ASSERT_TRUE(state->set(path("/x"), "changed"));
    event_log sentinel;
    ASSERT_TRUE(state->get(path("/sentinel"), sentinel.make()));
    ASSERT_TRUE(state->set(path("/sentinel"), "x"));
    ASSERT_TRUE(sentinel.wait_for(1));
    EXPECT_EQ(log.size(), 0u);
}

TEST_P(cluster_state_contract, ensure_path_creates_missing_ancestors_and_is_idempotent) {
    ASSERT_TRUE(ensure_path(*state, path("/d1/d2/d3")));
    EXPECT_TRUE(state->exists(path("/d1/d2/d3"))->has_value());
    ASSERT_TRUE(ensure_path(*state, path("/d1/d2/d3")));
    ASSERT_TRUE(ensure_path(*state, path("/d1/other")));
    EXPECT_EQ(sorted(*state->children(path("/d1"))), (std::vector<std::string>{"d2", "other"}));
    EXPECT_EQ(ensure_path(*state, "relative/path").error(), errc::invalid_path);
}

TEST_P(cluster_state_contract, remove_recursive_removes_a_whole_tree) {
    ASSERT_TRUE(ensure_path(*state, path("/t/a/b")));
    ASSERT_TRUE(ensure_path(*state, path("/t/c")));
    ASSERT_TRUE(state->create(path("/keep"), ""));
    ASSERT_TRUE(remove_recursive(*state, path("/t")));
    EXPECT_FALSE(state->exists(path("/t"))->has_value());
    EXPECT_TRUE(state->exists(path("/keep"))->has_value());
    EXPECT_TRUE(remove_recursive(*state, path("/t")));  // already gone: fine
    EXPECT_EQ(remove_recursive(*state, "/").error(), errc::invalid_path);
}

TEST_P(cluster_state_contract, concurrent_sequential_creates_get_distinct_names) {
    ASSERT_TRUE(state->create(path("/race"), ""));
    constexpr int threads = 4;
    constexpr int per_thread = 25;
    std::vector<std::unique_ptr<cluster_state>> sessions;
    for (int i = 0; i < threads; ++i) {
        sessions.push_back(connect());
    }
    std::mutex mu;
    std::set<std::string> names;
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
        workers.emplace_back([&, i] {
            for (int j = 0; j < per_thread; ++j) {
                auto r =
                    sessions[i]->create(path("/race/n-"), "", create_mode::persistent_sequential);
                if (!r) {
                    failures++;
                    continue;
                }
                std::scoped_lock lock(mu);
                names.insert(*r);
            }
        });
    }
    for (auto& t : workers) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(names.size(), static_cast<std::size_t>(threads * per_thread));
    EXPECT_EQ(state->children(path("/race"))->size(),
              static_cast<std::size_t>(threads * per_thread));
}

}  // namespace
}  // namespace tempest::common::contract
