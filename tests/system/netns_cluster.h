// SPDX-License-Identifier: Apache-2.0
// netns_cluster: several hosts on one machine. Each host is a Linux network namespace with its
// own address; a bridge in the control namespace joins them, one veth pair per host, so a host
// can be cut off by taking its link down. The daemons are the installed binaries (`cmake
// --install` into a temporary prefix) started as the installed systemd units start them
// (ExecStart, WorkingDirectory, LimitNOFILE, Environment), each host with its own node file.
//
//   namespace tpt<pid>-<n>c   10.213.0.1    ZooKeeper (test_support::zk_server), tempest nimbus
//        br0 ─┬─ v1 ══ eth0  namespace tpt<pid>-<n>h1  10.213.0.11  tempest supervisor + workers
//             ├─ v2 ══ eth0  namespace tpt<pid>-<n>h2  10.213.0.12  ...
//             └─ v3 ══ eth0  namespace tpt<pid>-<n>h3  10.213.0.13
//
// Every namespace is private, so the addresses and the ports (Nimbus on 6627, slots from 6700, as
// a real deployment) collide with nothing else on the machine, and the host's own interfaces are
// never touched. The calling thread (the test's main thread) enters the control namespace for
// the cluster's life, so the test reaches ZooKeeper and Nimbus like a client on that host; the
// threads and processes it starts meanwhile stay there.
//
// Clean-up: the destructor stops the daemons (the units' KillSignal), kills what still runs in
// the cluster's namespaces and removes them. If the test process dies first, a watchdog process
// (started once by netns::guard_process, reading a pipe only the test holds) does the same for
// every namespace named tpt<pid>-*, and guard_process also removes tpt<pid>-* namespaces whose
// pid no longer exists (a run killed before its watchdog could act).
//
// Not thread-safe: one thread (the one that constructed it) drives it.
#pragma once

#include "tempest/common/cluster_records.h"

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tempest::system_test::netns {

// Empty when this process may create network namespaces, veth pairs and a bridge; otherwise why
// not, in one line (for GTEST_SKIP). Probes once, with a namespace of its own.
const std::string& unavailable_reason();

// Call once early in main(), before any thread starts and before the process becomes a child
// subreaper: removes stale tpt<pid>-* namespaces of dead processes and starts the watchdog.
void guard_process();

// The installed tree: `cmake --install BUILD --prefix DIR/prefix`, done once per process.
struct installed_tree {
    std::filesystem::path prefix;
    std::filesystem::path tempest;    // bin/tempest
    std::filesystem::path node_file;  // etc/tempest/tempest.yaml (the package's node file)
    std::filesystem::path unit_dir;   // lib/systemd/system
};
// Throws std::runtime_error with the end of cmake's output when the install fails.
const installed_tree& install_once(const std::filesystem::path& build_dir);

// What of a systemd unit decides how its daemon runs.
struct unit_settings {
    std::filesystem::path file;
    std::vector<std::string> exec_start;  // ExecStart split on blanks
    std::filesystem::path working_directory;
    std::optional<long> limit_nofile;
    std::vector<std::string> environment;  // "KEY=VALUE" of Environment= lines
    std::string kill_signal = "SIGTERM";
    std::string kill_mode = "control-group";
    int timeout_stop_secs = 90;
};
// Throws std::runtime_error naming the file when it has no ExecStart or an ExecStart that is
// not `<tempest> <daemon> --config <file>`.
unit_settings read_unit(const std::filesystem::path& file);

// A command's exit status (or -signal; -1000 on timeout) and its stdout+stderr.
struct command_result {
    int status = 0;
    std::string output;
};
command_result run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout);

struct options {
    std::filesystem::path dir;  // created; node files, state, logs, ZooKeeper's copy of its log
    int hosts = 3;
    std::vector<int> slots = {6700};
    // Extra node-file lines ("key: value") for every daemon, after the cluster's own keys.
    std::vector<std::string> settings;
    // Where to log progress (nullptr: nowhere).
    std::ostream* out = nullptr;
};

// A daemon started as its unit starts it (see the file comment).
class unit_process;

class cluster {
  public:
    // Creates the namespaces and links, enters the control namespace, starts ZooKeeper, Nimbus
    // and one supervisor per host and waits until all supervisors are registered. Throws
    // std::runtime_error saying which step failed (the cluster is torn down first).
    cluster(const installed_tree& tree, options o);
    ~cluster();
    cluster(const cluster&) = delete;
    cluster& operator=(const cluster&) = delete;

    int hosts() const { return _o.hosts; }
    const std::string& control_namespace() const { return _control; }
    const std::string& host_namespace(int host) const { return _host_ns.at(host - 1); }
    // 10.213.0.1 for the control namespace (host 0), 10.213.0.1N for host N (1-based).
    static std::string address(int host);
    const std::filesystem::path& dir() const { return _o.dir; }
    std::filesystem::path local_dir(int host) const;  // the supervisor's storm.local.dir
    std::filesystem::path supervisor_log(int host) const;
    std::filesystem::path nimbus_log() const;
    // The client's node file (nimbus.seeds, ZooKeeper): for `tempest jar`, tempest-bench.
    std::filesystem::path client_config() const { return _o.dir / "client.yaml"; }
    const installed_tree& tree() const { return _tree; }
    int zookeeper_port() const;

    // Takes host N's link down / up (its veth end on the bridge: the host sees no carrier).
    void link_down(int host);
    void link_up(int host);

    // The installed `tempest ARGS... ` with --config client.yaml, run in the control namespace.
    command_result tempest(const std::vector<std::string>& args, std::chrono::seconds timeout);

    // The id of the topology named `name`, once Nimbus has stored it.
    std::optional<std::string> topology_id(const std::string& name);
    std::optional<common::assignment> assignment(const std::string& topology_id);
    // Supervisor id -> host number (1-based) of the registered supervisors.
    std::map<std::string, int> supervisors();

  private:
    void set_up();
    void tear_down() noexcept;
    void ip(const std::vector<std::string>& args);
    void write_node_file(const std::filesystem::path& file, const std::string& hostname,
                         const std::filesystem::path& state) const;

    const installed_tree& _tree;
    options _o;
    std::string _control;
    std::vector<std::string> _host_ns;
    int _root_ns_fd = -1;  // the namespace the calling thread came from
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::system_test::netns
