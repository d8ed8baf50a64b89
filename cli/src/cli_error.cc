// SPDX-License-Identifier: Apache-2.0
#include "cli_error.h"

#include <fmt/format.h>

#include <cstdio>

namespace tempest::cli {

std::string one_line(std::string_view message) {
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
        message.remove_suffix(1);
    }
    std::string out;
    out.reserve(message.size());
    for (char c : message) {
        if (c == '\n') {
            out += "; ";
        } else if (c != '\r') {
            out += c;
        }
    }
    return out;
}

void print_error(std::string_view message) {
    fmt::print(stderr, "tempest: error: {}\n", one_line(message));
    std::fflush(stderr);
}

}  // namespace tempest::cli
