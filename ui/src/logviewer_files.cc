// SPDX-License-Identifier: Apache-2.0
#include "logviewer_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tempest::ui {

namespace fs = std::filesystem;

namespace {

// True when `p` is `base` or lies below it (both canonical), compared by whole components.
bool inside(const fs::path& base, const fs::path& p) {
    auto b = base.begin();
    auto i = p.begin();
    for (; b != base.end(); ++b, ++i) {
        if (i == p.end() || *i != *b) {
            return false;
        }
    }
    return true;
}

// The folder's canonical path; 404 while it does not exist.
fs::path canonical_root(const fs::path& root) {
    std::error_code ec;
    fs::path r = fs::canonical(root, ec);
    if (ec) {
        throw log_access_error(
            404, "no worker logs on this node yet (" + root.string() + " does not exist)");
    }
    return r;
}

// A name that may be joined to a folder: not empty, not "." or "..", no '/'.
bool plain_name(const std::string& s) {
    return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
           s.find('\0') == std::string::npos;
}

}  // namespace

log_folder::log_folder(fs::path root) : _root(std::move(root)) {}

resolved_log log_folder::resolve(const std::string& file) const {
    if (file.empty()) {
        throw log_access_error(400, "missing parameter 'file' (e.g. TOPOLOGY-ID/PORT/worker.log)");
    }
    if (file.find('\0') != std::string::npos) {
        throw log_access_error(400, "bad parameter 'file': it holds a NUL byte");
    }
    const fs::path rel(file);
    if (rel.is_absolute()) {
        throw log_access_error(400, "bad parameter 'file' '" + file +
                                        "': expected a path relative to the workers' log folder "
                                        "(TOPOLOGY-ID/PORT/worker.log)");
    }
    for (const auto& part : rel) {
        if (part == "..") {
            throw log_access_error(403, "refused 'file' '" + file +
                                            "': '..' would lead out of the workers' log folder");
        }
    }
    const fs::path root = canonical_root(_root);
    std::error_code ec;
    fs::path p = fs::canonical(root / rel, ec);
    if (ec) {
        throw log_access_error(404, "no such log file '" + file + "' on this node");
    }
    if (!inside(root, p)) {
        throw log_access_error(403, "refused 'file' '" + file +
                                        "': it leads out of the workers' log "
                                        "folder");
    }
    if (!fs::is_regular_file(p, ec)) {
        throw log_access_error(404, "'" + file + "' is not a log file");
    }
    return {p, p.lexically_relative(root).string()};
}

log_page log_folder::read_page(const fs::path& path, std::optional<std::uint64_t> start,
                               std::uint64_t length) {
    length = std::min(length, max_page_bytes);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw log_access_error(
            404, "cannot read " + path.filename().string() + ": " + std::strerror(errno));
    }
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } close_it{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        throw log_access_error(
            404, "cannot read " + path.filename().string() + ": " + std::strerror(errno));
    }
    log_page page;
    page.size = static_cast<std::uint64_t>(st.st_size);
    if (start && *start > page.size) {
        throw log_access_error(400, "bad parameter 'start' " + std::to_string(*start) +
                                        ": past the end of the file (" + std::to_string(page.size) +
                                        " bytes)");
    }
    page.start = start ? *start : (page.size > length ? page.size - length : 0);
    const std::uint64_t want = std::min(length, page.size - page.start);
    page.content.resize(static_cast<std::size_t>(want));
    std::size_t got = 0;
    while (got < want) {
        ssize_t n = ::pread(fd, page.content.data() + got, static_cast<std::size_t>(want) - got,
                            static_cast<off_t>(page.start + got));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;  // truncated meanwhile: what was there
        }
        got += static_cast<std::size_t>(n);
    }
    page.content.resize(got);
    return page;
}

std::vector<std::string> log_folder::list(const std::optional<std::string>& topology_id,
                                          const std::optional<std::string>& port) const {
    std::vector<std::string> out;
    if ((topology_id && !plain_name(*topology_id)) || (port && !plain_name(*port))) {
        return out;
    }
    std::error_code ec;
    fs::path root = fs::canonical(_root, ec);
    if (ec) {
        return out;
    }
    // Lists the directories directly in `dir` (or only `only` when given).
    auto dirs_in = [](const fs::path& dir, const std::optional<std::string>& only) {
        std::vector<fs::path> found;
        std::error_code e;
        if (only) {
            if (!fs::is_symlink(dir / *only, e) && fs::is_directory(dir / *only, e)) {
                found.push_back(dir / *only);
            }
            return found;
        }
        for (fs::directory_iterator it(dir, e), end; !e && it != end; it.increment(e)) {
            if (!it->is_symlink(e) && it->is_directory(e)) {
                found.push_back(it->path());
            }
        }
        return found;
    };
    for (const auto& topo : dirs_in(root, topology_id)) {
        for (const auto& port_dir : dirs_in(topo, port)) {
            for (fs::directory_iterator it(port_dir, ec), end; !ec && it != end; it.increment(ec)) {
                std::error_code e;
                if (!it->is_symlink(e) && it->is_regular_file(e)) {
                    out.push_back(topo.filename().string() + "/" + port_dir.filename().string() +
                                  "/" + it->path().filename().string());
                }
            }
            ec.clear();
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace tempest::ui
