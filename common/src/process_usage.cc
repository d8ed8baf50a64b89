// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/process_usage.h"

#include "tempest/common/file_util.h"

#include <sys/resource.h>

#include <cerrno>
#include <charconv>
#include <string_view>

namespace tempest::common {

namespace {

// The kB figure of a "Key:\t  12345 kB" line of /proc/self/status, or nothing.
bool status_kib(std::string_view text, std::string_view key, std::uint64_t& kib) {
    auto at = text.find(key);
    if (at == std::string_view::npos || (at > 0 && text[at - 1] != '\n')) {
        return false;
    }
    auto p = text.data() + at + key.size();
    auto end = text.data() + text.size();
    while (p < end && (*p == ' ' || *p == '\t')) {
        ++p;
    }
    return std::from_chars(p, end, kib).ec == std::errc();
}

}  // namespace

result<process_usage> read_process_usage() {
    auto status = try_read_file("/proc/self/status");
    if (!status) {
        return status.error();
    }
    process_usage u;
    std::uint64_t rss = 0;
    std::uint64_t hwm = 0;
    if (!status_kib(*status, "VmRSS:", rss) || !status_kib(*status, "VmHWM:", hwm)) {
        return std::make_error_code(std::errc::bad_message);
    }
    u.rss_bytes = rss * 1024;
    u.peak_rss_bytes = hwm * 1024;
    rusage ru{};
    if (::getrusage(RUSAGE_SELF, &ru) != 0) {
        return std::error_code(errno, std::generic_category());
    }
    auto secs = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    u.cpu_seconds = secs(ru.ru_utime) + secs(ru.ru_stime);
    return u;
}

}  // namespace tempest::common
