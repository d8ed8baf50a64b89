// SPDX-License-Identifier: Apache-2.0
// nimbus_process: a real `tempest nimbus` process for the system tests, serving on a port it
// picks (nimbus.thrift.port=0; the port is read from its "nimbus serving on port N" log line),
// with its state under `root` in the ZooKeeper at 127.0.0.1:`zk_port` and under `local_dir` on
// disk, plus any `extra_overrides` ("key=value", each passed as `-c key=value` after the others,
// e.g. "storm.zookeeper.session.timeout=2000"). The destructor kills it (see tempest_process).
// Not thread-safe: the test's thread drives it.
#pragma once

#include "tempest/test_support/wait_until.h"
#include "tempest_process.h"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tempest::system_test {

class nimbus_process {
  public:
    // Starts the process and waits (30 s at most) until it serves; throws std::runtime_error
    // with its stderr if it does not.
    nimbus_process(int zk_port, std::string root, std::filesystem::path local_dir,
                   std::vector<std::string> extra_overrides = {})
        : _zk_port(zk_port),
          _root(std::move(root)),
          _local_dir(std::move(local_dir)),
          _extra_overrides(std::move(extra_overrides)) {
        start();
    }

    std::string address() const { return "127.0.0.1:" + std::to_string(_port); }
    int port() const { return _port; }
    std::string err() const { return _p->err(); }
    const std::filesystem::path& local_dir() const { return _local_dir; }

    // SIGKILL (no clean shutdown: its ZooKeeper session lingers until it times out) and reap it.
    // Returns false if it has not exited within 10 s.
    bool kill() {
        _p->signal(SIGKILL);
        return _p->wait(std::chrono::seconds(10)) != -1000;
    }

    // SIGTERM, expect a clean exit, start a new process on the same state. Throws
    // std::runtime_error if the old one does not exit with status 0 or the new one does not serve.
    void restart() {
        _p->signal(SIGTERM);
        int status = _p->wait(std::chrono::seconds(30));
        if (status != 0) {
            throw std::runtime_error("tempest nimbus exited with status " + std::to_string(status) +
                                     " on SIGTERM: " + _p->err());
        }
        start();
    }

  private:
    void start() {
        std::vector<std::string> args{
            "nimbus",
            "-c",
            "storm.zookeeper.servers=[127.0.0.1]",
            "-c",
            "storm.zookeeper.port=" + std::to_string(_zk_port),
            "-c",
            "storm.zookeeper.root=" + _root,
            "-c",
            "storm.local.dir=" + _local_dir.string(),
            "-c",
            "nimbus.thrift.port=0",
        };
        for (const auto& o : _extra_overrides) {
            args.push_back("-c");
            args.push_back(o);
        }
        _p = std::make_unique<tempest_process>(args);
        static const std::regex serving("nimbus serving on port ([0-9]+)");
        std::smatch m;
        std::string err;
        bool up = test_support::wait_until(
            [&] {
                err = _p->err();
                return std::regex_search(err, m, serving) || _p->exited();
            },
            std::chrono::seconds(30));
        if (!up || m.empty()) {
            throw std::runtime_error("tempest nimbus did not start: " + err);
        }
        _port = std::stoi(m[1].str());
    }

    int _zk_port;
    std::string _root;
    std::filesystem::path _local_dir;
    std::vector<std::string> _extra_overrides;
    std::unique_ptr<tempest_process> _p;
    int _port = 0;
};

}  // namespace tempest::system_test
