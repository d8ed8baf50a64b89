// SPDX-License-Identifier: Apache-2.0
// cluster_fixture: the fixture of the multi-process cluster tests (cluster_test.cc,
// rebalance_test.cc): a real ZooKeeper server per test binary (zk_environment, a global test
// environment), and per test its own ZooKeeper root, `tempest nimbus`, supervisors "a", "b", ...
// (two slots each, own storm.local.dir), a temporary directory and the cluster_test package's
// output directory, which read_outputs() reads back (packages/cluster_test_package.cc).
// TearDown kills the supervisors, then every worker they left, then Nimbus;
// TEMPEST_KEEP_TEST_DIRS=1 keeps the directory (daemon, supervisor and worker logs) for a
// post-mortem.
//
// Each binary's main() adds zk_environment and makes its process a child subreaper (workers
// outlive a SIGKILLed supervisor; see process_alive). Not thread-safe: the test's thread drives
// everything.
#pragma once

#include "cluster_process.h"
#include "nimbus_process.h"
#include "packages/cluster_test_sentences.h"
#include "tempest/common/nimbus_client.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tempest::system_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::wait_until;
using clock = std::chrono::steady_clock;

class zk_environment : public ::testing::Environment {
  public:
    void SetUp() override { server = std::make_unique<test_support::zk_server>(); }
    void TearDown() override { server.reset(); }
    static inline std::unique_ptr<test_support::zk_server> server;
};

inline constexpr int sentence_count = static_cast<int>(cluster_test_sentences.size());

// The word counts of ids 0..repetitions*8-1.
inline std::map<std::string, std::int64_t> expected_counts(int repetitions) {
    std::map<std::string, std::int64_t> counts;
    for (std::string_view s : cluster_test_sentences) {
        std::istringstream words{std::string(s)};
        for (std::string w; words >> w;) {
            counts[w] += repetitions;
        }
    }
    return counts;
}

// What the package wrote into its output directory.
struct outputs {
    std::map<std::string, std::int64_t> counts;            // word -> count, summed over tasks
    std::map<std::string, int> tasks_per_word;             // word -> tasks that counted it
    std::map<std::string, std::int64_t> counted_per_task;  // "count-<task>" -> words counted
    std::set<std::uint64_t> acked;                         // every id in acked-*.txt
    std::map<std::string, pid_t> task_pids;                // "<component>-<task>" -> pid
};

inline outputs read_outputs(const fs::path& dir) {
    outputs o;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        std::istringstream in(read_all(it->path()));
        if (name.starts_with("counts-") && name.ends_with(".txt")) {
            std::string task = "count-" + name.substr(7, name.size() - 11);
            std::string word;
            std::int64_t n = 0;
            while (in >> word >> n) {
                o.counts[word] += n;
                ++o.tasks_per_word[word];
                o.counted_per_task[task] += n;
            }
        } else if (name.starts_with("acked-") && name.ends_with(".txt")) {
            for (std::uint64_t id; in >> id;) {
                o.acked.insert(id);
            }
        } else if (name.ends_with(".pid")) {
            pid_t pid = 0;
            if (in >> pid) {
                o.task_pids[name.substr(0, name.size() - 4)] = pid;
            }
        }
    }
    return o;
}

inline std::string describe(const std::map<std::string, std::int64_t>& counts) {
    std::string s;
    for (const auto& [w, n] : counts) {
        s += w + "=" + std::to_string(n) + " ";
    }
    return s;
}

// The last `n` lines of `text`.
inline std::string tail(const std::string& text, std::size_t n) {
    std::size_t pos = text.size();
    for (std::size_t i = 0; i <= n && pos > 0; ++i) {
        pos = text.rfind('\n', pos - 1);
        if (pos == std::string::npos) {
            return text;
        }
    }
    return text.substr(pos + 1);
}

// True if pred() holds every time it is polled for `d`; false as soon as it does not.
template <typename Pred>
bool holds_for(Pred&& pred, clock::duration d) {
    return !wait_until([&] { return !pred(); }, d);
}

class cluster_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-cluster-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
        _out = _dir / "out";
        fs::create_directories(_out);
        static int counter = 0;
        _root = "/cluster-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        _paths = common::zk_paths(_root);
        // Two slots for each of up to three supervisors (most tests start two).
        std::set<int> ports;
        while (ports.size() < 6) {
            ports.insert(test_support::pick_free_port());
        }
        std::vector<int> p(ports.begin(), ports.end());
        _slots = {{p[0], p[1]}, {p[2], p[3]}, {p[4], p[5]}};
    }

    void TearDown() override {
        if (HasFailure()) {
            dump_logs();
        }
        // Workers outlive their supervisors: supervisors first (so they restart nothing), then
        // every worker either left, then Nimbus.
        std::vector<fs::path> local_dirs;
        for (auto& s : _supervisors) {
            local_dirs.push_back(s->local_dir());
            (void)s->kill();  // teardown: an unkillable supervisor shows up in the next check
        }
        _supervisors.clear();
        for (const auto& d : local_dirs) {
            kill_workers(d);
        }
        EXPECT_TRUE(wait_until(
            [&] {
                return std::all_of(local_dirs.begin(), local_dirs.end(),
                                   [](const fs::path& d) { return live_workers(d).empty(); });
            },
            10s))
            << "worker processes survived SIGKILL";
        _nimbus.reset();
        _zk.reset();
        if (std::getenv("TEMPEST_KEEP_TEST_DIRS") != nullptr) {
            std::cout << "kept " << _dir.string() << "\n";
            return;
        }
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }

    std::vector<std::string> zk_overrides() const {
        return {
            "storm.zookeeper.servers=[127.0.0.1]",
            "storm.zookeeper.port=" + std::to_string(zk_environment::server->port()),
            "storm.zookeeper.root=" + _root,
        };
    }

    // Short periods for every daemon, so that failures are noticed within seconds.
    static std::vector<std::string> period_overrides() {
        return {
            "storm.zookeeper.session.timeout=4000",
            "storm.local.hostname=127.0.0.1",
            "nimbus.monitor.freq.secs=1",
            "nimbus.task.timeout.secs=5",
            "task.heartbeat.frequency.secs=1",
            "nimbus.supervisor.timeout.secs=5",
            "nimbus.task.launch.secs=30",
            "supervisor.heartbeat.frequency.secs=1",
            "supervisor.sync.frequency.secs=1",
            "supervisor.monitor.frequency.secs=1",
            "supervisor.worker.timeout.secs=5",
            "supervisor.worker.start.timeout.secs=30",
            "supervisor.worker.shutdown.sleep.secs=1",
        };
    }

    // Starts Nimbus (with `nimbus_extra` after the other overrides) and `count` supervisors "a",
    // "b", ... (with `supervisor_extra`), and waits until all are registered in ZooKeeper.
    void start_cluster(const std::vector<std::string>& nimbus_extra = {},
                       const std::vector<std::string>& supervisor_extra = {},
                       std::size_t count = 2) {
        _zk = std::make_unique<common::zk_cluster_state>(common::zk_options{
            .servers = zk_environment::server->connect_string(),
            .root = "",
        });
        std::vector<std::string> nimbus_overrides = period_overrides();
        nimbus_overrides.insert(nimbus_overrides.end(), nimbus_extra.begin(), nimbus_extra.end());
        _nimbus = std::make_unique<nimbus_process>(zk_environment::server->port(), _root,
                                                   _dir / "nimbus", nimbus_overrides);
        for (std::size_t i = 0; i < count && i < _slots.size(); ++i) {
            std::string name(1, static_cast<char>('a' + i));
            fs::path local = _dir / ("supervisor-" + name);
            std::vector<std::string> o = zk_overrides();
            std::vector<std::string> periods = period_overrides();
            o.insert(o.end(), periods.begin(), periods.end());
            o.push_back("storm.local.dir=" + local.string());
            o.push_back("tempest.log.dir=" + (local / "logs").string());
            o.push_back("nimbus.seeds=[127.0.0.1]");
            o.push_back("nimbus.thrift.port=" + std::to_string(_nimbus->port()));
            o.push_back("supervisor.slots.ports=[" + std::to_string(_slots[i][0]) + "," +
                        std::to_string(_slots[i][1]) + "]");
            o.insert(o.end(), supervisor_extra.begin(), supervisor_extra.end());
            _supervisors.push_back(std::make_unique<supervisor_process>(name, local, std::move(o)));
        }
        ASSERT_TRUE(
            wait_until([&] { return registered().size() == count || !supervisors_running(); }, 30s))
            << "the supervisors did not register in ZooKeeper under " << _paths.supervisors();
        ASSERT_TRUE(supervisors_running()) << "a supervisor exited";
    }

    bool supervisors_running() {
        return std::all_of(_supervisors.begin(), _supervisors.end(),
                           [](auto& s) { return s->running(); });
    }

    supervisor_process& sup(std::size_t i) { return *_supervisors.at(i); }

    // supervisor id -> session owning its ephemeral node.
    std::map<std::string, std::int64_t> registered() {
        std::map<std::string, std::int64_t> out;
        auto ids = _zk->children(_paths.supervisors());
        if (!ids) {
            return out;
        }
        for (const auto& id : *ids) {
            if (auto d = _zk->get(_paths.supervisor(id))) {
                out[id] = d->stat.ephemeral_owner;
            }
        }
        return out;
    }

    // `tempest jar --wait 60` of the cluster_test package as topology `name`.
    run_result submit(const std::string& name, std::vector<std::string> package_args) {
        std::vector<std::string> args{"jar", "--nimbus", _nimbus->address(), "--wait", "60"};
        for (const auto& o : zk_overrides()) {
            args.push_back("-c");
            args.push_back(o);
        }
        args.push_back(TEMPEST_CLUSTER_TEST_PKG);
        args.insert(args.end(), {"--name", name, "--out", _out.string()});
        args.insert(args.end(), package_args.begin(), package_args.end());
        tempest_process p(args);
        int status = p.wait(90s);
        return {status, p.out(), p.err()};
    }

    run_result cli(const std::string& command, std::vector<std::string> args) {
        args.insert(args.begin(), {command, "--nimbus", _nimbus->address()});
        return run(args);
    }

    // Where Nimbus says the executors of `name` run; nullopt when it cannot say.
    std::optional<std::vector<common::executor_summary>> executors(const std::string& name) {
        try {
            auto c = common::nimbus_client::connect("127.0.0.1", _nimbus->port(), 5s);
            return c.info(name).executors;
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }

    // Waits until each supervisor runs `per_supervisor` workers; their pids.
    std::vector<std::map<std::string, pid_t>> wait_workers(std::size_t per_supervisor,
                                                           clock::duration bound = 30s) {
        std::vector<std::map<std::string, pid_t>> w;
        bool ok = wait_until(
            [&] {
                w.clear();
                for (auto& s : _supervisors) {
                    w.push_back(live_workers(s->local_dir()));
                }
                return std::all_of(w.begin(), w.end(),
                                   [&](const auto& m) { return m.size() == per_supervisor; });
            },
            bound);
        if (!ok) {
            std::string have;
            for (std::size_t i = 0; i < w.size(); ++i) {
                have += " " + sup(i).name() + ":" + std::to_string(w[i].size());
            }
            ADD_FAILURE() << "expected " << per_supervisor << " live workers per supervisor, have"
                          << have;
        }
        return w;
    }

    void dump_logs() {
        std::cerr << "==== nimbus stderr (tail)\n" << tail(_nimbus ? _nimbus->err() : "", 30);
        for (auto& s : _supervisors) {
            std::cerr << "==== supervisor " << s->name() << " " << s->log().string() << " (tail)\n"
                      << tail(read_all(s->log()), 30);
            std::error_code ec;
            for (fs::recursive_directory_iterator it(s->local_dir() / "logs", ec), end;
                 !ec && it != end; it.increment(ec)) {
                if (it->path().filename() == "worker.log") {
                    std::cerr << "==== " << it->path().string() << " (tail)\n"
                              << tail(read_all(it->path()), 15);
                }
            }
        }
        outputs o = read_outputs(_out);
        std::cerr << "==== outputs: " << o.acked.size() << " ids acked; task pids:";
        for (const auto& [task, pid] : o.task_pids) {
            std::cerr << " " << task << "=" << pid;
        }
        std::cerr << "\n";
    }

    fs::path _dir;
    fs::path _out;
    std::string _root;
    common::zk_paths _paths;
    std::vector<std::vector<int>> _slots;
    std::unique_ptr<common::zk_cluster_state> _zk;
    std::unique_ptr<nimbus_process> _nimbus;
    std::vector<std::unique_ptr<supervisor_process>> _supervisors;
};

}  // namespace tempest::system_test
