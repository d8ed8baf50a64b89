// SPDX-License-Identifier: Apache-2.0
// The namespace cluster (see netns_cluster.h): namespaces, links, the installed tree, the units'
// commands and the clean-up.
#include "netns_cluster.h"

#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tempest::system_test::netns {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::wait_until;

namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string tail(const std::string& s, std::size_t n = 2000) {
    return s.size() > n ? s.substr(s.size() - n) : s;
}

// argv as a vector of char* for exec (pointing into `store`).
std::vector<char*> c_argv(std::vector<std::string>& store) {
    std::vector<char*> v;
    for (auto& a : store) {
        v.push_back(a.data());
    }
    v.push_back(nullptr);
    return v;
}

// "tpt<pid>-": the prefix of every namespace this process creates.
std::string process_prefix() {
    return "tpt" + std::to_string(::getpid()) + "-";
}

std::vector<std::string> list_namespaces() {
    std::vector<std::string> out;
    command_result r = run_command({"ip", "netns", "list"}, 30s);
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
        std::string name = line.substr(0, line.find(' '));
        if (!name.empty()) {
            out.push_back(name);
        }
    }
    return out;
}

// SIGKILLs every process in namespace `ns` but this one, then removes the namespace.
void remove_namespace(const std::string& ns) {
    command_result pids = run_command({"ip", "netns", "pids", ns}, 30s);
    std::istringstream in(pids.output);
    for (pid_t pid = 0; in >> pid;) {
        if (pid > 1 && pid != ::getpid()) {
            ::kill(pid, SIGKILL);
        }
    }
    (void)run_command({"ip", "netns", "del", ns}, 30s);  // checked by the caller if it matters
}

int signal_number(const std::string& name) {
    static const std::map<std::string, int> known = {
        {"SIGTERM", SIGTERM}, {"SIGINT", SIGINT},   {"SIGKILL", SIGKILL},
        {"SIGHUP", SIGHUP},   {"SIGQUIT", SIGQUIT},
    };
    auto it = known.find(name);
    return it == known.end() ? SIGTERM : it->second;
}

}  // namespace

command_result run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    std::vector<std::string> store = argv;
    std::vector<char*> args = c_argv(store);
    pid_t pid = ::fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, STDIN_FILENO);
        ::execvp(args[0], args.data());
        std::string msg = "exec of " + store[0] + " failed: " + std::strerror(errno) + "\n";
        (void)!::write(STDERR_FILENO, msg.data(), msg.size());
        ::_exit(127);
    }
    ::close(fds[1]);
    command_result r;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    bool timed_out = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno != EINTR) {
            break;
        }
        if (n <= 0) {
            continue;
        }
        ssize_t got = ::read(fds[0], buf, sizeof buf);
        if (got <= 0) {
            break;
        }
        r.output.append(buf, static_cast<std::size_t>(got));
    }
    ::close(fds[0]);
    if (timed_out) {
        ::kill(pid, SIGKILL);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.status = timed_out ? -1000 : WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return r;
}

const std::string& unavailable_reason() {
    static const std::string reason = [] {
        std::string probe = process_prefix() + "probe";
        auto fail = [&](const std::string& what, const command_result& r) {
            remove_namespace(probe);
            std::string out = r.output;
            while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
                out.pop_back();
            }
            return "network namespaces are not permitted here (`" + what + "` exited " +
                   std::to_string(r.status) + ": " + out +
                   "); the netns tests need root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2";
        };
        command_result r = run_command({"ip", "netns", "add", probe}, 30s);
        if (r.status != 0) {
            return fail("ip netns add", r);
        }
        r = run_command({"ip", "-n", probe, "link", "add", "br0", "type", "bridge"}, 30s);
        if (r.status != 0) {
            return fail("ip link add br0 type bridge", r);
        }
        r = run_command(
            {"ip", "-n", probe, "link", "add", "v1", "type", "veth", "peer", "name", "v2"}, 30s);
        if (r.status != 0) {
            return fail("ip link add v1 type veth", r);
        }
        r = run_command({"ip", "netns", "exec", probe, "true"}, 30s);
        if (r.status != 0) {
            return fail("ip netns exec", r);
        }
        remove_namespace(probe);
        return std::string();
    }();
    return reason;
}

void guard_process() {
    // Namespaces left by runs that died before their watchdog ran (or whose watchdog was killed).
    static const std::regex name("tpt([0-9]+)-.*");
    for (const auto& ns : list_namespaces()) {
        std::smatch m;
        if (!std::regex_match(ns, m, name)) {
            continue;
        }
        pid_t owner = static_cast<pid_t>(std::stol(m[1].str()));
        if (owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH) {
            std::cerr << "netns: removing namespace " << ns << " left by process " << owner
                      << ", which is gone\n";
            remove_namespace(ns);
        }
    }
    // The watchdog: a grandchild (re-parented to init, so that a test killed with its process
    // tree leaves it running) that blocks reading a pipe whose only writer is this process; at
    // end of file (this process exited, however) it kills what runs in tpt<pid>-* namespaces
    // and removes them, and the installed tree (install_once).
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return;  // no watchdog: the destructors and the stale sweep above still clean up
    }
    const std::string owner = std::to_string(::getpid());
    std::vector<std::string> store = {
        "/bin/sh",
        "-c",
        "read -r _ignored; "
        "for ns in $(ip netns list | cut -d' ' -f1 | grep \"^tpt$0-\"); do "
        "  for p in $(ip netns pids \"$ns\"); do kill -KILL \"$p\" 2>/dev/null; done; "
        "  ip netns del \"$ns\" 2>/dev/null; "
        "done; "
        "rm -rf \"$1\"/tempest-netns-install-$0-*",
        owner,
        fs::temp_directory_path().string(),
    };
    std::vector<char*> args = c_argv(store);
    pid_t child = ::fork();
    if (child == 0) {
        if (::fork() != 0) {
            ::_exit(0);
        }
        ::setsid();
        ::dup2(fds[0], STDIN_FILENO);
        int devnull = ::open("/dev/null", O_WRONLY);
        ::dup2(devnull, STDOUT_FILENO);
        ::dup2(devnull, STDERR_FILENO);
        ::close_range(3, ~0U, 0);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    // fds[1] stays open (close-on-exec) until this process ends.
}

const installed_tree& install_once(const fs::path& build_dir) {
    static std::once_flag once;
    static installed_tree tree;
    static fs::path dir;
    std::call_once(once, [&] {
        // Named after this process, so that its watchdog can remove it (guard_process).
        std::string tmpl = (fs::temp_directory_path() /
                            ("tempest-netns-install-" + std::to_string(::getpid()) + "-XXXXXX"))
                               .string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            throw std::runtime_error("netns: mkdtemp: " + std::string(std::strerror(errno)));
        }
        dir = tmpl;
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(dir, ec);
        });
        tree.prefix = dir / "prefix";
        command_result r = run_command(
            {"cmake", "--install", build_dir.string(), "--prefix", tree.prefix.string()}, 300s);
        if (r.status != 0) {
            throw std::runtime_error("netns: cmake --install " + build_dir.string() + " failed (" +
                                     std::to_string(r.status) + "): " + tail(r.output));
        }
        tree.tempest = tree.prefix / "bin" / "tempest";
        tree.node_file = tree.prefix / "etc" / "tempest" / "tempest.yaml";
        tree.unit_dir = tree.prefix / "lib" / "systemd" / "system";
        for (const auto& p : {tree.tempest, tree.node_file, tree.unit_dir}) {
            if (!fs::exists(p)) {
                throw std::runtime_error("netns: the installed tree has no " + p.string());
            }
        }
    });
    return tree;
}

unit_settings read_unit(const fs::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw std::runtime_error("netns: cannot read the unit " + file.string());
    }
    unit_settings u;
    u.file = file;
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string::npos) {
            continue;
        }
        std::string key = line.substr(0, eq);
        std::string value = line.substr(eq + 1);
        if (key == "ExecStart") {
            std::istringstream words(value);
            u.exec_start.clear();
            for (std::string w; words >> w;) {
                u.exec_start.push_back(w);
            }
            // Prefixes such as "-" (ignore failure) do not change the command.
            if (!u.exec_start.empty()) {
                auto& first = u.exec_start[0];
                first.erase(0, first.find_first_not_of("-@:+!"));
            }
        } else if (key == "WorkingDirectory") {
            u.working_directory = value;
        } else if (key == "LimitNOFILE") {
            u.limit_nofile = std::stol(value);
        } else if (key == "Environment") {
            std::istringstream words(value);
            for (std::string w; words >> w;) {
                if (w.size() >= 2 && w.front() == '"' && w.back() == '"') {
                    w = w.substr(1, w.size() - 2);
                }
                u.environment.push_back(w);
            }
        } else if (key == "KillSignal") {
            u.kill_signal = value;
        } else if (key == "KillMode") {
            u.kill_mode = value;
        } else if (key == "TimeoutStopSec") {
            u.timeout_stop_secs = std::stoi(value);
        }
    }
    const auto& a = u.exec_start;
    if (a.size() != 4 || !a[0].ends_with("/tempest") || a[2] != "--config") {
        std::string got;
        for (const auto& w : a) {
            got += (got.empty() ? "" : " ") + w;
        }
        throw std::runtime_error("netns: " + file.string() +
                                 ": expected ExecStart=<tempest> <daemon> --config <file>, got '" +
                                 got + "'");
    }
    return u;
}

// A daemon started as its unit starts it: `ip netns exec NS` + the unit's ExecStart with the
// installed binary and this host's node file, in this host's state directory (the unit's
// WorkingDirectory, which is its storm.local.dir), LimitNOFILE applied, the unit's Environment
// set, output appended to a log file (the journal's stand-in). The unit's User= is not applied
// (the test runs as root and creates no user). stop() is the unit's stop: KillSignal to the
// main process only (every unit here has KillMode process or mixed: workers are left), SIGKILL
// after TimeoutStopSec.
class unit_process {
  public:
    unit_process(const std::string& ns, const unit_settings& u, const fs::path& tempest,
                 const fs::path& config, const fs::path& workdir, const fs::path& log)
        : _unit(u), _log(log) {
        std::vector<std::string> store = {"ip",       "netns",          "exec",
                                          ns,         tempest.string(), u.exec_start[1],
                                          "--config", config.string()};
        std::vector<char*> args = c_argv(store);
        std::vector<std::string> env = u.environment;
        fs::create_directories(workdir);
        std::string wd = workdir.string();
        std::string log_path = log.string();
        rlimit nofile{};
        if (u.limit_nofile) {
            nofile.rlim_cur = nofile.rlim_max = static_cast<rlim_t>(*u.limit_nofile);
        }
        _pid = ::fork();
        if (_pid == 0) {
            // As systemd starts a service: no signal blocked (a caller waiting in sigwait has
            // SIGTERM blocked, and exec would keep it so).
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
            int devnull = ::open("/dev/null", O_RDONLY);
            ::dup2(devnull, STDIN_FILENO);
            ::close_range(3, ~0U, 0);
            if (::chdir(wd.c_str()) != 0) {
                ::_exit(126);
            }
            if (u.limit_nofile) {
                (void)::setrlimit(RLIMIT_NOFILE, &nofile);  // as root this cannot fail here
            }
            for (auto& e : env) {
                ::putenv(e.data());
            }
            ::execvp(args[0], args.data());
            ::_exit(127);
        }
        if (_pid < 0) {
            throw std::runtime_error("netns: fork: " + std::string(std::strerror(errno)));
        }
    }
    ~unit_process() { stop(); }
    unit_process(const unit_process&) = delete;
    unit_process& operator=(const unit_process&) = delete;

    pid_t pid() const { return _pid; }
    const fs::path& log() const { return _log; }
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
    // The unit's stop; returns the exit status (or -signal).
    int stop() {
        if (exited()) {
            return _status;
        }
        ::kill(_pid, signal_number(_unit.kill_signal));
        if (!wait_until([&] { return exited(); }, std::chrono::seconds(_unit.timeout_stop_secs))) {
            ::kill(_pid, SIGKILL);
            (void)wait_until([&] { return exited(); }, 10s);  // SIGKILL: it goes
        }
        return _status;
    }

  private:
    unit_settings _unit;
    fs::path _log;
    pid_t _pid = -1;
    bool _exited = false;
    int _status = 0;
};

struct cluster::impl {
    std::unique_ptr<test_support::zk_server> zk_server;
    std::unique_ptr<common::zk_cluster_state> zk;
    common::zk_paths paths{"/tempest"};
    std::unique_ptr<unit_process> nimbus;
    std::vector<std::unique_ptr<unit_process>> supervisors;
};

std::string cluster::address(int host) {
    return host == 0 ? "10.213.0.1" : "10.213.0.1" + std::to_string(host);
}

fs::path cluster::local_dir(int host) const {
    return _o.dir / ("h" + std::to_string(host)) / "state";
}
fs::path cluster::supervisor_log(int host) const {
    return _o.dir / ("h" + std::to_string(host)) / "supervisor.log";
}
fs::path cluster::nimbus_log() const {
    return _o.dir / "control" / "nimbus.log";
}
int cluster::zookeeper_port() const {
    return _impl->zk_server->port();
}

cluster::cluster(const installed_tree& tree, options o)
    : _tree(tree), _o(std::move(o)), _impl(std::make_unique<impl>()) {
    static int counter = 0;
    std::string prefix = process_prefix() + std::to_string(counter++);
    _control = prefix + "c";
    for (int i = 1; i <= _o.hosts; ++i) {
        _host_ns.push_back(prefix + "h" + std::to_string(i));
    }
    try {
        set_up();
    } catch (...) {
        tear_down();
        throw;
    }
}

cluster::~cluster() {
    tear_down();
}

void cluster::ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    command_result r = run_command(argv, 30s);
    if (r.status != 0) {
        std::string cmd;
        for (const auto& a : argv) {
            cmd += (cmd.empty() ? "" : " ") + a;
        }
        throw std::runtime_error("netns: `" + cmd + "` exited " + std::to_string(r.status) + ": " +
                                 r.output);
    }
}

void cluster::write_node_file(const fs::path& file, const std::string& hostname,
                              const fs::path& state) const {
    // The package's node file, its two paths pointed at this host's directories, then the keys
    // docs/DEPLOY.md has an operator add.
    std::istringstream package(read_file(_tree.node_file));
    std::ostringstream out;
    for (std::string line; std::getline(package, line);) {
        if (line.starts_with("storm.local.dir:")) {
            line = "storm.local.dir: \"" + state.string() + "\"";
        } else if (line.starts_with("tempest.log.dir:")) {
            line = "tempest.log.dir: \"" + (state.parent_path() / "logs").string() + "\"";
        }
        out << line << "\n";
    }
    out << "\n# The cluster (tests/system/netns_cluster.cc)\n"
        << "storm.zookeeper.servers: [\"" << address(0) << "\"]\n"
        << "storm.zookeeper.port: " << _impl->zk_server->port() << "\n"
        << "storm.zookeeper.root: \"/tempest\"\n"
        << "nimbus.seeds: [\"" << address(0) << "\"]\n"
        << "nimbus.thrift.port: 6627\n"
        << "storm.local.hostname: \"" << hostname << "\"\n"
        << "supervisor.slots.ports: [";
    for (std::size_t i = 0; i < _o.slots.size(); ++i) {
        out << (i ? ", " : "") << _o.slots[i];
    }
    out << "]\n";
    for (const auto& s : _o.settings) {
        out << s << "\n";
    }
    fs::create_directories(file.parent_path());
    std::ofstream f(file, std::ios::trunc);
    f << out.str();
    if (!f) {
        throw std::runtime_error("netns: cannot write " + file.string());
    }
}

void cluster::set_up() {
    auto say = [&](const std::string& line) {
        if (_o.out != nullptr) {
            *_o.out << "[netns] " << line << std::endl;
        }
    };
    fs::create_directories(_o.dir);
    // Namespaces, the bridge in the control namespace, one veth pair per host.
    ip({"netns", "add", _control});
    ip({"-n", _control, "link", "set", "lo", "up"});
    ip({"-n", _control, "link", "add", "br0", "type", "bridge"});
    ip({"-n", _control, "addr", "add", address(0) + "/24", "dev", "br0"});
    ip({"-n", _control, "link", "set", "br0", "up"});
    for (int i = 1; i <= _o.hosts; ++i) {
        const std::string& ns = _host_ns[i - 1];
        std::string v = "v" + std::to_string(i);
        ip({"netns", "add", ns});
        ip({"-n", ns, "link", "set", "lo", "up"});
        ip({"-n", _control, "link", "add", v, "type", "veth", "peer", "name", "eth0", "netns", ns});
        ip({"-n", _control, "link", "set", v, "master", "br0"});
        ip({"-n", _control, "link", "set", v, "up"});
        ip({"-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0"});
        ip({"-n", ns, "link", "set", "eth0", "up"});
    }
    say("namespaces " + _control + " and " + _host_ns.front() + ".." + _host_ns.back() + " up");

    // This thread enters the control namespace.
    _root_ns_fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int fd = ::open(("/run/netns/" + _control).c_str(), O_RDONLY | O_CLOEXEC);
    if (_root_ns_fd < 0 || fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
        std::string why = std::strerror(errno);
        if (fd >= 0) {
            ::close(fd);
        }
        throw std::runtime_error("netns: entering " + _control + ": " + why);
    }
    ::close(fd);

    _impl->zk_server = std::make_unique<test_support::zk_server>(
        test_support::zk_server::options{.start_timeout = 120000ms, .any_address = true});
    _impl->zk = std::make_unique<common::zk_cluster_state>(
        common::zk_options{.servers = _impl->zk_server->connect_string(), .root = ""});
    say("ZooKeeper serving on " + address(0) + ":" + std::to_string(_impl->zk_server->port()));

    // Node files: the control host's (Nimbus, the clients), each host's.
    write_node_file(_o.dir / "control" / "tempest.yaml", address(0), _o.dir / "control" / "state");
    fs::copy_file(_o.dir / "control" / "tempest.yaml", client_config(),
                  fs::copy_options::overwrite_existing);
    unit_settings nimbus_unit = read_unit(_tree.unit_dir / "tempest-nimbus.service");
    unit_settings supervisor_unit = read_unit(_tree.unit_dir / "tempest-supervisor.service");

    _impl->nimbus = std::make_unique<unit_process>(_control, nimbus_unit, _tree.tempest,
                                                   _o.dir / "control" / "tempest.yaml",
                                                   _o.dir / "control" / "state", nimbus_log());
    static const std::regex serving("nimbus serving on port [0-9]+");
    if (!wait_until(
            [&] {
                return std::regex_search(read_file(nimbus_log()), serving) ||
                       _impl->nimbus->exited();
            },
            60s) ||
        _impl->nimbus->exited()) {
        throw std::runtime_error("netns: Nimbus (" + nimbus_unit.file.string() +
                                 ") did not start: " + tail(read_file(nimbus_log())));
    }
    say("Nimbus serving on " + address(0) + ":6627");

    for (int i = 1; i <= _o.hosts; ++i) {
        fs::path host_dir = _o.dir / ("h" + std::to_string(i));
        write_node_file(host_dir / "tempest.yaml", address(i), local_dir(i));
        _impl->supervisors.push_back(std::make_unique<unit_process>(
            _host_ns[i - 1], supervisor_unit, _tree.tempest, host_dir / "tempest.yaml",
            local_dir(i), supervisor_log(i)));
    }
    if (!wait_until([&] { return static_cast<int>(supervisors().size()) == _o.hosts; }, 60s)) {
        std::string logs;
        for (int i = 1; i <= _o.hosts; ++i) {
            logs += "\n--- h" + std::to_string(i) + ": " + tail(read_file(supervisor_log(i)), 600);
        }
        throw std::runtime_error("netns: the supervisors did not all register in 60 s" + logs);
    }
    say(std::to_string(_o.hosts) + " supervisors registered");
}

void cluster::tear_down() noexcept {
    try {
        for (auto& s : _impl->supervisors) {
            s->stop();
        }
        _impl->supervisors.clear();
        if (_impl->nimbus) {
            _impl->nimbus->stop();
            _impl->nimbus.reset();
        }
        _impl->zk.reset();
        if (_impl->zk_server) {
            // ZooKeeper's output beside the daemons' logs, for a post-mortem.
            std::error_code ec;
            fs::copy_file(_impl->zk_server->dir() / "server.log", _o.dir / "zookeeper.log",
                          fs::copy_options::overwrite_existing, ec);
        }
        _impl->zk_server.reset();
    } catch (const std::exception& e) {
        std::cerr << "netns: stopping the cluster: " << e.what() << "\n";
    }
    if (_root_ns_fd >= 0) {
        if (::setns(_root_ns_fd, CLONE_NEWNET) != 0) {
            std::cerr << "netns: returning to the original namespace: " << std::strerror(errno)
                      << "\n";
        }
        ::close(_root_ns_fd);
        _root_ns_fd = -1;
    }
    try {
        // The workers (the supervisor's unit leaves them), then the namespaces.
        for (const auto& ns : _host_ns) {
            remove_namespace(ns);
        }
        remove_namespace(_control);
    } catch (const std::exception& e) {
        std::cerr << "netns: removing the namespaces: " << e.what() << "\n";
    }
    // Orphaned workers were re-parented to this process (a child subreaper): reap them.
    (void)wait_until(
        [] {
            int status = 0;
            pid_t p = ::waitpid(-1, &status, WNOHANG);
            return p <= 0;
        },
        10s);
}

void cluster::link_down(int host) {
    ip({"-n", _control, "link", "set", "v" + std::to_string(host), "down"});
}

void cluster::link_up(int host) {
    ip({"-n", _control, "link", "set", "v" + std::to_string(host), "up"});
}

command_result cluster::tempest(const std::vector<std::string>& args,
                                std::chrono::seconds timeout) {
    std::vector<std::string> argv{_tree.tempest.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.begin() + 2, {"--config", client_config().string()});
    return run_command(argv, timeout);
}

std::optional<std::string> cluster::topology_id(const std::string& name) {
    auto ids = _impl->zk->children(_impl->paths.storms());
    if (!ids) {
        return std::nullopt;
    }
    for (const auto& id : *ids) {
        if (auto d = _impl->zk->get(_impl->paths.storm(id)); d) {
            if (auto base = thrift::decode_storm_base(d->data); base && base->name == name) {
                return id;
            }
        }
    }
    return std::nullopt;
}

std::optional<common::assignment> cluster::assignment(const std::string& topology_id) {
    auto d = _impl->zk->get(_impl->paths.assignment(topology_id));
    if (!d) {
        return std::nullopt;
    }
    auto a = thrift::decode_assignment(d->data);
    if (!a) {
        return std::nullopt;
    }
    return *a;
}

std::map<std::string, int> cluster::supervisors() {
    std::map<std::string, int> out;
    auto ids = _impl->zk->children(_impl->paths.supervisors());
    if (!ids) {
        return out;
    }
    for (const auto& id : *ids) {
        if (auto d = _impl->zk->get(_impl->paths.supervisor(id)); d) {
            if (auto s = thrift::decode_supervisor_record(d->data); s) {
                for (int i = 1; i <= _o.hosts; ++i) {
                    if (s->hostname == address(i)) {
                        out[id] = i;
                    }
                }
            }
        }
    }
    return out;
}

}  // namespace tempest::system_test::netns
