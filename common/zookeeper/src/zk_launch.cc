// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/zk_launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>

namespace tempest::common {

namespace {

std::string env_or(const char* name, std::string fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

}  // namespace

std::string zk_java_binary() {
    if (const char* home = std::getenv("JAVA_HOME"); home != nullptr && *home != '\0') {
        return env_or("TEMPEST_JAVA", std::string(home) + "/bin/java");
    }
    return env_or("TEMPEST_JAVA", "/usr/bin/java");
}

std::string zk_classpath() {
    return env_or("TEMPEST_ZK_CLASSPATH", "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar");
}

std::string zk_four_letter(int port, const char* command, std::chrono::milliseconds timeout) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return "";
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::send(fd, command, 4, MSG_NOSIGNAL) == 4) {
        // The server writes the answer and closes the connection.
        char buf[256];
        ssize_t n = 0;
        while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
            reply.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return reply;
}

bool zk_serving(int port, std::chrono::milliseconds timeout) {
    return zk_four_letter(port, "ruok", timeout) == "imok" &&
           zk_four_letter(port, "isro", timeout) == "rw";
}

}  // namespace tempest::common
