// SPDX-License-Identifier: Apache-2.0
#include "dev_zookeeper_command.h"

#include "child_process.h"
#include "cli_error.h"
#include "stop_signals.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/zk_launch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace tempest::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// Closes `fd` when it goes out of scope.
struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// Binds 127.0.0.1:port (0 = any free port) and releases it: the port that was free, or a
// cli_error when it is taken.
int check_port(int port) {
    fd_guard s{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) {
        throw cli_error(fmt::format("cannot create a socket: {}", std::strerror(errno)));
    }
    int one = 1;
    ::setsockopt(s.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(port);
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        throw cli_error(fmt::format("cannot listen on 127.0.0.1:{}: {}{}", port,
                                    std::strerror(errno),
                                    errno == EADDRINUSE ? " (port in use; pick another with "
                                                          "--port, or --port 0 for a free one)"
                                                        : ""));
    }
    socklen_t len = sizeof a;
    ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

// The last lines of the server's log, joined with " | " so that an error stays one line.
std::string log_tail(const fs::path& log) {
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            lines.push_back(line);
        }
    }
    if (lines.empty()) {
        return "(the log is empty)";
    }
    std::string tail;
    for (std::size_t i = lines.size() > 5 ? lines.size() - 5 : 0; i < lines.size(); ++i) {
        tail += (tail.empty() ? "" : " | ") + lines[i];
    }
    return tail;
}

// The server process: started by start(), stopped (SIGTERM, then SIGKILL) by stop() or the
// destructor, which also removes a temporary directory.
class zk_process {
  public:
    zk_process(fs::path dir, bool remove_dir) : _dir(std::move(dir)), _remove_dir(remove_dir) {}
    ~zk_process() {
        stop();
        if (_remove_dir) {
            std::error_code ignored;  // a leftover temporary directory is harmless
            fs::remove_all(_dir, ignored);
        }
    }
    zk_process(const zk_process&) = delete;
    zk_process& operator=(const zk_process&) = delete;

    fs::path log() const { return _dir / "zookeeper.log"; }

    void start(int port) {
        fs::path cfg_path = _dir / "zoo.cfg";
        std::ofstream cfg(cfg_path, std::ios::trunc);
        // forceSync=no: a dev server does not fsync its transaction log. With workers using
        // both vCPUs of a small machine, an fsync could take seconds to complete, and the pings
        // queued behind it made every session (workers', Nimbus') lose its connection and
        // expire within a minute or two. A development cluster's state is throwaway.
        // srvr and mntr: the zxid (writes) and server counters that bench/idle_workers.sh reads.
        cfg << "tickTime=2000\n"
            << "dataDir=" << (_dir / "data").string() << "\n"
            << "clientPort=" << port << "\n"
            << "clientPortAddress=127.0.0.1\n"
            << "maxClientCnxns=0\n"
            << "admin.enableServer=false\n"
            << "forceSync=no\n"
            << "4lw.commands.whitelist=ruok,isro,srvr,mntr\n";
        cfg.close();
        if (!cfg) {
            throw cli_error(fmt::format("cannot write {}", cfg_path.string()));
        }
        std::vector<std::string> args = {
            common::zk_java_binary(),
            "-Xmx512m",
            "-Djava.awt.headless=true",
            "-Dzookeeper.root.logger=INFO,CONSOLE",
            "-cp",
            common::zk_classpath(),
            "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            cfg_path.string(),
        };
        // The server dies with us.
        _pid = spawn_logged(args, log(), SIGKILL, "the ZooKeeper server");
    }

    // The exit status text when the server has exited, else "".
    std::string exited() {
        if (_pid <= 0) {
            return "it is not running";
        }
        int status = 0;
        if (::waitpid(_pid, &status, WNOHANG) == _pid) {
            _pid = -1;
            if (WIFEXITED(status)) {
                return fmt::format("it exited with status {}", WEXITSTATUS(status));
            }
            return fmt::format("it was killed by signal {}", WTERMSIG(status));
        }
        return "";
    }

    // SIGTERM, then SIGKILL if it has not exited after `bound`; reaps it. Returns true when
    // SIGKILL was needed.
    bool stop(std::chrono::milliseconds bound = 10s) {
        if (_pid <= 0) {
            return false;
        }
        ::kill(_pid, SIGTERM);
        auto deadline = clock::now() + bound;
        std::chrono::milliseconds pause(5);
        while (clock::now() < deadline) {
            int status = 0;
            if (::waitpid(_pid, &status, WNOHANG) == _pid) {
                _pid = -1;
                return false;
            }
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::milliseconds(100));
        }
        ::kill(_pid, SIGKILL);
        int status = 0;
        while (::waitpid(_pid, &status, 0) < 0 && errno == EINTR) {
        }
        _pid = -1;
        return true;
    }

  private:
    fs::path _dir;
    bool _remove_dir;
    pid_t _pid = -1;
};

}  // namespace

int run_dev_zookeeper(const dev_zookeeper_options& o) {
    std::optional<fs::path> config_file;
    if (o.config_file) {
        config_file = *o.config_file;
    }
    config conf = common::load_daemon_config(config_file, o.overrides);
    int port = o.port ? *o.port : static_cast<int>(conf.get_int("storm.zookeeper.port", 2181));
    if (port < 0 || port > 65535) {
        throw cli_error(fmt::format("bad port {}: expected 0..65535", port), exit_usage);
    }
    std::string java = common::zk_java_binary();
    if (::access(java.c_str(), X_OK) != 0) {
        throw cli_error(
            fmt::format("no Java runtime at {} (install default-jre-headless, or set "
                        "TEMPEST_JAVA or JAVA_HOME)",
                        java));
    }
    std::stringstream classpath(common::zk_classpath());
    for (std::string entry; std::getline(classpath, entry, ':');) {
        if (entry.ends_with(".jar") && !fs::exists(entry)) {
            throw cli_error(
                fmt::format("{} is missing (install the zookeeper package, or set "
                            "TEMPEST_ZK_CLASSPATH)",
                            entry));
        }
    }
    port = check_port(port);

    fs::path dir;
    bool temporary = !o.dir;
    if (o.dir) {
        dir = fs::absolute(*o.dir);
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) {
            throw cli_error(fmt::format("cannot create --dir {}: {}", dir.string(), ec.message()));
        }
    } else {
        const char* tmp = std::getenv("TMPDIR");
        std::string tmpl = (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
                            "tempest-dev-zookeeper-XXXXXX")
                               .string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            throw cli_error(fmt::format("cannot create a temporary directory {}: {}", tmpl,
                                        std::strerror(errno)));
        }
        dir = tmpl;
    }

    install_stop_signals();
    zk_process server(dir, temporary);
    server.start(port);
    auto deadline = clock::now() + std::chrono::seconds(o.start_timeout_secs);
    while (true) {
        if (std::string why = server.exited(); !why.empty()) {
            throw cli_error(
                fmt::format("the ZooKeeper server on 127.0.0.1:{} did not start: {}; "
                            "log tail: {}",
                            port, why, log_tail(server.log())));
        }
        if (common::zk_serving(port, 500ms)) {
            break;
        }
        if (clock::now() >= deadline) {
            std::string tail = log_tail(server.log());
            server.stop();
            throw cli_error(
                fmt::format("the ZooKeeper server on 127.0.0.1:{} did not start "
                            "within {} s; log tail: {}",
                            port, o.start_timeout_secs, tail));
        }
        if (int sig = wait_for_stop_signal(200ms); sig != 0) {
            server.stop();
            return 0;
        }
    }
    fmt::print("ZooKeeper serving on 127.0.0.1:{} (data {}, log {}{})\n", port,
               (dir / "data").string(), server.log().string(),
               temporary ? "; removed on exit" : "");
    std::fflush(stdout);

    // Until a signal, watching the server so that its death ends the command.
    while (true) {
        if (int sig = wait_for_stop_signal(500ms); sig != 0) {
            break;
        }
        if (std::string why = server.exited(); !why.empty()) {
            throw cli_error(
                fmt::format("the ZooKeeper server on 127.0.0.1:{} stopped: {}; log "
                            "{}: {}",
                            port, why, server.log().string(), log_tail(server.log())));
        }
    }
    fmt::print("stopping ZooKeeper on 127.0.0.1:{}\n", port);
    std::fflush(stdout);
    if (server.stop()) {
        print_error("the ZooKeeper server did not stop within 10 s of SIGTERM; killed it");
    }
    return 0;
}

}  // namespace tempest::cli
