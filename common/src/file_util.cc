// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/file_util.h"

#include "tempest/common/random_id.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace tempest::common {

namespace fs = std::filesystem;

namespace {

std::error_code last_error() {
    return {errno, std::generic_category()};
}

// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
std::error_code write_all(int fd, std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return last_error();
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace

result<std::string> try_read_file(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return last_error();
    }
    std::string out;
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            auto ec = last_error();
            ::close(fd);
            return ec;
        }
        if (n == 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

std::string read_file(const fs::path& path) {
    auto r = try_read_file(path);
    if (!r) {
        throw std::system_error(r.error(), "cannot read " + path.string());
    }
    return std::move(*r);
}

result<void> try_write_file_atomically(const fs::path& path, std::string_view bytes, durability d) {
    fs::path tmp = path;
    tmp += ".tmp-" + random_hex(8);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return last_error();
    }
    std::error_code ec = write_all(fd, bytes);
    if (!ec && d == durability::fsync && ::fsync(fd) != 0) {
        ec = last_error();
    }
    if (::close(fd) != 0 && !ec) {
        ec = last_error();
    }
    if (!ec) {
        fs::rename(tmp, path, ec);
    }
    if (ec) {
        std::error_code ignored;
        fs::remove(tmp, ignored);  // best effort: the error to report is `ec`
        return ec;
    }
    return {};
}

void write_file_atomically(const fs::path& path, std::string_view bytes, durability d) {
    auto r = try_write_file_atomically(path, bytes, d);
    if (!r) {
        throw std::system_error(r.error(), "cannot write " + path.string());
    }
}

}  // namespace tempest::common
