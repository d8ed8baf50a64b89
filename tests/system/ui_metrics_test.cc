// SPDX-License-Identifier: Apache-2.0
// `tempest ui`'s /metrics against a running topology: `tempest dev-cluster` (ZooKeeper, Nimbus,
// a supervisor and its worker processes) runs the word-count example, a `tempest ui` process
// follows its Nimbus; the scrape passes Debian's `promtool check metrics` and the spout's
// emitted counter grows between two scrapes, as the workers' heartbeats report more.
#include "tempest/test_support/http_client.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace tempest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using system_test::tempest_process;
using test_support::http_client;
using test_support::wait_until;

// The summed value of every sample of `family` whose labels contain `labels` ("" for any), or
// -1 when there is none.
double sum_of(const std::string& text, const std::string& family, const std::string& labels) {
    double sum = -1;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(family + "{", 0) == 0 && line.find(labels) != std::string::npos) {
            sum = (sum < 0 ? 0 : sum) + std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
        }
    }
    return sum;
}

class ui_metrics_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-ui-metrics-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }
    fs::path _dir;
};

TEST_F(ui_metrics_test, a_running_topologys_counters_grow_between_scrapes_and_pass_promtool) {
    ASSERT_TRUE(fs::exists("/usr/bin/promtool"))
        << "promtool is missing: install Debian's prometheus package (scripts/install-deps)";
    std::set<int> ports;
    while (ports.size() < 2) {
        ports.insert(test_support::pick_free_port());
    }
    const std::string slots = "supervisor.slots.ports=[" + std::to_string(*ports.begin()) + "," +
                              std::to_string(*ports.rbegin()) + "]";
    const fs::path dc = _dir / "dev-cluster";
    tempest_process cluster(
        {"dev-cluster", "--dir", dc.string(), "-c", "nimbus.thrift.port=0", "-c", slots});
    // Whatever fails below, the dev cluster stops its workers (SIGTERM, not the SIGKILL of
    // tempest_process' destructor, which would leave them running).
    struct stop_cluster {
        tempest_process& p;
        ~stop_cluster() {
            if (!p.exited()) {
                p.signal(SIGTERM);
                (void)p.wait(60s);  // the test has failed already if this is needed
            }
        }
    } stop{cluster};
    ASSERT_TRUE(
        wait_until([&] { return fs::exists(dc / "cluster.yaml") || cluster.exited(); }, 90s))
        << cluster.out() << cluster.err();
    ASSERT_FALSE(cluster.exited()) << cluster.out() << cluster.err();
    const std::string conf = (dc / "cluster.yaml").string();

    auto jar = system_test::run({"jar", "--config", conf,
                                 (system_test::build_dir() / "examples" / "word_count.so").string(),
                                 "--name", "wc"});
    ASSERT_EQ(jar.status, 0) << jar.out << jar.err;

    tempest_process ui({"ui", "--config", conf, "-c", "ui.port=0"});
    int port = 0;
    const std::regex serving(R"(ui serving on http://127\.0\.0\.1:(\d+))");
    ASSERT_TRUE(wait_until(
        [&] {
            std::smatch m;
            auto err = ui.err();
            if (std::regex_search(err, m, serving)) {
                port = std::stoi(m[1]);
                return true;
            }
            return ui.exited();
        },
        30s))
        << ui.err();
    ASSERT_GT(port, 0) << ui.err();

    auto scrape = [&] {
        http_client c(port);
        auto r = c.request("GET", "/metrics");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.body;
    };
    const std::string family = "tempest_component_emitted_total";
    const std::string spout = R"(topology="wc",component="sentences")";
    std::string first;
    double before = -1;
    // The emitted counts and the workers' own points may reach the scrape a heartbeat apart
    // (a loaded machine showed the first without the second): await both.
    ASSERT_TRUE(wait_until(
        [&] {
            first = scrape();
            before = sum_of(first, family, spout);
            return before > 0 && sum_of(first, "tempest_worker_rss_bytes", R"(topology="wc")") > 0;
        },
        90s))
        << first << "\n"
        << cluster.out() << cluster.err();

    const fs::path file = _dir / "scrape.txt";
    std::ofstream(file) << first;
    const fs::path report = _dir / "promtool.txt";
    const int rc = std::system(
        ("/usr/bin/promtool check metrics < " + file.string() + " > " + report.string() + " 2>&1")
            .c_str());
    std::ifstream in(report);
    std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rc, 0) << out;

    double after = before;
    EXPECT_TRUE(wait_until(
        [&] {
            after = sum_of(scrape(), family, spout);
            return after > before;
        },
        30s))
        << before << " then " << after;

    ui.signal(SIGTERM);
    EXPECT_EQ(ui.wait(30s), 0) << ui.err();
    cluster.signal(SIGTERM);
    EXPECT_EQ(cluster.wait(60s), 0) << cluster.out() << cluster.err();
}

}  // namespace
}  // namespace tempest
