// SPDX-License-Identifier: Apache-2.0
#include "logviewer_search.h"

#include "logviewer_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tempest::ui {

namespace {

constexpr std::size_t chunk_bytes = 64 * 1024;

// A window onto the file: buf holds bytes [buf_start, buf_start + buf.size()), read in chunks.
class file_window {
  public:
    file_window(int fd, std::uint64_t start, std::uint64_t size)
        : _fd(fd), _buf_start(start), _next(start), _size(size) {}

    const std::string& buf() const noexcept { return _buf; }
    std::uint64_t buf_start() const noexcept { return _buf_start; }
    bool at_end() const noexcept { return _next >= _size; }

    // Appends the next chunk (never past the size the search began with). False at the end.
    bool fill() {
        if (at_end()) {
            return false;
        }
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_bytes, _size - _next));
        const std::size_t old = _buf.size();
        _buf.resize(old + want);
        std::size_t got = 0;
        while (got < want) {
            ssize_t n =
                ::pread(_fd, _buf.data() + old + got, want - got, static_cast<off_t>(_next + got));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            got += static_cast<std::size_t>(n);
        }
        _buf.resize(old + got);
        _next += got;
        if (got < want) {
            _size = _next;  // truncated meanwhile: the search ends at what is there
        }
        return got > 0;
    }

    // Drops the bytes before buf index `keep_from`.
    void drop_before(std::size_t keep_from) {
        _buf.erase(0, keep_from);
        _buf_start += keep_from;
    }

  private:
    int _fd;
    std::string _buf;
    std::uint64_t _buf_start;
    std::uint64_t _next;
    std::uint64_t _size;
};

}  // namespace

log_search_result search_log(const std::filesystem::path& path, std::string_view needle,
                             std::size_t num_matches, std::uint64_t start) {
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
    log_search_result result;
    result.size = static_cast<std::uint64_t>(st.st_size);
    if (start > result.size) {
        throw log_access_error(400, "bad parameter 'start-byte-offset' " + std::to_string(start) +
                                        ": cannot search past the end of the file (" +
                                        std::to_string(result.size) + " bytes)");
    }
    const std::size_t n = needle.size();
    const std::size_t ctx = search_context_bytes;
    file_window w(fd, start, result.size);
    (void)w.fill();       // an empty file or range simply has no match
    std::size_t pos = 0;  // index in w.buf() to search from
    // Keeps `ctx` bytes before `anchor` (for a match's before-context), reads the next chunk.
    auto slide_and_fill = [&](std::size_t anchor) {
        std::size_t keep_from = anchor > ctx ? anchor - ctx : 0;
        w.drop_before(keep_from);
        pos = pos > keep_from ? pos - keep_from : 0;
        return w.fill();
    };
    while (result.matches.size() < num_matches) {
        const std::string& buf = w.buf();
        const std::size_t i = buf.find(needle.data(), pos, n);
        if (i == std::string::npos) {
            // No match starts before size - (n - 1): search on from there with the next chunk.
            const std::size_t tail = buf.size() >= n - 1 ? buf.size() - (n - 1) : 0;
            pos = std::max(pos, tail);
            if (!slide_and_fill(pos)) {
                break;
            }
            continue;
        }
        if (i + n + ctx > buf.size() && !w.at_end()) {
            pos = i;  // the same match, once its after-context is read
            (void)slide_and_fill(i);
            continue;
        }
        log_match m;
        m.byte_offset = w.buf_start() + i;
        const std::size_t before_from = i > ctx ? i - ctx : 0;
        m.before = buf.substr(before_from, i - before_from);
        m.after = buf.substr(i + n, std::min(ctx, buf.size() - (i + n)));
        result.matches.push_back(std::move(m));
        pos = i + n;
    }
    if (result.matches.size() >= num_matches) {
        const std::uint64_t next = result.matches.back().byte_offset + n;
        if (next < result.size) {
            result.next_byte_offset = next;
        }
    }
    return result;
}

}  // namespace tempest::ui
