// SPDX-License-Identifier: Apache-2.0
#include "tempest/test_support/zk_server.h"

#include "tempest/common/zk_launch.h"
#include "tempest/test_support/wait_until.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace tempest::test_support {
namespace {

namespace fs = std::filesystem;

std::string env_or(const char* name, std::string fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

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

fs::path make_temp_dir() {
    std::string tmpl = (fs::path(env_or("TMPDIR", "/tmp")) / "tempest-zk-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("zk_server: cannot create a temporary directory from " + tmpl +
                                 ": " + std::strerror(errno));
    }
    return tmpl;
}

}  // namespace

int pick_free_port() {
    fd_guard s{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) {
        throw std::system_error(errno, std::generic_category(), "pick_free_port: socket");
    }
    sockaddr_in a = loopback(0);
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        throw std::system_error(errno, std::generic_category(), "pick_free_port: bind");
    }
    socklen_t len = sizeof a;
    if (::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        throw std::system_error(errno, std::generic_category(), "pick_free_port: getsockname");
    }
    return ntohs(a.sin_port);
}

zk_server::zk_server() : zk_server(options{}) {}

zk_server::zk_server(options o) : _options(o) {
    if (std::string java = common::zk_java_binary(); ::access(java.c_str(), X_OK) != 0) {
        throw std::runtime_error("zk_server: no Java runtime at " + java +
                                 " (install default-jre-headless, or set TEMPEST_JAVA)");
    }
    std::stringstream classpath(common::zk_classpath());
    for (std::string entry; std::getline(classpath, entry, ':');) {
        if (entry.ends_with(".jar") && !fs::exists(entry)) {
            throw std::runtime_error("zk_server: " + entry +
                                     " is missing (install the zookeeper package, or set "
                                     "TEMPEST_ZK_CLASSPATH)");
        }
    }
    _dir = make_temp_dir();
    // A port may be taken between picking and binding it: try a few.
    std::string why;
    for (int attempt = 0; attempt < 3; ++attempt) {
        _port = pick_free_port();
        if (launch(why)) {
            return;
        }
    }
    std::string tail = log_tail();
    std::error_code ignored;
    fs::remove_all(_dir, ignored);
    throw std::runtime_error("zk_server: the ZooKeeper server did not start: " + why +
                             "\n--- server output ---\n" + tail);
}

zk_server::~zk_server() {
    stop();
    std::error_code ignored;  // a leftover temporary directory is harmless
    fs::remove_all(_dir, ignored);
}

std::string zk_server::connect_string() const {
    return "127.0.0.1:" + std::to_string(_port);
}

void zk_server::write_config() const {
    std::ofstream cfg(_dir / "zoo.cfg", std::ios::trunc);
    cfg << "tickTime=" << _options.tick.count() << "\n"
        << "dataDir=" << (_dir / "data").string() << "\n"
        << "clientPort=" << _port << "\n"
        << (_options.any_address ? "" : "clientPortAddress=127.0.0.1\n")
        << "minSessionTimeout=" << 2 * _options.tick.count() << "\n"
        << "maxSessionTimeout=60000\n"
        << "maxClientCnxns=0\n"
        << "forceSync=" << (_options.force_sync ? "yes" : "no") << "\n"
        << "admin.enableServer=false\n"
        << "4lw.commands.whitelist=ruok,isro\n";
    if (!cfg) {
        throw std::runtime_error("zk_server: cannot write " + (_dir / "zoo.cfg").string());
    }
}

bool zk_server::launch(std::string& why) {
    write_config();
    std::vector<std::string> args = {
        common::zk_java_binary(),
        "-Xmx256m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Djava.awt.headless=true",
        "-Dzookeeper.root.logger=INFO,CONSOLE",
        "-cp",
        common::zk_classpath(),
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        (_dir / "zoo.cfg").string(),
    };
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::string log = (_dir / "server.log").string();
    pid_t parent = ::getpid();

    pid_t pid = ::fork();
    if (pid < 0) {
        throw std::system_error(errno, std::generic_category(), "zk_server: fork");
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127);
        }
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
        }
        ::close_range(3, ~0U, 0);  // the test's sockets stay out of the server
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    _pid = pid;
    _paused = false;

    bool exited = false;
    bool ready = wait_until(
        [&] {
            int status = 0;
            if (::waitpid(_pid, &status, WNOHANG) == _pid) {
                exited = true;
                why = "the server exited (status " + std::to_string(status) + ") on port " +
                      std::to_string(_port);
                return true;
            }
            return answers(std::chrono::milliseconds(500));
        },
        _options.start_timeout);
    if (ready && !exited) {
        return true;
    }
    if (exited) {
        _pid = -1;
    } else {
        why = "not serving on port " + std::to_string(_port) + " within " +
              std::to_string(_options.start_timeout.count()) + " ms";
        stop();
    }
    return false;
}

void zk_server::start() {
    if (running()) {
        return;
    }
    std::string why;
    if (!launch(why)) {
        throw std::runtime_error("zk_server: the ZooKeeper server did not restart: " + why +
                                 "\n--- server output ---\n" + log_tail());
    }
}

void zk_server::stop() {
    if (_pid <= 0) {
        return;
    }
    ::kill(_pid, SIGKILL);  // also ends a paused process
    int status = 0;
    while (::waitpid(_pid, &status, 0) < 0 && errno == EINTR) {
    }
    _pid = -1;
    _paused = false;
}

void zk_server::pause() {
    if (_pid > 0 && !_paused) {
        ::kill(_pid, SIGSTOP);
        _paused = true;
    }
}

void zk_server::resume() {
    if (_pid > 0 && _paused) {
        ::kill(_pid, SIGCONT);
        _paused = false;
    }
}

bool zk_server::answers(std::chrono::milliseconds timeout) const {
    return common::zk_serving(_port, timeout);
}

std::string zk_server::four_letter(const char* command, std::chrono::milliseconds timeout) const {
    return common::zk_four_letter(_port, command, timeout);
}

std::string zk_server::log_tail() const {
    std::ifstream in(_dir / "server.log");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string all = ss.str();
    constexpr std::size_t keep = 4000;
    return all.size() > keep ? all.substr(all.size() - keep) : all;
}

}  // namespace tempest::test_support
