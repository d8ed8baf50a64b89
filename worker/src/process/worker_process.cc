// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/worker_process.h"

#include "tempest/common/cluster_state.h"
#include "tempest/common/log.h"
#include "tempest/common/package_loader.h"
#include "tempest/common/task_layout.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_config.h"
#include "tempest/common/zk_paths.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_types.h"
#include "tempest/thrift/topology_convert.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/topology_runtime.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tempest::worker {

namespace fs = std::filesystem;
namespace th = tempest::thrift;
namespace rec = tempest::thrift::records;

namespace {

spdlog::logger& log() {
    return common::logger("worker");
}

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + p.string() +
                                 " (has the supervisor downloaded the topology's code?)");
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Writes `bytes` to `path` through a temporary file and a rename, so readers never see half.
void write_atomically(const fs::path& path, const std::string& bytes) {
    fs::path tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out) {
            throw std::runtime_error("cannot write " + tmp.string());
        }
    }
    fs::rename(tmp, path);
}

using executor_set = std::set<std::pair<int, int>>;  // (first task, last task)

}  // namespace

struct worker_process::impl {
    config daemon_conf;
    worker_identity id;
    fs::path local_dir;
    fs::path code_dir;
    fs::path heartbeat_file;
    common::zk_paths paths{"/"};
    std::shared_ptr<common::zk_cluster_state> zk;
    std::chrono::milliseconds period{1000};
    std::chrono::steady_clock::time_point started_at;

    std::optional<common::package_loader> package;
    component_registry registry;
    std::unique_ptr<topology_runtime> runtime;
    executor_set mine;  // this slot's executors
    std::vector<rec::NodePort> slot_of_task;
    std::int32_t assignment_version = -1;
    std::int32_t storm_version = -1;
    bool beat_parent_ok = true;
    bool stopped = false;

    std::shared_ptr<common::zk_cluster_state> session() {
        if (!zk || zk->expired()) {
            if (zk) {
                log().warn("ZooKeeper session expired; opening a new one");
            }
            zk = std::make_shared<common::zk_cluster_state>(common::zookeeper_options(daemon_conf));
        }
        return zk;
    }

    // The slot's executors in `a`, and where every task runs.
    executor_set executors_here(const rec::AssignmentRecord& a) const {
        executor_set out;
        for (const auto& [e, np] : a.executor_node_port) {
            if (np.node == id.supervisor_id && np.port == id.port) {
                out.insert({e.task_start, e.task_end});
            }
        }
        return out;
    }

    std::vector<task_endpoint> endpoints(const rec::AssignmentRecord& a) const {
        std::vector<task_endpoint> where(
            static_cast<std::size_t>(runtime ? runtime->plan().num_tasks() : 0) + 1);
        for (const auto& [e, np] : a.executor_node_port) {
            auto host = a.node_host.find(np.node);
            if (host == a.node_host.end()) {
                continue;
            }
            for (int t = e.task_start; t <= e.task_end && t < static_cast<int>(where.size()); ++t) {
                where[t] = {host->second, static_cast<std::uint16_t>(np.port)};
            }
        }
        return where;
    }

    // nullopt when the node is gone; throws for a ZooKeeper failure or a corrupt record.
    template <typename Record>
    std::optional<std::pair<Record, std::int32_t>> read(const std::string& path) {
        auto data = session()->get(path);
        if (!data) {
            if (data.error() == common::errc::no_node) {
                return std::nullopt;
            }
            throw std::runtime_error("reading " + path + ": " + data.error().message());
        }
        auto r = th::from_binary<Record>(data->data);
        if (!r) {
            throw std::runtime_error("corrupt record at " + path + ": " + r.error().message());
        }
        return std::make_pair(std::move(*r), data->stat.version);
    }

    void write_heartbeats();
};

worker_process::worker_process(config daemon_conf, worker_identity id)
    : _impl(std::make_unique<impl>()) {
    impl& w = *_impl;
    w.daemon_conf = std::move(daemon_conf);
    w.id = std::move(id);
    w.local_dir = fs::absolute(w.daemon_conf.get_string("storm.local.dir", "tempest-local"));
    w.code_dir = w.local_dir / "supervisor" / "stormdist" / w.id.topology_id;
    w.heartbeat_file = w.local_dir / "workers" / w.id.worker_id / "heartbeat";
    w.period = std::chrono::milliseconds(
        1000 *
        std::max<std::int64_t>(1, w.daemon_conf.get_int("worker.heartbeat.frequency.secs", 1)));
}

worker_process::~worker_process() {
    stop();
}

std::chrono::milliseconds worker_process::heartbeat_period() const {
    return _impl->period;
}

bool worker_process::start() {
    impl& w = *_impl;
    w.started_at = std::chrono::steady_clock::now();
    auto zk = w.session();
    log().info(
        "worker {} of topology {} on slot {}:{}; code in {}; local heartbeat {}; "
        "ZooKeeper {}",
        w.id.worker_id, w.id.topology_id, w.id.supervisor_id, w.id.port, w.code_dir.string(),
        w.heartbeat_file.string(), zk->options().servers);

    auto base = w.read<rec::StormBaseRecord>(w.paths.storm(w.id.topology_id));
    auto assignment = w.read<rec::AssignmentRecord>(w.paths.assignment(w.id.topology_id));
    if (!base || !assignment) {
        log().warn("topology {} is gone; nothing to run", w.id.topology_id);
        return false;
    }
    w.storm_version = base->second;
    w.assignment_version = assignment->second;
    w.mine = w.executors_here(assignment->first);
    if (w.mine.empty()) {
        log().warn("the assignment of {} gives slot {}:{} no executors; nothing to run",
                   w.id.topology_id, w.id.supervisor_id, w.id.port);
        return false;
    }

    // The topology as Nimbus laid it out: its parallelism record, the daemon config under the
    // topology's.
    auto code = th::from_binary<th::StormTopology>(read_file(w.code_dir / "stormcode.ser"));
    if (!code) {
        throw std::runtime_error("corrupt " + (w.code_dir / "stormcode.ser").string() + ": " +
                                 code.error().message());
    }
    tempest::topology t = th::from_thrift(*code);
    for (auto& c : t.components) {
        if (auto it = base->first.component_executors.find(c.id);
            it != base->first.component_executors.end()) {
            c.parallelism = it->second;
        }
    }
    config effective = w.daemon_conf;
    effective.merge(th::config_from_json(read_file(w.code_dir / "stormconf.json")));
    effective.set(config::topology_workers, static_cast<std::int64_t>(base->first.num_workers));

    executor_set laid_out;
    for (const auto& c : common::compute_task_layout(t, effective)) {
        for (const auto& e : c.executors) {
            laid_out.insert({e.first_task, e.last_task});
        }
    }
    std::vector<int> tasks;
    for (const auto& [first, last] : w.mine) {
        if (!laid_out.contains({first, last})) {
            throw std::runtime_error("the assignment gives this worker executor [" +
                                     std::to_string(first) + "-" + std::to_string(last) +
                                     "], which is not an executor of topology " + w.id.topology_id +
                                     " as laid out here");
        }
        for (int task = first; task <= last; ++task) {
            tasks.push_back(task);
        }
    }

    w.package.emplace(w.code_dir / "stormjar.so");
    w.package->register_components(w.registry);
    auto plan = std::make_shared<const topology_plan>(w.id.topology_id, std::move(t),
                                                      std::move(effective), tasks);
    remote_options ro;
    ro.port = static_cast<std::uint16_t>(w.id.port);
    w.runtime = std::make_unique<topology_runtime>(plan, w.registry, ro);
    w.runtime->set_task_endpoints(w.endpoints(assignment->first));
    if (base->first.status != rec::TopologyStatus::ACTIVE) {
        w.runtime->set_active(false);
    }
    w.runtime->start();
    log().info("running {} executors ({} tasks); listening for tuples on port {}", w.mine.size(),
               tasks.size(), w.runtime->port());
    if (auto r = common::ensure_path(*w.session(), w.paths.workerbeats(w.id.topology_id)); !r) {
        log().warn("creating {}: {}", w.paths.workerbeats(w.id.topology_id), r.error().message());
    }
    w.write_heartbeats();
    return true;
}

void worker_process::impl::write_heartbeats() {
    auto now_ms = unix_ms();
    rec::LocalWorkerHeartbeatRecord local;
    local.time_ms = now_ms;
    local.topology_id = id.topology_id;
    for (const auto& [first, last] : mine) {
        th::ExecutorInfo e;
        e.task_start = first;
        e.task_end = last;
        local.executors.push_back(e);
    }
    local.port = id.port;
    local.pid = static_cast<std::int32_t>(::getpid());
    try {
        fs::create_directories(heartbeat_file.parent_path());
        write_atomically(heartbeat_file, th::to_binary(local));
    } catch (const std::exception& e) {
        log().error("writing the local heartbeat: {}", e.what());
    }

    rec::WorkerHeartbeatRecord beat;
    beat.topology_id = id.topology_id;
    beat.executors = local.executors;
    beat.time_secs = now_ms / 1000;
    beat.uptime_secs = static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                     std::chrono::steady_clock::now() - started_at)
                                                     .count());
    beat.__set_host(daemon_conf.get_string("storm.local.hostname", ""));
    beat.__set_port(id.port);
    const std::string all_time = ":all-time";
    for (const executor_stats& es : runtime->stats_by_executor()) {
        th::ExecutorInfo e;
        e.task_start = es.first_task;
        e.task_end = es.last_task;
        th::ExecutorStats s;
        const component_stats& c = es.stats;
        s.emitted[all_time]["default"] = static_cast<std::int64_t>(c.emitted);
        s.transferred[all_time]["default"] = static_cast<std::int64_t>(c.emitted);
        s.rate = 1.0;
        if (c.is_spout) {
            th::SpoutStats sp;
            sp.acked[all_time]["default"] = static_cast<std::int64_t>(c.acked);
            sp.failed[all_time]["default"] = static_cast<std::int64_t>(c.failed);
            sp.complete_ms_avg[all_time]["default"] = c.complete_latency_mean_us / 1000.0;
            s.specific.__set_spout(sp);
        } else {
            th::BoltStats b;
            th::GlobalStreamId any;
            any.componentId = c.component;
            any.streamId = "default";
            b.acked[all_time][any] = static_cast<std::int64_t>(c.acked);
            b.failed[all_time][any] = static_cast<std::int64_t>(c.failed);
            b.executed[all_time][any] = static_cast<std::int64_t>(c.executed);
            b.process_ms_avg[all_time][any] = 0;
            b.execute_ms_avg[all_time][any] = 0;
            s.specific.__set_bolt(b);
        }
        beat.executor_stats[e] = std::move(s);
    }
    if (!beat_parent_ok) {
        return;
    }
    auto path = paths.workerbeat(id.topology_id, id.supervisor_id, id.port);
    auto bytes = th::to_binary(beat);
    auto state = session();
    auto r = state->set(path, bytes);
    if (!r && r.error() == common::errc::no_node) {
        auto c = state->create(path, bytes);
        if (!c && c.error() == common::errc::no_node) {
            // The topology's heartbeat folder is gone: Nimbus removed the topology. Do not
            // create it again; the next tick sees the assignment gone.
            beat_parent_ok = false;
            return;
        }
        if (!c) {
            log().warn("writing {}: {}", path, c.error().message());
        }
    } else if (!r) {
        log().warn("writing {}: {}", path, r.error().message());
    }
}

bool worker_process::tick() {
    impl& w = *_impl;
    if (!w.runtime) {
        return false;
    }
    try {
        auto assignment = w.read<rec::AssignmentRecord>(w.paths.assignment(w.id.topology_id));
        if (!assignment) {
            log().info("topology {} was removed; stopping", w.id.topology_id);
            return false;
        }
        if (assignment->second != w.assignment_version) {
            w.assignment_version = assignment->second;
            if (w.executors_here(assignment->first) != w.mine) {
                log().info(
                    "this slot's executors were reassigned; stopping so the supervisor "
                    "starts a worker for the new assignment");
                return false;
            }
            log().info("assignment of {} changed; updating where remote tasks run",
                       w.id.topology_id);
            w.runtime->set_task_endpoints(w.endpoints(assignment->first));
        }
        auto base = w.read<rec::StormBaseRecord>(w.paths.storm(w.id.topology_id));
        if (!base) {
            log().info("topology {} was removed; stopping", w.id.topology_id);
            return false;
        }
        if (base->second != w.storm_version) {
            w.storm_version = base->second;
            bool active = base->first.status == rec::TopologyStatus::ACTIVE;
            if (active != w.runtime->active()) {
                log().info("topology {} is now {}", w.id.topology_id,
                           active ? "active" : "inactive");
                w.runtime->set_active(active);
            }
        }
    } catch (const std::exception& e) {
        // ZooKeeper down or Nimbus gone: keep processing with what we know.
        log().warn("cannot read the topology's state: {}; running on", e.what());
    }
    w.write_heartbeats();
    return true;
}

void worker_process::stop(std::chrono::milliseconds drain) {
    impl& w = *_impl;
    if (w.stopped) {
        return;
    }
    w.stopped = true;
    if (w.runtime) {
        w.runtime->set_active(false);
        // Let in-flight tuples finish: until no executor makes progress for 200 ms, at most
        // `drain`.
        auto progress = [&] {
            std::uint64_t n = 0;
            for (const auto& s : w.runtime->stats()) {
                n += s.executed + s.acked + s.failed;
            }
            return n;
        };
        auto deadline = std::chrono::steady_clock::now() + drain;
        auto last = progress();
        auto quiet_since = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() < deadline &&
               std::chrono::steady_clock::now() - quiet_since < std::chrono::milliseconds(200)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            auto now = progress();
            if (now != last) {
                last = now;
                quiet_since = std::chrono::steady_clock::now();
            }
        }
        w.runtime->stop();
        auto r = w.runtime->remote();
        log().info(
            "worker stopped: {} tuples sent to and {} received from other workers ({} dropped "
            "for tasks not here); credits granted to senders {}, received from peers {}; waited "
            "for a peer's credit {} times",
            r.sent, r.received, r.dropped, r.credits_granted, r.credits_received, r.credit_waits);
        w.runtime.reset();
    }
    if (w.zk) {
        w.zk->close();
    }
}

}  // namespace tempest::worker
