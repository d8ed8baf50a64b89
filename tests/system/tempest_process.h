// SPDX-License-Identifier: Apache-2.0
// tempest_process: the real `tempest` binary (build/bin/tempest, found through TEMPEST_BUILD_DIR)
// run as a child process with its stdout and stderr in files of a private temporary directory,
// for the system tests. The destructor kills (SIGKILL) a process still running and removes the
// directory. Not thread-safe: the test's thread drives it.
#pragma once

#include "tempest/test_support/wait_until.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tempest::system_test {

inline std::filesystem::path build_dir() {
    const char* env = std::getenv("TEMPEST_BUILD_DIR");
    return env != nullptr ? std::filesystem::path(env) : std::filesystem::path(TEMPEST_BINARY_DIR);
}

inline std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

class tempest_process {
  public:
    explicit tempest_process(const std::vector<std::string>& args) {
        static int counter = 0;
        _dir = std::filesystem::temp_directory_path() /
               ("tempest-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(_dir);
        std::string binary = (build_dir() / "bin" / "tempest").string();
        std::vector<std::string> argv_store{binary};
        argv_store.insert(argv_store.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_store) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        std::string out = (_dir / "stdout").string();
        std::string err = (_dir / "stderr").string();
        _pid = ::fork();
        if (_pid == 0) {
            int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(o, 1);
            ::dup2(e, 2);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }
    ~tempest_process() {
        if (_pid > 0 && !_exited) {
            ::kill(_pid, SIGKILL);
            int status = 0;
            ::waitpid(_pid, &status, 0);
        }
        std::error_code ec;
        std::filesystem::remove_all(_dir, ec);
    }
    tempest_process(const tempest_process&) = delete;
    tempest_process& operator=(const tempest_process&) = delete;

    // Waits for the exit status (or -signal); -1000 if it is still running at the deadline.
    int wait(std::chrono::seconds timeout = std::chrono::seconds(60)) {
        if (!_exited) {
            bool done = test_support::wait_until([&] { return exited(); }, timeout);
            if (!done) {
                return -1000;
            }
        }
        return _status;
    }
    // True once the process has exited (reaps it).
    bool exited() {
        if (!_exited) {
            int status = 0;
            if (::waitpid(_pid, &status, WNOHANG) == _pid) {
                _exited = true;
                _status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            }
        }
        return _exited;
    }
    void signal(int sig) { ::kill(_pid, sig); }
    std::string out() const { return read_all(_dir / "stdout"); }
    std::string err() const { return read_all(_dir / "stderr"); }

  private:
    std::filesystem::path _dir;
    pid_t _pid = -1;
    bool _exited = false;
    int _status = 0;
};

struct run_result {
    int status;
    std::string out;
    std::string err;
};

// Runs `tempest ARGS...` to completion (or 60 s).
inline run_result run(const std::vector<std::string>& args) {
    tempest_process p(args);
    int status = p.wait();
    return {status, p.out(), p.err()};
}

}  // namespace tempest::system_test
