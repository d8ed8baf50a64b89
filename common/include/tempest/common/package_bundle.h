// SPDX-License-Identifier: Apache-2.0
// package_bundle: a topology package that carries its resources folder (the multilang scripts),
// as a Storm jar carries resources/. `tempest jar --resources DIR` appends DIR as an archive to
// a copy of the shared library and uploads that one file; Nimbus stores it as stormjar.so and
// records its SHA-256 as for any package, so the checksum covers the scripts too; the supervisor
// checks it and unpacks the archive into <stormdist>/<topology-id>/resources/, the shell
// components' working directory. dlopen reads only what the ELF headers point at, so the file
// still loads as the package; a package without an archive is a plain shared library, as
// before.
//
//   [shared library, unchanged][entry]...[entry][trailer]
//   entry:   kind (1 byte: 'F' file, 'D' directory), path length (u32), path (relative,
//            '/'-separated, no "." / ".." / empty parts), mode (u32: permission bits),
//            size (u64; 0 for a directory), the file's bytes
//   trailer: archive length (u64: the entries' bytes), entry count (u64), magic "TMPSTRS1"
//   (integers little-endian)
//
// Free functions, no state: thread-safe for distinct files.
#pragma once

#include "tempest/common/result.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <type_traits>

namespace tempest::common {

enum class bundle_errc : int {
    success = 0,
    malformed,  // the trailer names an archive that does not fit, or an entry is broken
    bad_path,   // an entry's path is absolute, empty or climbs out (".."): never written
    io_error,   // reading the package or writing the resources failed
};

const std::error_category& bundle_category() noexcept;

inline std::error_code make_error_code(bundle_errc e) noexcept {
    return {static_cast<int>(e), bundle_category()};
}

// Writes `out`: the package at `package` followed by the archive of the directory `resources`
// (regular files and directories, recursively, in name order; a symbolic link is archived as
// what it points to; the permission bits are kept). Throws std::runtime_error naming the path
// and the cause: `package` not a regular file, `resources` not a directory, an entry that is
// neither a file nor a directory (a socket, a dangling link), a read or write failure.
void write_package_bundle(const std::filesystem::path& package,
                          const std::filesystem::path& resources, const std::filesystem::path& out);

// Whether the file at `package` ends with a resources archive (a valid trailer). False for a
// plain package and for a file that cannot be read.
bool has_bundled_resources(const std::filesystem::path& package);

// Unpacks the resources archive of `package` into `dest` (created; it must not exist yet).
// Returns the number of entries unpacked: 0 when the package carries no archive (then `dest`
// is not created) or an empty one. Errors: bundle_errc::malformed or bad_path (with `detail` saying
// which entry and why), io_error. Nothing is written outside `dest`; on an error `dest` may hold
// part of the archive (the caller removes it).
[[nodiscard]] result<std::uint64_t> extract_bundled_resources(const std::filesystem::path& package,
                                                              const std::filesystem::path& dest,
                                                              std::string* detail = nullptr);

}  // namespace tempest::common

template <>
struct std::is_error_code_enum<tempest::common::bundle_errc> : std::true_type {};
