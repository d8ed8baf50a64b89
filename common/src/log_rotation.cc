// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/log_rotation.h"

#include "tempest/common/log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tempest::common {

namespace fs = std::filesystem;

log_rotator::log_rotator(fs::path path, std::vector<int> fds, std::uint64_t max_bytes, int files)
    : _path(std::move(path)),
      _fds(std::move(fds)),
      _max_bytes(std::max<std::uint64_t>(1, max_bytes)),
      _files(std::max(1, files)) {}

log_rotator::~log_rotator() {
    stop();
}

fs::path log_rotator::old_file(int n) const {
    return fs::path(_path.string() + "." + std::to_string(n));
}

bool log_rotator::check(std::size_t incoming) {
    std::scoped_lock lock(_mu);
    if (_failed || _fds.empty()) {
        return false;
    }
    struct stat st {};
    if (::fstat(_fds.front(), &st) != 0) {
        return false;
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size == 0 || size + incoming <= _max_bytes) {
        return false;
    }
    return rotate_locked();
}

bool log_rotator::rotate_locked() {
    std::error_code ec;
    // Oldest first: <path>.<files-1> is replaced by the rename over it.
    for (int n = _files - 2; n >= 1 && _files > 1; --n) {
        if (fs::exists(old_file(n), ec)) {
            fs::rename(old_file(n), old_file(n + 1), ec);
        }
    }
    if (_files > 1) {
        fs::rename(_path, old_file(1), ec);
    } else {
        fs::remove(_path, ec);
    }
    const int fd = ::open(_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (ec || fd < 0) {
        _failed = true;
        const std::string why = ec ? ec.message() : std::strerror(errno);
        if (fd >= 0) {
            ::close(fd);
        }
        // Straight to the descriptor: the logger may be what called us.
        const std::string line =
            fmt::format("tempest: cannot rotate the log file {}: {}; it is no longer rotated\n",
                        _path.string(), why);
        (void)!::write(_fds.front(), line.data(), line.size());  // best effort: the log itself
        return false;
    }
    for (int target : _fds) {
        ::dup2(fd, target);  // atomic: a writer sees the old file or the new one
    }
    ::close(fd);
    return true;
}

void log_rotator::start_watch(std::chrono::milliseconds period) {
    std::scoped_lock lock(_mu);
    if (_watch.joinable()) {
        return;
    }
    _stopping = false;
    _watch = std::thread([this, period] {
        std::unique_lock lock(_mu);
        while (!_cv.wait_for(lock, period, [this] { return _stopping; })) {
            lock.unlock();
            check();
            lock.lock();
        }
    });
}

void log_rotator::stop() {
    {
        std::scoped_lock lock(_mu);
        _stopping = true;
    }
    _cv.notify_all();
    if (_watch.joinable()) {
        _watch.join();
    }
}

namespace {

// The logger's sink while rotation is on: formats a line, lets the rotator make room, writes
// it to stderr (the descriptor, unbuffered, so a crash right after loses nothing).
class rotating_stderr_sink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit rotating_stderr_sink(std::shared_ptr<log_rotator> r) : _rotator(std::move(r)) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        _rotator->check(formatted.size());
        const char* p = formatted.data();
        std::size_t left = formatted.size();
        while (left > 0) {
            const ssize_t n = ::write(STDERR_FILENO, p, left);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                return;  // nowhere else to say it
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    }
    void flush_() override {}

  private:
    std::shared_ptr<log_rotator> _rotator;
};

bool same_file(int a, int b) {
    struct stat sa {};
    struct stat sb {};
    return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

}  // namespace

bool rotate_stdio_log(const config& conf) {
    const double mb = conf.get_double("tempest.log.max.size.mb", 100.0);
    const auto files = static_cast<int>(conf.get_int("tempest.log.max.files", 10));
    struct stat st {};
    if (mb <= 0 || ::fstat(STDERR_FILENO, &st) != 0 || !S_ISREG(st.st_mode)) {
        return false;
    }
    std::error_code ec;
    const fs::path path = fs::read_symlink("/proc/self/fd/2", ec);
    if (ec || !path.is_absolute()) {
        return false;
    }
    std::vector<int> fds = {STDERR_FILENO};
    if (same_file(STDOUT_FILENO, STDERR_FILENO)) {
        fds.push_back(STDOUT_FILENO);
    }
    // Leaked on purpose, as the logging state: loggers may write until the process' last
    // moment, and the watch thread runs as long as the process.
    auto rotator = std::shared_ptr<log_rotator>(
        new log_rotator(path, fds, static_cast<std::uint64_t>(mb * 1024 * 1024), files),
        [](log_rotator*) {});
    rotator->start_watch(std::chrono::seconds(1));
    replace_log_sink(std::make_shared<rotating_stderr_sink>(rotator));
    logger("log").info("rotating {} at {} MB, keeping {} files", path.string(), mb, files);
    return true;
}

}  // namespace tempest::common
