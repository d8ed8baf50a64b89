// SPDX-License-Identifier: Apache-2.0
// `tempest dev-cluster`: ZooKeeper (`tempest dev-zookeeper`), Nimbus, one supervisor, the
// supervisor's logviewer and the UI as child processes of this binary, on 127.0.0.1, with their
// state and logs under one directory:
//
//   DIR/cluster.yaml                      written once everything is up: the config clients need
//   DIR/local/                            storm.local.dir of Nimbus and the supervisor
//   DIR/local/workers/<worker-id>/pid     the workers the supervisor started
//   DIR/zookeeper/                        ZooKeeper's data
//   DIR/logs/{zookeeper,nimbus,supervisor,logviewer,ui}.log
//   DIR/logs/workers-artifacts/<topology-id>/<port>/worker.log   (what the logviewer serves)
//
// The children run in their own process groups (a Ctrl-C in the terminal reaches only this
// process, which stops them in order) and get SIGTERM if this process dies. This process is a
// child subreaper, so workers orphaned by their supervisor are reaped here, not left as zombies.
// Everything runs on the main thread.
#include "dev_cluster_command.h"

#include "child_process.h"
#include "cli_error.h"
#include "stop_signals.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/file_util.h"
#include "tempest/common/log.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tempest::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// How long each daemon may take to come up.
constexpr auto zookeeper_start_timeout = 60s;
constexpr auto nimbus_start_timeout = 30s;
constexpr auto supervisor_start_timeout = 30s;
constexpr auto http_start_timeout = 30s;  // the logviewer and the UI
// How long a daemon may take to exit after SIGTERM before it gets SIGKILL.
constexpr auto daemon_stop_timeout = 15s;
constexpr auto worker_stop_timeout = 5s;

// Periods shorter than the defaults so that a submitted topology runs within a few seconds; the
// user's --config and -c override them.
const std::vector<std::string> dev_defaults = {
    "nimbus.monitor.freq.secs=2",
    "supervisor.sync.frequency.secs=2",
    "supervisor.heartbeat.frequency.secs=5",
};

// The file's text, "" when it cannot be read (a log not written yet, a process gone).
std::string read_file(const fs::path& p) {
    auto text = common::try_read_file(p);
    return text ? std::move(*text) : std::string();
}

// The last `n` non-empty lines of a log joined with " | ", so that an error stays one line.
std::string log_tail(const fs::path& log, std::size_t n = 5) {
    std::istringstream in(read_file(log));
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
    for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
        tail += tail.empty() ? "" : " | ";
        tail += lines[i];
    }
    return tail;
}

// True if 127.0.0.1:port can be bound now.
bool port_free(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// The lowest of the kernel's ephemeral ports (net.ipv4.ip_local_port_range; 32768 unread).
int ephemeral_low() {
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0;
    return in >> low && low > 0 ? low : 32768;
}

// `count` distinct ports free now, between 10000 and the kernel's ephemeral ports, searched
// from a random start (two dev clusters rarely meet). Not ports the kernel hands out for port 0:
// once released, one of those goes back to its pool, where the next bind to port 0 or outgoing
// connection on the machine (another test's fixture, a client) may take it before the worker
// listens there, and a worker that cannot listen on its slot fails on every restart.
std::vector<int> free_ports(std::size_t count) {
    constexpr int low = 10000;
    const int span = ephemeral_low() - low;
    std::vector<int> ports;
    if (span > 0) {
        std::mt19937 rng(std::random_device{}());
        const int start = static_cast<int>(rng() % static_cast<unsigned>(span));
        for (int i = 0; i < span && ports.size() < count; ++i) {
            const int port = low + (start + i) % span;
            if (port_free(port)) {
                ports.push_back(port);
            }
        }
    }
    if (ports.size() != count) {
        throw cli_error(fmt::format("cannot find {} free ports on 127.0.0.1 between {} and {}",
                                    count, low, low + std::max(span, 0)));
    }
    return ports;
}

std::string yaml_list(const std::vector<int>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
        s += i == 0 ? "" : ", ";
        s += std::to_string(v[i]);
    }
    return s + "]";
}

// A YAML double-quoted string.
std::string yaml_quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

// True while a process exists and is not a zombie.
bool process_alive(pid_t pid) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
        return false;
    }
    std::string stat = read_file(fmt::format("/proc/{}/stat", pid));
    // "pid (comm) S ...": the state follows the last ')'.
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) {
        return !stat.empty();
    }
    return stat[close + 2] != 'Z';
}

// One daemon: `tempest <command> ...` with stdout and stderr appended to `log`.
class daemon_child {
  public:
    daemon_child(std::string name, fs::path log) : _name(std::move(name)), _log(std::move(log)) {}

    const std::string& name() const noexcept { return _name; }
    const fs::path& log() const noexcept { return _log; }
    pid_t pid() const noexcept { return _pid; }
    bool running() const noexcept { return _pid > 0 && !_status; }

    void start(const std::string& binary, const std::vector<std::string>& args) {
        std::vector<std::string> argv{binary};
        argv.insert(argv.end(), args.begin(), args.end());
        _pid = spawn_logged(argv, _log, SIGTERM, _name);
    }

    // Records the wait status of a reaped process if it is this daemon.
    bool reaped(pid_t pid, int status) {
        if (pid != _pid || _status) {
            return false;
        }
        _status = status;
        return true;
    }

    // "exited with status N" / "was killed by signal N" once it has ended, else "".
    std::string ended() const {
        if (!_status) {
            return "";
        }
        if (WIFEXITED(*_status)) {
            return fmt::format("exited with status {}", WEXITSTATUS(*_status));
        }
        return fmt::format("was killed by signal {}", WTERMSIG(*_status));
    }

    void signal(int sig) const {
        if (running()) {
            ::kill(_pid, sig);
        }
    }

  private:
    std::string _name;
    fs::path _log;
    pid_t _pid = -1;
    std::optional<int> _status;
};

// The three daemons, reaped together (waitpid(-1): this process is also the subreaper of
// orphaned workers). The destructor stops whatever still runs.
class dev_cluster {
  public:
    dev_cluster(fs::path dir, bool temporary, std::string binary)
        : _dir(std::move(dir)),
          _temporary(temporary),
          _binary(std::move(binary)),
          _zookeeper("ZooKeeper", _dir / "logs" / "zookeeper.log"),
          _nimbus("Nimbus", _dir / "logs" / "nimbus.log"),
          _supervisor("supervisor", _dir / "logs" / "supervisor.log"),
          _logviewer("logviewer", _dir / "logs" / "logviewer.log"),
          _ui("UI", _dir / "logs" / "ui.log") {}
    ~dev_cluster() {
        stop();
        if (_temporary && !_keep_dir) {
            std::error_code ignored;  // a leftover temporary directory is harmless
            fs::remove_all(_dir, ignored);
        }
    }
    dev_cluster(const dev_cluster&) = delete;
    dev_cluster& operator=(const dev_cluster&) = delete;

    daemon_child& zookeeper() { return _zookeeper; }
    daemon_child& nimbus() { return _nimbus; }
    daemon_child& supervisor() { return _supervisor; }
    daemon_child& logviewer() { return _logviewer; }
    daemon_child& ui() { return _ui; }
    const std::string& binary() const { return _binary; }
    fs::path local_dir() const { return _dir / "local"; }
    // After a failure: keep a temporary directory so that its logs can be read.
    void keep_dir() { _keep_dir = true; }

    // Reaps every child that has exited (daemons and orphaned workers).
    void reap() {
        while (true) {
            int status = 0;
            pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid <= 0) {
                return;
            }
            (void)(_zookeeper.reaped(pid, status) || _nimbus.reaped(pid, status) ||
                   _supervisor.reaped(pid, status) || _logviewer.reaped(pid, status) ||
                   _ui.reaped(pid, status));
        }
    }

    // The first daemon (in start order) that was started and has ended, or nullptr.
    daemon_child* dead_daemon() {
        reap();
        for (daemon_child* d : {&_zookeeper, &_nimbus, &_supervisor, &_logviewer, &_ui}) {
            if (d->pid() > 0 && !d->running()) {
                return d;
            }
        }
        return nullptr;
    }

    // SIGTERM, then SIGKILL after `bound`; reaps it. Returns true if SIGKILL was needed.
    bool stop_daemon(daemon_child& d, clock::duration bound = daemon_stop_timeout) {
        reap();
        if (!d.running()) {
            return false;
        }
        d.signal(SIGTERM);
        if (wait_for([&] { return !d.running(); }, bound)) {
            return false;
        }
        d.signal(SIGKILL);
        (void)wait_for([&] { return !d.running(); }, 10s);
        return true;
    }

    // The pids in local/workers/*/pid that belong to live `tempest worker` processes.
    std::vector<pid_t> live_workers() const {
        std::vector<pid_t> pids;
        std::error_code ec;
        for (fs::directory_iterator it(local_dir() / "workers", ec), end; !ec && it != end;
             it.increment(ec)) {
            std::string text = read_file(it->path() / "pid");
            char* stop = nullptr;
            long pid = std::strtol(text.c_str(), &stop, 10);
            if (pid <= 1 || stop == text.c_str() || !process_alive(static_cast<pid_t>(pid))) {
                continue;
            }
            // Guards against a reused pid: only a `tempest worker` process is signalled.
            std::string cmdline = read_file(fmt::format("/proc/{}/cmdline", pid));
            std::vector<std::string> argv;
            std::istringstream parts(cmdline);
            for (std::string a; std::getline(parts, a, '\0');) {
                argv.push_back(a);
            }
            if (argv.size() >= 2 && argv[1] == "worker") {
                pids.push_back(static_cast<pid_t>(pid));
            }
        }
        return pids;
    }

    // SIGTERM every worker, SIGKILL those still alive after worker_stop_timeout. Returns how
    // many there were and how many needed SIGKILL.
    std::pair<std::size_t, std::size_t> stop_workers() {
        std::vector<pid_t> pids = live_workers();
        for (pid_t p : pids) {
            ::kill(p, SIGTERM);
        }
        auto alive = [&] {
            reap();
            std::size_t n = 0;
            for (pid_t p : pids) {
                n += process_alive(p) ? 1 : 0;
            }
            return n;
        };
        (void)wait_for([&] { return alive() == 0; }, worker_stop_timeout);
        std::size_t killed = 0;
        for (pid_t p : pids) {
            if (process_alive(p)) {
                ::kill(p, SIGKILL);
                ++killed;
            }
        }
        (void)wait_for([&] { return alive() == 0; }, 5s);
        return {pids.size(), killed};
    }

    // The shutdown order: the UI and the logviewer, the supervisor (so that it restarts no
    // worker), Nimbus, the workers the supervisor left running, ZooKeeper. Idempotent.
    void stop(bool verbose = false) {
        for (daemon_child* d : {&_ui, &_logviewer, &_supervisor, &_nimbus}) {
            if (stop_daemon(*d) && verbose) {
                print_error(fmt::format("{} did not stop within {} s of SIGTERM; killed it",
                                        d->name(), daemon_stop_timeout.count()));
            }
        }
        if (!_workers_stopped) {
            _workers_stopped = true;
            auto [count, killed] = stop_workers();
            if (verbose && count > 0) {
                fmt::print("stopped {} worker process{}{}\n", count, count == 1 ? "" : "es",
                           killed > 0 ? fmt::format(" ({} with SIGKILL)", killed) : "");
                std::fflush(stdout);
            }
        }
        if (stop_daemon(_zookeeper) && verbose) {
            print_error("ZooKeeper did not stop within 15 s of SIGTERM; killed it");
        }
    }

  private:
    template <typename Pred>
    bool wait_for(Pred&& pred, clock::duration bound) {
        auto deadline = clock::now() + bound;
        std::chrono::milliseconds pause(5);
        while (!pred()) {
            if (clock::now() >= deadline) {
                return false;
            }
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::milliseconds(100));
            reap();
        }
        return true;
    }

    fs::path _dir;
    bool _temporary;
    bool _keep_dir = false;
    bool _workers_stopped = false;
    std::string _binary;
    daemon_child _zookeeper;
    daemon_child _nimbus;
    daemon_child _supervisor;
    daemon_child _logviewer;
    daemon_child _ui;
};

// Thrown to end startup quietly when SIGINT/SIGTERM arrives before the cluster is up.
struct stop_requested {};

// Waits until `ready` returns a value, `d` ends (cli_error naming it and its log) or `bound`
// passes (cli_error saying what it was waiting for). Throws stop_requested on a signal.
template <typename T>
T await(dev_cluster& c, daemon_child& d, clock::duration bound, const std::string& what,
        const std::function<std::optional<T>()>& ready) {
    auto deadline = clock::now() + bound;
    while (true) {
        if (daemon_child* dead = c.dead_daemon(); dead != nullptr) {
            c.keep_dir();
            throw cli_error(fmt::format("{} {} before the cluster was up; log {}: {}", dead->name(),
                                        dead->ended(), dead->log().string(),
                                        log_tail(dead->log())));
        }
        if (std::optional<T> v = ready(); v) {
            return *v;
        }
        if (clock::now() >= deadline) {
            c.keep_dir();
            throw cli_error(
                fmt::format("{} did not {} within {} s; log {}: {}", d.name(), what,
                            std::chrono::duration_cast<std::chrono::seconds>(bound).count(),
                            d.log().string(), log_tail(d.log())));
        }
        if (wait_for_stop_signal(200ms) != 0) {
            throw stop_requested{};
        }
    }
}

// The number in the first match of `re` (one capture group) in the log, if any.
std::optional<int> port_in_log(const fs::path& log, const std::regex& re) {
    std::string text = read_file(log);
    std::smatch m;
    if (std::regex_search(text, m, re)) {
        return std::stoi(m[1].str());
    }
    return std::nullopt;
}

// The port to give the daemon for `key` (ui.port, logviewer.port): the configured one if free;
// 0 (the daemon binds a free one and logs it) when the configured one is 0, or is the default
// and taken. A port the user chose must be free.
int http_port(const config& conf, const std::string& key) {
    const int port = static_cast<int>(conf.get_int(key, 0));
    if (port == 0 || port_free(port)) {
        return port;
    }
    const value* dflt = common::default_config().find(key);
    if (dflt != nullptr && dflt->type() == value_type::int64 && dflt->as_int() == port) {
        return 0;
    }
    throw cli_error(
        fmt::format("{} {} on 127.0.0.1 is in use (set another with -c {}=N, or 0 for "
                    "a free one)",
                    key, port, key));
}

std::string self_exe() {
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        throw cli_error(fmt::format("cannot find this program's path: {}", ec.message()));
    }
    return p.string();
}

}  // namespace

int run_dev_cluster(const dev_cluster_options& o) {
    std::optional<fs::path> config_file;
    if (o.config_file) {
        config_file = fs::absolute(*o.config_file);
    }
    // The user's config decides ports, periods and the ZooKeeper root; checked before anything
    // starts so that bad input fails at once.
    std::vector<std::string> user_overrides = dev_defaults;
    user_overrides.insert(user_overrides.end(), o.overrides.begin(), o.overrides.end());
    config conf = common::load_daemon_config(config_file, user_overrides);
    std::string zk_root = conf.get_string("storm.zookeeper.root", "/tempest");
    common::zk_paths paths(zk_root);
    int nimbus_port = static_cast<int>(conf.get_int("nimbus.thrift.port", 6627));
    if (nimbus_port != 0 && !port_free(nimbus_port)) {
        throw cli_error(
            fmt::format("nimbus.thrift.port {} on 127.0.0.1 is in use (set another "
                        "with -c nimbus.thrift.port=N, or 0 for a free one)",
                        nimbus_port));
    }
    std::vector<int> slots;
    if (const value* v = conf.find("supervisor.slots.ports"); v != nullptr && !v->is_null()) {
        for (const value& p : v->as_list()) {
            slots.push_back(static_cast<int>(p.as_int()));
        }
    }
    if (slots.empty()) {
        throw cli_error("supervisor.slots.ports is empty: the supervisor would have no slots");
    }
    // The default slots (6700..) may be taken on a developer's machine: then free ones are used
    // instead. Slots the user chose must be free.
    bool default_slots = conf.find("supervisor.slots.ports") != nullptr &&
                         common::default_config().find("supervisor.slots.ports") != nullptr &&
                         *conf.find("supervisor.slots.ports") ==
                             *common::default_config().find("supervisor.slots.ports");
    bool slots_free = std::all_of(slots.begin(), slots.end(), port_free);
    if (!slots_free && !default_slots) {
        throw cli_error(fmt::format("a port of supervisor.slots.ports {} on 127.0.0.1 is in use",
                                    yaml_list(slots)));
    }
    if (!slots_free) {
        slots = free_ports(slots.size());
    }
    int logviewer_port = http_port(conf, "logviewer.port");
    int ui_port = http_port(conf, "ui.port");
    const std::string logviewer_host = conf.get_string("logviewer.host", "127.0.0.1");
    const std::string ui_host = conf.get_string("ui.host", "127.0.0.1");

    fs::path dir;
    bool temporary = !o.dir;
    if (o.dir) {
        dir = fs::absolute(*o.dir);
    } else {
        const char* tmp = std::getenv("TMPDIR");
        std::string tmpl =
            (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / "tempest-dev-cluster-XXXXXX")
                .string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            throw cli_error(fmt::format("cannot create a temporary directory {}: {}", tmpl,
                                        std::strerror(errno)));
        }
        dir = tmpl;
    }
    for (const fs::path& p : {dir / "logs", dir / "local", dir / "zookeeper"}) {
        std::error_code ec;
        fs::create_directories(p, ec);
        if (ec) {
            throw cli_error(fmt::format("cannot create {}: {}", p.string(), ec.message()));
        }
    }
    fs::path cluster_yaml = dir / "cluster.yaml";
    {
        std::error_code ignored;  // a stale file from an earlier run must not look ready
        fs::remove(cluster_yaml, ignored);
    }

    // This process logs nothing itself; its ZooKeeper client only speaks up when in trouble.
    common::init_logging("warn");
    install_stop_signals();
    // Workers outlive their supervisor by design; as subreaper this process reaps the ones
    // orphaned here.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    dev_cluster cluster(dir, temporary, self_exe());

    try {
        // ZooKeeper: `tempest dev-zookeeper` on a free port, read back from its first line.
        cluster.zookeeper().start(cluster.binary(), {"dev-zookeeper", "--port", "0", "--dir",
                                                     (dir / "zookeeper").string()});
        static const std::regex zk_serving("ZooKeeper serving on 127\\.0\\.0\\.1:([0-9]+)");
        int zk_port =
            await<int>(cluster, cluster.zookeeper(), zookeeper_start_timeout, "serve",
                       [&] { return port_in_log(cluster.zookeeper().log(), zk_serving); });

        // What every daemon gets: the user's layers, then where this cluster lives.
        std::vector<std::string> common_args;
        if (config_file) {
            common_args = {"--config", config_file->string()};
        }
        std::vector<std::string> overrides = user_overrides;
        for (std::string kv : {
                 std::string("storm.zookeeper.servers=[\"127.0.0.1\"]"),
                 fmt::format("storm.zookeeper.port={}", zk_port),
                 fmt::format("storm.zookeeper.root={}", yaml_quote(zk_root)),
                 fmt::format("storm.local.dir={}", yaml_quote(cluster.local_dir().string())),
                 fmt::format("tempest.log.dir={}", yaml_quote((dir / "logs").string())),
                 std::string("storm.local.hostname=\"127.0.0.1\""),
                 std::string("nimbus.seeds=[\"127.0.0.1\"]"),
                 fmt::format("nimbus.thrift.port={}", nimbus_port),
                 fmt::format("supervisor.slots.ports={}", yaml_list(slots)),
             }) {
            overrides.push_back(std::move(kv));
        }
        for (const std::string& kv : overrides) {
            common_args.push_back("-c");
            common_args.push_back(kv);
        }
        auto args = [&](const char* command) {
            std::vector<std::string> a{command};
            a.insert(a.end(), common_args.begin(), common_args.end());
            // The port Nimbus actually serves on (it differs from the configured one when that
            // is 0): the supervisor downloads topology code from there.
            a.insert(a.end(), {"-c", fmt::format("nimbus.thrift.port={}", nimbus_port)});
            return a;
        };

        cluster.nimbus().start(cluster.binary(), args("nimbus"));
        static const std::regex nimbus_serving("nimbus serving on port ([0-9]+)");
        nimbus_port = await<int>(cluster, cluster.nimbus(), nimbus_start_timeout, "serve", [&] {
            return port_in_log(cluster.nimbus().log(), nimbus_serving);
        });

        cluster.supervisor().start(cluster.binary(), args("supervisor"));
        // Registered: its (ephemeral) node under supervisors/ in ZooKeeper.
        std::unique_ptr<common::zk_cluster_state> zk;
        std::string supervisor_id = await<std::string>(
            cluster, cluster.supervisor(), supervisor_start_timeout, "register in ZooKeeper",
            [&]() -> std::optional<std::string> {
                try {
                    if (!zk) {
                        zk = std::make_unique<common::zk_cluster_state>(common::zk_options{
                            .servers = fmt::format("127.0.0.1:{}", zk_port),
                            .root = "",
                            .connection_timeout = 5s,
                        });
                    }
                } catch (const std::exception&) {
                    return std::nullopt;  // retried until the deadline
                }
                auto ids = zk->children(paths.supervisors());
                if (ids && !ids->empty()) {
                    return ids->front();
                }
                return std::nullopt;
            });
        zk.reset();

        // The supervisor's logviewer, serving the folder its workers write to (tempest.log.dir
        // of every daemon here is DIR/logs), then the UI, told the logviewer's port for its
        // worker log links. Each logs the port it bound ("... serving on http://HOST:PORT").
        cluster.logviewer().start(cluster.binary(), [&] {
            auto a = args("logviewer");
            a.insert(a.end(), {"-c", fmt::format("logviewer.port={}", logviewer_port)});
            return a;
        }());
        static const std::regex logviewer_serving("logviewer serving on http://\\S+:([0-9]+)");
        logviewer_port = await<int>(cluster, cluster.logviewer(), http_start_timeout, "serve", [&] {
            return port_in_log(cluster.logviewer().log(), logviewer_serving);
        });
        cluster.ui().start(cluster.binary(), [&] {
            auto a = args("ui");
            a.insert(a.end(), {"-c", fmt::format("ui.port={}", ui_port), "-c",
                               fmt::format("logviewer.port={}", logviewer_port)});
            return a;
        }());
        static const std::regex ui_serving("ui serving on http://\\S+:([0-9]+)");
        ui_port = await<int>(cluster, cluster.ui(), http_start_timeout, "serve",
                             [&] { return port_in_log(cluster.ui().log(), ui_serving); });

        // The clients' config, written whole (temporary file, then rename) so that a script
        // waiting for it never reads half of it.
        {
            std::ostringstream out;
            out << "# Written by `tempest dev-cluster`: the config clients of this cluster use,\n"
                << "# e.g. tempest list --config " << cluster_yaml.string() << "\n"
                << "storm.zookeeper.servers:\n    - \"127.0.0.1\"\n"
                << "storm.zookeeper.port: " << zk_port << "\n"
                << "storm.zookeeper.root: " << yaml_quote(zk_root) << "\n"
                << "nimbus.seeds:\n    - \"127.0.0.1\"\n"
                << "nimbus.thrift.port: " << nimbus_port << "\n"
                << "ui.port: " << ui_port << "\n"
                << "logviewer.port: " << logviewer_port << "\n";
            if (auto w = common::try_write_file_atomically(cluster_yaml, out.str()); !w) {
                throw cli_error(
                    fmt::format("cannot write {}: {}", cluster_yaml.string(), w.error().message()));
            }
        }

        fmt::print("ZooKeeper   127.0.0.1:{:<6} root {}, log {}\n", zk_port, zk_root,
                   cluster.zookeeper().log().string());
        fmt::print("Nimbus      127.0.0.1:{:<6} log {}\n", nimbus_port,
                   cluster.nimbus().log().string());
        std::string slot_list;
        for (int p : slots) {
            slot_list += slot_list.empty() ? "" : ",";
            slot_list += std::to_string(p);
        }
        fmt::print("supervisor  127.0.0.1:{:<6} id {}, log {}\n", slot_list, supervisor_id,
                   cluster.supervisor().log().string());
        fmt::print(
            "logviewer   http://{}:{:<6} worker logs, e.g. /log?file=TOPOLOGY-ID/PORT/worker.log; "
            "log {}\n",
            logviewer_host, logviewer_port, cluster.logviewer().log().string());
        fmt::print(
            "UI          http://{}:{:<6} pages at /, REST API under /api/v1, /metrics; log {}\n",
            ui_host, ui_port, cluster.ui().log().string());
        fmt::print("workers     logs under {}, state under {}\n",
                   (dir / "logs" / "workers-artifacts").string(),
                   (cluster.local_dir() / "workers").string());
        fmt::print("clients     --config {}   (e.g. tempest jar --config {} PACKAGE.so)\n",
                   cluster_yaml.string(), cluster_yaml.string());
        if (temporary) {
            fmt::print("state and logs in {}, removed on exit\n", dir.string());
        }
        fmt::print("dev cluster ready; stop with Ctrl-C\n");
        std::fflush(stdout);
    } catch (const stop_requested&) {
        cluster.stop();
        return 0;
    } catch (...) {
        cluster.keep_dir();
        cluster.stop();
        throw;
    }

    // Until a signal, watching the daemons so that one's death ends the cluster.
    while (true) {
        if (wait_for_stop_signal(500ms) != 0) {
            break;
        }
        if (daemon_child* dead = cluster.dead_daemon(); dead != nullptr) {
            std::string message =
                fmt::format("{} {}; stopped the dev cluster; log {}: {}", dead->name(),
                            dead->ended(), dead->log().string(), log_tail(dead->log()));
            cluster.keep_dir();
            cluster.stop();
            std::error_code ignored;
            fs::remove(cluster_yaml, ignored);
            throw cli_error(message);
        }
    }
    fmt::print("stopping the dev cluster\n");
    std::fflush(stdout);
    cluster.stop(true);
    std::error_code ignored;
    fs::remove(cluster_yaml, ignored);
    fmt::print("dev cluster stopped\n");
    std::fflush(stdout);
    return 0;
}

}  // namespace tempest::cli
