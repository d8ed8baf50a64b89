// SPDX-License-Identifier: Apache-2.0
// `tempest ui` as a process: against a real ZooKeeper and a `tempest nimbus` process, the REST
// API reflects a topology submitted with `tempest jar`, its actions reach Nimbus, and SIGTERM
// ends it cleanly; without a Nimbus it still serves and says so with 503. One ctest test: the
// cases share one ZooKeeper server (a JVM) in a global environment.
#include "nimbus_process.h"
#include "tempest/test_support/http_client.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace tempest {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using system_test::tempest_process;
using test_support::http_client;
using test_support::wait_until;

class zk_environment : public ::testing::Environment {
  public:
    void SetUp() override { server = std::make_unique<test_support::zk_server>(); }
    void TearDown() override { server.reset(); }
    static inline std::unique_ptr<test_support::zk_server> server;
};

// A `tempest ui` process on a free port (read from its "ui serving on http://HOST:PORT" line).
class ui_process {
  public:
    explicit ui_process(int nimbus_port)
        : _p({"ui", "-c", "ui.port=0", "-c", "nimbus.seeds=[127.0.0.1]", "-c",
              "nimbus.thrift.port=" + std::to_string(nimbus_port)}) {
        std::regex serving(R"(ui serving on http://127\.0\.0\.1:(\d+))");
        std::smatch m;
        bool up = wait_until(
            [&] {
                auto err = _p.err();
                if (std::regex_search(err, m, serving)) {
                    port = std::stoi(m[1]);
                    return true;
                }
                return _p.exited();
            },
            30s);
        if (!up || port == 0) {
            throw std::runtime_error("tempest ui did not start: " + _p.err());
        }
    }

    json call(const std::string& method, const std::string& path, int status) {
        http_client c(port);
        auto r = c.request(method, path);
        EXPECT_EQ(r.status, status) << method << " " << path << ": " << r.body;
        return json::parse(r.body);
    }

    int port = 0;
    tempest_process _p;
};

std::string word_count_package() {
    return (system_test::build_dir() / "examples" / "word_count.so").string();
}

class ui_cli_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-ui-cli-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }
    fs::path _dir;
};

TEST_F(ui_cli_test, serves_a_real_nimbus_and_stops_on_sigterm) {
    system_test::nimbus_process nimbus(zk_environment::server->port(),
                                       "/ui-cli-test-" + std::to_string(::getpid()),
                                       _dir / "nimbus");
    auto jar = system_test::run(
        {"jar", "--nimbus", nimbus.address(), word_count_package(), "--name", "wc"});
    ASSERT_EQ(jar.status, 0) << jar.err;

    ui_process ui(nimbus.port());
    EXPECT_NE(ui._p.err().find("127.0.0.1"), std::string::npos);

    auto cluster = ui.call("GET", "/api/v1/cluster/summary", 200);
    EXPECT_EQ(cluster["topologies"], 1);
    EXPECT_EQ(cluster["supervisors"], 0);
    auto nimbuses = ui.call("GET", "/api/v1/nimbus/summary", 200)["nimbuses"];
    ASSERT_EQ(nimbuses.size(), 1U);
    EXPECT_EQ(nimbuses[0]["port"], nimbus.port());
    EXPECT_EQ(nimbuses[0]["status"], "Leader");
    auto topologies = ui.call("GET", "/api/v1/topology/summary", 200)["topologies"];
    ASSERT_EQ(topologies.size(), 1U);
    EXPECT_EQ(topologies[0]["name"], "wc");
    EXPECT_EQ(topologies[0]["status"], "ACTIVE");
    const std::string id = topologies[0]["id"];

    ui.call("POST", "/api/v1/topology/" + id + "/deactivate", 200);
    auto after = ui.call("GET", "/api/v1/topology/summary", 200)["topologies"];
    EXPECT_EQ(after[0]["status"], "INACTIVE");
    ui.call("POST", "/api/v1/topology/" + id + "/kill/x", 400);
    auto killed = ui.call("POST", "/api/v1/topology/" + id + "/kill/0", 200);
    EXPECT_EQ(killed["topologyOperation"], "kill");
    EXPECT_TRUE(wait_until(
        [&] { return ui.call("GET", "/api/v1/cluster/summary", 200)["topologies"] == 0; }, 20s));

    ui._p.signal(SIGTERM);
    EXPECT_EQ(ui._p.wait(30s), 0) << ui._p.err();
    EXPECT_NE(ui._p.err().find("ui stopped"), std::string::npos) << ui._p.err();
}

TEST_F(ui_cli_test, serves_503_while_nimbus_is_unreachable) {
    // A port no Nimbus listens on: the ZooKeeper server's own port speaks no Thrift, so take a
    // port that refuses instead (1 is privileged and unused here).
    ui_process ui(1);
    auto j = ui.call("GET", "/api/v1/cluster/summary", 503);
    EXPECT_EQ(j["error"], "Service Unavailable");
    EXPECT_EQ(ui.call("GET", "/api/v1/nothing", 404)["error"], "Not Found");
    ui._p.signal(SIGINT);
    EXPECT_EQ(ui._p.wait(30s), 0) << ui._p.err();
}

}  // namespace
}  // namespace tempest

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new tempest::zk_environment);
    return RUN_ALL_TESTS();
}
