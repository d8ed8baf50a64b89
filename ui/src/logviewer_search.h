// SPDX-License-Identifier: Apache-2.0
// logviewer_search: Storm logviewer's substring search within one log file. Reads the file from
// a byte offset in chunks (never the whole file), finds the first N occurrences of a byte string
// (occurrences do not overlap; one spanning two chunks is found) and keeps up to 128 bytes of
// context on each side of each, as Storm's search answers. Any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::ui {

// Storm's limits: context bytes on each side of a match, longest search string (in bytes).
inline constexpr std::size_t search_context_bytes = 128;
inline constexpr std::size_t max_search_bytes = 1024;
// Most matches one request may ask for (Storm has no cap; this bounds a reply's size).
inline constexpr std::size_t max_search_matches = 1000;

struct log_match {
    std::uint64_t byte_offset = 0;  // of the match's first byte in the file
    std::string before;             // up to search_context_bytes before it (not before `start`)
    std::string after;              // up to search_context_bytes after it
};

struct log_search_result {
    std::uint64_t size = 0;  // of the file when the search began
    std::vector<log_match> matches;
    // Where to search next for more: set when `num_matches` were found and the file goes on
    // after the last one (Storm's nextByteOffset).
    std::optional<std::uint64_t> next_byte_offset;
};

// The first `num_matches` occurrences of `needle` in the file at `path` at or after `start`.
// Requires: 1 <= needle.size() <= max_search_bytes and num_matches >= 1 (the routes check them).
// Throws log_access_error 400 when `start` is past the end of the file, 404 when the file cannot
// be read.
log_search_result search_log(const std::filesystem::path& path, std::string_view needle,
                             std::size_t num_matches, std::uint64_t start);

}  // namespace tempest::ui
