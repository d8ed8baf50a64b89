// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/worker_process.h"

#include "error_writer.h"
#include "heartbeat_builder.h"
#include "multilang/shell_components.h"
#include "tempest/common/cluster_records.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/config_keys.h"
#include "tempest/common/file_util.h"
#include "tempest/common/log.h"
#include "tempest/common/package_loader.h"
#include "tempest/common/process_usage.h"
#include "tempest/common/stormdist.h"
#include "tempest/common/topology_layout.h"
#include "tempest/common/versioned_node.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_config.h"
#include "tempest/common/zk_paths.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/stored_topology.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/topology_runtime.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

namespace tempest::worker {

namespace fs = std::filesystem;
namespace th = tempest::thrift;

namespace {

spdlog::logger& log() {
    return common::logger("worker");
}

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

using executor_set = std::set<common::executor_info>;

// The executors `r` gives the slot (node, port).
executor_set executors_here(const common::routes& r, const worker_identity& id) {
    auto v = common::executors_of(r, id.supervisor_id, id.port);
    return {v.begin(), v.end()};
}

// "[1-2] [3] [4]", for the log.
std::string listed(const executor_set& executors) {
    std::string s;
    for (const auto& e : executors) {
        s += s.empty() ? "[" : " [";
        s += std::to_string(e.task_start);
        if (e.task_end != e.task_start) {
            s += "-" + std::to_string(e.task_end);
        }
        s += "]";
    }
    return s;
}

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
    // task.heartbeat.frequency.secs: the ZooKeeper heartbeat's period (the local one's is
    // `period`); the first write is due at once.
    std::chrono::milliseconds zk_period{3000};
    std::optional<std::chrono::steady_clock::time_point> last_zk_beat;
    std::chrono::steady_clock::time_point started_at;

    std::optional<common::package_loader> package;
    component_registry registry;
    th::stored_topology stored;  // the topology and conf as submitted (the supervisor's copy)
    common::storm_base base;     // the topology record as last read (its parallelism)
    std::unique_ptr<topology_runtime> runtime;
    executor_set mine;  // this slot's executors
    bool beat_parent_ok = true;
    bool stopped = false;

    // What the ZooKeeper heartbeat is made of (heartbeat_builder.h) and where errors go
    // (error_writer.h); both set up by start().
    heartbeat_builder beats;
    double sample_rate = 0.05;  // topology.stats.sample.rate
    std::optional<error_writer> errors;
    std::uint64_t error_cursor = 0;  // errors of the runtime handed to `errors` so far
    std::uint64_t errors_missed = 0;

    std::shared_ptr<common::zk_cluster_state> session() {
        if (!zk || zk->expired()) {
            if (zk) {
                log().warn("ZooKeeper session expired; opening a new one");
            }
            zk = std::make_shared<common::zk_cluster_state>(common::zookeeper_options(daemon_conf));
        }
        return zk;
    }

    // Where every task runs.
    std::vector<task_endpoint> endpoints(const common::routes& r) const {
        std::vector<task_endpoint> where(
            static_cast<std::size_t>(runtime ? runtime->plan().num_tasks() : 0) + 1);
        std::vector<const std::string*> slot_host(r.slots.size(), nullptr);
        for (std::size_t i = 0; i < r.slots.size(); ++i) {
            auto host = r.node_host.find(r.slots[i].node);
            slot_host[i] = host != r.node_host.end() ? &host->second : nullptr;
        }
        for (const auto& [e, slot] : r.executors) {
            if (slot_host[slot] == nullptr) {
                continue;
            }
            const auto port = static_cast<std::uint16_t>(r.slots[slot].port);
            for (int t = e.task_start; t <= e.task_end && t < static_cast<int>(where.size()); ++t) {
                where[t] = {*slot_host[slot], port};
            }
        }
        return where;
    }

    // The topology's records as last read: polled every tick, their data read again only when
    // the node's version changed (versioned_node.h), so an idle worker costs ZooKeeper one stat
    // per record per tick. Where the executors run comes from routes/<id>, a few bytes per
    // executor (docs/ARCHITECTURE.md, "What a worker reads"); assignments/<id> is read only
    // where Nimbus wrote no routes (a Nimbus older than them).
    common::versioned_node storm_node{"/"};
    common::versioned_node routes_node{"/"};
    common::versioned_node assignment_node{"/"};

    // Brings `node` up to date: the decoded record when it changed since the last call (or is
    // read the first time), nullopt inside when unchanged; an empty outer optional when the node
    // is gone. Throws for a ZooKeeper failure or a corrupt record.
    template <typename Decode>
    auto refresh(common::versioned_node& node, Decode decode)
        -> std::optional<std::optional<std::remove_cvref_t<decltype(*decode(""))>>> {
        using record = std::remove_cvref_t<decltype(*decode(""))>;
        auto changed = node.refresh(*session());
        if (!changed) {
            if (changed.error() == common::errc::no_node) {
                return std::nullopt;
            }
            throw std::runtime_error("reading " + node.path() + ": " + changed.error().message());
        }
        if (!*changed) {
            return std::optional<record>();
        }
        auto r = decode(node.current()->data);
        if (!r) {
            throw std::runtime_error("corrupt record at " + node.path() + ": " +
                                     r.error().message());
        }
        return std::optional<record>(std::move(*r));
    }

    // Where the executors run, from routes/<id> or, where there is no such node, from
    // assignments/<id>: as refresh() (nullopt inside when unchanged since the last call; an
    // empty outer optional when neither node exists: the topology is gone).
    std::optional<std::optional<common::routes>> refresh_routes() {
        if (auto r = refresh(routes_node, th::decode_routes)) {
            return r;
        }
        auto a = refresh(assignment_node, th::decode_assignment);
        if (!a) {
            return std::nullopt;
        }
        if (!*a) {
            return std::optional<common::routes>();
        }
        if (!read_assignment_logged) {
            read_assignment_logged = true;
            log().info("{} has no routes record (written by an older Nimbus); reading {}",
                       paths.routes(id.topology_id), assignment_node.path());
        }
        return std::optional(common::routes_of(**a));
    }
    bool read_assignment_logged = false;

    void write_heartbeats();
    // Hands the errors reported since the last call to the error writer.
    void report_errors();

    // The plan of `executors` under the topology record `base`: the layout Nimbus made (the
    // stored topology, the daemon config under the topology's, the record's parallelism).
    // Throws std::runtime_error naming an executor that is not one of that layout's.
    std::shared_ptr<const topology_plan> plan_for(const executor_set& executors) const;
    // Takes the executors `a` now gives this slot in place (topology_runtime::reassign). False,
    // with the reason logged, when the worker must exit so that its supervisor starts a fresh
    // one: no executors left here, a layout that does not have them, a component that cannot
    // be built.
    bool change_executors(const common::routes& routes);
};

std::shared_ptr<const topology_plan> worker_process::impl::plan_for(
    const executor_set& executors) const {
    common::topology_layout layout =
        common::lay_out_topology(stored.topo, daemon_conf, stored.conf, base);
    // Shell components run in the resources the package carried (docs/MULTILANG.md).
    multilang::use_installed_resources(layout.conf, code_dir / common::stormdist::resources_dir);
    const auto all = layout.executors();
    const executor_set laid_out(all.begin(), all.end());
    std::vector<int> tasks;
    for (const auto& e : executors) {
        if (!laid_out.contains(e)) {
            throw std::runtime_error(
                "the assignment gives this worker executor [" + std::to_string(e.task_start) + "-" +
                std::to_string(e.task_end) + "], which is not an executor of topology " +
                id.topology_id + " as laid out here");
        }
        for (int task = e.task_start; task <= e.task_end; ++task) {
            tasks.push_back(task);
        }
    }
    return std::make_shared<const topology_plan>(id.topology_id, std::move(layout.topo),
                                                 std::move(layout.conf), std::move(tasks));
}

bool worker_process::impl::change_executors(const common::routes& routes) {
    const executor_set next = executors_here(routes, id);
    if (next.empty()) {
        log().info("the assignment of {} gives slot {}:{} no executors any more; stopping",
                   id.topology_id, id.supervisor_id, id.port);
        return false;
    }
    const char* fallback = "stopping so that the supervisor starts a fresh worker for them";
    log().info("this slot's executors change from {} to {}; taking the change in place",
               listed(mine), listed(next));
    topology_runtime::reassign_report r;
    try {
        r = runtime->reassign(plan_for(next), registry);
    } catch (const std::exception& e) {
        r.error = e.what();  // plan_for: the layout does not have them (nothing was touched)
    }
    if (!r.applied) {
        log().error("cannot take this slot's new executors {} in place: {}; {}", listed(next),
                    r.error, fallback);
        return false;
    }
    log().info(
        "took this slot's new executors in place: tasks {} kept (with their state), {} added, {} "
        "removed; spouts paused {} ms ({} ms draining); {} queued tuples dropped (acking replays "
        "them)",
        r.kept, r.added, r.removed, r.paused.count(), r.drained.count(), r.dropped);
    mine = next;
    runtime->set_task_endpoints(endpoints(routes));
    if (errors) {
        errors->set_executors({mine.begin(), mine.end()});
    }
    last_zk_beat.reset();  // the cluster heartbeat lists the new executors at once
    return true;
}

worker_process::worker_process(config daemon_conf, worker_identity id)
    : _impl(std::make_unique<impl>()) {
    impl& w = *_impl;
    w.daemon_conf = std::move(daemon_conf);
    w.id = std::move(id);
    w.local_dir = fs::absolute(common::conf_string(w.daemon_conf, common::keys::storm_local_dir));
    w.code_dir =
        common::stormdist::topology_dir(w.local_dir / "supervisor" / "stormdist", w.id.topology_id);
    w.heartbeat_file = w.local_dir / "workers" / w.id.worker_id / "heartbeat";
    w.period = std::chrono::milliseconds(
        1000 *
        std::max<std::int64_t>(
            1, common::conf_int(w.daemon_conf, common::keys::worker_heartbeat_frequency_secs)));
    w.zk_period = std::chrono::milliseconds(
        1000 *
        std::max<std::int64_t>(
            1, common::conf_int(w.daemon_conf, common::keys::task_heartbeat_frequency_secs)));
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

    w.storm_node = common::versioned_node(w.paths.storm(w.id.topology_id));
    w.routes_node = common::versioned_node(w.paths.routes(w.id.topology_id));
    w.assignment_node = common::versioned_node(w.paths.assignment(w.id.topology_id));
    auto base_read = w.refresh(w.storm_node, th::decode_storm_base);
    auto routes_read = w.refresh_routes();
    if (!base_read || !routes_read) {
        log().warn("topology {} is gone; nothing to run", w.id.topology_id);
        return false;
    }
    // The first refresh of a node always reads it.
    w.base = std::move(**base_read);
    const common::storm_base& base = w.base;
    const common::routes routes = std::move(**routes_read);
    w.mine = executors_here(routes, w.id);
    if (w.mine.empty()) {
        log().warn("the assignment of {} gives slot {}:{} no executors; nothing to run",
                   w.id.topology_id, w.id.supervisor_id, w.id.port);
        return false;
    }

    // The topology as Nimbus laid it out: its parallelism record, the daemon config under the
    // topology's.
    try {
        w.stored = th::read_stored_topology(w.code_dir);
    } catch (const std::system_error& e) {
        throw std::runtime_error(std::string(e.what()) +
                                 " (has the supervisor downloaded the topology's code?)");
    }
    auto plan = w.plan_for(w.mine);
    const std::size_t task_count = plan->layout()->worker_tasks.size();

    w.package.emplace(w.code_dir / common::stormdist::package_file);
    w.package->register_components(w.registry);
    remote_options ro;
    ro.port = static_cast<std::uint16_t>(w.id.port);
    w.runtime = std::make_unique<topology_runtime>(plan, w.registry, ro);
    w.runtime->set_task_endpoints(w.endpoints(routes));
    if (base.status != common::topology_status::active) {
        w.runtime->set_active(false);
    }
    w.runtime->start();
    log().info("running {} executors ({} tasks); listening for tuples on port {}", w.mine.size(),
               task_count, w.runtime->port());
    if (auto r = common::ensure_path(*w.session(), w.paths.workerbeats(w.id.topology_id)); !r) {
        log().warn("creating {}: {}", w.paths.workerbeats(w.id.topology_id), r.error().message());
    }

    const config& topo_conf = plan->conf();
    w.sample_rate = topo_conf.get_double(config::topology_stats_sample_rate, 0.05);
    error_writer_options eo;
    eo.topology_id = w.id.topology_id;
    eo.host = common::conf_string_or_empty(w.daemon_conf, common::keys::storm_local_hostname);
    if (eo.host.empty()) {
        auto h = routes.node_host.find(w.id.supervisor_id);
        eo.host = h != routes.node_host.end() ? h->second : w.id.supervisor_id;
    }
    eo.port = w.id.port;
    eo.throttle_interval_ms =
        1000 * common::conf_int(topo_conf, common::keys::topology_error_throttle_interval_secs);
    eo.max_per_interval = static_cast<std::uint32_t>(
        common::conf_int(topo_conf, common::keys::topology_max_error_report_per_interval));
    w.errors.emplace(w.paths, std::move(eo),
                     std::vector<common::executor_info>(w.mine.begin(), w.mine.end()));
    if (auto r = w.errors->start(*w.session()); !r) {
        log().warn("creating {}: {}", w.paths.errors(w.id.topology_id), r.error().message());
    }
    w.write_heartbeats();
    return true;
}

void worker_process::impl::report_errors() {
    if (!runtime || !errors) {
        return;
    }
    auto batch = runtime->errors_since(error_cursor);
    error_cursor = batch.cursor;
    errors_missed += batch.missed;
    if (!batch.errors.empty()) {
        errors->write(*session(), batch.errors);
    }
}

void worker_process::impl::write_heartbeats() {
    auto now_ms = unix_ms();
    common::local_worker_heartbeat local;
    local.time_ms = now_ms;
    local.topology_id = id.topology_id;
    local.executors.assign(mine.begin(), mine.end());
    local.port = id.port;
    local.pid = static_cast<int>(::getpid());
    try {
        fs::create_directories(heartbeat_file.parent_path());
        common::write_file_atomically(heartbeat_file, th::encode(local));
    } catch (const std::exception& e) {
        log().error("writing the local heartbeat: {}", e.what());
    }

    report_errors();
    if (!beat_parent_ok) {
        return;
    }
    // The cluster heartbeat weighs up to ~100 KB for 100 executors (docs/METRICS.md): written
    // every task.heartbeat.frequency.secs, not on every local beat.
    const auto steady_now = std::chrono::steady_clock::now();
    if (last_zk_beat && steady_now - *last_zk_beat < zk_period - period / 2) {
        return;
    }
    last_zk_beat = steady_now;
    const auto totals = runtime->totals();
    const auto metrics = runtime->metrics();
    heartbeat_input in;
    in.topology_id = id.topology_id;
    in.executors = local.executors;
    in.now_ms = now_ms;
    in.uptime_secs = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::steady_clock::now() - started_at)
                                          .count());
    in.host = common::conf_string_or_empty(daemon_conf, common::keys::storm_local_hostname);
    in.port = id.port;
    in.sample_rate = sample_rate;
    in.totals = &totals;
    in.metrics = metrics.get();
    const std::vector<int>& tasks = runtime->plan().layout()->worker_tasks;
    in.tasks = &tasks;
    if (auto usage = common::read_process_usage(); usage) {
        in.worker.usage = *usage;
    }
    in.worker.connections = runtime->connections();
    in.worker.remote = runtime->remote();
    in.worker.errors_suppressed = errors ? errors->suppressed() : 0;
    in.worker.errors_missed = errors_missed;
    common::worker_heartbeat beat = beats.build(in);
    auto path = paths.workerbeat(id.topology_id, id.supervisor_id, id.port);
    auto bytes = th::encode(beat);
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
        auto routes = w.refresh_routes();
        if (!routes) {
            log().info("topology {} was removed; stopping", w.id.topology_id);
            return false;
        }
        std::optional<common::routes> reassigned;
        if (*routes) {
            const common::routes& r = **routes;
            if (executors_here(r, w.id) != w.mine) {
                reassigned = r;  // taken below, with the topology record it was made from
            } else {
                log().info("assignment of {} changed; updating where remote tasks run",
                           w.id.topology_id);
                w.runtime->set_task_endpoints(w.endpoints(r));
            }
        }
        // Read after the routes: Nimbus writes the record (a rebalance's parallelism) first, so
        // this one is at least as new as the routes.
        auto base = w.refresh(w.storm_node, th::decode_storm_base);
        if (!base) {
            log().info("topology {} was removed; stopping", w.id.topology_id);
            return false;
        }
        if (*base) {
            w.base = **base;
        }
        if (reassigned && !w.change_executors(*reassigned)) {
            return false;
        }
        if (*base) {
            bool active = (*base)->status == common::topology_status::active;
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
        const auto drained_at = std::chrono::steady_clock::now();
        w.runtime->stop();
        const auto ms = [](auto d) {
            return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
        };
        log().info("stopping took {} ms draining and {} ms stopping the executors and transport",
                   ms(drained_at - (deadline - drain)),
                   ms(std::chrono::steady_clock::now() - drained_at));
        try {
            w.report_errors();  // those of close()/cleanup() too
        } catch (const std::exception& e) {
            log().warn("reporting the last errors: {}", e.what());
        }
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
