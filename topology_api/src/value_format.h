// SPDX-License-Identifier: Apache-2.0
// Readable forms of single values, shared by value::to_string and values::to_string.
#pragma once

#include <string>
#include <string_view>

namespace tempest::detail {

// Shortest round-trip form; a whole number keeps a ".0" so it reads as a double.
void append_double(std::string& out, double d);
// `"text"` with quotes, backslashes and control characters escaped.
void append_quoted(std::string& out, std::string_view s);
// `bytes[3] 0x666f78`, the hex cut after 32 bytes.
void append_bytes(std::string& out, std::string_view b);

}  // namespace tempest::detail
