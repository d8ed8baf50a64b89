// SPDX-License-Identifier: Apache-2.0
// The pages in a real browser against a real cluster: a ZooKeeper server, `tempest nimbus`, one
// `tempest supervisor` and `tempest ui` as processes, word count submitted with `tempest jar`,
// then ui_pages_test.js (node + playwright-core driving headless Debian chromium) walks the
// cluster and topology pages: the topology listed, its count growing live, deactivate through
// the confirmation, a worker log; screenshots under <build>/tests/browser/screenshots. Steps that
// need parts not built yet print "SKIP: ..." in the script's output, shown here.
#include "cluster_process.h"
#include "nimbus_process.h"
#include "tempest/test_support/http_client.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::wait_until;

// Short periods for every daemon, so that the topology runs within seconds.
std::vector<std::string> period_overrides() {
    return {
        "storm.local.hostname=127.0.0.1",   "nimbus.monitor.freq.secs=1",
        "task.heartbeat.frequency.secs=1",  "supervisor.heartbeat.frequency.secs=1",
        "supervisor.sync.frequency.secs=1", "supervisor.monitor.frequency.secs=1",
        "nimbus.task.launch.secs=30",       "supervisor.worker.start.timeout.secs=30",
    };
}

// `tempest ui` on `port` (0: a free one) following the Nimbus on `nimbus_port`; waits until it
// serves and reads its address from the "ui serving on" line. Throws std::runtime_error if it
// does not start.
struct ui_daemon {
    ui_daemon(int port, int nimbus_port, int logviewer_port)
        : p({"ui", "-c", "ui.port=" + std::to_string(port), "-c", "nimbus.seeds=[127.0.0.1]", "-c",
             "nimbus.thrift.port=" + std::to_string(nimbus_port), "-c",
             "logviewer.port=" + std::to_string(logviewer_port)}) {
        std::regex serving(R"(ui serving on (http://127\.0\.0\.1:(\d+)))");
        std::smatch m;
        bool up = wait_until(
            [&] {
                auto err = p.err();
                if (std::regex_search(err, m, serving)) {
                    url = m[1];
                    this->port = std::stoi(m[2]);
                    return true;
                }
                return p.exited();
            },
            30s);
        if (!up || url.empty()) {
            throw std::runtime_error("tempest ui did not start: " + p.err());
        }
    }
    system_test::tempest_process p;
    std::string url;
    int port = 0;
};

// `tempest logviewer` on a free port serving the worker logs under `log_dir`; reads its port
// from the "logviewer serving on" line. Throws std::runtime_error if it does not start.
struct logviewer_daemon {
    explicit logviewer_daemon(const fs::path& log_dir)
        : p({"logviewer", "-c", "logviewer.port=0", "-c", "tempest.log.dir=" + log_dir.string()}) {
        std::regex serving(R"(logviewer serving on http://127\.0\.0\.1:(\d+))");
        std::smatch m;
        bool up = wait_until(
            [&] {
                auto err = p.err();
                if (std::regex_search(err, m, serving)) {
                    port = std::stoi(m[1]);
                    return true;
                }
                return p.exited();
            },
            30s);
        if (!up || port == 0) {
            throw std::runtime_error("tempest logviewer did not start: " + p.err());
        }
    }
    system_test::tempest_process p;
    int port = 0;
};

// Runs `args` with `env` added, stdout and stderr into `log`, until it exits or `timeout`
// passes (it is then killed: -1000). While it runs, on_output(log text so far) is called at each
// poll, so that the caller can act on what the script prints. Returns the exit status.
template <typename OnOutput>
int run_script(const std::vector<std::string>& args, const std::vector<std::string>& env,
               const fs::path& log, std::chrono::seconds timeout, OnOutput&& on_output) {
    std::vector<std::string> store = args;
    std::vector<char*> argv;
    for (auto& a : store) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env_store = env;
    std::string log_path = log.string();
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        for (auto& e : env_store) {
            ::putenv(e.data());
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int status = 0;
    bool done = wait_until(
        [&] {
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                return true;
            }
            on_output(system_test::read_all(log));
            return false;
        },
        timeout);
    if (!done) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return -1000;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

class ui_browser_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-ui-browser-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
    }
    void TearDown() override {
        if (_supervisor) {
            (void)_supervisor->kill();  // teardown: its workers are killed next either way
            system_test::kill_workers(_supervisor->local_dir());
            EXPECT_TRUE(wait_until(
                [&] { return system_test::live_workers(_supervisor->local_dir()).empty(); }, 10s));
        }
        _supervisor.reset();
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }

    fs::path _dir;
    std::unique_ptr<system_test::supervisor_process> _supervisor;
};

TEST_F(ui_browser_test, pages_follow_a_running_topology_and_deactivate_it) {
    test_support::zk_server zk;
    const std::string root = "/ui-browser-test-" + std::to_string(::getpid());
    system_test::nimbus_process nimbus(zk.port(), root, _dir / "nimbus", period_overrides());

    std::vector<std::string> sup = {
        "storm.zookeeper.servers=[127.0.0.1]",
        "storm.zookeeper.port=" + std::to_string(zk.port()),
        "storm.zookeeper.root=" + root,
        "storm.local.dir=" + (_dir / "supervisor").string(),
        "tempest.log.dir=" + (_dir / "supervisor" / "logs").string(),
        "nimbus.seeds=[127.0.0.1]",
        "nimbus.thrift.port=" + std::to_string(nimbus.port()),
        "supervisor.slots.ports=[" + std::to_string(test_support::pick_free_port()) + "]",
    };
    for (const auto& o : period_overrides()) {
        sup.push_back(o);
    }
    _supervisor = std::make_unique<system_test::supervisor_process>("a", _dir / "supervisor", sup);

    // The supervisor node's logviewer, which the UI's worker log links point to.
    logviewer_daemon logviewer(_dir / "supervisor" / "logs");
    auto ui = std::make_unique<ui_daemon>(0, nimbus.port(), logviewer.port);
    const std::string url = ui->url;
    const int ui_port = ui->port;
    ASSERT_TRUE(wait_until(
        [&] {
            test_support::http_client c(ui_port);
            auto r = c.request("GET", "/api/v1/cluster/summary");
            return r.status == 200 && r.body.find("\"supervisors\":1") != std::string::npos;
        },
        30s))
        << "the supervisor did not register: " << system_test::read_all(_supervisor->log());

    auto jar = system_test::run({"jar", "--nimbus", nimbus.address(), "--wait", "60",
                                 TEMPEST_WORD_COUNT_PKG, "--name", "wc", "--parallelism", "1"});
    ASSERT_EQ(jar.status, 0) << jar.out << jar.err;

    const fs::path shots = fs::path(TEMPEST_BINARY_DIR) / "tests" / "browser" / "screenshots";
    const fs::path log = _dir / "ui_pages_test.log";
    // The script prints "@@stop-ui" when it wants the UI gone (to see the page say the
    // connection is lost) and "@@start-ui" when it wants it back, on the same port.
    bool stopped = false;
    bool restarted = false;
    std::string restart_problem;
    int status = run_script(
        {TEMPEST_NODE, TEMPEST_UI_PAGES_TEST},
        {"TEMPEST_UI_URL=" + url, "TEMPEST_TOPOLOGY=wc", "TEMPEST_SCREENSHOTS=" + shots.string()},
        log, 300s, [&](const std::string& text) {
            if (!stopped && text.find("@@stop-ui") != std::string::npos) {
                stopped = true;
                ui->p.signal(SIGTERM);
                if (ui->p.wait(30s) != 0) {
                    restart_problem = "tempest ui did not stop cleanly: " + ui->p.err();
                }
            }
            if (stopped && !restarted && text.find("@@start-ui") != std::string::npos) {
                restarted = true;
                try {
                    ui = std::make_unique<ui_daemon>(ui_port, nimbus.port(), logviewer.port);
                } catch (const std::exception& e) {
                    restart_problem = e.what();
                }
            }
        });
    std::string out = system_test::read_all(log);
    std::cout << out;
    EXPECT_EQ(status, 0) << out << "\n---- tempest ui\n" << ui->p.err();
    EXPECT_TRUE(restart_problem.empty()) << restart_problem;
    // Every server side the script needs runs here (topology figures, the logviewer): a
    // skipped step is a failure.
    EXPECT_EQ(out.find("SKIP:"), std::string::npos) << out;
    EXPECT_TRUE(fs::exists(shots / "cluster.png"));
    EXPECT_TRUE(fs::exists(shots / "topology.png"));

    ui->p.signal(SIGTERM);
    EXPECT_EQ(ui->p.wait(30s), 0) << ui->p.err();
    logviewer.p.signal(SIGTERM);
    EXPECT_EQ(logviewer.p.wait(30s), 0) << logviewer.p.err();
}

}  // namespace
}  // namespace tempest
