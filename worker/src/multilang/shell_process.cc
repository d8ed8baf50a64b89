// SPDX-License-Identifier: Apache-2.0
#include "multilang/shell_process.h"

#include "tempest/common/log.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace tempest::worker::multilang {

namespace {

bool is_executable_file(const std::filesystem::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

std::string errno_text(int e) {
    return std::string(std::strerror(e));
}

// Writing to the stdin of a subprocess that has gone raises SIGPIPE, which by default ends the
// whole worker. The worker ignores it once (its sockets already pass MSG_NOSIGNAL) and sees
// EPIPE instead.
void ignore_sigpipe() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction old {};
        if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
            ::signal(SIGPIPE, SIG_IGN);
        }
    });
}

std::string status_text(int status) {
    if (WIFEXITED(status)) {
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return "was killed by signal " + std::to_string(WTERMSIG(status));
    }
    return "ended with wait status " + std::to_string(status);
}

}  // namespace

std::string shell_process::resolve_program(const std::string& argv0,
                                           const std::filesystem::path& cwd) {
    namespace fs = std::filesystem;
    if (argv0.empty()) {
        throw std::runtime_error("the command is empty");
    }
    if (argv0.find('/') != std::string::npos) {
        fs::path p = fs::path(argv0).is_absolute() ? fs::path(argv0) : cwd / argv0;
        if (is_executable_file(p)) {
            return fs::absolute(p).string();
        }
        throw std::runtime_error("command '" + argv0 + "' is not an executable file (looked at " +
                                 p.string() + ")");
    }
    const char* path_env = std::getenv("PATH");
    std::string path = path_env != nullptr ? path_env : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) {
            end = path.size();
        }
        std::string dir = path.substr(start, end - start);
        fs::path p = (dir.empty() ? fs::path(".") : fs::path(dir)) / argv0;
        if (is_executable_file(p)) {
            return fs::absolute(p).string();
        }
        start = end + 1;
    }
    if (is_executable_file(cwd / argv0)) {
        return fs::absolute(cwd / argv0).string();
    }
    throw std::runtime_error("command '" + argv0 + "' not found on PATH (" + path + ") nor in " +
                             cwd.string());
}

shell_process::shell_process(options o) : _o(std::move(o)) {}

shell_process::~shell_process() {
    (void)stop(std::chrono::milliseconds(
        0));  // the status text is only of interest to callers who stop explicitly
}

void shell_process::start() {
    ignore_sigpipe();
    int in[2];
    int out[2];
    int err[2];
    int exec_err[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
        ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(exec_err, O_CLOEXEC) != 0) {
        throw std::runtime_error("cannot create pipes: " + errno_text(errno));
    }
    std::vector<char*> argv;
    for (std::string& a : _o.argv) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::string cwd = _o.cwd.string();
    const char* program = _o.program.c_str();
    pid_t pid = ::fork();
    if (pid < 0) {
        int e = errno;
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1], exec_err[0], exec_err[1]}) {
            ::close(fd);
        }
        throw std::runtime_error("fork failed: " + errno_text(e));
    }
    if (pid == 0) {
        // The child: only async-signal-safe calls until exec.
        ::setpgid(0, 0);
        ::signal(SIGPIPE, SIG_DFL);
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        int e = 0;
        if (::chdir(cwd.c_str()) != 0) {
            e = errno;
        } else {
            ::execv(program, argv.data());
            e = errno;
        }
        ssize_t w = ::write(exec_err[1], &e, sizeof e);
        (void)w;  // nothing more the child can do
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    ::close(exec_err[1]);
    _pid = pid;
    _stdin = in[1];
    _stdout = out[0];
    _stderr = err[0];
    ::fcntl(_stdin, F_SETFL, ::fcntl(_stdin, F_GETFL) | O_NONBLOCK);
    int child_errno = 0;
    ssize_t n = 0;
    do {
        n = ::read(exec_err[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    ::close(exec_err[0]);
    if (n == sizeof child_errno) {
        (void)stop(std::chrono::milliseconds(0));  // reaps the child, which has exited with 127
        throw std::runtime_error("cannot run '" + _o.argv[0] + "' in " + cwd + ": " +
                                 errno_text(child_errno));
    }
    _reader = std::thread([this] { read_stdout(); });
    _err_reader = std::thread([this] { read_stderr(); });
}

void shell_process::write_message(std::string_view json) {
    if (_out_pos > 0 && _out_pos == _out.size()) {
        _out.clear();
        _out_pos = 0;
    }
    _out.append(json);
    _out.append("\nend\n");
}

bool shell_process::flush() {
    while (_out_pos < _out.size()) {
        ssize_t n = ::write(_stdin, _out.data() + _out_pos, _out.size() - _out_pos);
        if (n > 0) {
            _out_pos += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        return false;  // EPIPE: the reader side is gone
    }
    _out.clear();
    _out_pos = 0;
    return true;
}

void shell_process::wait_writable(std::chrono::milliseconds timeout) {
    if (has_message() || _stdin < 0) {
        return;
    }
    pollfd p{_stdin, POLLOUT, 0};
    (void)::poll(&p, 1, static_cast<int>(timeout.count()));  // a timeout is as good as ready
}

void shell_process::push(shell_message m) {
    {
        std::unique_lock lock(_mu);
        _cv.wait(lock, [&] { return _queue.size() < _o.max_queued || _closing; });
        if (_closing) {
            return;
        }
        _queue.push_back(std::move(m));
        _queued.fetch_add(1, std::memory_order_release);
    }
    _cv.notify_all();
    if (_o.wake != nullptr) {
        std::atomic_thread_fence(std::memory_order_seq_cst);
        _o.wake->wake_if_parked();
    }
}

void shell_process::read_stdout() {
    std::string buf;
    std::string msg;  // the lines of the message being read
    std::size_t scan = 0;
    char chunk[65536];
    for (;;) {
        ssize_t n = ::read(_stdout, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        buf.append(chunk, static_cast<std::size_t>(n));
        std::size_t line_start = 0;
        for (;;) {
            std::size_t nl = buf.find('\n', scan);
            if (nl == std::string::npos) {
                break;
            }
            std::string_view line(buf.data() + line_start, nl - line_start);
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            if (line == "end") {
                shell_message m;
                m.body = nlohmann::json::parse(msg, nullptr, false);
                if (m.body.is_discarded()) {
                    m.k = shell_message::kind::invalid;
                    m.text = "invalid JSON: " + msg.substr(0, 200);
                }
                msg.clear();
                push(std::move(m));
            } else {
                if (!msg.empty()) {
                    msg += '\n';
                }
                msg.append(line);
            }
            line_start = nl + 1;
            scan = line_start;
        }
        buf.erase(0, line_start);
        scan = buf.size();
    }
    shell_message m;
    m.k = shell_message::kind::eof;
    if (!msg.empty() || !buf.empty()) {
        m.text = "output ended inside a message: " + (msg + buf).substr(0, 200);
    }
    push(std::move(m));
}

void shell_process::read_stderr() {
    std::string line;
    char chunk[4096];
    auto& log = common::logger("worker");
    for (;;) {
        ssize_t n = ::read(_stderr, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        {
            std::scoped_lock lock(_mu);
            _tail.append(chunk, static_cast<std::size_t>(n));
            if (_tail.size() > _o.stderr_tail) {
                _tail.erase(0, _tail.size() - _o.stderr_tail);
            }
        }
        for (ssize_t i = 0; i < n; ++i) {
            if (chunk[i] == '\n') {
                log.info("{} stderr: {}", _o.log_prefix, line);
                line.clear();
            } else if (line.size() < 4096) {
                line += chunk[i];
            }
        }
    }
    if (!line.empty()) {
        log.info("{} stderr: {}", _o.log_prefix, line);
    }
}

bool shell_process::try_pop(shell_message& m) {
    if (_queued.load(std::memory_order_acquire) == 0) {
        return false;
    }
    {
        std::scoped_lock lock(_mu);
        if (_queue.empty()) {
            return false;
        }
        m = std::move(_queue.front());
        _queue.pop_front();
        _queued.fetch_sub(1, std::memory_order_release);
    }
    _cv.notify_all();
    return true;
}

bool shell_process::wait_pop(shell_message& m, std::chrono::steady_clock::time_point deadline) {
    {
        std::unique_lock lock(_mu);
        if (!_cv.wait_until(lock, deadline, [&] { return !_queue.empty(); })) {
            return false;
        }
        m = std::move(_queue.front());
        _queue.pop_front();
        _queued.fetch_sub(1, std::memory_order_release);
    }
    _cv.notify_all();
    return true;
}

std::string shell_process::stderr_tail() const {
    std::scoped_lock lock(_mu);
    return _tail;
}

std::optional<std::string> shell_process::exited() {
    if (_end_status || _pid <= 0) {
        return _end_status;
    }
    // WNOWAIT: the process stays a zombie, so its process group id cannot be reused before
    // stop() kills what is left of the group and reaps it.
    siginfo_t si{};
    if (::waitid(P_PID, static_cast<id_t>(_pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        si.si_pid == _pid) {
        return si.si_code == CLD_EXITED ? "exited with status " + std::to_string(si.si_status)
                                        : "was killed by signal " + std::to_string(si.si_status);
    }
    return std::nullopt;
}

std::string shell_process::stop(std::chrono::milliseconds grace) {
    if (_stdin >= 0) {
        ::close(_stdin);
        _stdin = -1;
    }
    auto wait_exit = [this](std::chrono::milliseconds d) {
        auto deadline = std::chrono::steady_clock::now() + d;
        while (!exited() && std::chrono::steady_clock::now() < deadline) {
            pollfd none{-1, 0, 0};
            (void)::poll(&none, 0, 5);  // a 5 ms pause between checks of the child
        }
    };
    if (_pid > 0) {
        wait_exit(grace);
        if (!exited()) {
            ::kill(-_pid, SIGTERM);
            wait_exit(std::chrono::milliseconds(1000));
        }
        // The leader is not reaped yet, so the group is still ours: whatever is left in it (a
        // shell's children holding the pipes) goes too.
        ::kill(-_pid, SIGKILL);
        int status = 0;
        pid_t r = 0;
        do {
            r = ::waitpid(_pid, &status, 0);
        } while (r < 0 && errno == EINTR);
        _end_status = r == _pid ? status_text(status) : "could not be reaped";
        _pid = -1;
    }
    {
        std::scoped_lock lock(_mu);
        _closing = true;
    }
    _cv.notify_all();
    if (_reader.joinable()) {
        _reader.join();
    }
    if (_err_reader.joinable()) {
        _err_reader.join();
    }
    for (int* fd : {&_stdout, &_stderr}) {
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
    }
    return _end_status.value_or("not started");
}

}  // namespace tempest::worker::multilang
