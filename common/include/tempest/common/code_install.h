// SPDX-License-Identifier: Apache-2.0
// code_install: putting a topology's code into a stormdist directory (tempest/common/stormdist.h)
// from somewhere else — a supervisor downloading it from Nimbus, a Nimbus host replicating it
// from the leader. The files are fetched into <stormdist>/.install-<topology-id>-<random>/,
// checked (all four present; stormjar.so has the SHA-256 recorded in stormjar.so.sha256), the
// resources the package carries unpacked into resources/ (package_bundle.h), and renamed into
// place, so a reader of <stormdist>/<topology-id>/ never sees half a topology or a
// corrupted package, and a failed install leaves nothing behind.
//
// Thread-safe for distinct topologies; two installs of one topology may race, and the second
// rename then finds the directory in place, which counts as success.
#pragma once

#include "tempest/common/result.h"

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace tempest::common {

// Why an install was refused (besides the fetcher's own errors, which are passed through).
enum class install_errc : int {
    success = 0,
    missing_file,         // the fetcher reported success but a file is not there
    checksum_malformed,   // stormjar.so.sha256 is not 64 lowercase hex digits (+ a newline)
    checksum_mismatch,    // stormjar.so does not hash to the recorded SHA-256
    fetcher_threw,        // the fetcher threw instead of returning an error
    io_error,             // creating, hashing or renaming on the local disk failed
    resources_malformed,  // the package's resources archive (checksum good) cannot be unpacked
};

const std::error_category& install_category() noexcept;

inline std::error_code make_error_code(install_errc e) noexcept {
    return {static_cast<int>(e), install_category()};
}

// Fetches one file: `remote` is "<topology-id>/<file name>" (the name Nimbus serves it under,
// as nimbus_client::download_file takes it); `dest` is the path to write it to. Returns the
// error of a failed fetch (and should log its details).
using code_file_fetcher =
    std::function<result<void>(const std::string& remote, const std::filesystem::path& dest)>;

// Makes sure <stormdist>/<topology_id>/ holds the topology's code: success at once when the
// directory exists; otherwise fetches stormdist::files (checksum first) into a temporary
// directory, checks them and renames it into place. On failure logs a warning naming the
// topology and the cause (with both digests on a mismatch), removes the temporary directory and
// returns the error (install_errc, or the fetcher's). Never throws.
[[nodiscard]] result<void> install_topology_code(const std::filesystem::path& stormdist,
                                                 std::string_view topology_id,
                                                 const code_file_fetcher& fetch);

// Removes what interrupted installs left in `stormdist` (".install-*" directories, and the
// supervisor's former ".download-*" ones). Errors are ignored: a leftover is retried next time.
void remove_partial_installs(const std::filesystem::path& stormdist);

}  // namespace tempest::common

template <>
struct std::is_error_code_enum<tempest::common::install_errc> : std::true_type {};
