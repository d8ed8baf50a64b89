// SPDX-License-Identifier: Apache-2.0
// logviewer_files: the logviewer's access to the workers' log folder
// (`<tempest.log.dir>/workers-artifacts`, laid out <topology-id>/<port>/worker.log as Storm's):
// turning a `file` parameter into a file that is certainly inside that folder, reading a page
// of it, listing the logs. No HTTP here: the routes (logviewer_routes.cc) call these and turn
// log_access_error into a status.
//
// Safety: a `file` parameter is a relative path under the folder. An absolute path or a `..`
// segment is refused outright; the rest is resolved with every symbolic link followed
// (std::filesystem::canonical) and must still lie inside the folder's own canonical path, so a
// link leading out is refused too. Only regular files are served.
//
// Stateless apart from the folder's path; any thread, concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::ui {

// Why a logviewer request cannot be served, with the HTTP status that says so.
class log_access_error : public std::runtime_error {
  public:
    log_access_error(int status, const std::string& message)
        : std::runtime_error(message), _status(status) {}
    int status() const noexcept { return _status; }

  private:
    int _status;
};

// One page of a file: bytes [start, start + content.size()) of a file of `size` bytes.
struct log_page {
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    std::string content;
};

// A file resolved inside the folder: its canonical path and its name relative to the folder
// ("topology/port/worker.log", what links carry).
struct resolved_log {
    std::filesystem::path path;
    std::string name;
};

// Storm's default page (51200 bytes) and our cap on one page (Storm's is 10 MiB; ours keeps a
// page, HTML-escaped, at a few MiB of memory per request).
inline constexpr std::uint64_t default_page_bytes = 51200;
inline constexpr std::uint64_t max_page_bytes = 1024 * 1024;

class log_folder {
  public:
    // `root`: the workers' log folder; it need not exist yet (no worker has run).
    explicit log_folder(std::filesystem::path root);

    const std::filesystem::path& root() const noexcept { return _root; }

    // `file` (relative to the folder) resolved: canonical path and name. Throws log_access_error:
    // 400 for an empty, absolute or NUL-holding name, 403 for `..` segments or a path (link)
    // leading out of the folder, 404 for a missing file or one that is not a regular file.
    resolved_log resolve(const std::string& file) const;

    // A page of the file at `path` (from resolve): `length` bytes (capped at max_page_bytes)
    // from `start`, or the last `length` bytes when `start` is empty. Throws log_access_error
    // 400 when start is past the end of the file, 404 when it cannot be read.
    static log_page read_page(const std::filesystem::path& path, std::optional<std::uint64_t> start,
                              std::uint64_t length);

    // Storm's listLogs: every regular file under <topology>/<port>/ as
    // "topology/port/name", sorted; only `topology_id` and/or `port` when given. Names that
    // would lead out of the folder match nothing.
    std::vector<std::string> list(const std::optional<std::string>& topology_id,
                                  const std::optional<std::string>& port) const;

  private:
    std::filesystem::path _root;
};

}  // namespace tempest::ui
