// SPDX-License-Identifier: Apache-2.0
// file_util: reading a whole file and replacing one atomically, the way every daemon keeps its
// small state files (local assignments, heartbeats, pids, topology code). Thread-safe: no shared
// state; two writers of one path race only on which rename lands last, never on a torn file.
#pragma once

#include "tempest/common/result.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace tempest::common {

enum class durability {
    none,   // a rename is enough: readers never see half a file (lost on a machine crash)
    fsync,  // the bytes reach the disk before the rename (state that must survive a crash)
};

// The whole file. Errors: the open or read error of the file (e.g. no_such_file_or_directory).
[[nodiscard]] result<std::string> try_read_file(const std::filesystem::path& path);

// The whole file; throws std::system_error naming `path` when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Replaces `path` with `bytes`: writes a temporary file beside it (unique per call, so
// concurrent writers never share one) and renames it over `path`. On failure the temporary file
// is removed and `path` is left as it was. Errors: the write, fsync or rename error.
[[nodiscard]] result<void> try_write_file_atomically(const std::filesystem::path& path,
                                                     std::string_view bytes,
                                                     durability d = durability::none);

// The same; throws std::system_error naming `path` on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           durability d = durability::none);

}  // namespace tempest::common
