// SPDX-License-Identifier: Apache-2.0
// topology_store over the in-memory cluster state: validation in Storm's order, what a stored
// topology leaves on disk and in storms/, undoing a submission, removal, and the task layout
// sized by the record.
#include "nimbus_error.h"
#include "nimbus_fixture.h"
#include "tempest/common/file_util.h"
#include "tempest/common/stormdist.h"

#include <gtest/gtest.h>

namespace tempest::nimbus {
namespace {

using testing::nimbus_part_test;
using testing::word_count;
namespace sd = common::stormdist;
namespace fs = std::filesystem;

using topology_store_test = nimbus_part_test;

error_kind kind_of(const std::function<void()>& fn, std::string* message = nullptr) {
    try {
        fn();
    } catch (const nimbus_error& e) {
        if (message != nullptr) {
            *message = e.what();
        }
        return e.kind();
    }
    ADD_FAILURE() << "no nimbus_error";
    return error_kind::bad_request;
}

TEST_F(topology_store_test, validate_fixes_the_name_and_the_acker_count_in_the_conf) {
    auto v = store.validate("wc", R"({"topology.workers": 3})", word_count(), "");
    EXPECT_EQ(v.num_workers, 3);
    EXPECT_EQ(v.conf.get_string(config::topology_name, ""), "wc");
    // topology.acker.executors: null means one per worker.
    EXPECT_EQ(v.conf.get_int(config::topology_acker_executors, -1), 3);
}

TEST_F(topology_store_test, validate_refuses_in_storms_order) {
    std::string msg;
    EXPECT_EQ(kind_of([&] { (void)store.validate("a.b", "{}", word_count(), ""); }, &msg),
              error_kind::invalid_topology);
    EXPECT_NE(msg.find("must not contain"), std::string::npos) << msg;

    store_topology("wc");
    // An alive name wins over a bad conf and a bad topology.
    EXPECT_EQ(kind_of([&] { (void)store.validate("wc", "not json", std::nullopt, "bad"); }),
              error_kind::already_alive);
    // A bad conf wins over a bad topology.
    EXPECT_EQ(kind_of([&] { (void)store.validate("x", "not json", std::nullopt, "bad"); }, &msg),
              error_kind::invalid_topology);
    EXPECT_EQ(msg.find("bad"), std::string::npos) << msg;
    // The conversion's complaint, naming the topology.
    EXPECT_EQ(kind_of([&] { (void)store.validate("x", "{}", std::nullopt, "shell bolt"); }, &msg),
              error_kind::invalid_topology);
    EXPECT_NE(msg.find("topology 'x': shell bolt"), std::string::npos) << msg;
    EXPECT_EQ(
        kind_of([&] { (void)store.validate("x", R"({"topology.workers": 0})", word_count(), ""); },
                &msg),
        error_kind::invalid_topology);
    EXPECT_NE(msg.find("config key 'topology.workers' in topology 'x': got 0, expected an "
                       "integer >= 1"),
              std::string::npos)
        << msg;
    // A wrong type names the key, the value and the type expected; the user's own keys pass.
    EXPECT_EQ(kind_of(
                  [&] {
                      (void)store.validate("x",
                                           R"({"my.own.key": [1, "a"], "topology.debug": "yes"})",
                                           word_count(), "");
                  },
                  &msg),
              error_kind::invalid_topology);
    EXPECT_NE(msg.find("config key 'topology.debug' in topology 'x': got \"yes\" (a string), "
                       "expected a boolean (true or false)"),
              std::string::npos)
        << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST_F(topology_store_test, create_stores_code_and_record_and_moves_the_package) {
    auto package = put_package("the package");
    auto v = store.validate("wc", R"({"topology.workers": 2})", word_count(), "");
    auto code = thrift::to_binary(thrift::to_thrift(word_count()));
    auto id = store.create(v, code, package, "abc", topology_status::inactive, unix_now);

    EXPECT_EQ(id, "wc-1-" + std::to_string(unix_now));
    auto dir = sd::topology_dir(stormdist(), id);
    EXPECT_FALSE(fs::exists(package));
    EXPECT_EQ(common::read_file(dir / sd::package_file), "the package");
    EXPECT_EQ(common::read_file(dir / sd::checksum_file), "abc\n");
    EXPECT_EQ(common::read_file(dir / sd::code_file), code);
    auto base = store.read(id);
    ASSERT_TRUE(base);
    EXPECT_EQ(base->name, "wc");
    EXPECT_EQ(base->status, topology_status::inactive);
    EXPECT_EQ(base->num_workers, 2);
    EXPECT_EQ(base->launch_time_secs, unix_now);
    EXPECT_EQ(base->component_executors, (std::map<std::string, int>{{"count", 2}, {"words", 2}}));
    EXPECT_EQ(store.load(id)->topo, word_count());
    EXPECT_EQ(store.load(id)->conf.get_string(config::topology_name, ""), "wc");
    EXPECT_EQ(store.find_alive("wc").first, id);
}

TEST_F(topology_store_test, discard_puts_the_package_back_and_leaves_nothing) {
    auto package = put_package("p");
    auto v = store.validate("wc", "{}", word_count(), "");
    auto id = store.create(v, thrift::to_binary(thrift::to_thrift(word_count())), package, "c",
                           topology_status::active, unix_now);
    store.discard(id, package);
    EXPECT_TRUE(fs::is_regular_file(package));
    EXPECT_TRUE(fs::is_empty(stormdist()));
    EXPECT_TRUE(children(paths.storms()).empty());
    EXPECT_EQ(kind_of([&] { (void)store.find_alive("wc"); }), error_kind::not_alive);
}

TEST_F(topology_store_test, remove_deletes_records_heartbeats_errors_and_code) {
    auto id = store_topology("wc");
    ASSERT_TRUE(state.create(paths.assignment(id), "x"));
    beat_worker(id, "sup-a", 6700);
    ASSERT_TRUE(common::ensure_path(state, paths.errors(id) + "/count"));
    store.remove(id);
    EXPECT_FALSE(state.get(paths.storm(id)));
    EXPECT_FALSE(state.get(paths.assignment(id)));
    EXPECT_FALSE(state.get(paths.workerbeats(id)));
    EXPECT_FALSE(state.get(paths.errors(id)));
    EXPECT_FALSE(fs::exists(stormdist() / id));
    EXPECT_FALSE(store.find_by_name("wc"));
}

TEST_F(topology_store_test, layout_follows_the_records_executor_counts_and_workers) {
    auto id = store_topology("wc", R"({"topology.workers": 2})");
    auto base = *store.read(id);
    // 2 + 2 user executors and one acker per worker.
    EXPECT_EQ(store.executors(id, base).size(), 6U);
    base.component_executors["count"] = 4;
    EXPECT_EQ(store.executors(id, base).size(), 8U);
    // The acker count was fixed at submission: more workers do not add ackers.
    base.num_workers = 3;
    EXPECT_EQ(store.executors(id, base).size(), 8U);
}

TEST_F(topology_store_test, default_wait_is_the_topologys_message_timeout) {
    auto id = store_topology("wc", R"({"topology.message.timeout.secs": 7})");
    EXPECT_EQ(store.default_wait_secs(id), 7);
    // Unreadable code: the daemon's default (conf/defaults.yaml).
    EXPECT_EQ(store.default_wait_secs("nope-1-1"),
              common::default_config().get_int(config::topology_message_timeout_secs, -1));
}

TEST_F(topology_store_test, records_written_are_read_back_the_same) {
    auto id = store_topology("wc");
    storm_base base = *store.read(id);
    base.status = topology_status::rebalancing;
    base.prev_status = topology_status::inactive;
    base.rebalance = rebalance_options{5, 2, std::map<std::string, int>{{"count", 1}}};
    store.write(id, base);
    EXPECT_EQ(store.read(id), base);
    base.rebalance.reset();
    base.kill = common::kill_options{9};
    store.write(id, base);
    EXPECT_EQ(store.read(id), base);
    // An unreadable record is left out, not fatal.
    ASSERT_TRUE(state.set(paths.storm(id), "garbage"));
    EXPECT_FALSE(store.read(id));
    EXPECT_TRUE(store.read_all().empty());
}

TEST_F(topology_store_test, assignment_records_convert_to_the_schedulers_view_and_back) {
    assignment a;
    a.executor_slot[{1, 2}] = {"sup-a", 6700};
    a.node_host["sup-a"] = "a.example";
    a.start_time_secs[{1, 2}] = 42;
    auto r = to_record(a, "/code");
    EXPECT_EQ(r.code_dir, "/code");
    EXPECT_EQ(r.executor_node_port.at({1, 2}), (common::node_port{"sup-a", 6700}));
    EXPECT_EQ(to_schedule(r), a);
}

}  // namespace
}  // namespace tempest::nimbus
