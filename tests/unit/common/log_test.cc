// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/log.h"

#include "tempest/common/config_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace tempest::common {
namespace {

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Sends the logs to a fresh file for one test and back to stderr at info afterwards.
class log_test : public ::testing::Test {
  protected:
    void SetUp() override {
        _dir = std::filesystem::temp_directory_path() /
               ("tempest-log-test-" + std::to_string(::getpid()));
        file = _dir / "sub" / "test.log";
    }
    void TearDown() override {
        init_logging("info");
        std::filesystem::remove_all(_dir);
    }
    std::filesystem::path file;

  private:
    std::filesystem::path _dir;
};

TEST_F(log_test, lines_carry_time_level_and_logger_name) {
    init_logging("info", file);  // also creates the missing parent directory
    logger("unit").info("hello {}", 42);
    logger("unit").flush();
    std::string text = read_all(file);
    std::regex line(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[info\] \[unit\] hello 42\n)");
    EXPECT_TRUE(std::regex_search(text, line)) << text;
}

TEST_F(log_test, the_level_filters_every_logger_including_existing_ones) {
    spdlog::logger& early = logger("early");
    init_logging("warn", file);
    early.info("hidden");
    logger("late").info("hidden too");
    early.warn("shown");
    early.flush();
    logger("late").flush();
    std::string text = read_all(file);
    EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
    EXPECT_NE(text.find("[warning] [early] shown"), std::string::npos) << text;
}

TEST_F(log_test, the_same_name_returns_the_same_logger) {
    EXPECT_EQ(&logger("same"), &logger("same"));
    EXPECT_NE(&logger("same"), &logger("other"));
    EXPECT_EQ(logger("same").name(), "same");
}

TEST_F(log_test, an_invalid_level_is_a_config_error) {
    try {
        init_logging("verbose");
        FAIL() << "expected config_error";
    } catch (const config_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "invalid log level 'verbose'; expected trace, debug, info, warn, error, "
                  "critical or off");
    }
    EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
    EXPECT_EQ(parse_log_level("off"), spdlog::level::off);
}

}  // namespace
}  // namespace tempest::common
