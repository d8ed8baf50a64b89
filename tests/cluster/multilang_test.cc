// SPDX-License-Identifier: Apache-2.0
// Cluster tests of shell components (worker/src/multilang/): real Python and Node.js
// subprocesses (tests/cluster/multilang/) speaking Storm's multilang protocol inside a
// local_cluster. A C++ spout feeds commands to a scripted shell bolt, a C++ sink records what
// comes out; or a scripted shell spout feeds the sink. Each message type of the protocol, the
// acker's view of anchored emits, need_task_ids, direct emits, ticks, and each failure mode.
#include "cluster_test.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tempest::cluster_tests {
namespace {

const std::string scripts_dir = TEMPEST_MULTILANG_TEST_DIR;
const std::string python = "/usr/bin/python3";

// What the test's components saw. Executor threads write, the test thread reads.
struct record {
    int task = 0;
    std::string kind;
    std::string data;
};

class ledger {
  public:
    static void reset() {
        std::scoped_lock lock(_mu);
        _commands.clear();
        _sent.clear();
        _acked.clear();
        _failed.clear();
        _sink.clear();
        _next_id = 1;
    }
    static void command(std::string c) {
        std::scoped_lock lock(_mu);
        _commands.push_back(std::move(c));
    }
    // The spout's next command and its id; false when there is none.
    static bool next(std::string& c, std::uint64_t& id) {
        std::scoped_lock lock(_mu);
        if (_commands.empty()) {
            return false;
        }
        c = std::move(_commands.front());
        _commands.pop_front();
        id = _next_id++;
        _sent[id] = c;
        return true;
    }
    static void acked(std::uint64_t id) {
        std::scoped_lock lock(_mu);
        if (auto it = _sent.find(id); it != _sent.end()) {
            _acked.push_back(it->second);
        }
    }
    // A failed "flaky" command is replayed (Storm's reliable spout); others are only recorded.
    static void failed(std::uint64_t id) {
        std::scoped_lock lock(_mu);
        auto it = _sent.find(id);
        if (it == _sent.end()) {
            return;  // sent before the last reset()
        }
        _failed.push_back(it->second);
        if (it->second.starts_with("flaky")) {
            _commands.push_back(it->second);
        }
    }
    static void sink(record r) {
        std::scoped_lock lock(_mu);
        _sink.push_back(std::move(r));
    }
    static std::vector<std::string> acked() { return get(_acked); }
    static std::vector<std::string> failed() { return get(_failed); }
    static std::vector<record> sunk() { return get(_sink); }
    static bool has_acked(const std::string& c) { return contains(_acked, c); }
    static bool has_failed(const std::string& c) { return contains(_failed, c); }
    // The first record of `kind` (optionally with `data`), if the sink has one.
    static std::optional<record> find(const std::string& kind, const std::string& data = "") {
        std::scoped_lock lock(_mu);
        for (const record& r : _sink) {
            if (r.kind == kind && (data.empty() || r.data == data)) {
                return r;
            }
        }
        return std::nullopt;
    }

  private:
    template <typename T>
    static T get(const T& v) {
        std::scoped_lock lock(_mu);
        return v;
    }
    static bool contains(const std::vector<std::string>& v, const std::string& c) {
        std::scoped_lock lock(_mu);
        return std::find(v.begin(), v.end(), c) != v.end();
    }
    static inline std::mutex _mu;
    static inline std::deque<std::string> _commands;
    static inline std::map<std::uint64_t, std::string> _sent;
    static inline std::vector<std::string> _acked;
    static inline std::vector<std::string> _failed;
    static inline std::vector<record> _sink;
    static inline std::uint64_t _next_id = 1;
};

class command_spout : public spout {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"command"}); }
    void open(const config&, const topology_context&, spout_output_collector& c) override {
        _out = &c;
    }
    void next_tuple() override {
        std::string c;
        std::uint64_t id = 0;
        if (ledger::next(c, id)) {
            _out->emit(values{c}, message_id{id});
        }
    }
    void ack(message_id id) override { ledger::acked(id.id); }
    void fail(message_id id) override { ledger::failed(id.id); }

  private:
    spout_output_collector* _out = nullptr;
};

class sink_bolt : public bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& ctx, output_collector& c) override {
        _out = &c;
        _task = ctx.get_this_task_id();
    }
    void execute(const tuple& t) override {
        record r;
        r.task = _task;
        r.kind = std::string(t.get_string(0));
        if (t.size() > 1) {
            r.data = t.type_at(1) == value_type::string ? std::string(t.get_string(1))
                                                        : t.get_value(1).to_string();
        }
        ledger::sink(std::move(r));
        _out->ack(t);
    }

  protected:
    output_collector* _out = nullptr;
    int _task = 0;
};

// The sink, but it fails the first "beta" it gets on the default stream.
class picky_sink : public sink_bolt {
  public:
    void execute(const tuple& t) override {
        if (t.get_source_stream_id() == "default" && t.get_string(0) == "beta" && !_failed_once) {
            _failed_once = true;
            _out->fail(t);
            return;
        }
        sink_bolt::execute(t);
    }

  private:
    bool _failed_once = false;
};

class multilang_test : public cluster_test {
  protected:
    void SetUp() override { ledger::reset(); }

    config conf(int timeout_secs = 30) {
        config c;
        c.set_num_ackers(1);
        c.set("topology.multilang.resources.dir", scripts_dir);
        c.set("topology.subprocess.timeout.secs", timeout_secs);
        c.set("test.marker", "from-conf");
        return c;
    }

    // commands → shell (the scripted bolt) → sink ×2 (shuffle; direct on "direct").
    topology bolt_topology(std::vector<std::string> command, int tick_secs = 0) {
        topology_builder b(registry());
        b.set_spout<command_spout>("commands");
        auto& shell = b.set_bolt("shell", shell_bolt(std::move(command))
                                              .output_fields({"kind", "data"})
                                              .output_stream("direct", {"kind", "data"}, true))
                          .shuffle_grouping("commands");
        if (tick_secs > 0) {
            shell.add_configuration(config::topology_tick_tuple_freq_secs, tick_secs);
        }
        b.set_bolt<sink_bolt>("sink", 2).shuffle_grouping("shell").direct_grouping("shell",
                                                                                   "direct");
        return b.create_topology();
    }

    bool wait_acked(const std::string& c) {
        return wait_until([&] { return ledger::has_acked(c); }, 20s);
    }
    bool wait_error(const std::string& topo, const std::string& text, std::string* message) {
        return wait_until(
            [&] {
                for (const auto& e : cluster().errors(topo)) {
                    if (e.message.find(text) != std::string::npos) {
                        if (message != nullptr) {
                            *message = e.message;
                        }
                        return true;
                    }
                }
                return false;
            },
            20s);
    }
};

TEST_F(multilang_test, handshake_gives_the_context_conf_and_pid_dir) {
    cluster().submit_topology("t", conf(), bolt_topology({python, "fake_bolt.py"}));
    ledger::command("context");
    ASSERT_TRUE(wait_acked("context"));
    auto r = ledger::find("context");
    ASSERT_TRUE(r);
    auto info = nlohmann::json::parse(r->data);
    EXPECT_EQ(info["componentid"], "shell");
    EXPECT_EQ(info["task->component"][std::to_string(info["taskid"].get<int>())], "shell");
    EXPECT_EQ(info["task->component"].size(), 5u);  // commands, shell, sink ×2, the acker
    EXPECT_EQ(info["outputs"]["default"], nlohmann::json({"kind", "data"}));
    EXPECT_EQ(info["outputs"]["direct"], nlohmann::json({"kind", "data"}));
    EXPECT_EQ(info["sources"]["commands"]["default"], nlohmann::json({"command"}));
    EXPECT_EQ(info["source_groupings"]["commands"]["default"]["type"], "SHUFFLE");
    EXPECT_EQ(info["target_groupings"]["default"]["sink"]["type"], "SHUFFLE");
    EXPECT_EQ(info["target_groupings"]["direct"]["sink"]["type"], "DIRECT");
    EXPECT_TRUE(info["pidfile"].get<bool>());
    EXPECT_EQ(std::filesystem::canonical(info["cwd"].get<std::string>()),
              std::filesystem::canonical(scripts_dir));
    EXPECT_EQ(info["marker"], "from-conf");
}

TEST_F(multilang_test, anchored_emit_is_acked_through_the_acker) {
    cluster().submit_topology("t", conf(), bolt_topology({python, "fake_bolt.py"}));
    ledger::command("echo hello");
    ASSERT_TRUE(wait_acked("echo hello"));
    EXPECT_TRUE(ledger::find("echo", "hello"));
    EXPECT_TRUE(ledger::failed().empty());
}

TEST_F(multilang_test, fail_from_the_subprocess_replays_the_message) {
    cluster().submit_topology("t", conf(), bolt_topology({python, "fake_bolt.py"}));
    ledger::command("flaky once");
    ASSERT_TRUE(wait_acked("flaky once"));
    EXPECT_EQ(ledger::failed(), std::vector<std::string>{"flaky once"});
    EXPECT_TRUE(ledger::find("echo", "once"));
}

TEST_F(multilang_test, need_task_ids_returns_the_tasks_the_tuple_went_to) {
    cluster().submit_topology("t", conf(), bolt_topology({python, "fake_bolt.py"}));
    ledger::command("ids");
    ASSERT_TRUE(wait_acked("ids"));
    auto first = ledger::find("first");
    auto ids = ledger::find("ids");
    ASSERT_TRUE(first && ids);
    EXPECT_EQ(nlohmann::json::parse(ids->data), nlohmann::json({first->task}));
}

TEST_F(multilang_test, direct_emit_reaches_the_named_task) {
    cluster().submit_topology("t", conf(), bolt_topology({python, "fake_bolt.py"}));
    ledger::command("context");
    ASSERT_TRUE(wait_acked("context"));
    auto info = nlohmann::json::parse(ledger::find("context")->data);
    std::vector<int> sinks;
    for (auto& [task, comp] : info["task->component"].items()) {
        if (comp == "sink") {
            sinks.push_back(std::stoi(task));
        }
    }
    ASSERT_EQ(sinks.size(), 2u);
    for (int task : sinks) {
        ledger::command("direct " + std::to_string(task));
    }
    for (int task : sinks) {
        ASSERT_TRUE(wait_acked("direct " + std::to_string(task)));
        auto r = ledger::find("direct", std::to_string(task));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->task, task);
    }
}

TEST_F(multilang_test, log_error_and_metrics_messages_are_handled) {
    cluster().submit_topology("t", conf(), bolt_topology({python, "fake_bolt.py"}));
    ledger::command("log");
    ledger::command("error something broke");
    ledger::command("metrics 5");
    ASSERT_TRUE(wait_acked("metrics 5"));
    ASSERT_TRUE(wait_acked("log"));
    std::string message;
    ASSERT_TRUE(wait_error("t", "something broke", &message));
    for (const auto& e : cluster().errors("t")) {
        EXPECT_EQ(e.component, "shell");
        EXPECT_EQ(e.message, "something broke");  // nothing else went wrong
    }
    EXPECT_TRUE(ledger::failed().empty());
}

TEST_F(multilang_test, tick_tuples_reach_the_subprocess) {
    cluster().submit_topology("t", conf(), bolt_topology({python, "fake_bolt.py"}, 1));
    EXPECT_TRUE(wait_until([] { return ledger::find("tick").has_value(); }, 20s));
}

TEST_F(multilang_test, exit_is_reported_with_stderr_and_the_bolt_restarts) {
    cluster().submit_topology("t", conf(), bolt_topology({python, "fake_bolt.py"}));
    ledger::command("exit 3");
    std::string message;
    ASSERT_TRUE(wait_error("t", "exited with status 3", &message));
    EXPECT_NE(message.find("fake bolt exits with 3"), std::string::npos) << message;
    // The pending input was failed; a later command is served by a restarted process.
    EXPECT_TRUE(wait_until([] { return ledger::has_failed("exit 3"); }, 20s));
    ledger::command("echo after");
    EXPECT_TRUE(wait_acked("echo after"));
}

TEST_F(multilang_test, invalid_json_is_reported_and_the_bolt_restarts) {
    cluster().submit_topology("t", conf(), bolt_topology({python, "fake_bolt.py"}));
    ledger::command("garbage");
    std::string message;
    ASSERT_TRUE(wait_error("t", "invalid JSON", &message));
    EXPECT_NE(message.find("this is not json"), std::string::npos) << message;
    EXPECT_TRUE(wait_until([] { return ledger::has_failed("garbage"); }, 20s));
    ledger::command("echo after");
    EXPECT_TRUE(wait_acked("echo after"));
}

TEST_F(multilang_test, missed_heartbeats_kill_and_restart_the_subprocess) {
    cluster().submit_topology("t", conf(1), bolt_topology({python, "fake_bolt.py"}));
    ledger::command("hang");
    std::string message;
    ASSERT_TRUE(wait_error("t", "topology.subprocess.timeout.secs", &message));
    EXPECT_NE(message.find("fake bolt hangs"), std::string::npos) << message;
    EXPECT_TRUE(wait_until([] { return ledger::has_failed("hang"); }, 20s));
    ledger::command("echo after");
    EXPECT_TRUE(wait_acked("echo after"));
}

TEST_F(multilang_test, a_missing_command_is_refused_at_submit) {
    try {
        cluster().submit_topology("t", conf(), bolt_topology({"no-such-program-for-tempest"}));
        FAIL() << "submit should have thrown";
    } catch (const invalid_topology& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("'shell'"), std::string::npos) << m;
        EXPECT_NE(m.find("no-such-program-for-tempest"), std::string::npos) << m;
        EXPECT_NE(m.find("not found"), std::string::npos) << m;
    }
}

TEST_F(multilang_test, node_bolt_emits_acks_and_fails) {
    if (!std::filesystem::exists("/usr/bin/node")) {
        GTEST_SKIP() << "Debian's nodejs is not installed (scripts/install-deps installs it)";
    }
    cluster().submit_topology("t", conf(), bolt_topology({"/usr/bin/node", "fake_bolt.js"}));
    ledger::command("echo from-node");
    ledger::command("nope");
    ASSERT_TRUE(wait_acked("echo from-node"));
    EXPECT_TRUE(ledger::find("echo", "from-node"));
    EXPECT_TRUE(wait_until([] { return ledger::has_failed("nope"); }, 20s));
}

TEST_F(multilang_test, shell_spout_maps_string_ids_acks_fails_and_activation) {
    topology_builder b(registry());
    b.set_spout("words", shell_spout({python, "fake_spout.py"})
                             .output_fields({"word"})
                             .output_stream("report", {"kind", "data"}));
    // The sink fails "beta" once: the spout replays it.
    b.set_bolt<picky_sink>("sink").shuffle_grouping("words").shuffle_grouping("words", "report");
    cluster().submit_topology("s", conf(), b.create_topology());
    for (const char* id : {"m-alpha", "m-beta", "m-gamma"}) {
        EXPECT_TRUE(wait_until([&] { return ledger::find("acked", id).has_value(); }, 20s)) << id;
    }
    EXPECT_TRUE(ledger::find("failed", "m-beta"));
    EXPECT_TRUE(ledger::find("activate"));
    auto ids = ledger::find("ids");
    ASSERT_TRUE(ids);
    auto alpha = ledger::find("alpha");
    ASSERT_TRUE(alpha);
    EXPECT_EQ(nlohmann::json::parse(ids->data), nlohmann::json({alpha->task}));
    cluster().deactivate("s");
    EXPECT_TRUE(wait_until([] { return ledger::find("deactivate").has_value(); }, 20s));
}

}  // namespace
}  // namespace tempest::cluster_tests
