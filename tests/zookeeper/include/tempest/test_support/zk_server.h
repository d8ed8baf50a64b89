// SPDX-License-Identifier: Apache-2.0
// zk_server: a throwaway ZooKeeper server for system tests. It runs the Debian `zookeeper`
// package's standalone server (a JVM child process) on a free 127.0.0.1 port, with its data and
// log in a fresh temporary directory, and kills it and removes the directory when destroyed.
//
//   test_support::zk_server zk;                        // ready: serves clients
//   common::zk_cluster_state s({.servers = zk.connect_string()});
//
// Tuned for tests: a 200 ms tick, no fsync (unless options::force_sync), sessions of 400 ms to 60 s
// allowed, no client connection limit. Starting takes about 0.5-2 s (the JVM); start once per test
// binary (e.g. in a
// ::testing::Environment) and give each test its own root path.
//
// The server is killed (SIGKILL, set with PR_SET_PDEATHSIG) if the thread that started it exits,
// so that a crashed test leaves no server behind: start it from a thread that outlives it, such
// as the test's main thread. Not thread-safe: one thread drives it.
//
// Environment: TEMPEST_JAVA (default $JAVA_HOME/bin/java, else /usr/bin/java) and
// TEMPEST_ZK_CLASSPATH (default /etc/zookeeper/conf:/usr/share/java/zookeeper.jar).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace tempest::test_support {

class zk_server {
  public:
    struct options {
        std::chrono::milliseconds tick{200};
        std::chrono::milliseconds start_timeout{30000};
        // fsync of the transaction log on every write, as ZooKeeper runs by default (the chaos
        // suite); off by default here, which is much faster on a loaded machine.
        bool force_sync = false;
        // Listen on every address of the server's network namespace instead of 127.0.0.1 only:
        // for tests that start it inside a private namespace whose other addresses other
        // namespaces reach (tests/system/netns_cluster.h). connect_string() stays 127.0.0.1.
        bool any_address = false;
    };

    // Starts the server and waits until it serves. Throws std::runtime_error saying what failed,
    // with the end of the server's output.
    zk_server();
    explicit zk_server(options o);
    ~zk_server();
    zk_server(const zk_server&) = delete;
    zk_server& operator=(const zk_server&) = delete;

    int port() const noexcept { return _port; }
    // "127.0.0.1:<port>", for zk_options::servers.
    std::string connect_string() const;
    // The temporary directory holding zoo.cfg, data/ and server.log.
    const std::filesystem::path& dir() const noexcept { return _dir; }
    bool running() const noexcept { return _pid > 0; }
    pid_t pid() const noexcept { return _pid; }

    // Kills the server (SIGKILL) and reaps it; its data stays. No-op when stopped.
    void stop();
    // Starts it again on the same port and data after stop(). Throws as the constructor.
    void start();
    // SIGSTOP / SIGCONT: a paused server keeps its sockets open but answers nothing.
    void pause();
    void resume();

    // True when the server serves clients: it answers "imok" to "ruok" and "rw" to "isro", each
    // within `timeout`.
    bool answers(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000)) const;
    // Sends a four-letter command ("ruok", "isro"; the config allows only those) and returns the
    // answer, or "" when there is none within `timeout`.
    std::string four_letter(const char* command, std::chrono::milliseconds timeout =
                                                     std::chrono::milliseconds(1000)) const;

  private:
    // Writes zoo.cfg, spawns the JVM and waits until it serves; false with `why` set when the
    // process exited early (a port taken meanwhile, say) or did not answer in time.
    bool launch(std::string& why);
    void write_config() const;
    std::string log_tail() const;

    options _options;
    std::filesystem::path _dir;
    int _port = 0;
    pid_t _pid = -1;
    bool _paused = false;
};

// A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0, read and released.
// Another process may take it before the caller binds it, so callers retry on failure.
int pick_free_port();

}  // namespace tempest::test_support
