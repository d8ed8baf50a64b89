// SPDX-License-Identifier: Apache-2.0
// A kill pending when the leader goes is carried out by the next leader. Two nimbus_service
// objects share one in-memory store (two sessions, as two Nimbus hosts on one ZooKeeper), each
// with its own local dir; a switchable leader check says which one leads. The leader takes a
// kill with a wait and goes before the wait ends; the standby, running its background thread,
// becomes leader, resumes the kill from the record and removes the topology: its record, its
// assignment, its heartbeats and its code. And a leader that loses the lead while it waits for
// a kill leaves the kill alone.
#include "nimbus_error.h"
#include "nimbus_fixture.h"
#include "nimbus_service.h"
#include "tempest/common/memory_cluster_state.h"
#include "tempest/test_support/wait_until.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace tempest::nimbus {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using common::memory_cluster_state;
using testing::temp_dir;

class kill_takeover_test : public ::testing::Test {
  protected:
    kill_takeover_test() {
        conf.set("nimbus.package.check", false);  // the package here is not a shared library
        conf.set("nimbus.monitor.freq.secs", 1);
    }

    std::unique_ptr<nimbus_service> make(memory_cluster_state& session, const fs::path& dir) {
        return std::make_unique<nimbus_service>(session, conf, dir, paths);
    }

    std::string submit(nimbus_service& leader, const std::string& name) {
        auto location = leader.begin_upload();
        leader.files().upload_chunk(location, "package bytes");
        leader.files().finish_upload(location);
        nimbus_service::submission s;
        s.name = name;
        s.uploaded_location = location;
        s.conf_json = R"({"topology.workers": 1})";
        s.topology = testing::word_count();
        s.code = thrift::to_binary(thrift::to_thrift(testing::word_count()));
        return leader.submit(s);
    }

    void add_supervisor(memory_cluster_state& session) {
        thrift::records::SupervisorRecord s;
        s.supervisor_id = "sup-a";
        s.hostname = "sup-a.example";
        s.ports = {6700, 6701};
        s.version = "test";
        ASSERT_TRUE(session.create(paths.supervisor("sup-a"), thrift::to_binary(s)));
    }

    config conf = common::default_config();
    common::zk_paths paths{"/tempest"};
    std::shared_ptr<memory_cluster_state::store> zk = memory_cluster_state::make_store();
    temp_dir dir_a;
    temp_dir dir_b;
};

TEST_F(kill_takeover_test, the_next_leader_carries_out_a_kill_pending_when_the_leader_went) {
    memory_cluster_state session_a(zk);
    memory_cluster_state session_b(zk);
    std::atomic<bool> b_leads = false;
    auto a = make(session_a, dir_a.path);
    auto b = make(session_b, dir_b.path);
    a->set_leader_check([] { return std::optional<leader_address>(); });
    // No host: the standby does not try to fetch code from the (unreachable) leader.
    b->set_leader_check([&b_leads] {
        return b_leads ? std::optional<leader_address>() : std::optional(leader_address{"", 0});
    });
    b->start();

    add_supervisor(session_a);
    auto id = submit(*a, "wc");
    auto keep = submit(*a, "other");
    ASSERT_TRUE(session_a.get(paths.assignment(id)));
    ASSERT_TRUE(common::ensure_path(session_a, paths.workerbeats(id) + "/sup-a-6700"));
    a->kill("wc", 1);
    ASSERT_EQ(a->pending_actions(), 1U);
    ASSERT_EQ(b->topology(id)->status, topology_status::killed);
    ASSERT_TRUE(b->topology(id)->kill);
    EXPECT_EQ(b->topology(id)->kill->wait_secs, 1);
    EXPECT_THROW(b->kill("other", 0), nimbus_error) << "a standby took a kill";

    // The leader goes before the wait ends (it never ran the kill); the standby takes over.
    a.reset();
    ASSERT_TRUE(session_b.get(paths.storm(id))) << "the old leader ran the kill after all";
    b_leads = true;
    EXPECT_TRUE(test_support::wait_until([&] { return !b->topology(id).has_value(); }, 20s))
        << "the new leader did not carry out the pending kill";
    EXPECT_FALSE(session_b.exists(paths.storm(id))->has_value());
    EXPECT_FALSE(session_b.exists(paths.assignment(id))->has_value());
    EXPECT_FALSE(session_b.exists(paths.workerbeats(id))->has_value());
    EXPECT_FALSE(fs::exists(dir_b.path / "nimbus" / "stormdist" / id));
    EXPECT_EQ(b->pending_actions(), 0U);
    EXPECT_TRUE(b->is_name_allowed("wc"));
    // The other topology stays, active and assigned.
    ASSERT_TRUE(b->topology(keep));
    EXPECT_EQ(b->topology(keep)->status, topology_status::active);
    EXPECT_TRUE(session_b.get(paths.assignment(keep)));
    b->stop();
}

// A leader whose lead goes while it waits for a kill's due time does not carry the kill out (the
// next leader owns it): its background thread asks again when it wakes for it.
TEST_F(kill_takeover_test, a_nimbus_that_lost_the_lead_during_the_wait_leaves_the_kill_alone) {
    conf.set("nimbus.monitor.freq.secs", 600);  // no monitor round wakes it before the kill
    memory_cluster_state session(zk);
    auto a = make(session, dir_a.path);
    std::atomic<bool> leads = true;
    std::atomic<int> checks = 0;
    a->set_leader_check([&] {
        bool now_leads = leads;  // read before counting: a counted check has its answer
        ++checks;
        return now_leads ? std::optional<leader_address>() : std::optional(leader_address{"", 0});
    });
    add_supervisor(session);
    auto id = submit(*a, "wc");
    auto killed_at = std::chrono::steady_clock::now();
    a->kill("wc", 2);
    const int before = checks;  // submit and kill asked too
    a->start();
    // Its first round finds it leading and the kill pending: it waits for the kill's due time.
    ASSERT_TRUE(test_support::wait_until([&] { return checks >= before + 1; }, 10s));
    leads = false;
    // Past the due time, it has woken for the kill and asked again (twice: when it woke, and at
    // the top of the next round).
    ASSERT_TRUE(test_support::wait_until(
        [&] { return std::chrono::steady_clock::now() > killed_at + 2s && checks >= before + 3; },
        20s));
    EXPECT_TRUE(session.get(paths.storm(id))) << "a Nimbus that no longer leads ran the kill";
    EXPECT_EQ(a->topology(id)->status, topology_status::killed);
    a->stop();
}

}  // namespace
}  // namespace tempest::nimbus
