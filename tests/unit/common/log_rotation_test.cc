// SPDX-License-Identifier: Apache-2.0
// log_rotator: a chatty writer goes far past the bound; the files on disk never hold more than
// bound × files bytes, no more than `files` files exist, and the newest lines are in the current
// file. Output that bypasses the check (raw writes, as user code's printf) is rotated by the
// watch thread.
#include "tempest/common/log_rotation.h"

#include "tempest/common/file_util.h"
#include "tempest/common/log.h"
#include "tempest/common/random_id.h"
#include "tempest/test_support/wait_until.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace tempest::common {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct log_rotation_test : ::testing::Test {
    fs::path dir;
    fs::path log;
    int fd = -1;
    void SetUp() override {
        // A death test's child runs SetUp again: it takes the parent's folder (see below).
        const char* parent = std::getenv("TEMPEST_ROTATION_TEST_DIR");
        dir = parent != nullptr
                  ? fs::path(parent)
                  : fs::temp_directory_path() / ("tempest-rotation-test-" + random_hex(12));
        fs::create_directories(dir);
        log = dir / "worker.log";
        fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
    }
    void TearDown() override {
        ::close(fd);
        fs::remove_all(dir);
    }
    // Every file in the folder and their total size.
    std::pair<int, std::uintmax_t> on_disk() const {
        int n = 0;
        std::uintmax_t bytes = 0;
        for (const auto& e : fs::directory_iterator(dir)) {
            ++n;
            bytes += e.file_size();
        }
        return {n, bytes};
    }
    void write_line(const std::string& line) {
        ASSERT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    }
};

TEST_F(log_rotation_test, a_chatty_writer_stays_within_size_times_count_and_keeps_the_newest) {
    constexpr std::uint64_t max_bytes = 4096;
    constexpr int files = 3;
    log_rotator r(log, {fd}, max_bytes, files);
    int rotations = 0;
    for (int i = 0; i < 2000; ++i) {  // about 100 KiB: 25 times the bound
        const std::string line = fmt::format("line {:06d} of a chatty worker\n", i);
        rotations += r.check(line.size()) ? 1 : 0;
        write_line(line);
        auto [n, bytes] = on_disk();
        ASSERT_LE(n, files) << "after line " << i;
        ASSERT_LE(bytes, max_bytes * files) << "after line " << i;
        ASSERT_LE(fs::file_size(log), max_bytes) << "after line " << i;
    }
    EXPECT_GE(rotations, 10);
    const std::string current = read_file(log);
    EXPECT_NE(current.find("line 001999 of a chatty worker\n"), std::string::npos);
    // The old files hold the lines just before, in order, with none lost between them.
    const std::string older = read_file(r.old_file(1));
    const std::string oldest = read_file(r.old_file(2));
    const std::string all = oldest + older + current;
    const int first = std::stoi(all.substr(5, 6));
    for (int i = first; i < 2000; ++i) {
        ASSERT_NE(all.find(fmt::format("line {:06d} ", i)), std::string::npos) << i;
    }
    EXPECT_FALSE(fs::exists(r.old_file(3)));
}

TEST_F(log_rotation_test, one_file_means_starting_afresh) {
    log_rotator r(log, {fd}, 100, 1);
    for (int i = 0; i < 50; ++i) {
        const std::string line = fmt::format("{:02d} twenty bytes...\n", i);
        (void)r.check(line.size());
        write_line(line);
        ASSERT_LE(fs::file_size(log), 100u);
        ASSERT_EQ(on_disk().first, 1);
    }
    EXPECT_NE(read_file(log).find("49 twenty bytes"), std::string::npos);
}

TEST_F(log_rotation_test, raw_output_is_rotated_by_the_watch_thread) {
    log_rotator r(log, {fd}, 1000, 2);
    r.start_watch(10ms);
    write_line(std::string(1500, 'x') + "\n");  // past the bound, without check()
    ASSERT_TRUE(test_support::wait_until([&] { return fs::exists(r.old_file(1)); }, 10s));
    r.stop();
    // The descriptor now writes to the new file.
    write_line("after\n");
    EXPECT_EQ(read_file(log), "after\n");
    EXPECT_EQ(fs::file_size(r.old_file(1)), 1501u);
}

// What begin_daemon does for a daemon or worker whose stdout and stderr are a file: a child
// process (a death test) logs 1 MB through the logger plus raw writes on stdout, as user code
// would, with the bound at 10 KB and 3 files.
TEST_F(log_rotation_test, a_process_logging_to_a_file_rotates_it) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const fs::path out = dir / "daemon.log";
    ::setenv("TEMPEST_ROTATION_TEST_DIR", dir.c_str(), 1);
    EXPECT_EXIT(
        {
            const int f = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(f, STDOUT_FILENO);
            ::dup2(f, STDERR_FILENO);
            ::close(f);
            init_logging("info");
            config conf;
            conf.set("tempest.log.max.size.mb", 0.01);
            conf.set("tempest.log.max.files", 3);
            if (!rotate_stdio_log(conf)) {
                std::_Exit(3);
            }
            for (int i = 0; i < 15000; ++i) {
                logger("chatty").info("line {:06d} of a chatty daemon", i);
                if (i % 1000 == 0) {
                    const std::string raw = fmt::format("raw {:06d} from printf\n", i);
                    (void)!::write(STDOUT_FILENO, raw.data(), raw.size());
                }
            }
            logger("chatty").info("the last line");
            std::_Exit(0);
        },
        ::testing::ExitedWithCode(0), "");
    ::unsetenv("TEMPEST_ROTATION_TEST_DIR");
    const auto bound = static_cast<std::uintmax_t>(0.01 * 1024 * 1024);
    std::uintmax_t total = 0;
    int files = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().filename().string().starts_with("daemon.log")) {
            ++files;
            total += e.file_size();
        }
    }
    EXPECT_EQ(files, 3);
    // Raw writes are caught within a second, so a file may pass the bound by what they add.
    EXPECT_LE(total, 3 * bound + 3 * 64);
    EXPECT_TRUE(fs::exists(dir / "daemon.log.2"));
    EXPECT_FALSE(fs::exists(dir / "daemon.log.3"));
    const std::string current = read_file(dir / "daemon.log");
    EXPECT_NE(current.find("[info] [chatty] the last line"), std::string::npos) << current;
}

}  // namespace
}  // namespace tempest::common
