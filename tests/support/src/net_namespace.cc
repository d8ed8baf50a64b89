// SPDX-License-Identifier: Apache-2.0
#include "tempest/test_support/net_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>
#include <thread>

namespace tempest::test_support {

net_namespace::net_namespace() {
    // A thread's namespaces are its own: unshare on a thread that ends at once leaves the caller
    // where it was, and the descriptor keeps the new namespace alive.
    int err = 0;
    const char* what = "";
    std::thread([&] {
        if (::unshare(CLONE_NEWNET) != 0) {
            err = errno;
            what = "unshare(CLONE_NEWNET)";
            return;
        }
        _fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (_fd < 0) {
            err = errno;
            what = "open /proc/thread-self/ns/net";
        }
    }).join();
    if (_fd < 0) {
        throw std::system_error(err, std::generic_category(),
                                std::string("net_namespace: ") + what);
    }
}

net_namespace::~net_namespace() {
    ::close(_fd);
}

std::string net_namespace::path() const {
    return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(_fd);
}

net_namespace::output net_namespace::run(const std::string& command) const {
    output out;
    std::thread([&] {
        if (::setns(_fd, CLONE_NEWNET) != 0) {
            out.text = "setns: " + std::error_code(errno, std::generic_category()).message();
            return;
        }
        // popen starts the shell from this thread: it is born in this namespace.
        FILE* p = ::popen((command + " 2>&1").c_str(), "r");
        if (p == nullptr) {
            out.text = "popen: " + std::error_code(errno, std::generic_category()).message();
            return;
        }
        char buf[4096];
        std::size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
            out.text.append(buf, n);
        }
        const int status = ::pclose(p);
        out.status = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }).join();
    return out;
}

}  // namespace tempest::test_support
