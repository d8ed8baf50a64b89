// SPDX-License-Identifier: Apache-2.0
// The logviewer's file access without HTTP: resolving `file` parameters inside the workers' log
// folder (traversal in many forms refused), pages from the end and at boundaries, a growing
// file, listLogs, and the substring search (chunk boundaries, num-matches, offsets, context).
// Files in a temporary directory; no sockets.
#include "logviewer_files.h"
#include "logviewer_routes.h"
#include "logviewer_search.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace tempest::ui {
namespace {

namespace fs = std::filesystem;

// Distinct bytes: line N is "line NNNNNNN\n" (13 bytes), so any offset's content is known.
std::string numbered_lines(int count) {
    std::string s;
    char buf[32];
    for (int i = 0; i < count; ++i) {
        std::snprintf(buf, sizeof buf, "line %07d\n", i);
        s += buf;
    }
    return s;
}

class logviewer_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tempest-logviewer-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        _dir = tmpl;
        _root = _dir / "logs" / "workers-artifacts";
        fs::create_directories(_root / "topo-1" / "6700");
        fs::create_directories(_root / "topo-1" / "6701");
        fs::create_directories(_root / "topo-2" / "6700");
        fs::create_directories(_dir / "outside");
        write(_dir / "outside" / "secret.txt", "secret");
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(_dir, ignored);
    }
    static void write(const fs::path& p, const std::string& text, bool append = false) {
        std::ofstream out(p, append ? std::ios::app | std::ios::binary : std::ios::binary);
        out << text;
    }
    // The status log_access_error carries for resolving `file`, 0 when it resolves.
    int refusal(const std::string& file) {
        try {
            (void)log_folder(_root).resolve(file);
            return 0;
        } catch (const log_access_error& e) {
            return e.status();
        }
    }

    fs::path _dir;
    fs::path _root;
};

TEST_F(logviewer_test, resolves_a_worker_log_to_its_canonical_name) {
    write(_root / "topo-1" / "6700" / "worker.log", "hello\n");
    log_folder folder(_root);
    auto f = folder.resolve("topo-1/6700/worker.log");
    EXPECT_EQ(f.name, "topo-1/6700/worker.log");
    EXPECT_EQ(f.path, fs::canonical(_root / "topo-1" / "6700" / "worker.log"));
    EXPECT_EQ(folder.resolve("topo-1/./6700//worker.log").name, "topo-1/6700/worker.log");
    // A link that stays inside the folder is followed.
    fs::create_symlink(_root / "topo-1" / "6700" / "worker.log", _root / "topo-1" / "latest.log");
    EXPECT_EQ(folder.resolve("topo-1/latest.log").name, "topo-1/6700/worker.log");
}

TEST_F(logviewer_test, refuses_every_path_leading_out_of_the_folder) {
    write(_root / "topo-1" / "6700" / "worker.log", "hello\n");
    fs::create_symlink(_dir / "outside" / "secret.txt", _root / "topo-1" / "6700" / "link.log");
    fs::create_symlink(_dir / "outside", _root / "topo-2" / "6701");
    fs::create_symlink("/etc/passwd", _root / "passwd");
    // Missing or malformed: 400.
    EXPECT_EQ(refusal(""), 400);
    EXPECT_EQ(refusal("/etc/passwd"), 400);
    EXPECT_EQ(refusal((_dir / "outside" / "secret.txt").string()), 400);
    EXPECT_EQ(refusal(std::string("topo-1/6700/worker.log\0x", 24)), 400);
    // `..` anywhere: 403, even when it would end up inside again.
    EXPECT_EQ(refusal(".."), 403);
    EXPECT_EQ(refusal("../outside/secret.txt"), 403);
    EXPECT_EQ(refusal("../../../../etc/passwd"), 403);
    EXPECT_EQ(refusal("topo-1/6700/../../../outside/secret.txt"), 403);
    EXPECT_EQ(refusal("topo-1/../topo-1/6700/worker.log"), 403);
    // Links leading out (a file, a directory, an absolute target): 403.
    EXPECT_EQ(refusal("topo-1/6700/link.log"), 403);
    EXPECT_EQ(refusal("topo-2/6701/secret.txt"), 403);
    EXPECT_EQ(refusal("passwd"), 403);
    // The folder itself and directories are not log files; encodings are names, not escapes
    // (the HTTP layer decodes once): 404.
    EXPECT_EQ(refusal("."), 404);
    EXPECT_EQ(refusal("topo-1/6700"), 404);
    EXPECT_EQ(refusal("topo-1/6700/missing.log"), 404);
    EXPECT_EQ(refusal("%2e%2e/outside/secret.txt"), 404);
    EXPECT_EQ(refusal("..%2foutside%2fsecret.txt"), 404);
    EXPECT_EQ(refusal("..\\outside\\secret.txt"), 404);
    EXPECT_EQ(refusal("topo-1/6700/worker.log"), 0);
}

TEST_F(logviewer_test, says_404_while_the_folder_does_not_exist) {
    log_folder folder(_dir / "nowhere" / "workers-artifacts");
    try {
        (void)folder.resolve("topo-1/6700/worker.log");
        FAIL() << "resolved in a missing folder";
    } catch (const log_access_error& e) {
        EXPECT_EQ(e.status(), 404);
        EXPECT_NE(std::string(e.what()).find("no worker logs"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(folder.list(std::nullopt, std::nullopt).empty());
}

TEST_F(logviewer_test, reads_the_last_page_by_default) {
    const std::string text = numbered_lines(10000);  // 130000 bytes
    write(_root / "topo-1" / "6700" / "worker.log", text);
    auto f = log_folder(_root).resolve("topo-1/6700/worker.log");
    auto page = log_folder::read_page(f.path, std::nullopt, default_page_bytes);
    EXPECT_EQ(page.size, text.size());
    EXPECT_EQ(page.start, text.size() - default_page_bytes);
    EXPECT_EQ(page.content, text.substr(text.size() - default_page_bytes));
    auto small = log_folder::read_page(f.path, std::nullopt, 26);
    EXPECT_EQ(small.content, "line 0009998\nline 0009999\n");
}

TEST_F(logviewer_test, reads_pages_at_the_boundaries) {
    const std::string text = numbered_lines(100);  // 1300 bytes
    write(_root / "topo-1" / "6700" / "worker.log", text);
    auto path = log_folder(_root).resolve("topo-1/6700/worker.log").path;
    auto first = log_folder::read_page(path, 0, 13);
    EXPECT_EQ(first.start, 0U);
    EXPECT_EQ(first.content, "line 0000000\n");
    auto tail = log_folder::read_page(path, 1290, 100);
    EXPECT_EQ(tail.content, text.substr(1290));
    auto at_end = log_folder::read_page(path, 1300, 100);
    EXPECT_EQ(at_end.start, 1300U);
    EXPECT_TRUE(at_end.content.empty());
    try {
        (void)log_folder::read_page(path, 1301, 100);
        FAIL() << "read past the end";
    } catch (const log_access_error& e) {
        EXPECT_EQ(e.status(), 400);
        EXPECT_NE(std::string(e.what()).find("past the end"), std::string::npos) << e.what();
    }
    // A file smaller than a page: all of it, from 0.
    auto whole = log_folder::read_page(path, std::nullopt, default_page_bytes);
    EXPECT_EQ(whole.start, 0U);
    EXPECT_EQ(whole.content, text);
    // An empty file: an empty page.
    write(_root / "topo-1" / "6701" / "worker.log", "");
    auto empty = log_folder::read_page(log_folder(_root).resolve("topo-1/6701/worker.log").path,
                                       std::nullopt, default_page_bytes);
    EXPECT_EQ(empty.size, 0U);
    EXPECT_TRUE(empty.content.empty());
}

TEST_F(logviewer_test, caps_a_page_at_the_maximum) {
    const std::string text(max_page_bytes + 5000, 'x');
    write(_root / "topo-1" / "6700" / "worker.log", text);
    auto path = log_folder(_root).resolve("topo-1/6700/worker.log").path;
    auto page = log_folder::read_page(path, 0, max_page_bytes * 10);
    EXPECT_EQ(page.content.size(), max_page_bytes);
}

TEST_F(logviewer_test, sees_a_growing_file) {
    const fs::path p = _root / "topo-1" / "6700" / "worker.log";
    write(p, numbered_lines(10));
    auto path = log_folder(_root).resolve("topo-1/6700/worker.log").path;
    auto before = log_folder::read_page(path, std::nullopt, 13);
    EXPECT_EQ(before.size, 130U);
    EXPECT_EQ(before.content, "line 0000009\n");
    write(p, "grown\n", true);
    auto after = log_folder::read_page(path, std::nullopt, 13);
    EXPECT_EQ(after.size, 136U);
    EXPECT_EQ(after.content, "000009\ngrown\n");
    // The next page from where the old end was holds exactly the new bytes.
    auto next = log_folder::read_page(path, before.size, 13);
    EXPECT_EQ(next.content, "grown\n");
}

TEST_F(logviewer_test, lists_logs_by_topology_and_port) {
    for (const char* f : {"topo-1/6700/worker.log", "topo-1/6700/worker.log.1",
                          "topo-1/6701/worker.log", "topo-2/6700/worker.log"}) {
        write(_root / f, "x");
    }
    fs::create_symlink(_dir / "outside", _root / "topo-2" / "6702");
    log_folder folder(_root);
    EXPECT_EQ(folder.list(std::nullopt, std::nullopt),
              (std::vector<std::string>{"topo-1/6700/worker.log", "topo-1/6700/worker.log.1",
                                        "topo-1/6701/worker.log", "topo-2/6700/worker.log"}));
    EXPECT_EQ(folder.list("topo-1", std::nullopt),
              (std::vector<std::string>{"topo-1/6700/worker.log", "topo-1/6700/worker.log.1",
                                        "topo-1/6701/worker.log"}));
    EXPECT_EQ(folder.list(std::nullopt, "6700"),
              (std::vector<std::string>{"topo-1/6700/worker.log", "topo-1/6700/worker.log.1",
                                        "topo-2/6700/worker.log"}));
    EXPECT_EQ(folder.list("topo-2", "6700"), (std::vector<std::string>{"topo-2/6700/worker.log"}));
    EXPECT_TRUE(folder.list("topo-3", std::nullopt).empty());
    EXPECT_TRUE(folder.list("..", std::nullopt).empty());
    EXPECT_TRUE(folder.list("topo-2", "6702").empty());  // a link out is not listed
}

TEST_F(logviewer_test, search_finds_a_match_across_a_chunk_boundary_with_its_context) {
    // The reader's chunks are 64 KiB: put the match across the first boundary.
    std::string text(65536 - 3, 'a');
    text += "NEEDLE";
    text += std::string(1000, 'b');
    write(_root / "topo-1" / "6700" / "worker.log", text);
    auto path = log_folder(_root).resolve("topo-1/6700/worker.log").path;
    auto r = search_log(path, "NEEDLE", 10, 0);
    ASSERT_EQ(r.matches.size(), 1U);
    EXPECT_EQ(r.matches[0].byte_offset, 65533U);
    EXPECT_EQ(r.matches[0].before, std::string(search_context_bytes, 'a'));
    EXPECT_EQ(r.matches[0].after, std::string(search_context_bytes, 'b'));
    EXPECT_FALSE(r.next_byte_offset);
    EXPECT_EQ(r.size, text.size());
}

TEST_F(logviewer_test, search_stops_at_num_matches_and_continues_from_the_next_offset) {
    // "hit" every 100 bytes over ~300 KiB: several chunks.
    std::string text;
    for (int i = 0; i < 3000; ++i) {
        std::string block(100, '.');
        block.replace(50, 3, "hit");
        text += block;
    }
    write(_root / "topo-1" / "6700" / "worker.log", text);
    auto path = log_folder(_root).resolve("topo-1/6700/worker.log").path;
    auto r = search_log(path, "hit", 5, 0);
    ASSERT_EQ(r.matches.size(), 5U);
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(r.matches[i].byte_offset, 50 + 100 * i);
    }
    EXPECT_EQ(r.matches[0].before, std::string(50, '.'));  // not before the file's start
    ASSERT_TRUE(r.next_byte_offset);
    EXPECT_EQ(*r.next_byte_offset, 453U);
    auto more = search_log(path, "hit", 2, *r.next_byte_offset);
    ASSERT_EQ(more.matches.size(), 2U);
    EXPECT_EQ(more.matches[0].byte_offset, 550U);
    // All of them, across every chunk; the last has no more after it.
    auto all = search_log(path, "hit", max_search_matches, 0);
    EXPECT_EQ(all.matches.size(), max_search_matches);
    auto rest = search_log(path, "hit", max_search_matches, 2000 * 100);
    ASSERT_EQ(rest.matches.size(), max_search_matches);
    EXPECT_EQ(rest.matches.back().byte_offset, 2999U * 100 + 50);
    EXPECT_EQ(rest.matches.back().after, std::string(47, '.'));
    ASSERT_TRUE(rest.next_byte_offset);  // 47 bytes follow the last match
    auto none = search_log(path, "hit", 1, *rest.next_byte_offset);
    EXPECT_TRUE(none.matches.empty());
    EXPECT_FALSE(none.next_byte_offset);
}

TEST_F(logviewer_test, search_does_not_overlap_matches_and_refuses_an_offset_past_the_end) {
    write(_root / "topo-1" / "6700" / "worker.log", "aaaaa");
    auto path = log_folder(_root).resolve("topo-1/6700/worker.log").path;
    auto r = search_log(path, "aa", 10, 0);
    ASSERT_EQ(r.matches.size(), 2U);
    EXPECT_EQ(r.matches[0].byte_offset, 0U);
    EXPECT_EQ(r.matches[1].byte_offset, 2U);
    EXPECT_TRUE(search_log(path, "aa", 10, 5).matches.empty());
    try {
        (void)search_log(path, "aa", 10, 6);
        FAIL() << "searched past the end";
    } catch (const log_access_error& e) {
        EXPECT_EQ(e.status(), 400);
    }
}

// Against a plain in-memory search: every offset, context and next offset agree, for needles
// of several lengths over a small alphabet (many matches, many straddling the 64 KiB chunks).
TEST_F(logviewer_test, search_agrees_with_a_plain_search_of_the_whole_text) {
    std::mt19937 gen(7);
    std::string text(200 * 1024 + 17, 'a');
    for (auto& c : text) {
        c = "abc\n"[gen() % 4];
    }
    write(_root / "topo-1" / "6700" / "worker.log", text);
    auto path = log_folder(_root).resolve("topo-1/6700/worker.log").path;
    for (std::size_t len : {1U, 3U, 7U, 9U}) {
        const std::string needle = text.substr(65536 - len / 2, len);  // one straddles a chunk
        for (std::uint64_t start : {std::uint64_t{0}, std::uint64_t{65000}}) {
            auto r = search_log(path, needle, max_search_matches, start);
            std::size_t expect_count = 0;
            std::size_t pos = text.find(needle, start);
            for (const auto& m : r.matches) {
                ASSERT_EQ(m.byte_offset, pos) << "needle " << needle << " from " << start;
                const std::size_t from = std::max<std::size_t>(start, pos > 128 ? pos - 128 : 0);
                EXPECT_EQ(m.before, text.substr(from, pos - from));
                EXPECT_EQ(m.after, text.substr(pos + len, 128));
                pos = text.find(needle, pos + len);
                ++expect_count;
            }
            EXPECT_EQ(r.matches.size(), expect_count);
            if (r.matches.size() < max_search_matches) {
                EXPECT_EQ(pos, std::string::npos);  // all were found
                EXPECT_FALSE(r.next_byte_offset);
            }
        }
    }
}

TEST(logviewer_text_test, escapes_html_and_encodes_urls) {
    EXPECT_EQ(html_escape("<a href=\"x\">&'</a>"),
              "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    EXPECT_EQ(url_encode("topo-1/6700/worker.log"), "topo-1/6700/worker.log");
    EXPECT_EQ(url_encode("a b&c=d?%"), "a%20b%26c%3Dd%3F%25");
}

}  // namespace
}  // namespace tempest::ui
