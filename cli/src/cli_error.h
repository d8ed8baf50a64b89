// SPDX-License-Identifier: Apache-2.0
// cli_error: a failure the CLI reports as one line "tempest: error: <message>" on stderr before
// exiting with `exit_code` (2 for bad usage, 1 for everything else).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tempest::cli {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

class cli_error : public std::runtime_error {
  public:
    explicit cli_error(const std::string& message, int exit_code = exit_failure)
        : std::runtime_error(message), _exit_code(exit_code) {}
    int exit_code() const noexcept { return _exit_code; }

  private:
    int _exit_code;
};

// `message` on one line: line breaks (e.g. invalid_topology's one problem per line) become "; ".
std::string one_line(std::string_view message);

// Prints "tempest: error: <message>" (as one line) to stderr.
void print_error(std::string_view message);

}  // namespace tempest::cli
