// SPDX-License-Identifier: Apache-2.0
#include "cluster_commands.h"

#include "checking_submitter.h"
#include "cli_error.h"
#include "resources_folder.h"
#include "stop_signals.h"
#include "tempest/common/config_keys.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/flux_loader.h"
#include "tempest/common/log.h"
#include "tempest/common/package_bundle.h"
#include "tempest/common/package_loader.h"
#include "tempest/common/random_id.h"
#include "tempest/common/topology_layout.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_config.h"
#include "tempest/common/zk_paths.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace tempest::cli {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// Bounds connecting and each call (storm.thrift.socket.timeout.ms); submit and kill return once
// Nimbus has recorded the change. A Nimbus busy with many workers starting may take a while.
std::chrono::milliseconds call_timeout(const config& conf) {
    return std::chrono::milliseconds(
        common::conf_int(conf, common::keys::storm_thrift_socket_timeout_ms));
}

struct endpoint {
    std::string host;
    int port = 0;
};

int parse_int(const std::string& text, int min, int max) {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min ||
        v > max) {
        return min - 1;
    }
    return v;
}

config load_config(const client_options& o) {
    std::optional<std::filesystem::path> file;
    if (o.config_file) {
        file = *o.config_file;
    }
    return common::load_daemon_config(file, o.overrides);
}

// --nimbus HOST:PORT.
endpoint explicit_endpoint(const std::string& t) {
    auto colon = t.rfind(':');
    int port = colon == std::string::npos ? 0 : parse_int(t.substr(colon + 1), 1, 65535);
    if (colon == std::string::npos || colon == 0 || port <= 0) {
        throw cli_error(fmt::format("bad --nimbus '{}': expected HOST:PORT", t), exit_usage);
    }
    return {t.substr(0, colon), port};
}

// nimbus.seeds of `conf`; cli_error when it names no usable address.
std::vector<common::nimbus_address> seeds_of(const config& conf) {
    try {
        return common::nimbus_seeds(conf);
    } catch (const std::invalid_argument& e) {
        throw cli_error(fmt::format("{}; or give --nimbus HOST:PORT", e.what()));
    }
}

// The Nimbus given by --nimbus HOST:PORT (that one, leader or not), else the leader among
// nimbus.seeds (each seed tried in turn, the leader it names followed:
// nimbus_client::connect_leader).
common::nimbus_client connect(const client_options& o, const config& conf) {
    if (o.nimbus) {
        endpoint e = explicit_endpoint(*o.nimbus);
        return common::nimbus_client::connect(e.host, e.port, call_timeout(conf));
    }
    return common::nimbus_client::connect_leader(seeds_of(conf), call_timeout(conf));
}

common::nimbus_client connect(const client_options& o) {
    return connect(o, load_config(o));
}

// Shows upload progress on stderr: a bar redrawn in place on a terminal, else one line at the
// end (logs stay readable).
class upload_progress {
  public:
    explicit upload_progress(std::string name) : _name(std::move(name)), _tty(::isatty(2) != 0) {}

    void operator()(std::uint64_t sent, std::uint64_t total) {
        if (!_tty) {
            return;
        }
        constexpr int width = 30;
        double frac = total == 0 ? 1.0 : static_cast<double>(sent) / static_cast<double>(total);
        int filled = static_cast<int>(frac * width);
        fmt::print(stderr, "\ruploading {} [{}{}] {:3d}% ({:.1f} of {:.1f} MiB)", _name,
                   std::string(static_cast<std::size_t>(filled), '#'),
                   std::string(static_cast<std::size_t>(width - filled), '.'),
                   static_cast<int>(frac * 100), static_cast<double>(sent) / (1 << 20),
                   static_cast<double>(total) / (1 << 20));
        if (sent >= total) {
            fmt::print(stderr, "\n");
        }
        std::fflush(stderr);
    }

    void done(std::uint64_t bytes, const std::string& location) const {
        if (!_tty) {
            fmt::print(stderr, "uploaded {} ({} bytes) to {}\n", _name, bytes, location);
            std::fflush(stderr);
        }
    }

  private:
    std::string _name;
    bool _tty;
};

// What `jar --wait` waits for of a submitted topology.
struct expected_run {
    int workers = 1;            // topology.workers
    std::size_t executors = 0;  // from common::compute_task_layout, as Nimbus counts them; 0 if
                                // it could not be computed
};

// The file `tempest jar` uploads: the package itself, or, when there are resources to ship, a
// temporary copy with the folder appended (common/package_bundle.h), removed at the end.
class upload_file {
  public:
    upload_file(const std::string& package, const std::optional<std::filesystem::path>& resources)
        : _path(package) {
        if (!resources) {
            return;
        }
        const std::filesystem::path tmp =
            std::filesystem::temp_directory_path() /
            fmt::format("tempest-jar-{}-{}", common::random_hex(8),
                        std::filesystem::path(package).filename().string());
        try {
            common::write_package_bundle(package, *resources, tmp);
        } catch (const std::exception& e) {
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            throw cli_error(fmt::format("cannot ship --resources '{}' with {}: {}",
                                        resources->string(), package, e.what()));
        }
        _path = tmp.string();
        _temporary = true;
        common::logger("cli").info("shipping {} inside the package ({} bytes in all)",
                                   resources->string(), std::filesystem::file_size(tmp));
    }
    ~upload_file() {
        if (_temporary) {
            std::error_code ec;
            std::filesystem::remove(_path, ec);
        }
    }
    upload_file(const upload_file&) = delete;
    upload_file& operator=(const upload_file&) = delete;

    const std::string& path() const noexcept { return _path; }

  private:
    std::string _path;
    bool _temporary = false;
};

// What `tempest jar` hands (through checking_submitter) to tempest_main: uploads the package
// (with its resources, if any) and submits each topology to Nimbus, remembering what each one
// should run. Used on the thread that runs tempest_main.
class nimbus_submitter final : public submitter {
  public:
    nimbus_submitter(common::nimbus_client& client, std::string package, std::string upload,
                     const config& daemon)
        : _client(client),
          _package(std::move(package)),
          _upload(std::move(upload)),
          _daemon(daemon) {}

    void submit_topology(const std::string& name, const config& conf, const topology& t) override {
        // Nimbus keeps the code per topology, so each submission uploads its own copy.
        std::string file = std::filesystem::path(_package).filename().string();
        upload_progress progress(file);
        std::string location = _client.upload_package(
            _upload, [&](std::uint64_t sent, std::uint64_t total) { progress(sent, total); });
        progress.done(std::filesystem::file_size(_upload), location);
        _client.submit(name, location, conf, t);
        _expected[name] = expect(conf, t);
        fmt::print("tempest: submitted topology '{}' to Nimbus at {}\n", name, _client.endpoint());
        std::fflush(stdout);
    }

    expected_run expected(const std::string& name) const {
        auto it = _expected.find(name);
        return it == _expected.end() ? expected_run{} : it->second;
    }

  private:
    // What Nimbus will run: the layout of the topology as just submitted (its conf over the
    // daemon's, no rebalance yet), computed as Nimbus and the workers compute it.
    expected_run expect(const config& conf, const topology& t) const {
        expected_run e;
        try {
            common::storm_base base;
            base.num_workers = common::worker_count(common::effective_config(_daemon, conf));
            e.workers = base.num_workers;
            e.executors = common::lay_out_topology(t, _daemon,
                                                   common::submitted_conf(conf, _daemon, ""), base)
                              .executors()
                              .size();
        } catch (const std::exception&) {
            e.workers = 1;
            e.executors = 0;  // Nimbus refuses it, or its executor list is then all there is
        }
        return e;
    }

    common::nimbus_client& _client;
    std::string _package;
    std::string _upload;  // what is uploaded: the package, or the package with its resources
    const config& _daemon;
    std::map<std::string, expected_run> _expected;
};

// How `jar --wait` learns of a change in ZooKeeper: one-shot watches on the topology's
// assignments/<id> node and on its workerbeats/<id> node and children, whose events (on the
// ZooKeeper client's completion thread) wake the waiting thread at once. The waiting thread
// re-arms a watch after it fired (rearm()). Shared with the watchers, which may outlive a
// wait by a moment, through a shared_ptr.
class zk_change_watch {
  public:
    zk_change_watch(common::zk_cluster_state& zk, const std::string& id)
        : _zk(zk),
          _assignment(common::zk_paths("/").assignment(id)),
          _beats(common::zk_paths("/").workerbeats(id)),
          _wake(std::make_shared<wake>()) {}

    // Leaves each watch that is not armed; returns the number of workers with a heartbeat
    // (children of workerbeats/<id>), or nullopt when ZooKeeper could not be read.
    std::optional<int> rearm() {
        auto w = _wake;
        auto on = [w](bool wake::*armed) {
            return [w, armed](const common::watch_event&) {
                {
                    std::scoped_lock lock(w->mu);
                    (*w).*armed = false;
                    w->changed = true;
                }
                w->cv.notify_all();
            };
        };
        bool assignment_armed = false;
        bool beats_armed = false;
        bool children_armed = false;
        {
            std::scoped_lock lock(w->mu);
            assignment_armed = w->assignment_armed;
            beats_armed = w->beats_armed;
            children_armed = w->children_armed;
        }
        if (!assignment_armed) {
            if (!_zk.exists(_assignment, on(&wake::assignment_armed))) {
                return std::nullopt;
            }
            set_armed(&wake::assignment_armed);
        }
        if (!beats_armed) {
            if (!_zk.exists(_beats, on(&wake::beats_armed))) {
                return std::nullopt;
            }
            set_armed(&wake::beats_armed);
        }
        auto kids =
            _zk.children(_beats, children_armed ? common::watcher() : on(&wake::children_armed));
        if (!kids) {
            // No workerbeats/<id> yet: no worker has a heartbeat; the exists watch reports its
            // creation.
            return kids.error() == common::errc::no_node ? std::optional<int>(0) : std::nullopt;
        }
        if (!children_armed) {
            set_armed(&wake::children_armed);
        }
        return static_cast<int>(kids->size());
    }

    // Waits until a watch fires or `until`; clears the change.
    void wait_until(clock::time_point until) {
        std::unique_lock lock(_wake->mu);
        _wake->cv.wait_until(lock, until, [&] { return _wake->changed; });
        _wake->changed = false;
    }

  private:
    struct wake {
        std::mutex mu;
        std::condition_variable cv;
        bool changed = false;
        bool assignment_armed = false;
        bool beats_armed = false;
        bool children_armed = false;
    };

    void set_armed(bool wake::*armed) {
        std::scoped_lock lock(_wake->mu);
        _wake.get()->*armed = true;
    }

    common::zk_cluster_state& _zk;
    std::string _assignment;
    std::string _beats;
    std::shared_ptr<wake> _wake;
};

// What `jar --wait` reports of a topology; a line is printed each time it changes.
struct run_state {
    std::string status;
    std::size_t assigned = 0;
    std::size_t executors = 0;
    std::optional<int> beats;  // workers with a heartbeat; unknown without ZooKeeper
    int workers = 1;           // requested
    int slots = 0;             // distinct worker slots the assigned executors use

    bool operator==(const run_state&) const = default;

    bool all_assigned() const { return executors > 0 && assigned == executors; }
    // The workers to wait for: every requested one, or, once every executor is assigned, the
    // slots Nimbus found (a cluster with fewer free slots than requested runs on fewer).
    int running_on() const {
        return all_assigned() && slots > 0 ? std::min(slots, workers) : workers;
    }
    bool short_of_slots() const { return all_assigned() && slots > 0 && slots < workers; }

    bool done() const {
        return status == "ACTIVE" && all_assigned() && (!beats || *beats >= running_on());
    }

    std::string describe() const {
        std::string s =
            fmt::format("{}: {} of {} executors assigned, ", status, assigned, executors);
        s += beats ? fmt::format("{} of {} workers with heartbeats", *beats, running_on())
                   : fmt::format("{} workers requested (heartbeats not watched)", workers);
        if (short_of_slots()) {
            s += fmt::format(" ({} requested; no free slots for the others)", workers);
        }
        return s;
    }

    std::string missing() const {
        std::vector<std::string> parts;
        if (status != "ACTIVE") {
            parts.push_back(fmt::format("it is {}, not ACTIVE", status));
        }
        if (executors == 0 || assigned < executors) {
            parts.push_back(
                fmt::format("{} of {} executors are not assigned (is a supervisor "
                            "with free slots running?)",
                            executors - assigned, executors));
        }
        if (beats && *beats < running_on()) {
            parts.push_back(fmt::format("{} of {} workers have no heartbeat", running_on() - *beats,
                                        running_on()));
        }
        std::string out;
        for (const auto& p : parts) {
            out += (out.empty() ? "" : "; ") + p;
        }
        return out;
    }
};

// Reports `name`'s state until it is ACTIVE with every executor assigned and (when ZooKeeper is
// watched) every requested worker heartbeating, or `secs` pass (cli_error saying what is
// missing). Polls Nimbus (getTopologyInfo) on a timer and at once after a ZooKeeper watch fires;
// without ZooKeeper, polls Nimbus only, more often. A Nimbus that does not answer (busy, or
// failing over) is reconnected to with `reconnect` and asked again until the deadline; only then
// does the wait fail, saying so.
void wait_running(common::nimbus_client& client, const config& conf, const std::string& name,
                  const expected_run& expected, double secs,
                  const std::function<common::nimbus_client()>& reconnect) {
    auto start = clock::now();
    auto deadline = start + std::chrono::milliseconds(static_cast<std::int64_t>(secs * 1e3));
    std::string last_failure;
    bool reconnect_first = false;  // the last request failed: start over on a new connection
    // getTopologyInfo, riding out a Nimbus that does not answer: nullopt (having warned) when
    // this attempt failed and time remains; cli_error once the deadline passed.
    auto ask = [&]() -> std::optional<common::topology_info> {
        try {
            if (reconnect_first) {
                client = reconnect();
                reconnect_first = false;
            }
            auto i = client.info(name);
            last_failure.clear();
            return i;
        } catch (const common::nimbus_error& e) {
            if (e.from_nimbus()) {
                throw;
            }
            reconnect_first = true;
            if (clock::now() >= deadline) {
                throw cli_error(
                    fmt::format("topology '{}' is not known to be running after {} s: "
                                "the last request to Nimbus failed: {}",
                                name, secs, e.message()));
            }
            if (e.message() != last_failure) {
                fmt::print(stderr, "tempest: warning: {}; asking again until the wait ends\n",
                           e.message());
                std::fflush(stderr);
                last_failure = e.message();
            }
        }
        std::this_thread::sleep_until(std::min(deadline, clock::now() + 1s));
        return std::nullopt;
    };
    std::optional<common::topology_info> first;
    while (!first) {
        first = ask();
    }
    common::topology_info info = std::move(*first);

    std::unique_ptr<common::zk_cluster_state> zk;
    std::optional<zk_change_watch> watch;
    try {
        // As the daemons connect (common::zookeeper_options), with a connection timeout that
        // leaves half the wait for the topology itself.
        common::zk_options o = common::zookeeper_options(conf);
        o.connection_timeout = std::clamp<std::chrono::milliseconds>(
            o.connection_timeout, 500ms,
            std::max<std::chrono::milliseconds>(
                500ms,
                std::chrono::duration_cast<std::chrono::milliseconds>((deadline - start) / 2)));
        // The session is a detail of waiting: no "connected" line at the default level.
        auto& zk_log = common::logger("zookeeper");
        if (zk_log.level() == spdlog::level::info) {
            zk_log.set_level(spdlog::level::warn);
        }
        zk = std::make_unique<common::zk_cluster_state>(std::move(o));
        watch.emplace(*zk, info.id);
    } catch (const std::exception& e) {
        fmt::print(stderr,
                   "tempest: warning: cannot watch ZooKeeper ({}); polling Nimbus only, without "
                   "worker heartbeats\n",
                   one_line(e.what()));
        std::fflush(stderr);
    }
    std::optional<run_state> last;
    while (true) {
        if (watch && zk->expired()) {
            // An expired session keeps no watches; a wait does not need a new one.
            fmt::print(stderr,
                       "tempest: warning: the ZooKeeper session expired; polling Nimbus only, "
                       "without worker heartbeats\n");
            std::fflush(stderr);
            watch.reset();
            zk.reset();
        }
        run_state now;
        now.workers = expected.workers;
        if (watch) {
            now.beats = watch->rearm();
            if (!now.beats) {
                now.beats = last ? last->beats : std::optional<int>(0);
            }
        }
        auto asked = ask();
        if (!asked) {
            continue;
        }
        info = std::move(*asked);
        now.status = info.status;
        // Nimbus lists no executors before it has assigned them.
        now.executors = std::max(info.executors.size(), expected.executors);
        now.assigned =
            static_cast<std::size_t>(std::count_if(info.executors.begin(), info.executors.end(),
                                                   [](const auto& e) { return !e.host.empty(); }));
        std::set<std::pair<std::string, int>> slots;
        for (const auto& e : info.executors) {
            if (!e.host.empty()) {
                slots.insert({e.host, e.port});
            }
        }
        now.slots = static_cast<int>(slots.size());
        if (!last || !(*last == now)) {
            fmt::print("tempest: topology '{}' is {}\n", name, now.describe());
            std::fflush(stdout);
            last = now;
        }
        if (now.done()) {
            if (now.short_of_slots()) {
                fmt::print(
                    "tempest: topology '{}' is running on {} of {} workers (no free slots for "
                    "the others)\n",
                    name, now.slots, now.workers);
            } else {
                fmt::print("tempest: topology '{}' is running\n", name);
            }
            std::fflush(stdout);
            return;
        }
        auto t = clock::now();
        if (t >= deadline) {
            throw cli_error(fmt::format("topology '{}' is not running after {} s: {}", name, secs,
                                        now.missing()));
        }
        // With watches the timer is a backstop; without, it is all there is.
        auto next = std::min(
            deadline, t + (watch ? std::chrono::milliseconds(5s) : std::chrono::milliseconds(500)));
        if (watch) {
            watch->wait_until(next);
        } else {
            std::this_thread::sleep_until(next);
        }
    }
}

std::string format_uptime(int secs) {
    int d = secs / 86400;
    int h = secs / 3600 % 24;
    int m = secs / 60 % 60;
    int s = secs % 60;
    if (d > 0) {
        return fmt::format("{}d{}h{}m{}s", d, h, m, s);
    }
    if (h > 0) {
        return fmt::format("{}h{}m{}s", h, m, s);
    }
    if (m > 0) {
        return fmt::format("{}m{}s", m, s);
    }
    return fmt::format("{}s", s);
}

// Prints `rows` as columns two blanks apart: the `left` columns left-aligned (text), the others
// right-aligned (numbers); no trailing blanks.
void print_table(const std::vector<std::vector<std::string>>& rows,
                 const std::set<std::size_t>& left) {
    std::vector<std::size_t> width;
    for (const auto& r : rows) {
        width.resize(std::max(width.size(), r.size()));
        for (std::size_t i = 0; i < r.size(); ++i) {
            width[i] = std::max(width[i], r[i].size());
        }
    }
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
            bool last = i + 1 == r.size();
            if (left.contains(i)) {
                line += last ? r[i] : fmt::format("{:<{}}  ", r[i], width[i]);
            } else {
                line += fmt::format("{:>{}}", r[i], width[i]) + (last ? "" : "  ");
            }
        }
        fmt::print("{}\n", line);
    }
}

// A topology's emitted count in the 600 s window over min(uptime, 600 s), as tuples per second;
// "-" when no worker has reported figures (or the topology went meanwhile).
std::string recent_emitted_rate(common::nimbus_client& client, const common::topology_summary& t) {
    try {
        auto w = client.totals(t.id, "600");
        int secs = std::min(w.uptime_secs, 600);
        if (!w.emitted || secs <= 0) {
            return "-";
        }
        return fmt::format("{:.1f}", static_cast<double>(*w.emitted) / secs);
    } catch (const common::nimbus_error& e) {
        if (e.from_nimbus()) {
            return "-";  // killed between the list and this call
        }
        throw;
    }
}

}  // namespace

std::pair<std::string, int> parse_component_parallelism(const std::string& text) {
    auto eq = text.rfind('=');
    int n = eq == std::string::npos ? 0 : parse_int(text.substr(eq + 1), 1, 1 << 20);
    if (eq == std::string::npos || eq == 0 || n <= 0) {
        throw cli_error(fmt::format("bad -e '{}': expected COMPONENT=PARALLELISM with "
                                    "PARALLELISM a positive integer",
                                    text),
                        exit_usage);
    }
    return {text.substr(0, eq), n};
}

int run_jar(const jar_options& o) {
    config conf = load_config(o.client);
    common::init_logging(conf.get_string("tempest.log.level", "info"));
    // Only the checks: a bad --nimbus or nimbus.seeds is refused before any work.
    if (o.client.nimbus) {
        (void)explicit_endpoint(*o.client.nimbus);
    } else {
        (void)seeds_of(conf);
    }

    common::package_loader pkg(o.package);
    auto& registry = component_registry::instance();
    pkg.register_components(registry);
    auto names = registry.names();
    std::set<std::string> registered(names.begin(), names.end());
    // A Flux file is read (and refused) before Nimbus is contacted.
    std::optional<common::flux_topology> flux;
    if (o.flux_file) {
        flux = common::load_flux_file(*o.flux_file, registry);
    }

    // Shell components' scripts travel inside the package (docs/MULTILANG.md).
    const upload_file upload(o.package, resources_folder(o.package, o.resources));
    auto client = connect(o.client, conf);
    nimbus_submitter target(client, o.package, upload.path(), conf);
    checking_submitter sub(target, registered);
    int rc = 0;
    try {
        if (flux) {
            sub.submit_topology(flux->name, flux->conf, flux->topology);
        } else {
            rc = pkg.run_main(o.package_args, sub);
        }
    } catch (const std::exception& ex) {
        if (sub.failure()) {
            throw cli_error(*sub.failure());
        }
        throw cli_error(flux ? fmt::format("cannot submit topology '{}': {}", flux->name, ex.what())
                             : fmt::format("tempest_main failed: {}", ex.what()));
    } catch (...) {
        throw cli_error("tempest_main threw an exception that is not a std::exception");
    }
    if (sub.failure()) {
        throw cli_error(*sub.failure());
    }
    if (rc != 0) {
        print_error(fmt::format("tempest_main of {} returned {}", o.package, rc));
        return rc;
    }
    if (sub.submitted().empty()) {
        common::logger("cli").warn("the package submitted no topology");
        return 0;
    }
    if (o.wait_secs) {
        for (const auto& name : sub.submitted()) {
            wait_running(client, conf, name, target.expected(name), *o.wait_secs,
                         [&] { return connect(o.client, conf); });
        }
    }
    return 0;
}

int run_list(const client_options& o) {
    auto client = connect(o);
    auto topologies = client.list();
    if (topologies.empty()) {
        fmt::print("No topologies running.\n");
        return 0;
    }
    std::sort(topologies.begin(), topologies.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    std::vector<std::vector<std::string>> rows;
    rows.push_back(
        {"NAME", "ID", "STATUS", "UPTIME", "WORKERS", "EXECUTORS", "TASKS", "EMITTED/S"});
    for (const auto& t : topologies) {
        rows.push_back({t.name, t.id, t.status, format_uptime(t.uptime_secs),
                        std::to_string(t.num_workers), std::to_string(t.num_executors),
                        std::to_string(t.num_tasks), recent_emitted_rate(client, t)});
    }
    print_table(rows, {0, 1, 2, 3});
    return 0;
}

int run_monitor(const client_options& o, const monitor_request& r) {
    auto client = connect(o);
    install_stop_signals();
    auto poll = [&] {
        try {
            return client.info(r.topology, common::error_choice::none);
        } catch (const common::nimbus_error& e) {
            if (e.kind() == "NotAliveException") {
                throw cli_error(fmt::format("no topology named '{}' is running", r.topology));
            }
            throw;
        }
    };
    auto wait = [](clock::time_point until) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
        return wait_for_stop_signal(std::max(left, std::chrono::milliseconds(0))) == 0;
    };
    monitor_loop(
        r, poll, wait, [] { return clock::now(); }, stdout);
    return 0;
}

int run_errors(const client_options& o, const std::string& name) {
    auto client = connect(o);
    common::topology_info info;
    try {
        info = client.info(name, common::error_choice::all);
    } catch (const common::nimbus_error& e) {
        if (e.kind() == "NotAliveException") {
            throw cli_error(fmt::format("no topology named '{}' is running", name));
        }
        throw;
    }
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"COMPONENT", "TIME (UTC)", "WORKER", "TASK", "ERROR"});
    for (const auto& [component, errors] : info.errors) {
        for (const auto& e : errors) {
            auto when = static_cast<std::time_t>(e.time_secs);
            rows.push_back({component, fmt::format("{:%Y-%m-%d %H:%M:%S}", fmt::gmtime(when)),
                            e.host.empty()
                                ? "-"
                                : (e.port > 0 ? fmt::format("{}:{}", e.host, e.port) : e.host),
                            e.task ? std::to_string(*e.task) : "-", one_line(e.text)});
        }
    }
    if (rows.size() == 1) {
        fmt::print("No errors reported by topology '{}'.\n", name);
        return 0;
    }
    print_table(rows, {0, 1, 2, 4});
    return 0;
}

int run_kill(const client_options& o, const std::string& name, std::optional<int> wait_secs) {
    auto client = connect(o);
    client.kill(name, wait_secs);
    if (wait_secs) {
        fmt::print("tempest: killed topology '{}' (deactivated; removed after {} s)\n", name,
                   *wait_secs);
    } else {
        fmt::print(
            "tempest: killed topology '{}' (deactivated; removed after its message "
            "timeout)\n",
            name);
    }
    return 0;
}

int run_activate(const client_options& o, const std::string& name) {
    auto client = connect(o);
    client.activate(name);
    fmt::print("tempest: activated topology '{}'\n", name);
    return 0;
}

int run_deactivate(const client_options& o, const std::string& name) {
    auto client = connect(o);
    client.deactivate(name);
    fmt::print("tempest: deactivated topology '{}'\n", name);
    return 0;
}

int run_rebalance(const client_options& o, const std::string& name,
                  const common::rebalance_request& r) {
    auto client = connect(o);
    client.rebalance(name, r);
    fmt::print("tempest: rebalancing topology '{}'\n", name);
    return 0;
}

}  // namespace tempest::cli
