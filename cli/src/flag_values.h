// SPDX-License-Identifier: Apache-2.0
// flag_values: the checked parsing of the subcommands' flag values. Each parser returns the value
// or throws cli_error (exit status 2) with one line naming the flag, the text given and what was
// expected, e.g. "bad -n '-1': expected a number of workers, an integer >= 1". The flags are
// read as text (not by CLI11's own conversions) so that every bad value reads the same way.
// Free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace tempest::cli {

// A whole number in [min, max]; `what` names it, e.g. "a number of workers".
int parse_int_flag(std::string_view flag, const std::string& text, int min, int max,
                   std::string_view what);

// A port in [min, 65535] (min is 0 where 0 means "any free port").
int parse_port_flag(std::string_view flag, const std::string& text, int min);

// A number of seconds from 0 to 1e9, fractions allowed ("0.5").
double parse_seconds_flag(std::string_view flag, const std::string& text);

// Whether `text` is a finite number >= 0 (a number of seconds, perhaps too large for
// parse_seconds_flag).
bool is_seconds(const std::string& text);

}  // namespace tempest::cli
