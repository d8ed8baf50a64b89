// SPDX-License-Identifier: Apache-2.0
// How to run Debian's ZooKeeper server here, shared by `tempest dev-zookeeper` and the test
// fixture (tests/zookeeper): where Java and the server's classpath are, and when a server on a
// loopback port actually serves. Plain functions, no state; any thread.
#pragma once

#include <chrono>
#include <string>

namespace tempest::common {

// $TEMPEST_JAVA, else $JAVA_HOME/bin/java, else /usr/bin/java.
std::string zk_java_binary();
// $TEMPEST_ZK_CLASSPATH, else Debian's /etc/zookeeper/conf:/usr/share/java/zookeeper.jar.
std::string zk_classpath();
// Sends a four-letter command to 127.0.0.1:port; the answer, or "" when none within `timeout`.
std::string zk_four_letter(int port, const char* command, std::chrono::milliseconds timeout);
// True once the server serves sessions. "ruok" is answered as soon as the server listens,
// before it serves: a client connecting then may hang for 2/3 of its session timeout. "isro"
// says "rw" only once it serves, so both are asked.
bool zk_serving(int port, std::chrono::milliseconds timeout);

}  // namespace tempest::common
