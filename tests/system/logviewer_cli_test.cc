// SPDX-License-Identifier: Apache-2.0
// `tempest logviewer` as a process: it says where it listens and which folder it serves, serves
// a worker's log from <tempest.log.dir>/workers-artifacts (and nothing outside it), stops on
// SIGTERM with exit status 0, and refuses a bad port and a port in use with one error line.
#include "tempest/test_support/http_client.h"
#include "tempest/test_support/wait_until.h"
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace tempest {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using system_test::tempest_process;
using test_support::http_client;
using test_support::wait_until;

class logviewer_cli_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-logviewer-cli-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
        fs::create_directories(_dir / "logs" / "workers-artifacts" / "wc-1-1" / "6700");
        std::ofstream(_dir / "logs" / "workers-artifacts" / "wc-1-1" / "6700" / "worker.log")
            << "first line\nan ERROR line\nlast line\n";
        std::ofstream(_dir / "logs" / "supervisor.log") << "not a worker log\n";
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }
    // Starts `tempest logviewer` on a free port; returns the port from its start line (0 when
    // it did not start).
    int start(tempest_process& p) {
        const std::regex serving(
            R"(logviewer serving on http://127\.0\.0\.1:(\d+), worker logs from (\S+))");
        std::smatch m;
        int port = 0;
        EXPECT_TRUE(wait_until(
            [&] {
                std::string err = p.err();
                if (std::regex_search(err, m, serving)) {
                    port = std::stoi(m[1]);
                    EXPECT_EQ(m[2].str(), (_dir / "logs" / "workers-artifacts").string());
                    return true;
                }
                return p.exited();
            },
            30s))
            << p.err();
        return port;
    }
    std::vector<std::string> args(const std::string& port = "0") {
        return {"logviewer", "-c", "logviewer.port=" + port, "-c",
                "tempest.log.dir=" + (_dir / "logs").string()};
    }

    fs::path _dir;
};

TEST_F(logviewer_cli_test, serves_worker_logs_and_stops_on_sigterm) {
    tempest_process p(args());
    const int port = start(p);
    ASSERT_GT(port, 0) << p.err();
    http_client c(port);
    auto page = c.request("GET", "/api/v1/log?file=wc-1-1/6700/worker.log");
    ASSERT_EQ(page.status, 200) << page.body;
    auto j = json::parse(page.body);
    EXPECT_EQ(j["content"], "first line\nan ERROR line\nlast line\n");
    auto html = c.request("GET", "/log?file=wc-1-1/6700/worker.log");
    EXPECT_EQ(html.status, 200);
    EXPECT_NE(html.body.find("an ERROR line"), std::string::npos);
    auto search = c.request("GET", "/search?file=wc-1-1/6700/worker.log&search-string=ERROR");
    EXPECT_EQ(json::parse(search.body)["matches"][0]["byteOffset"], 14);
    // The daemons' own logs beside the folder are not served.
    EXPECT_EQ(c.request("GET", "/api/v1/log?file=../supervisor.log").status, 403);
    EXPECT_EQ(c.request("GET", "/download?file=supervisor.log").status, 404);

    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(30s), 0) << p.err();
    EXPECT_NE(p.err().find("logviewer stopped"), std::string::npos) << p.err();
}

TEST_F(logviewer_cli_test, refuses_a_bad_port_and_a_port_in_use) {
    auto bad = system_test::run(args("70000"));
    EXPECT_EQ(bad.status, 2) << bad.err;  // bad input, as a bad flag
    EXPECT_NE(bad.err.find("logviewer.port"), std::string::npos) << bad.err;

    tempest_process first(args());
    const int port = start(first);
    ASSERT_GT(port, 0);
    auto second = system_test::run(args(std::to_string(port)));
    EXPECT_EQ(second.status, 1) << second.err;
    EXPECT_NE(second.err.find("tempest: error: logviewer did not start: cannot bind"),
              std::string::npos)
        << second.err;
    first.signal(SIGTERM);
    EXPECT_EQ(first.wait(30s), 0);
}

}  // namespace
}  // namespace tempest
