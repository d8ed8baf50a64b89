// SPDX-License-Identifier: Apache-2.0
// zk_cluster_state against a real ZooKeeper server: the cluster_state contract suite (with and
// without a root prefix) and what only the ZooKeeper backend has: connection errors, the root
// prefix, large data, closing from a watcher, disconnection and session expiry; and the zk_server
// fixture itself.
//
// One server per test binary (zk_environment); every test works under a root path of its own.
#include "tempest/common/zk_cluster_state.h"

#include "cluster_state_contract.h"
#include "tempest/test_support/tcp_proxy.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace tempest::common {
namespace {

using namespace std::chrono_literals;
using test_support::wait_until;

constexpr auto deadline = 10s;

// The ZooKeeper server of this test binary, started before the first test.
test_support::zk_server* g_server = nullptr;

class zk_environment final : public ::testing::Environment {
  public:
    void SetUp() override {
        try {
            _server = std::make_unique<test_support::zk_server>();
            g_server = _server.get();
        } catch (const std::exception& e) {
            FAIL() << e.what();  // a fatal failure here skips every test
        }
    }
    void TearDown() override {
        g_server = nullptr;
        _server.reset();
    }

  private:
    std::unique_ptr<test_support::zk_server> _server;
};

// GoogleTest takes ownership of the environment.
[[maybe_unused]] auto* const registered_environment =
    ::testing::AddGlobalTestEnvironment(std::make_unique<zk_environment>().release());

test_support::zk_server& server() {
    return *g_server;
}

// A root path no other test (or run) uses: "/<what>-<pid>-<n>".
std::string unique_root(std::string_view what) {
    static std::atomic<int> counter{0};
    return "/" + std::string(what) + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(++counter);
}

zk_options options_for(std::string root) {
    zk_options o;
    o.servers = server().connect_string();
    o.root = std::move(root);
    o.session_timeout = 10s;
    o.connection_timeout = 10s;
    return o;
}

// A contract backend: one root path per test. With `prefixed`, the sessions have that path as
// their root (so the tests' paths start at "/"); without, the sessions see the whole tree and the
// tests work under the path.
class zk_backend final : public contract::backend {
  public:
    explicit zk_backend(bool prefixed) : _options(options_for("")) {
        std::string node = unique_root("contract");
        if (prefixed) {
            _options.root = node;  // created by the first session
        } else {
            _root = node;
            zk_cluster_state admin(_options);
            ensure_path(admin, node).value();
        }
    }
    std::unique_ptr<cluster_state> connect() override {
        return std::make_unique<zk_cluster_state>(_options);
    }
    std::string root() override { return _root; }

  private:
    zk_options _options;
    std::string _root;
};

}  // namespace

namespace contract {
INSTANTIATE_TEST_SUITE_P(
    zookeeper, cluster_state_contract,
    ::testing::Values(
        contract_backend{"zookeeper", [] { return std::make_unique<zk_backend>(false); }},
        contract_backend{"zookeeper_with_root", [] { return std::make_unique<zk_backend>(true); }}),
    contract_backend_name);
}  // namespace contract

namespace {

// Records what the callbacks it makes receive; the callbacks share its state, so they stay safe
// to call after the log itself is gone.
template <typename Event>
class recorder {
  public:
    std::function<void(const Event&)> make() {
        return [s = _s](const Event& e) {
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
    std::vector<Event> events() const {
        std::scoped_lock lock(_s->mu);
        return _s->events;
    }

  private:
    struct shared {
        mutable std::mutex mu;  // guards events
        std::vector<Event> events;
    };
    std::shared_ptr<shared> _s = std::make_shared<shared>();
};

using event_log = recorder<watch_event>;
using state_log = recorder<zk_session_state>;

TEST(zk_cluster_state_test, connecting_where_no_server_listens_fails_naming_the_servers) {
    int port = test_support::pick_free_port();  // nothing listens there
    zk_options o;
    o.servers = "127.0.0.1:" + std::to_string(port);
    o.connection_timeout = 500ms;
    auto start = std::chrono::steady_clock::now();
    try {
        zk_cluster_state s(o);
        FAIL() << "connected to " << o.servers;
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), errc::connection_lost);
        std::string what = e.what();
        EXPECT_NE(what.find("cannot connect to ZooKeeper at 127.0.0.1:" + std::to_string(port)),
                  std::string::npos)
            << what;
        EXPECT_NE(what.find("500 ms"), std::string::npos) << what;
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(zk_cluster_state_test, bad_options_are_rejected_naming_the_option) {
    auto message = [](const zk_options& o) -> std::string {
        try {
            zk_cluster_state s(o);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "(no error)";
    };
    zk_options no_servers = options_for("");
    no_servers.servers = "";
    EXPECT_NE(message(no_servers).find("servers"), std::string::npos) << message(no_servers);
    zk_options relative_root = options_for("tempest");
    EXPECT_NE(message(relative_root).find("root \"tempest\""), std::string::npos)
        << message(relative_root);
    zk_options zero_timeout = options_for("");
    zero_timeout.session_timeout = 0ms;
    EXPECT_NE(message(zero_timeout).find("timeouts must be positive"), std::string::npos)
        << message(zero_timeout);
}

TEST(zk_cluster_state_test, a_root_prefix_is_invisible_to_its_session) {
    std::string root = unique_root("prefix") + "/nested";
    zk_cluster_state scoped(options_for(root));
    zk_cluster_state whole(options_for(""));
    EXPECT_EQ(scoped.session_state(), zk_session_state::connected);

    ASSERT_TRUE(scoped.create("/a", "data"));
    EXPECT_EQ(whole.get(root + "/a")->data, "data");
    auto seq = scoped.create("/q-", "", create_mode::persistent_sequential);
    ASSERT_TRUE(seq);
    EXPECT_EQ(seq->substr(0, 3), "/q-");
    EXPECT_EQ(seq->size(), 13u) << *seq;
    EXPECT_TRUE(whole.exists(root + *seq)->has_value());

    auto kids = scoped.children("/");
    ASSERT_TRUE(kids);
    std::sort(kids->begin(), kids->end());
    EXPECT_EQ(*kids, (std::vector<std::string>{"a", seq->substr(1)}));

    event_log log;
    ASSERT_TRUE(scoped.get("/a", log.make()));
    ASSERT_TRUE(whole.set(root + "/a", "changed"));
    ASSERT_TRUE(log.wait_for(1));
    EXPECT_EQ(log.events()[0].path, "/a");
    EXPECT_EQ(log.events()[0].type, watch_event_type::data_changed);

    EXPECT_EQ(scoped.create("/", "").error(), errc::invalid_path);
    EXPECT_EQ(scoped.remove("/").error(), errc::invalid_path);
}

TEST(zk_cluster_state_test, data_larger_than_the_first_read_round_trips_and_watches_once) {
    zk_cluster_state s(options_for(unique_root("large")));
    zk_cluster_state other(s.options());
    std::string big(300 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>(i * 7 + 3);
    }
    ASSERT_TRUE(s.create("/big", big));
    ASSERT_TRUE(s.create("/sentinel", ""));
    event_log log;
    auto got = s.get("/big", log.make());
    ASSERT_TRUE(got);
    EXPECT_EQ(got->data, big);
    EXPECT_EQ(got->stat.data_length, static_cast<std::int32_t>(big.size()));

    ASSERT_TRUE(other.set("/big", "small"));
    ASSERT_TRUE(log.wait_for(1));
    ASSERT_TRUE(other.set("/big", "again"));
    event_log sentinel;
    ASSERT_TRUE(s.get("/sentinel", sentinel.make()));
    ASSERT_TRUE(other.set("/sentinel", "x"));
    ASSERT_TRUE(sentinel.wait_for(1));
    EXPECT_EQ(log.size(), 1u);
}

TEST(zk_cluster_state_test, a_session_may_close_itself_from_its_own_watcher) {
    zk_options o = options_for(unique_root("self-close"));
    zk_cluster_state observer(o);
    auto s = std::make_unique<zk_cluster_state>(o);
    ASSERT_TRUE(s->create("/n", ""));
    ASSERT_TRUE(s->create("/mine", "", create_mode::ephemeral));
    std::atomic<bool> closed{false};
    zk_cluster_state* raw = s.get();
    ASSERT_TRUE(s->get("/n", [&, raw](const watch_event&) {
        raw->close();  // on the C client's completion thread; must not wait for itself
        closed = true;
    }));
    ASSERT_TRUE(observer.set("/n", "x"));
    ASSERT_TRUE(wait_until([&] { return closed.load(); }, deadline));
    EXPECT_EQ(s->get("/n").error(), errc::session_expired);
    EXPECT_EQ(s->session_state(), zk_session_state::closed);
    EXPECT_TRUE(wait_until([&] { return !observer.exists("/mine")->has_value(); }, deadline));
    s.reset();
}

TEST(zk_cluster_state_test, close_waits_for_a_watcher_running_on_another_thread) {
    zk_options o = options_for(unique_root("close-waits"));
    zk_cluster_state writer(o);
    auto watched = std::make_unique<zk_cluster_state>(o);
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
    ASSERT_TRUE(writer.set("/n", "x"));
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, deadline, [&] { return entered; }));
    }
    std::atomic<bool> finished_when_close_returned{false};
    std::thread closer([&] {
        watched->close();
        finished_when_close_returned = finished.load();
    });
    // The watcher is released only once close() has begun (the session reports `closed`), so
    // a close() that did not wait would return while the watcher still runs.
    EXPECT_TRUE(
        wait_until([&] { return watched->session_state() == zk_session_state::closed; }, deadline));
    EXPECT_FALSE(finished.load());
    {
        std::scoped_lock lock(mu);
        release = true;
    }
    cv.notify_all();
    closer.join();
    EXPECT_TRUE(finished_when_close_returned.load())
        << "close() returned while a watcher of its session was still running";
}

TEST(zk_cluster_state_test, a_throwing_watcher_does_not_break_the_session) {
    zk_cluster_state s(options_for(unique_root("throwing")));
    ASSERT_TRUE(s.create("/n", ""));
    ASSERT_TRUE(s.get("/n", [](const watch_event&) { throw std::runtime_error("boom"); }));
    event_log after;
    ASSERT_TRUE(s.exists("/n", after.make()));
    ASSERT_TRUE(s.set("/n", "x"));
    ASSERT_TRUE(after.wait_for(1));  // delivered after the throwing one
    EXPECT_EQ(s.get("/n")->data, "x");
}

TEST(zk_cluster_state_test, a_session_survives_a_disconnection_shorter_than_its_timeout) {
    test_support::tcp_proxy proxy(server().port());
    zk_options direct = options_for(unique_root("blip"));
    zk_cluster_state writer(direct);
    state_log states;
    zk_options via = direct;
    via.servers = "127.0.0.1:" + std::to_string(proxy.port());
    via.session_timeout = 6s;
    via.on_session_state = states.make();
    zk_cluster_state s(via);
    ASSERT_TRUE(s.create("/mine", "", create_mode::ephemeral));
    ASSERT_TRUE(s.create("/n", ""));
    event_log log;
    ASSERT_TRUE(s.get("/n", log.make()));

    proxy.cut();
    ASSERT_TRUE(states.wait_for(1));
    EXPECT_EQ(states.events()[0], zk_session_state::connecting);
    EXPECT_EQ(s.get("/n").error(), errc::connection_lost);
    ASSERT_TRUE(writer.set("/n", "changed while away"));
    proxy.restore();

    ASSERT_TRUE(
        wait_until([&] { return s.session_state() == zk_session_state::connected; }, deadline));
    EXPECT_EQ(states.events().back(), zk_session_state::connected);
    // The watch survived: the change made while disconnected fires it on reconnection.
    ASSERT_TRUE(log.wait_for(1));
    EXPECT_EQ(log.events()[0].type, watch_event_type::data_changed);
    auto mine = writer.exists("/mine");
    ASSERT_TRUE(mine->has_value());
    EXPECT_EQ((*mine)->ephemeral_owner, s.session_id());
    EXPECT_EQ(s.get("/n")->data, "changed while away");
}

TEST(zk_cluster_state_test, an_expired_session_is_reported_and_a_new_session_sees_the_data) {
    // The client reaches the server through a proxy; cutting it silences the session while the
    // server keeps running, so the server expires the session after its timeout.
    test_support::tcp_proxy proxy(server().port());
    zk_options direct = options_for(unique_root("expiry"));
    zk_cluster_state observer(direct);
    state_log states;
    zk_options via = direct;
    via.servers = "127.0.0.1:" + std::to_string(proxy.port());
    via.session_timeout = 1s;
    via.on_session_state = states.make();
    auto victim = std::make_unique<zk_cluster_state>(via);
    EXPECT_LE(victim->negotiated_session_timeout(), 1s);
    std::int64_t old_session = victim->session_id();
    ASSERT_TRUE(victim->create("/kept", "persistent"));
    ASSERT_TRUE(victim->create("/alive", "", create_mode::ephemeral));
    event_log gone;
    ASSERT_TRUE(observer.exists("/alive", gone.make())->has_value());

    proxy.cut();
    ASSERT_TRUE(wait_until([&] { return victim->session_state() == zk_session_state::connecting; },
                           deadline));
    // The server expires the silent session, which removes its ephemeral node...
    ASSERT_TRUE(gone.wait_for(1));
    EXPECT_EQ(gone.events()[0].type, watch_event_type::deleted);
    // ...but the client learns it only when it reaches the server again.
    EXPECT_EQ(victim->session_state(), zk_session_state::connecting);
    proxy.restore();
    ASSERT_TRUE(wait_until([&] { return victim->expired(); }, deadline));
    ASSERT_TRUE(states.wait_for(2));
    EXPECT_EQ(states.events(), (std::vector<zk_session_state>{zk_session_state::connecting,
                                                              zk_session_state::expired}));
    EXPECT_EQ(victim->get("/kept").error(), errc::session_expired);
    EXPECT_EQ(victim->create("/alive", "", create_mode::ephemeral).error(), errc::session_expired);
    victim.reset();

    // Re-register, as a daemon does after expiry: a new session sees the persistent data and
    // re-creates its ephemeral node.
    via.on_session_state = nullptr;
    zk_cluster_state again(via);
    EXPECT_NE(again.session_id(), old_session);
    EXPECT_EQ(again.get("/kept")->data, "persistent");
    EXPECT_FALSE(again.exists("/alive")->has_value());
    EXPECT_TRUE(again.create("/alive", "", create_mode::ephemeral));
}

// The fixture itself, on a server of its own: pausing, stopping and restarting it.
TEST(zk_server_test, pause_resume_and_restart_keep_the_port_and_the_data) {
    test_support::zk_server own;
    int port = own.port();
    {
        zk_options o;
        o.servers = own.connect_string();
        zk_cluster_state s(o);
        ASSERT_TRUE(s.create("/kept", "across restarts"));
    }
    own.pause();
    EXPECT_FALSE(own.answers(300ms));
    own.resume();
    EXPECT_TRUE(own.answers());

    own.stop();
    EXPECT_FALSE(own.running());
    EXPECT_FALSE(own.answers(300ms));
    own.start();
    EXPECT_TRUE(own.running());
    EXPECT_EQ(own.port(), port);
    zk_options o;
    o.servers = own.connect_string();
    zk_cluster_state s(o);
    EXPECT_EQ(s.get("/kept")->data, "across restarts");
}

}  // namespace
}  // namespace tempest::common
