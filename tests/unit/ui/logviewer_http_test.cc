// SPDX-License-Identifier: Apache-2.0
// The logviewer over loopback HTTP (logviewer_server in process, a temporary tempest.log.dir):
// the JSON and HTML pages, a download larger than every buffer and limit arriving byte for
// byte, Storm's search JSON, listLogs, traversal refused in its encoded forms, unknown files and
// bad parameters. Labelled `cluster` (it binds sockets), as the UI's HTTP test.
#include "tempest/common/config_loader.h"
#include "tempest/test_support/http_client.h"
#include "tempest/ui/logviewer_server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

namespace tempest::ui {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using test_support::http_client;

class logviewer_http_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl =
            (fs::temp_directory_path() / "tempest-logviewer-http-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
        _root = _dir / "logs" / "workers-artifacts";
        fs::create_directories(_root / "topo-1" / "6700");
        fs::create_directories(_dir / "outside");
        write(_dir / "outside" / "secret.txt", "top secret");
        config conf = common::default_config();
        conf.set("logviewer.port", 0);
        conf.set("tempest.log.dir", (_dir / "logs").string());
        conf.set("storm.local.hostname", "127.0.0.1");
        _server = std::make_unique<logviewer_server>(conf);
        _server->start();
        ASSERT_GT(_server->port(), 0);
        EXPECT_EQ(_server->folder(), _root);
    }
    void TearDown() override {
        _server->stop();
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }
    static void write(const fs::path& p, const std::string& text) {
        std::ofstream out(p, std::ios::binary);
        out << text;
    }
    test_support::http_reply get(const std::string& target) {
        http_client c(_server->port());
        return c.request("GET", target);
    }
    json get_json(const std::string& target, int status) {
        auto r = get(target);
        EXPECT_EQ(r.status, status) << target << ": " << r.body;
        return json::parse(r.body);
    }

    fs::path _dir;
    fs::path _root;
    std::unique_ptr<logviewer_server> _server;
};

TEST_F(logviewer_http_test, serves_the_last_page_as_json_and_any_page_by_offset) {
    std::string text;
    for (int i = 0; i < 10000; ++i) {
        text += "line " + std::to_string(1000000 + i) + "\n";  // 13 bytes each
    }
    write(_root / "topo-1" / "6700" / "worker.log", text);
    auto last = get_json("/api/v1/log?file=topo-1/6700/worker.log", 200);
    EXPECT_EQ(last["file"], "topo-1/6700/worker.log");
    EXPECT_EQ(last["size"], text.size());
    EXPECT_EQ(last["start"], text.size() - 51200);
    EXPECT_EQ(last["length"], 51200);
    EXPECT_EQ(last["content"], text.substr(text.size() - 51200));
    auto page = get_json("/api/v1/log?file=topo-1%2F6700%2Fworker.log&start=13&length=26", 200);
    EXPECT_EQ(page["start"], 13);
    EXPECT_EQ(page["length"], 26);
    EXPECT_EQ(page["content"], "line 1000001\nline 1000002\n");
}

TEST_F(logviewer_http_test, serves_an_html_page_with_escaped_content_and_pager_links) {
    std::string text = std::string(200, '-') + "\n<script>alert('x')</script> & done\n";
    write(_root / "topo-1" / "6700" / "worker.log", text);
    auto r = get("/log?file=topo-1/6700/worker.log&length=100");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(r.body.find("<script>"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; done"),
              std::string::npos)
        << r.body;
    // From the end: previous and first pages are linked, next and last are not.
    const std::string start = std::to_string(text.size() - 100);
    EXPECT_NE(r.body.find("bytes " + start + "&ndash;" + std::to_string(text.size())),
              std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find("href=\"/log?file=topo-1/6700/worker.log&amp;start=0&amp;length=100\""),
              std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find("<span>Next</span>"), std::string::npos);
    EXPECT_NE(r.body.find("href=\"/download?file=topo-1/6700/worker.log\""), std::string::npos);
    EXPECT_NE(r.body.find("name=\"search-string\""), std::string::npos);
    // The first page links the next one.
    auto first = get("/log?file=topo-1/6700/worker.log&start=0&length=100");
    EXPECT_NE(first.body.find("start=100&amp;length=100\">Next</a>"), std::string::npos)
        << first.body;
    // The topology's other logs can be switched to.
    write(_root / "topo-1" / "6700" / "worker.log.1", "older");
    auto switcher = get("/log?file=topo-1/6700/worker.log");
    EXPECT_NE(switcher.body.find("<option value=\"topo-1/6700/worker.log.1\">"), std::string::npos)
        << switcher.body;
    EXPECT_NE(switcher.body.find("<option value=\"topo-1/6700/worker.log\" selected>"),
              std::string::npos);
    // The index lists the file.
    auto index = get("/");
    EXPECT_NE(index.body.find("/log?file=topo-1/6700/worker.log"), std::string::npos);
}

TEST_F(logviewer_http_test, downloads_a_file_larger_than_every_limit_byte_for_byte) {
    // 3 MiB of every byte value: larger than a page, the request body limit and the 64 KiB
    // chunks the server sends it in.
    std::string data(3 * 1024 * 1024 + 123, '\0');
    std::mt19937 gen(42);
    for (auto& c : data) {
        c = static_cast<char>(gen() & 0xff);
    }
    write(_root / "topo-1" / "6700" / "worker.log", data);
    http_client c(_server->port());
    auto r = c.request("GET", "/download?file=topo-1/6700/worker.log");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-disposition"], "attachment; filename=\"worker.log\"");
    EXPECT_EQ(r.headers["content-type"], "application/octet-stream");
    EXPECT_EQ(r.body.size(), data.size());
    EXPECT_TRUE(r.body == data) << "the downloaded bytes differ";
    // The connection stays usable after a streamed body.
    auto again = c.request("GET", "/api/v1/download?file=topo-1/6700/worker.log");
    EXPECT_EQ(again.status, 200);
    EXPECT_TRUE(again.body == data);
    // An empty file downloads as an empty body.
    write(_root / "topo-1" / "6700" / "empty.log", "");
    auto empty = c.request("GET", "/download?file=topo-1/6700/empty.log");
    EXPECT_EQ(empty.status, 200);
    EXPECT_EQ(empty.headers["content-length"], "0");
}

TEST_F(logviewer_http_test, answers_storm_search_json) {
    std::string text = std::string(200, '#') + "\n";
    for (int i = 0; i < 50; ++i) {
        text += "ordinary line " + std::to_string(i) + "\n";
        if (i % 10 == 5) {
            text += "an ERROR happened here\n";
        }
    }
    write(_root / "topo-1" / "6700" / "worker.log", text);
    const std::string base = "/api/v1/search?file=topo-1/6700/worker.log&search-string=ERROR";
    auto r = get_json(base + "&num-matches=2", 200);
    EXPECT_EQ(r["isDaemon"], "no");
    EXPECT_EQ(r["searchString"], "ERROR");
    EXPECT_EQ(r["startByteOffset"], 0);
    ASSERT_EQ(r["matches"].size(), 2U);
    const auto first_offset = text.find("ERROR");
    auto m = r["matches"][0];
    EXPECT_EQ(m["byteOffset"], first_offset);
    EXPECT_EQ(m["matchString"], "ERROR");
    EXPECT_EQ(m["beforeString"], text.substr(first_offset - 128, 128));
    EXPECT_EQ(m["afterString"], text.substr(first_offset + 5, 128));
    EXPECT_EQ(m["logviewerURL"], "http://127.0.0.1:" + std::to_string(_server->port()) +
                                     "/log?file=topo-1/6700/worker.log&start=0&length=51200");
    const auto second_offset = text.find("ERROR", first_offset + 5);
    EXPECT_EQ(r["matches"][1]["byteOffset"], second_offset);
    ASSERT_TRUE(r.contains("nextByteOffset"));
    EXPECT_EQ(r["nextByteOffset"], second_offset + 5);
    auto rest = get_json(base + "&start-byte-offset=" + std::to_string(second_offset + 5), 200);
    EXPECT_EQ(rest["matches"].size(), 3U);
    EXPECT_FALSE(rest.contains("nextByteOffset"));
    EXPECT_EQ(
        get_json("/search?file=topo-1/6700/worker.log&search-string=ERROR", 200)["matches"].size(),
        5U);
    // The HTML page shows matches for the search box.
    auto html = get("/log?file=topo-1/6700/worker.log&search-string=ERROR&num-matches=1");
    EXPECT_NE(html.body.find("<mark>ERROR</mark>"), std::string::npos) << html.body;
    EXPECT_NE(html.body.find("More matches"), std::string::npos) << html.body;
}

TEST_F(logviewer_http_test, refuses_bad_search_parameters_with_400) {
    write(_root / "topo-1" / "6700" / "worker.log", "abc\n");
    const std::string f = "/api/v1/search?file=topo-1/6700/worker.log";
    get_json(f, 400);
    get_json(f + "&search-string=", 400);
    get_json(f + "&search-string=" + std::string(1025, 'x'), 400);
    get_json(f + "&search-string=" + std::string(1024, 'x'), 200);
    get_json(f + "&search-string=a&num-matches=0", 400);
    get_json(f + "&search-string=a&num-matches=ten", 400);
    get_json(f + "&search-string=a&start-byte-offset=-1", 400);
    auto past = get_json(f + "&search-string=a&start-byte-offset=5", 400);
    EXPECT_NE(past["errorMessage"].get<std::string>().find("past the end"), std::string::npos);
    get_json(f + "&search-string=a&callback=a(b)", 400);
    auto jsonp = get(f + "&search-string=a&callback=cb");
    EXPECT_EQ(jsonp.body.rfind("cb(", 0), 0U) << jsonp.body;
}

TEST_F(logviewer_http_test, refuses_traversal_in_every_form) {
    write(_root / "topo-1" / "6700" / "worker.log", "mine\n");
    fs::create_symlink(_dir / "outside" / "secret.txt", _root / "topo-1" / "6700" / "link.log");
    const std::vector<std::pair<std::string, int>> cases = {
        {"../outside/secret.txt", 403},
        {"..%2Foutside%2Fsecret.txt", 403},
        {"%2e%2e/outside/secret.txt", 403},
        {"%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", 403},
        {"topo-1/6700/..%2F..%2F..%2Foutside/secret.txt", 403},
        {"topo-1/6700/link.log", 403},
        {"%252e%252e%252foutside%252fsecret.txt", 404},
        {"/etc/passwd", 400},
        {"%2Fetc%2Fpasswd", 400},
        {(_dir / "outside" / "secret.txt").string(), 400},
        {"topo-1/6700/worker.log%00.txt", 400},
    };
    for (const auto& [file, status] : cases) {
        for (const std::string path :
             {"/api/v1/log", "/download", "/api/v1/download", "/api/v1/search"}) {
            auto r = get(path + "?file=" + file + "&search-string=secret");
            EXPECT_EQ(r.status, status) << path << " " << file << ": " << r.body;
            EXPECT_EQ(r.body.find("top secret"), std::string::npos) << path << " " << file;
        }
        auto html = get("/log?file=" + file);
        EXPECT_EQ(html.status, status) << file;
        EXPECT_EQ(html.body.find("top secret"), std::string::npos) << file;
    }
}

TEST_F(logviewer_http_test, answers_404_for_unknown_files_and_400_for_bad_parameters) {
    write(_root / "topo-1" / "6700" / "worker.log", "0123456789");
    auto missing = get_json("/api/v1/log?file=topo-1/6700/nope.log", 404);
    EXPECT_EQ(missing["error"], "Not Found");
    EXPECT_NE(missing["errorMessage"].get<std::string>().find("topo-1/6700/nope.log"),
              std::string::npos);
    get_json("/api/v1/log?file=topo-9/6700/worker.log", 404);
    get_json("/download?file=topo-1/6700/nope.log", 404);
    EXPECT_EQ(get("/log?file=topo-1/6700/nope.log").status, 404);
    const std::string f = "/api/v1/log?file=topo-1/6700/worker.log";
    get_json("/api/v1/log", 400);
    get_json(f + "&start=abc", 400);
    get_json(f + "&start=-1", 400);
    get_json(f + "&start=11", 400);
    get_json(f + "&length=0", 400);
    get_json(f + "&length=1x", 400);
    EXPECT_EQ(get("/log?file=topo-1/6700/worker.log&start=x").status, 400);
    EXPECT_EQ(get_json(f + "&start=10", 200)["content"], "");
    get_json("/api/v1/listLogs?port=abc", 400);
    get_json("/api/v1/nothing", 404);
    http_client c(_server->port());
    EXPECT_EQ(c.request("POST", "/api/v1/log").status, 405);
}

TEST_F(logviewer_http_test, lists_logs_as_storm_does) {
    fs::create_directories(_root / "topo-2" / "6701");
    write(_root / "topo-1" / "6700" / "worker.log", "a");
    write(_root / "topo-2" / "6701" / "worker.log", "b");
    EXPECT_EQ(get_json("/api/v1/listLogs", 200),
              json({"topo-1/6700/worker.log", "topo-2/6701/worker.log"}));
    EXPECT_EQ(get_json("/api/v1/listLogs?topologyId=topo-2", 200),
              json({"topo-2/6701/worker.log"}));
    EXPECT_EQ(get_json("/api/v1/listLogs?topologyId=topo-1&port=6700", 200),
              json({"topo-1/6700/worker.log"}));
    EXPECT_EQ(get_json("/api/v1/listLogs?port=6702", 200), json::array());
}

// Stopping right after the last client left used to wait out the server's 2 s grace period
// (its I/O threads had run out of work before the close stop() posted).
TEST_F(logviewer_http_test, stops_promptly_after_its_clients_have_gone) {
    write(_root / "topo-1" / "6700" / "worker.log", "a");
    for (int round = 0; round < 5; ++round) {
        get_json("/api/v1/listLogs", 200);
        auto t0 = std::chrono::steady_clock::now();
        _server->stop();
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
        _server->start();
    }
}

}  // namespace
}  // namespace tempest::ui
