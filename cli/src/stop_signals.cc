// SPDX-License-Identifier: Apache-2.0
#include "stop_signals.h"

#include "tempest/common/config_loader.h"
#include "tempest/common/log.h"
#include "tempest/common/log_rotation.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace tempest::cli {
namespace {

int g_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int sig) {
    int saved = errno;
    char c = static_cast<char>(sig);
    // Nothing can be done about a failed write inside a signal handler; the pipe is
    // non-blocking, so a full pipe (many signals) only drops redundant bytes.
    (void)!write(g_pipe[1], &c, 1);
    errno = saved;
}

}  // namespace

void install_stop_signals() {
    if (g_pipe[0] >= 0) {
        return;
    }
    if (pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    struct sigaction sa = {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

int wait_for_stop_signal(std::optional<std::chrono::milliseconds> timeout) {
    using clock = std::chrono::steady_clock;
    const auto deadline = timeout ? clock::now() + *timeout : clock::time_point::max();
    while (true) {
        int wait_ms = -1;
        if (timeout) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
            if (left.count() <= 0) {
                wait_ms = 0;
            } else {
                // Round up so that a sub-millisecond remainder does not spin.
                wait_ms = static_cast<int>(std::min<long long>(left.count() + 1, 1 << 30));
            }
        }
        pollfd p = {g_pipe[0], POLLIN, 0};
        int n = poll(&p, 1, wait_ms);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        if (n > 0) {
            char c = 0;
            if (read(g_pipe[0], &c, 1) == 1) {
                return static_cast<unsigned char>(c);
            }
            continue;
        }
        if (timeout && clock::now() >= deadline) {
            return 0;
        }
    }
}

config begin_daemon(const std::optional<std::string>& config_file,
                    const std::vector<std::string>& overrides) {
    std::optional<std::filesystem::path> file;
    if (config_file) {
        file = *config_file;
    }
    config conf = common::load_daemon_config(file, overrides);
    common::init_logging(conf.get_string("tempest.log.level", "info"));
    // Output appended to a file (a worker's, or a daemon's started with >> FILE) is rotated.
    (void)common::rotate_stdio_log(conf);  // false: stderr is a terminal or a pipe
    install_stop_signals();
    return conf;
}

}  // namespace tempest::cli
