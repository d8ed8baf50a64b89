// SPDX-License-Identifier: Apache-2.0
// The chaos driver (see chaos_driver.h): the cluster, the producer/sampler thread, the faults and
// the measurements.
#include "chaos_driver.h"

#include "chaos_feeder.h"
#include "cluster_process.h"
#include "nimbus_process.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/test_support/wait_until.h"
#include "tempest/test_support/zk_server.h"
#include "tempest_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace tempest::system_test::chaos {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::wait_until;

namespace {

const std::vector<std::pair<fault_kind, std::string>>& kind_names() {
    static const std::vector<std::pair<fault_kind, std::string>> names = {
        {fault_kind::worker_kill, "worker_kill"},
        {fault_kind::supervisor_restart, "supervisor_restart"},
        {fault_kind::nimbus_failover, "nimbus_failover"},
        {fault_kind::worker_stop, "worker_stop"},
        {fault_kind::zk_restart, "zk_restart"},
        {fault_kind::disk_full, "disk_full"},
        {fault_kind::load, "load"},
    };
    return names;
}

double seconds(clock_type::duration d) {
    return std::chrono::duration<double>(d).count();
}

// Daemon periods short enough that failures are noticed within seconds; ZooKeeper sessions of
// 6 s (three ticks of a default ZooKeeper are 6 s as well).
std::vector<std::string> period_overrides() {
    return {
        "storm.zookeeper.session.timeout=6000",
        "storm.local.hostname=127.0.0.1",
        "nimbus.monitor.freq.secs=1",
        "nimbus.task.timeout.secs=5",
        "task.heartbeat.frequency.secs=1",
        "nimbus.supervisor.timeout.secs=8",
        "nimbus.task.launch.secs=30",
        "supervisor.heartbeat.frequency.secs=1",
        "supervisor.sync.frequency.secs=1",
        "supervisor.monitor.frequency.secs=1",
        "supervisor.worker.timeout.secs=5",
        "supervisor.worker.start.timeout.secs=30",
        "supervisor.worker.shutdown.sleep.secs=1",
    };
}

constexpr const char* expired_line = "ZooKeeper session expired";

int count_expirations(const std::string& text) {
    int n = 0;
    for (auto pos = text.find(expired_line); pos != std::string::npos;
         pos = text.find(expired_line, pos + 1)) {
        ++n;
    }
    return n;
}

int count_in_logs(const fs::path& dir) {
    int n = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (!it->is_regular_file(ec) ||
            !(name.ends_with(".log") || name.ends_with(".out") || name == "stderr")) {
            continue;
        }
        n += count_expirations(read_all(it->path()));
    }
    return n;
}

class cluster {
  public:
    explicit cluster(const options& o) : _o(o), _rng(o.seed) {
        fs::create_directories(_o.dir / "ledger");
        _root = "/chaos-" + std::to_string(::getpid());
        _paths = common::zk_paths(_root);
        _zk_server = std::make_unique<test_support::zk_server>(test_support::zk_server::options{
            .tick = 2000ms, .start_timeout = 120000ms, .force_sync = _o.zk_force_sync});
        _zk = std::make_unique<common::zk_cluster_state>(common::zk_options{
            .servers = _zk_server->connect_string(),
            .root = "",
        });
        start_nimbuses();
        start_supervisors();
    }
    ~cluster() {
        std::vector<fs::path> dirs;
        for (auto& s : _supervisors) {
            dirs.push_back(s->local_dir());
            (void)s->kill();  // teardown: what survives shows in the checks below
        }
        _supervisors.clear();
        for (const auto& d : dirs) {
            for (const auto& [id, pid] : live_workers(d)) {
                ::kill(pid, SIGCONT);
                ::kill(pid, SIGKILL);
            }
        }
        (void)wait_until(
            [&] {
                return std::all_of(dirs.begin(), dirs.end(),
                                   [](const fs::path& d) { return live_workers(d).empty(); });
            },
            10s);
        _nimbus.clear();
        _zk.reset();
        _zk_server.reset();
        if (!_tmpfs.empty()) {
            // The supervisor's log lives on the tmpfs: keep a copy beside the others.
            std::error_code ec;
            fs::copy_file(_tmpfs / "supervisor.out", _o.dir / "supervisor-on-tmpfs.out",
                          fs::copy_options::overwrite_existing, ec);
            (void)::umount2(_tmpfs.c_str(), MNT_DETACH);  // teardown: best effort
        }
    }

    const fs::path& tmpfs_dir() const { return _tmpfs; }
    // Session expirations the Nimbus processes logged, the killed ones' included.
    int nimbus_expirations() const {
        int n = _nimbus_expirations;
        for (const auto& p : _nimbus) {
            n += count_expirations(p->err());
        }
        return n;
    }
    std::string skipped() const { return _skipped; }

    void submit() {
        std::vector<std::string> args{"jar", "--nimbus", leader_address(), "--wait", "90"};
        for (const auto& o : zk_overrides()) {
            args.insert(args.end(), {"-c", o});
        }
        args.insert(args.end(),
                    {TEMPEST_CHAOS_TEST_PKG, "--name", "chaos", "--dir",
                     (_o.dir / "ledger").string(), "--workers", "3", "--relays",
                     std::to_string(_o.relays), "--burn-us", std::to_string(_o.burn_us)});
        tempest_process p(args);
        int status = p.wait(120s);
        if (status != 0) {
            throw std::runtime_error("chaos: tempest jar failed (" + std::to_string(status) +
                                     "): " + p.out() + p.err());
        }
    }

    // Injects one fault and waits for the cluster's reaction; fills target, detect and note.
    void inject(fault_record& r) {
        auto t0 = clock_type::now();
        auto since = [&] { return seconds(clock_type::now() - t0); };
        switch (r.kind) {
            case fault_kind::worker_kill:
            case fault_kind::worker_stop: {
                auto [sup, pid] = random_worker();
                if (pid <= 0) {
                    r.note = "no live worker to hit";
                    return;
                }
                std::size_t before = all_workers().size();
                bool stop = r.kind == fault_kind::worker_stop;
                r.target = "worker " + std::to_string(pid) + " on " + _supervisors[sup]->name();
                ::kill(pid, stop ? SIGSTOP : SIGKILL);
                // Detected once the process is gone (SIGSTOP: killed as hung) and a replacement
                // runs.
                bool ok = wait_until(
                    [&] {
                        auto now = all_workers();
                        return !now.contains(pid) && now.size() >= before;
                    },
                    60s);
                if (ok) {
                    r.detect = since();
                } else {
                    r.note = "not replaced within 60 s";
                }
                if (stop && process_alive(pid)) {
                    ::kill(pid, SIGCONT);
                    r.note += " (resumed with SIGCONT)";
                }
                return;
            }
            case fault_kind::supervisor_restart: {
                std::size_t i =
                    std::uniform_int_distribution<std::size_t>(0, _supervisors.size() - 1)(_rng);
                auto& s = *_supervisors[i];
                r.target = "supervisor " + s.name();
                auto sessions = registered();
                std::set<pid_t> workers = pids_of(live_workers(s.local_dir()));
                (void)s.kill();  // its reaping is checked by the registration below
                std::this_thread::sleep_for(2s);  // the fault's length: down for 2 s
                s.start();
                bool ok = wait_until(
                    [&] {
                        auto now = registered();
                        if (now.size() != _supervisors.size()) {
                            return false;
                        }
                        return std::any_of(now.begin(), now.end(), [&](const auto& e) {
                            auto old = sessions.find(e.first);
                            return old == sessions.end() || old->second != e.second;
                        });
                    },
                    60s);
                if (ok) {
                    r.detect = since();
                } else {
                    r.note = "not registered again within 60 s";
                }
                std::set<pid_t> after = pids_of(live_workers(s.local_dir()));
                std::size_t kept = std::count_if(workers.begin(), workers.end(),
                                                 [&](pid_t p) { return after.contains(p); });
                r.note += (r.note.empty() ? "" : "; ") + std::to_string(kept) + "/" +
                          std::to_string(workers.size()) + " workers kept";
                return;
            }
            case fault_kind::nimbus_failover: {
                std::size_t lead = leader_index();
                std::size_t other = 1 - lead;
                r.target = "nimbus " + std::string(1, static_cast<char>('a' + lead));
                int led_before = count_leads(other);
                (void)_nimbus[lead]->kill();  // its exit is not the point; the takeover is
                bool ok = wait_until([&] { return count_leads(other) > led_before; }, 60s);
                if (!ok) {
                    r.note = "no new leader within 60 s";
                    return;
                }
                r.detect = since();
                _leader = other;
                // Submissions work again: a probe topology through the new leader, then gone.
                std::string probe = "probe-" + std::to_string(++_probes);
                fs::create_directories(_o.dir / probe);
                std::vector<std::string> args{"jar", "--nimbus", leader_address()};
                for (const auto& o : zk_overrides()) {
                    args.insert(args.end(), {"-c", o});
                }
                args.insert(args.end(), {TEMPEST_CHAOS_TEST_PKG, "--name", probe, "--dir",
                                         (_o.dir / probe).string(), "--workers", "1"});
                run_result sub = system_test::run(args);
                run_result kill =
                    system_test::run({"kill", "--nimbus", leader_address(), probe, "-w", "0"});
                r.note = sub.status == 0 ? "submit to the new leader ok"
                                         : "SUBMIT FAILED: " + sub.err.substr(0, 200);
                if (kill.status != 0) {
                    r.note += "; kill of " + probe + " failed: " + kill.err.substr(0, 200);
                }
                // The killed one comes back as the standby.
                _nimbus_expirations += count_expirations(_nimbus[lead]->err());
                _nimbus[lead] = retry("restarting nimbus", [&] { return start_nimbus(lead); });
                return;
            }
            case fault_kind::zk_restart: {
                r.target = "zookeeper";
                _zk_server->stop();
                std::this_thread::sleep_for(5s);  // the fault's length: down for 5 s
                retry("restarting ZooKeeper", [&] {
                    _zk_server->start();
                    return true;
                });
                double serving = since();
                bool ok = wait_until(
                    [&] {
                        auto now = registered();
                        return now.size() == _supervisors.size();
                    },
                    60s);
                if (ok) {
                    r.detect = since();
                    r.note = "serving again at " + std::to_string(serving).substr(0, 4) +
                             " s, supervisors registered";
                } else {
                    r.note = "supervisors not all registered within 60 s";
                }
                return;
            }
            case fault_kind::disk_full: {
                if (_tmpfs.empty()) {
                    r.note = "skipped: no tmpfs (" + _skipped + ")";
                    return;
                }
                r.target = "tmpfs of supervisor " + _supervisors.back()->name();
                std::set<pid_t> workers = pids_of(live_workers(_tmpfs));
                fs::path filler = _tmpfs / "filler";
                fill(filler);
                std::this_thread::sleep_for(8s);  // the fault's length: full for 8 s
                std::error_code ec;
                fs::remove(filler, ec);
                std::set<pid_t> after = pids_of(live_workers(_tmpfs));
                std::size_t kept = std::count_if(workers.begin(), workers.end(),
                                                 [&](pid_t p) { return after.contains(p); });
                r.note = std::to_string(kept) + "/" + std::to_string(workers.size()) +
                         " workers on it survived the 8 s";
                r.detect = since();
                return;
            }
            case fault_kind::load: {
                // Nothing is injected: for most of the period, watch whether the load alone
                // makes a worker be replaced (missed heartbeats) or a supervisor lose its
                // ZooKeeper session (its ephemeral node changes owner).
                r.target = "none (CPU load only)";
                auto sessions = registered();
                auto workers = all_workers();
                std::this_thread::sleep_for(_o.period - 1s);  // the observation's length
                auto now_sessions = registered();
                auto now_workers = all_workers();
                std::size_t replaced = std::count_if(workers.begin(), workers.end(), [&](auto& w) {
                    return !now_workers.contains(w.first);
                });
                std::size_t changed =
                    std::count_if(sessions.begin(), sessions.end(), [&](const auto& e) {
                        auto it = now_sessions.find(e.first);
                        return it == now_sessions.end() || it->second != e.second;
                    });
                r.note = std::to_string(replaced) + "/" + std::to_string(workers.size()) +
                         " workers replaced, " + std::to_string(changed) + "/" +
                         std::to_string(sessions.size()) + " supervisor sessions changed";
                return;
            }
        }
    }

  private:
    // f(), tried again while it throws (a daemon slow to start on a loaded machine) for up to
    // 5 minutes; then the last exception goes on, saying what was being done.
    template <typename F>
    static std::invoke_result_t<F&> retry(const std::string& what, F&& f) {
        auto deadline = clock_type::now() + 5min;
        for (;;) {
            try {
                return f();
            } catch (const std::exception& e) {
                if (clock_type::now() > deadline) {
                    throw std::runtime_error(what + ": " + e.what());
                }
            }
        }
    }

    std::vector<std::string> zk_overrides() const {
        return {
            "storm.zookeeper.servers=[127.0.0.1]",
            "storm.zookeeper.port=" + std::to_string(_zk_server->port()),
            "storm.zookeeper.root=" + _root,
        };
    }
    std::string seeds() const {
        return "nimbus.seeds=[\"127.0.0.1:" + std::to_string(_nimbus_ports[0]) +
               "\", \"127.0.0.1:" + std::to_string(_nimbus_ports[1]) + "\"]";
    }
    std::string leader_address() const {
        return "127.0.0.1:" + std::to_string(_nimbus_ports[_leader]);
    }

    std::unique_ptr<nimbus_process> start_nimbus(std::size_t i) {
        std::vector<std::string> o = period_overrides();
        o.push_back("nimbus.thrift.port=" + std::to_string(_nimbus_ports[i]));
        o.push_back(seeds());
        return std::make_unique<nimbus_process>(
            _zk_server->port(), _root, _o.dir / ("nimbus-" + std::string(1, char('a' + i))), o);
    }
    void start_nimbuses() {
        _nimbus_ports = {test_support::pick_free_port(), test_support::pick_free_port()};
        _nimbus.push_back(start_nimbus(0));
        _nimbus.push_back(start_nimbus(1));
        _leader = 0;
    }
    // How often Nimbus `i` logged that it leads (a freshly started one that leads at once says
    // "(leader)" when it starts serving).
    int count_leads(std::size_t i) const {
        std::string err = _nimbus[i]->err();
        int n = 0;
        for (const char* needle : {"this Nimbus is now the leader", "(leader)"}) {
            for (auto pos = err.find(needle); pos != std::string::npos;
                 pos = err.find(needle, pos + 1)) {
                ++n;
            }
        }
        return n;
    }
    std::size_t leader_index() const { return _leader; }

    void start_supervisors() {
        std::set<int> ports;
        while (ports.size() < static_cast<std::size_t>(2 * _o.supervisors)) {
            ports.insert(test_support::pick_free_port());
        }
        std::vector<int> p(ports.begin(), ports.end());
        for (int i = 0; i < _o.supervisors; ++i) {
            std::string name(1, static_cast<char>('a' + i));
            fs::path local = _o.dir / ("supervisor-" + name);
            fs::create_directories(local);
            if (i == _o.supervisors - 1 && std::find(_o.faults.begin(), _o.faults.end(),
                                                     fault_kind::disk_full) != _o.faults.end()) {
                mount_tmpfs(local);
            }
            std::vector<std::string> o = zk_overrides();
            for (auto& x : period_overrides()) {
                o.push_back(x);
            }
            o.push_back("storm.local.dir=" + local.string());
            // Logs off the tmpfs: a full disk hits the local state, not the logs.
            o.push_back("tempest.log.dir=" + (_o.dir / ("logs-" + name)).string());
            o.push_back(seeds());
            o.push_back("supervisor.slots.ports=[" + std::to_string(p[2 * i]) + "," +
                        std::to_string(p[2 * i + 1]) + "]");
            _supervisors.push_back(std::make_unique<supervisor_process>(name, local, o));
        }
        if (!wait_until([&] { return registered().size() == _supervisors.size(); }, 60s)) {
            throw std::runtime_error("chaos: the supervisors did not register in ZooKeeper");
        }
    }

    void mount_tmpfs(const fs::path& dir) {
        if (::geteuid() != 0) {
            _skipped = "disk_full needs root to mount a tmpfs";
            return;
        }
        if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64m") != 0) {
            _skipped = std::string("disk_full: mount of a tmpfs failed: ") + std::strerror(errno);
            return;
        }
        _tmpfs = dir;
    }

    // Writes zeros to `path` until the file system is full.
    static void fill(const fs::path& path) {
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        std::vector<char> block(1 << 20, 0);
        while (fd >= 0 && ::write(fd, block.data(), block.size()) > 0) {
        }
        if (fd >= 0) {
            ::close(fd);
        }
    }

    // supervisor id -> session owning its ephemeral node.
    std::map<std::string, std::int64_t> registered() {
        std::map<std::string, std::int64_t> out;
        auto ids = _zk->children(_paths.supervisors());
        if (!ids) {
            return out;
        }
        for (const auto& id : *ids) {
            if (auto d = _zk->get(_paths.supervisor(id))) {
                out[id] = d->stat.ephemeral_owner;
            }
        }
        return out;
    }

    std::map<pid_t, std::size_t> all_workers() {
        std::map<pid_t, std::size_t> out;
        for (std::size_t i = 0; i < _supervisors.size(); ++i) {
            for (const auto& [id, pid] : live_workers(_supervisors[i]->local_dir())) {
                out[pid] = i;
            }
        }
        return out;
    }
    std::pair<std::size_t, pid_t> random_worker() {
        auto w = all_workers();
        if (w.empty()) {
            return {0, -1};
        }
        auto it = w.begin();
        std::advance(it, std::uniform_int_distribution<std::size_t>(0, w.size() - 1)(_rng));
        return {it->second, it->first};
    }

    const options& _o;
    std::mt19937 _rng;
    std::string _root;
    common::zk_paths _paths;
    std::unique_ptr<test_support::zk_server> _zk_server;
    std::unique_ptr<common::zk_cluster_state> _zk;
    std::vector<int> _nimbus_ports;
    std::vector<std::unique_ptr<nimbus_process>> _nimbus;
    std::size_t _leader = 0;
    std::vector<std::unique_ptr<supervisor_process>> _supervisors;
    fs::path _tmpfs;
    std::string _skipped;
    int _probes = 0;
    int _nimbus_expirations = 0;
};

}  // namespace

std::string fault_name(fault_kind k) {
    for (const auto& [kind, name] : kind_names()) {
        if (kind == k) {
            return name;
        }
    }
    return "?";
}

std::vector<fault_kind> parse_faults(const std::string& comma_separated) {
    std::vector<fault_kind> out;
    std::istringstream in(comma_separated);
    for (std::string item; std::getline(in, item, ',');) {
        if (item == "all") {
            for (const auto& [kind, name] : kind_names()) {
                if (kind != fault_kind::load) {
                    out.push_back(kind);
                }
            }
            continue;
        }
        auto it = std::find_if(kind_names().begin(), kind_names().end(),
                               [&](const auto& e) { return e.second == item; });
        if (it == kind_names().end()) {
            std::string known = "all";
            for (const auto& [kind, name] : kind_names()) {
                known += ", " + name;
            }
            throw std::invalid_argument("unknown fault '" + item + "' (known: " + known + ")");
        }
        out.push_back(it->first);
    }
    return out;
}

std::string report::table() const {
    std::ostringstream s;
    auto opt = [](const std::optional<double>& v) {
        std::ostringstream o;
        if (v) {
            o << std::fixed << std::setprecision(1) << *v;
        } else {
            o << "-";
        }
        return o.str();
    };
    s << std::left << std::setw(3) << "#" << std::setw(19) << "fault" << std::setw(26) << "target"
      << std::right << std::setw(7) << "at s" << std::setw(9) << "detect s" << std::setw(10)
      << "to 90% s" << std::setw(7) << "min %"
      << "  ledger / note\n";
    for (std::size_t i = 0; i < faults.size(); ++i) {
        const auto& f = faults[i];
        s << std::left << std::setw(3) << i + 1 << std::setw(19) << fault_name(f.kind)
          << std::setw(26) << f.target.substr(0, 25) << std::right << std::fixed
          << std::setprecision(1) << std::setw(7) << f.at << std::setw(9) << opt(f.detect)
          << std::setw(10) << opt(f.recover) << std::setw(7) << std::setprecision(0)
          << f.min_percent << "  " << f.ledger << (f.note.empty() ? "" : "; " + f.note) << "\n";
    }
    s << "ledger: " << ledger.describe() << "\n";
    s << "rate " << rate << " ids/s, " << std::setprecision(0) << seconds << " s in all, "
      << zk_session_expirations << " ZooKeeper session expirations in the daemons' logs\n";
    if (!skipped.empty()) {
        s << "skipped: " << skipped << "\n";
    }
    return s.str();
}

report run(const options& o) {
    auto begin = clock_type::now();
    auto say = [&](const std::string& line) {
        if (o.out != nullptr) {
            *o.out << "[chaos " << std::fixed << std::setprecision(1)
                   << seconds(clock_type::now() - begin) << "s] " << line << std::endl;
        }
    };
    report rep;
    rep.rate = o.rate;
    cluster c(o);
    rep.skipped = c.skipped();
    say("cluster up in " + o.dir.string() + "; submitting");
    c.submit();
    feeder feed(o.dir / "ledger", o.rate);
    auto healthy = [&](clock_type::time_point from) {
        auto w = windows(feed.samples(), from);
        return !w.empty() && w.back().second >= 0.9 * o.rate;
    };
    if (!wait_until([&] { return healthy(clock_type::now() - 1s); }, 90s)) {
        throw std::runtime_error("chaos: the topology did not reach 90% of the rate in 90 s");
    }
    say("throughput at rate; the schedule starts");

    auto start = clock_type::now();
    for (std::size_t i = 0; !o.faults.empty() && clock_type::now() - start < o.duration; ++i) {
        fault_record r;
        r.kind = o.faults[i % o.faults.size()];
        auto t0 = clock_type::now();
        r.at = seconds(t0 - start);
        try {
            c.inject(r);
        } catch (const std::exception& e) {
            // The driver could not complete the fault (a daemon that did not come back in
            // 5 minutes): recorded, and the schedule goes on with what runs.
            r.note += (r.note.empty() ? "" : "; ") + std::string("DRIVER ERROR: ") + e.what();
        }
        say(fault_name(r.kind) + " " + r.target + ": detect " +
            (r.detect ? std::to_string(*r.detect) : "-") + " " + r.note);
        // The period, and on while the last window is below 90% (60 s at most).
        auto end = t0 + o.period;
        std::this_thread::sleep_until(end);  // the schedule's pace, not a synchronisation
        (void)wait_until([&] { return healthy(end); }, 60s);  // not recovered: shows below
        auto w = windows(feed.samples(), t0 + 1s);
        r.min_percent = 100;
        std::optional<clock_type::time_point> last_bad;
        for (const auto& [t, v] : w) {
            r.min_percent = std::min(r.min_percent, 100 * v / o.rate);
            if (v < 0.9 * o.rate) {
                last_bad = t;
            }
        }
        if (!last_bad) {
            r.recover = 0;
        } else if (!w.empty() && *last_bad != w.back().first) {
            r.recover = seconds(*last_bad - t0);
        } else if (r.kind == fault_kind::load) {
            r.note += "; below 90% of the rate at the end: the load exceeds the capacity";
        } else {
            r.note += (r.note.empty() ? "" : "; ") + std::string("NOT RECOVERED");
        }
        ledger_result lr = feed.check(feed.acked_prefix());
        r.ledger = (lr.missing() == 0 ? "ok " : "LOSS ") + std::to_string(lr.missing()) +
                   " missing of " + std::to_string(lr.expected) + ", " +
                   std::to_string(lr.duplicates) + " dup";
        say(fault_name(r.kind) + ": to 90% " + (r.recover ? std::to_string(*r.recover) : "-") +
            ", " + r.ledger);
        rep.faults.push_back(r);
    }
    if (o.faults.empty()) {
        std::this_thread::sleep_for(o.duration);  // no faults: a plain run of that length
    }

    feed.stop_producing();
    std::uint64_t n = feed.written();
    say("producer stopped at " + std::to_string(n) + " ids; draining");
    (void)wait_until([&] { return feed.distinct_acked() >= n; }, 120s);  // checked just below
    rep.ledger = feed.check(n);
    rep.zk_session_expirations = count_in_logs(o.dir) + c.nimbus_expirations();
    rep.seconds = seconds(clock_type::now() - begin);
    say("done: " + rep.ledger.describe());
    return rep;
}

}  // namespace tempest::system_test::chaos
