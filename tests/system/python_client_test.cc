// SPDX-License-Identifier: Apache-2.0
// Nimbus' wire format from a second language: a real ZooKeeper server, a real `tempest nimbus`
// process, and python/nimbus_client_test.py, a Python client built only from the Thrift
// compiler's code for nimbus.thrift (target tempest_thrift_py) and Debian's python3-thrift,
// which uploads the word_count package, submits it as a StormTopology, lists it, checks the
// exceptions and kills it. Skipped when /usr/bin/python3 cannot import thrift.
#include "nimbus_process.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace tempest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* python = "/usr/bin/python3";

struct python_result {
    int status;          // exit status, -signal, or -1000 when killed at the deadline
    std::string output;  // stdout and stderr, interleaved
};

// Runs `/usr/bin/python3 ARGS...` with PYTHONPATH=`pythonpath`, its stdout and stderr in
// `dir`/python.out, and waits for it (`timeout`, then SIGKILL).
python_result run_python(const std::vector<std::string>& args, const std::string& pythonpath,
                         const fs::path& dir, std::chrono::seconds timeout) {
    std::vector<std::string> argv_store{python};
    argv_store.insert(argv_store.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_store) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::string out = (dir / "python.out").string();
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::setenv("PYTHONPATH", pythonpath.c_str(), 1);
        ::setenv("PYTHONDONTWRITEBYTECODE", "1", 1);  // no __pycache__ in the source tree
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int status = -1000;
    int raw = 0;
    bool done =
        test_support::wait_until([&] { return ::waitpid(pid, &raw, WNOHANG) == pid; }, timeout);
    if (done) {
        status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
    } else {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &raw, 0);
    }
    return {status, system_test::read_all(out)};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class python_client_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-python-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }

    fs::path _dir;
};

TEST_F(python_client_test, submits_lists_and_kills_a_topology_over_thrift) {
    python_result probe = run_python({"-c", "import thrift"}, TEMPEST_THRIFT_PY_DIR, _dir, 30s);
    if (probe.status != 0) {
        GTEST_SKIP() << python << " cannot import thrift (install Debian's python3-thrift, see "
                     << "scripts/install-deps): " << probe.output;
    }
    ASSERT_TRUE(
        fs::is_regular_file(fs::path(TEMPEST_THRIFT_PY_DIR) / "tempest_thrift" / "Nimbus.py"))
        << "no generated Python code under " << TEMPEST_THRIFT_PY_DIR
        << " (build target tempest_thrift_py)";

    test_support::zk_server zk;
    system_test::nimbus_process nimbus(
        zk.port(), "/python-client-test-" + std::to_string(::getpid()), _dir / "nimbus");

    python_result r =
        run_python({TEMPEST_PYTHON_CLIENT, "--host", "127.0.0.1", "--port",
                    std::to_string(nimbus.port()), "--package", TEMPEST_WORD_COUNT_PKG},
                   TEMPEST_THRIFT_PY_DIR, _dir, 60s);
    EXPECT_EQ(r.status, 0) << r.output << "\nnimbus:\n" << nimbus.err();
    EXPECT_TRUE(contains(r.output, "uploaded word_count.so (")) << r.output;
    EXPECT_TRUE(contains(r.output, "submitted topology 'py-word-count'")) << r.output;
    EXPECT_TRUE(contains(r.output, "ok: its status is ACTIVE")) << r.output;
    EXPECT_TRUE(contains(r.output,
                         "ok: a second submit of 'py-word-count' raises "
                         "AlreadyAliveException"))
        << r.output;
    EXPECT_TRUE(contains(r.output, "ok: killing an unknown topology raises NotAliveException"))
        << r.output;
    EXPECT_TRUE(contains(r.output, "ok: 'py-word-count' disappears")) << r.output;
    EXPECT_FALSE(contains(r.output, "FAIL")) << r.output;
    EXPECT_TRUE(contains(r.output, "all checks passed")) << r.output;
    // Nimbus saw the same calls.
    EXPECT_TRUE(contains(nimbus.err(), "submitted topology 'py-word-count'")) << nimbus.err();
}

}  // namespace
}  // namespace tempest
