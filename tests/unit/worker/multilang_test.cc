// SPDX-License-Identifier: Apache-2.0
// The multilang runtime's parts on their own: JSON as the protocol writes and reads it
// (json_codec), and shell_process with real /bin/sh subprocesses: framing at `end` lines,
// invalid JSON, a flooding subprocess held back by the bounded queue, exec failures, the stderr
// tail and stopping a process that does not listen.
#include "multilang/json_codec.h"
#include "multilang/shell_process.h"
#include "tempest/test_support/wait_until.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

namespace tempest::worker::multilang {
namespace {

using namespace std::chrono_literals;
using test_support::wait_until;

TEST(json_codec_test, writes_every_value_type_as_json) {
    values v;
    v.add(nullptr);
    v.add(true);
    v.add_int(-42);
    v.add_double(2.5);
    v.add_double(3.0);
    v.add(std::string_view("quote \" backslash \\ newline \n tab \t bell \x07 é"));
    v.add(bytes{"hi!"});
    v.add(value::list{value(1), value("x"), value(value::list{value(false)})});
    v.add_double(std::nan(""));
    std::string out;
    append_json(out, v);
    auto j = nlohmann::json::parse(out);
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 9u);
    EXPECT_TRUE(j[0].is_null());
    EXPECT_EQ(j[1], true);
    EXPECT_EQ(j[2], -42);
    EXPECT_EQ(j[3], 2.5);
    EXPECT_TRUE(j[4].is_number_float()) << out;  // 3.0 stays a float
    EXPECT_EQ(j[5], "quote \" backslash \\ newline \n tab \t bell \x07 é");
    EXPECT_EQ(j[6], "aGkh");  // base64 of "hi!"
    EXPECT_EQ(j[7], nlohmann::json::parse(R"([1, "x", [false]])"));
    EXPECT_TRUE(j[8].is_null());  // JSON has no NaN
}

TEST(json_codec_test, reads_a_json_array_into_values) {
    auto j = nlohmann::json::parse(
        R"([null, true, 7, 18446744073709551615, 1.5, "s", [1, [2]], {"k": 1}])");
    values v;
    std::string error;
    ASSERT_TRUE(json_to_values(j, v, error)) << error;
    ASSERT_EQ(v.size(), 8u);
    EXPECT_TRUE(v.is_null(0));
    EXPECT_TRUE(v.get_bool(1));
    EXPECT_EQ(v.get_int(2), 7);
    EXPECT_EQ(v.type_at(3), value_type::float64);  // beyond int64: a double, not a wrap
    EXPECT_EQ(v.get_double(4), 1.5);
    EXPECT_EQ(v.get_string(5), "s");
    EXPECT_EQ(v.get(6).to_string(), "[1, [2]]");
    EXPECT_EQ(v.get_string(7), R"({"k":1})");  // an object: its JSON text
}

TEST(json_codec_test, refuses_a_tuple_that_is_not_an_array) {
    values v;
    std::string error;
    EXPECT_FALSE(json_to_values(nlohmann::json::parse(R"({"a": 1})"), v, error));
    EXPECT_NE(error.find("not a JSON array"), std::string::npos) << error;
}

shell_process::options sh(const std::string& script, std::size_t max_queued = 1024) {
    shell_process::options o;
    o.program = "/bin/sh";
    o.argv = {"sh", "-c", script};
    o.cwd = std::filesystem::temp_directory_path();
    o.max_queued = max_queued;
    o.log_prefix = "test";
    return o;
}

shell_message pop(shell_process& p) {
    shell_message m;
    EXPECT_TRUE(p.wait_pop(m, std::chrono::steady_clock::now() + 10s));
    return m;
}

TEST(shell_process_test, splits_messages_at_end_lines) {
    shell_process p(
        sh(R"(printf '{"a": 1}\nend\n{"b":\n[2,\n3]}\r\nend\r\n'; exec cat >/dev/null)"));
    p.start();
    auto m1 = pop(p);
    ASSERT_EQ(m1.k, shell_message::kind::json);
    EXPECT_EQ(m1.body, nlohmann::json::parse(R"({"a": 1})"));
    auto m2 = pop(p);
    ASSERT_EQ(m2.k, shell_message::kind::json) << m2.text;
    EXPECT_EQ(m2.body, nlohmann::json::parse(R"({"b": [2, 3]})"));
    EXPECT_EQ(p.stop(), "exited with status 0");  // closing stdin ends `cat`
}

TEST(shell_process_test, writes_messages_framed_with_end) {
    shell_process p(sh("exec cat"));
    p.start();
    p.write_message(R"({"command":"next"})");
    p.write_message("[1,2]");
    ASSERT_TRUE(p.flush());
    EXPECT_EQ(p.buffered(), 0u);
    EXPECT_EQ(pop(p).body, nlohmann::json::parse(R"({"command":"next"})"));
    EXPECT_EQ(pop(p).body, nlohmann::json::parse("[1,2]"));
}

TEST(shell_process_test, reports_invalid_json_and_a_message_cut_by_eof) {
    shell_process p(sh(R"(printf 'not json\nend\n{"half":\n')"));
    p.start();
    auto bad = pop(p);
    EXPECT_EQ(bad.k, shell_message::kind::invalid);
    EXPECT_NE(bad.text.find("invalid JSON: not json"), std::string::npos) << bad.text;
    auto eof = pop(p);
    EXPECT_EQ(eof.k, shell_message::kind::eof);
    EXPECT_NE(eof.text.find("output ended inside a message"), std::string::npos) << eof.text;
}

TEST(shell_process_test, a_flooding_subprocess_is_held_back_by_the_bounded_queue) {
    // 2000 messages of 1 KiB: far more than the pipe (64 KiB), the reader's chunk (64 KiB) and
    // the 8 queued messages can hold, so the writer must block until messages are taken.
    const std::string script = R"(pad=$(printf '%1000s' x); i=0; while [ $i -lt 2000 ]; do )"
                               R"(printf '{"n":%d,"pad":"%s"}\nend\n' $i "$pad"; i=$((i+1)); done)";
    shell_process p(sh(script, 8));
    p.start();
    ASSERT_TRUE(wait_until([&] { return p.queued() == 8; }, 10s));
    EXPECT_FALSE(p.exited().has_value()) << "the subprocess should be blocked on its stdout";
    EXPECT_EQ(p.queued(), 8u);
    int n = 0;
    for (;;) {
        auto m = pop(p);
        if (m.k == shell_message::kind::eof) {
            break;
        }
        ASSERT_EQ(m.k, shell_message::kind::json) << m.text;
        EXPECT_EQ(m.body["n"], n);
        EXPECT_LE(p.queued(), 8u);
        ++n;
    }
    EXPECT_EQ(n, 2000);
    EXPECT_EQ(p.stop(), "exited with status 0");
}

TEST(shell_process_test, keeps_the_tail_of_stderr) {
    shell_process p(sh(R"(i=0; while [ $i -lt 500 ]; do echo "line $i of stderr" >&2; )"
                       R"(i=$((i+1)); done; exit 4)"));
    p.start();
    EXPECT_EQ(pop(p).k, shell_message::kind::eof);
    EXPECT_EQ(p.stop(), "exited with status 4");
    std::string tail = p.stderr_tail();
    EXPECT_LE(tail.size(), 4096u);
    EXPECT_NE(tail.find("line 499 of stderr\n"), std::string::npos) << tail;
    EXPECT_EQ(tail.find("line 0 of stderr"), std::string::npos);
}

TEST(shell_process_test, stop_kills_a_process_that_does_not_listen) {
    shell_process p(sh(R"(trap '' TERM; printf '{}\nend\n'; while :; do sleep 1; done)"));
    p.start();
    EXPECT_EQ(pop(p).k, shell_message::kind::json);  // the trap is set
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(p.stop(0ms), "was killed by signal 9");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(shell_process_test, start_names_a_program_that_cannot_run) {
    auto dir = std::filesystem::temp_directory_path() / "tempest-multilang-unit";
    std::filesystem::create_directories(dir);
    auto file = dir / "not-executable.py";
    std::ofstream(file) << "print('hi')\n";
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    shell_process::options o = sh("true");
    o.program = file.string();
    shell_process p(o);
    try {
        p.start();
        FAIL() << "start should have thrown";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("Permission denied"), std::string::npos) << e.what();
    }
    EXPECT_THROW(shell_process::resolve_program("./not-executable.py", dir), std::runtime_error);
    try {
        (void)shell_process::resolve_program("no-such-program-for-tempest", dir);
        FAIL() << "resolve should have thrown";
    } catch (const std::runtime_error& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("'no-such-program-for-tempest' not found on PATH"), std::string::npos)
            << m;
        EXPECT_NE(m.find(dir.string()), std::string::npos) << m;
    }
    EXPECT_EQ(shell_process::resolve_program("sh", dir), "/usr/bin/sh");
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tempest::worker::multilang
