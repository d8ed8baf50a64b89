// SPDX-License-Identifier: Apache-2.0
#include "flag_values.h"

#include "cli_error.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace tempest::cli {
namespace {

// About 31 years: keeps the conversion to milliseconds far inside int64.
constexpr double max_seconds = 1e9;

[[noreturn]] void bad(std::string_view flag, const std::string& text, std::string_view expected) {
    throw cli_error(fmt::format("bad {} '{}': expected {}", flag, text, expected), exit_usage);
}

// "an integer >= 1", "an integer from 1 to 65535".
std::string range(int min, int max) {
    if (max == std::numeric_limits<int>::max()) {
        return fmt::format("an integer >= {}", min);
    }
    return fmt::format("an integer from {} to {}", min, max);
}

}  // namespace

int parse_int_flag(std::string_view flag, const std::string& text, int min, int max,
                   std::string_view what) {
    long long v = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (first != last && *first == '+') {
        ++first;
    }
    auto [end, ec] = std::from_chars(first, last, v);
    if (text.empty() || ec != std::errc() || end != last || v < min || v > max) {
        bad(flag, text,
            what.empty() ? range(min, max) : fmt::format("{}, {}", what, range(min, max)));
    }
    return static_cast<int>(v);
}

int parse_port_flag(std::string_view flag, const std::string& text, int min) {
    return parse_int_flag(flag, text, min, 65535, "a port");
}

bool is_seconds(const std::string& text) {
    if (text.empty() || text.find_first_not_of("0123456789.eE+-") != std::string::npos) {
        return false;  // strtod would also take "inf", "nan" and hex
    }
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && errno == 0 && std::isfinite(d) && d >= 0;
}

double parse_seconds_flag(std::string_view flag, const std::string& text) {
    if (!is_seconds(text)) {
        bad(flag, text, "a number of seconds >= 0");
    }
    double d = std::strtod(text.c_str(), nullptr);
    if (d > max_seconds) {
        bad(flag, text, "a number of seconds >= 0, at most 1000000000");
    }
    return d;
}

}  // namespace tempest::cli
