// SPDX-License-Identifier: Apache-2.0
// set_thread_name: names the calling thread as top, ps -L, perf and gdb show it, so that an
// operator can tell a busy executor from a transport thread. Linux keeps at most 15 bytes.
#pragma once

#include <pthread.h>

#include <charconv>
#include <string>
#include <string_view>

namespace tempest::common {

inline void set_thread_name(std::string_view name) noexcept {
    char buf[16] = {};
    name.copy(buf, sizeof(buf) - 1);
    (void)pthread_setname_np(pthread_self(), buf);  // (void): a name is only a debugging aid
}

// "<prefix>:<n>" in at most 15 bytes, shortening the prefix rather than the number.
inline std::string thread_name(std::string_view prefix, int n) {
    char suffix[16] = {':'};
    const auto end = std::to_chars(suffix + 1, suffix + sizeof(suffix), n).ptr;
    const auto suffix_len = static_cast<std::size_t>(end - suffix);
    std::string name(prefix.substr(0, suffix_len < 15 ? 15 - suffix_len : 0));
    name.append(suffix, suffix_len);
    return name;
}

}  // namespace tempest::common
