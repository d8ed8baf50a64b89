// SPDX-License-Identifier: Apache-2.0
// The package class check at submit (see package_check.h).
#include "package_check.h"

#include "logger.h"
#include "nimbus_error.h"
#include "tempest/topology_api/shell_component.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace tempest::nimbus {

namespace fs = std::filesystem;

namespace {

// A sanitizer runtime reserves terabytes of address space: RLIMIT_AS would stop the helper (built
// as Nimbus is) from starting at all, so such builds go without the memory limit.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool limit_address_space = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
constexpr bool limit_address_space = false;
#else
constexpr bool limit_address_space = true;
#endif
#else
constexpr bool limit_address_space = true;
#endif

constexpr std::string_view header = "tempest-package-classes 1";
constexpr std::size_t max_stdout = 4 << 20;
constexpr std::size_t max_stderr = 16 << 10;
// The helper's exit statuses (cli/src/package_classes_command.cc).
constexpr int exit_not_loadable = 2;
constexpr int exit_out_of_memory = 3;

[[noreturn]] void refuse(const std::string& msg) {
    throw nimbus_error(error_kind::invalid_topology, msg);
}

// Both ends close on exec; closes what is still open when it goes.
struct pipe_pair {
    std::array<int, 2> fd{-1, -1};
    pipe_pair() {
        if (::pipe2(fd.data(), O_CLOEXEC) != 0) {
            throw std::system_error(errno, std::generic_category(), "package check: pipe");
        }
    }
    ~pipe_pair() {
        close_read();
        close_write();
    }
    pipe_pair(const pipe_pair&) = delete;
    pipe_pair& operator=(const pipe_pair&) = delete;
    void close_read() {
        if (fd[0] >= 0) {
            ::close(fd[0]);
            fd[0] = -1;
        }
    }
    void close_write() {
        if (fd[1] >= 0) {
            ::close(fd[1]);
            fd[1] = -1;
        }
    }
};

struct child_result {
    int status = 0;          // as waitpid reports it
    bool timed_out = false;  // we killed it at the deadline
    bool too_much_output = false;
    std::string out;
    std::string err;
};

// In the child between fork and exec: only async-signal-safe calls.
// The setup calls' failures are ignored: each only tightens the child (the parent's deadline and
// group kill still bound it), and there is no one to tell but the exec-error pipe.
[[noreturn]] void exec_child(char* const* argv, int out_fd, int err_fd, int exec_err_fd,
                             const package_check_settings& s) {
    (void)::setpgid(0, 0);
    // Nimbus' threads may block signals (the daemons wait for SIGTERM with sigwait): the child
    // starts with none blocked, so that SIGXCPU and a crash's signal act.
    sigset_t none;
    sigemptyset(&none);
    (void)::sigprocmask(SIG_SETMASK, &none, nullptr);
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0 ||
        ::dup2(err_fd, STDERR_FILENO) < 0) {
        int e = errno;
        (void)!::write(exec_err_fd, &e, sizeof e);
        ::_exit(127);
    }
    // Nimbus' sockets and files stay out of the child (the pipes close on exec).
    for (int fd = 3; fd < 1024; ++fd) {
        (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    rlimit core{0, 0};
    (void)::setrlimit(RLIMIT_CORE, &core);
    auto cpu = static_cast<rlim_t>(s.timeout.count());
    rlimit cpu_limit{cpu, cpu + 1};
    (void)::setrlimit(RLIMIT_CPU, &cpu_limit);
    if (limit_address_space) {
        auto bytes = static_cast<rlim_t>(s.memory_bytes);
        rlimit as{bytes, bytes};
        (void)::setrlimit(RLIMIT_AS, &as);
    }
    ::execve(argv[0], argv, environ);
    int e = errno;
    (void)!::write(exec_err_fd, &e, sizeof e);
    ::_exit(127);
}

// Reads `fd` into `into` (up to `cap` bytes, the rest dropped); false at end of file.
bool drain(int fd, std::string& into, std::size_t cap, bool& over) {
    std::array<char, 8192> buf{};
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
        return errno == EINTR || errno == EAGAIN;
    }
    if (n == 0) {
        return false;
    }
    auto take = std::min(static_cast<std::size_t>(n), cap - std::min(cap, into.size()));
    into.append(buf.data(), take);
    if (take < static_cast<std::size_t>(n)) {
        over = true;
    }
    return true;
}

child_result run_child(const std::vector<std::string>& command, const package_check_settings& s) {
    std::vector<std::string> args = command;
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);

    pipe_pair out;
    pipe_pair err;
    pipe_pair exec_err;
    const auto deadline = std::chrono::steady_clock::now() + s.timeout;
    pid_t pid = ::fork();
    if (pid < 0) {
        throw std::system_error(errno, std::generic_category(), "package check: fork");
    }
    if (pid == 0) {
        exec_child(argv.data(), out.fd[1], err.fd[1], exec_err.fd[1], s);
    }
    // Also here, so that the group exists before the child runs (kill(-pid) below must reach it).
    (void)::setpgid(pid, pid);  // EACCES once the child has exec'd: it set it itself
    out.close_write();
    err.close_write();
    exec_err.close_write();

    child_result r;
    int exec_errno = 0;
    ssize_t got = 0;
    do {
        got = ::read(exec_err.fd[0], &exec_errno, sizeof exec_errno);
    } while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof exec_errno)) {
        (void)::waitpid(pid, nullptr, 0);  // reaps the child, which exits at once (127)
        throw std::runtime_error("package check: cannot run '" + command[0] + "': " +
                                 std::strerror(exec_errno) + " (nimbus.package.check.command)");
    }

    bool out_open = true;
    bool err_open = true;
    auto kill_group = [&] {
        if (::kill(-pid, SIGKILL) != 0) {
            (void)::kill(pid, SIGKILL);  // no group (yet): the child alone; gone is fine
        }
    };
    while (out_open || err_open) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || r.too_much_output) {
            r.timed_out = !r.too_much_output;
            kill_group();
            break;
        }
        std::array<pollfd, 2> fds{pollfd{out_open ? out.fd[0] : -1, POLLIN, 0},
                                  pollfd{err_open ? err.fd[0] : -1, POLLIN, 0}};
        int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR) {
            kill_group();
            break;
        }
        if (n <= 0) {
            continue;
        }
        if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            out_open = drain(out.fd[0], r.out, max_stdout, r.too_much_output);
        }
        if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            bool ignored = false;
            err_open = drain(err.fd[0], r.err, max_stderr, ignored);
        }
    }
    // The output is closed: the helper is exiting. Wait for it until the deadline, leaving it a
    // zombie (its pid, the group's id, cannot be reused), then end whatever else of its group
    // still runs, then reap it.
    while (true) {
        siginfo_t info{};
        int rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
        if (rc == 0 && info.si_pid == pid) {
            break;
        }
        if (rc != 0 && errno != EINTR) {
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            r.timed_out = true;
            kill_group();
        } else {
            // Between closing its output and exiting: a few milliseconds at most.
            ::poll(nullptr, 0, 2);
        }
    }
    kill_group();
    while (::waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
    }
    return r;
}

std::string kind_name(component_class_kind k) {
    switch (k) {
        case component_class_kind::spout:
            return "spout";
        case component_class_kind::bolt:
            return "bolt";
        case component_class_kind::grouping:
            return "grouping";
    }
    return "?";
}

std::string trimmed(const std::string& text) {
    auto end = text.find_last_not_of(" \n\r\t");
    return end == std::string::npos ? std::string() : text.substr(0, end + 1);
}

registered_classes parse(const std::string& out, const std::string& helper) {
    std::istringstream in(out);
    std::string line;
    auto protocol_error = [&](const std::string& what) -> std::runtime_error {
        return std::runtime_error("package check: '" + helper +
                                  "' does not list package classes as Nimbus expects (" + what +
                                  "); is nimbus.package.check.command a tempest binary of this "
                                  "version?");
    };
    if (!std::getline(in, line) || line != header) {
        throw protocol_error("first line '" + line.substr(0, 80) + "'");
    }
    registered_classes classes;
    while (std::getline(in, line)) {
        if (line == "end") {
            return classes;
        }
        auto space = line.find(' ');
        std::string kind = line.substr(0, space);
        if (space == std::string::npos) {
            throw protocol_error("line '" + line.substr(0, 80) + "'");
        }
        std::string name = line.substr(space + 1);
        if (kind == "spout") {
            classes[name] = component_class_kind::spout;
        } else if (kind == "bolt") {
            classes[name] = component_class_kind::bolt;
        } else if (kind == "grouping") {
            classes[name] = component_class_kind::grouping;
        } else {
            throw protocol_error("line '" + line.substr(0, 80) + "'");
        }
    }
    throw protocol_error("no end line");
}

std::string listing(const registered_classes& classes, component_class_kind kind) {
    std::string out;
    int n = 0;
    for (const auto& [name, k] : classes) {
        if (k != kind) {
            continue;
        }
        if (++n > 10) {
            return out + ", ...";
        }
        out += (out.empty() ? "" : ", ") + name;
    }
    return out.empty() ? "none" : out;
}

}  // namespace

bool needs_package_classes(const tempest::topology& t) {
    return std::any_of(t.components.begin(), t.components.end(), [](const component_def& c) {
        return !is_shell_class(c.class_name) ||
               std::any_of(c.inputs.begin(), c.inputs.end(), [](const auto& in) {
                   return in.grouping.type == grouping_type::custom;
               });
    });
}

std::string class_problem(const tempest::topology& t, const registered_classes& classes,
                          const std::string& package) {
    for (const auto& c : t.components) {
        auto want = c.kind == component_kind::spout ? component_class_kind::spout
                                                    : component_class_kind::bolt;
        if (!is_shell_class(c.class_name)) {
            auto it = classes.find(c.class_name);
            if (it == classes.end()) {
                return "component '" + c.id + "' names " + kind_name(want) + " class '" +
                       c.class_name + "', which package " + package + " does not register (its " +
                       kind_name(want) + " classes: " + listing(classes, want) + ")";
            }
            if (it->second != want) {
                return "component '" + c.id + "' is a " + kind_name(want) + " but its class '" +
                       c.class_name + "' is registered by package " + package + " as a " +
                       kind_name(it->second);
            }
        }
        for (const auto& in : c.inputs) {
            if (in.grouping.type != grouping_type::custom) {
                continue;
            }
            auto it = classes.find(in.grouping.custom_class);
            if (it == classes.end() || it->second != component_class_kind::grouping) {
                return "component '" + c.id + "' subscribes to '" + in.component +
                       "' with custom grouping class '" + in.grouping.custom_class +
                       "', which package " + package + " does not register as a grouping";
            }
        }
    }
    return {};
}

registered_classes list_package_classes(const package_check_settings& s, const fs::path& package) {
    if (s.command.empty()) {
        throw std::runtime_error(
            "package check: nimbus.package.check.command is not set (`tempest nimbus` sets it to "
            "itself; a Nimbus embedded elsewhere must name a tempest binary, or set "
            "nimbus.package.check to false)");
    }
    std::vector<std::string> command = s.command;
    command.push_back(package.string());
    const std::string name = package.filename().string();
    auto r = run_child(command, s);
    const std::string why = r.err.empty() ? "" : ": " + trimmed(r.err);
    if (r.timed_out || (WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGXCPU)) {
        refuse("listing the classes of package " + name + " took longer than " +
               std::to_string(s.timeout.count()) +
               " s (nimbus.package.check.timeout.secs): its tempest_register or static "
               "initializers do not finish");
    }
    if (r.too_much_output) {
        refuse("package " + name + " registers more classes than Nimbus reads (" +
               std::to_string(max_stdout >> 20) + " MiB of names)");
    }
    if (WIFSIGNALED(r.status)) {
        int sig = WTERMSIG(r.status);
        const char* desc = ::strsignal(sig);
        refuse("package " + name + " crashed while loading (signal " + std::to_string(sig) +
               (desc != nullptr ? std::string(", ") + desc : std::string()) + ")" + why);
    }
    int code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
    if (code == exit_not_loadable) {
        refuse("package " + name + " cannot be loaded" + why);
    }
    if (code == exit_out_of_memory) {
        refuse("package " + name + " needs more than " + std::to_string(s.memory_bytes >> 20) +
               " MiB to load (nimbus.package.check.memory.mb)" + why);
    }
    if (code != 0) {
        throw std::runtime_error("package check: '" + s.command[0] + "' failed with exit status " +
                                 std::to_string(code) + why + " (nimbus.package.check.command)");
    }
    return parse(r.out, s.command[0]);
}

void check_package_classes(const package_check_settings& s, const tempest::topology& t,
                           const fs::path& package, const std::string& source) {
    if (!s.enabled || !needs_package_classes(t)) {
        return;
    }
    auto started = std::chrono::steady_clock::now();
    registered_classes classes;
    try {
        classes = list_package_classes(s, package);
    } catch (const nimbus_error& e) {
        refuse(source + ": " + e.what());
    } catch (const std::exception& e) {
        throw std::runtime_error(source + " not submitted: " + e.what());
    }
    log().debug("{}: package {} registers {} classes (listed in {} ms)", source,
                package.filename().string(), classes.size(),
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
    if (auto p = class_problem(t, classes, package.filename().string()); !p.empty()) {
        refuse(source + ": " + p);
    }
}

}  // namespace tempest::nimbus
