// SPDX-License-Identifier: Apache-2.0
// topology_runtime: builds the executor threads of a topology (executor/executor.h) and the
// rings between them, starts, activates/deactivates and stops them, and sums their stats. The
// topology_runtime methods run on the caller's thread; the executors on their own. Their
// statistics are summed in topology_runtime_stats.cc.
#include "tempest/worker/topology_runtime.h"

#include "executor/config_defaults.h"
#include "tempest/common/thread_name.h"
#include "topology_runtime_impl.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace tempest::worker {

namespace {

using ring_t = spsc_ring<tuple>;
using clock_type = std::chrono::steady_clock;

std::size_t round_pow2(std::int64_t n) {
    std::size_t c = 2;
    while (c < static_cast<std::size_t>(n)) {
        c <<= 1;
    }
    return c;
}

}  // namespace

// ---------------------------------------------------------------- runtime

namespace {

// The threads of this worker: per thread the plan executors it runs, its own first, then those
// chained into it. One thread per plan executor that runs here and is not chained into another.
std::vector<std::vector<int>> plan_threads(const topology_plan& p) {
    std::vector<std::vector<int>> threads;
    std::vector<int> thread_of(p.executors().size(), -1);
    for (std::size_t i = 0; i < p.executors().size(); ++i) {
        const executor_plan& ep = p.executors()[i];
        if (p.in_worker(ep.first_task) && ep.host < 0) {
            thread_of[i] = static_cast<int>(threads.size());
            threads.push_back({static_cast<int>(i)});
        }
    }
    for (std::size_t i = 0; i < p.executors().size(); ++i) {
        const executor_plan& ep = p.executors()[i];
        if (p.in_worker(ep.first_task) && ep.host >= 0) {
            thread_of[i] = thread_of[ep.host];
            threads[thread_of[i]].push_back(static_cast<int>(i));
        }
    }
    return threads;
}

// The components the components of `thread` send to: their edges' consumers, the ackers (from
// anything but an acker, when there are ackers) and the spouts (from an acker).
std::vector<bool> sends_to(const topology_plan& p, const std::vector<int>& thread) {
    std::vector<bool> to_component(p.components().size(), false);
    bool ackers = !p.acker_tasks().empty();
    for (int ei : thread) {
        const component_plan& from = p.components()[p.executors()[ei].component];
        for (const stream_plan& s : from.streams) {
            for (const edge_plan& e : s.edges) {
                to_component[e.consumer] = true;
            }
        }
        for (std::size_t ci = 0; ci < p.components().size(); ++ci) {
            const component_plan& c = p.components()[ci];
            if (ackers && c.is_acker && !from.is_acker) {
                to_component[ci] = true;
            }
            if (from.is_acker && c.is_spout) {
                to_component[ci] = true;
            }
        }
    }
    return to_component;
}

// True when a thread sending to the components in `to_component` needs a ring into `thread`:
// when it sends to the thread's own component or to an acker hosted there (chained bolts take
// direct calls).
bool takes_from(const topology_plan& p, const std::vector<int>& thread,
                const std::vector<bool>& to_component) {
    for (std::size_t i = 0; i < thread.size(); ++i) {
        int c = p.executors()[thread[i]].component;
        if ((i == 0 || p.components()[c].is_acker) && to_component[c]) {
            return true;
        }
    }
    return false;
}

}  // namespace

topology_runtime::topology_runtime(std::shared_ptr<const topology_plan> plan,
                                   const component_registry& registry,
                                   std::optional<remote_options> remote)
    : _impl(std::make_unique<impl>()) {
    _impl->plan = std::move(plan);
    _impl->remote_opts = std::move(remote);
    _impl->build(registry, nullptr);
}

void topology_runtime::impl::build(const component_registry& registry, task_handover* handover) {
    const topology_plan& p = *plan;
    std::vector<std::vector<int>> threads_of = plan_threads(p);
    for (auto& execs : threads_of) {
        try {
            executors.push_back(std::make_unique<executor>(shared, p, execs, registry, handover));
        } catch (const std::exception& e) {
            throw invalid_topology("component '" +
                                   p.components()[p.executors()[execs.front()].component].id +
                                   "' cannot be built: " + e.what());
        }
    }
    std::size_t capacity =
        round_pow2(conf_int(p.conf(), config::topology_executor_receive_buffer_size));
    // One ring for every ordered pair of threads that can exchange tuples: from X to Y when a
    // component running on X sends to Y's own component (chained tasks take direct calls).
    std::vector<std::vector<bool>> sends(threads_of.size());
    std::vector<std::size_t> producers_of(threads_of.size(), remote_opts ? 1 : 0);
    for (std::size_t x = 0; x < threads_of.size(); ++x) {
        sends[x] = sends_to(p, threads_of[x]);
        for (std::size_t y = 0; y < threads_of.size(); ++y) {
            producers_of[y] += takes_from(p, threads_of[y], sends[x]) ? 1 : 0;
        }
    }
    // A consumer's receive buffer is shared by its input rings: with n producer threads each
    // ring holds capacity / n (rounded up to a power of two), but at least one producer batch.
    // Without this, two fields-grouped components of E executors each cost E^2 full rings
    // (201 executors: 842 MiB of 873; docs/PERFORMANCE.md, "Worker memory").
    std::size_t batch = round_pow2(
        std::max<std::int64_t>(2, conf_int(p.conf(), config::topology_producer_batch_size)));
    auto ring_capacity = [&](std::size_t consumer) {
        std::size_t n = std::max<std::size_t>(1, producers_of[consumer]);
        std::size_t share = round_pow2(static_cast<std::int64_t>((capacity + n - 1) / n));
        return std::min(capacity, std::max(share, batch));
    };
    for (std::size_t x = 0; x < threads_of.size(); ++x) {
        const std::vector<bool>& to_component = sends[x];
        for (std::size_t y = 0; y < threads_of.size(); ++y) {
            if (!takes_from(p, threads_of[y], to_component)) {
                continue;
            }
            executor& producer = *executors[x];
            executor& consumer = *executors[y];
            auto ring =
                std::make_unique<ring_t>(ring_capacity(y), &consumer.park(), &producer.park());
            producer.add_output(ring.get(), consumer);
            consumer.add_input(ring.get());
            rings.push_back(std::move(ring));
        }
    }
    if (remote_opts) {
        // ---- remote_io wiring: the one place the executors meet the network ----
        // Every thread may send to remote tasks (data, acks to remote ackers, acks back to
        // remote spouts) through its outbound stage, and receives from remote workers through
        // an inbound ring that remote_io's I/O thread produces into.
        remote = std::make_unique<remote_io>(p, *remote_opts);
        for (std::size_t y = 0; y < executors.size(); ++y) {
            auto& ex = executors[y];
            ex->add_remote_output(*remote, *remote->add_outbound(capacity, &ex->park()));
            // The inbound ring keeps the whole buffer, not a producer's share: its producer is
            // the I/O thread, which cannot wait and parks what does not fit in the executor's
            // overflow, and a sender may have thousands of tuples in flight (credits). With a
            // share, most received tuples went through the overflow (docs/PERFORMANCE.md, "Two
            // workers over TCP, per word"); 192 bytes a slot more per executor thread.
            auto ring = std::make_unique<ring_t>(capacity, &ex->park(), &remote->park());
            ex->add_input(ring.get());
            remote->add_inbound(ring.get(), ex->task_ids());
            rings.push_back(std::move(ring));
        }
        if (endpoints) {
            remote->set_task_endpoints(*endpoints);
        }
    }
}

void topology_runtime::impl::start_threads() {
    if (remote) {
        remote->start();  // throws when the port cannot be bound
        // A later transport (reassign) listens on the port this one got.
        remote_opts->port = remote->port();
    }
    for (auto& ex : executors) {
        executor* e = ex.get();
        // Named after its component and first task ("split:3"), as top -H and perf show it.
        std::string name = common::thread_name(e->comp().id, e->tasks().front()->id);
        threads.emplace_back([e, name] {
            common::set_thread_name(name);
            e->run();
        });
    }
}

topology_runtime::~topology_runtime() {
    stop();
}

void topology_runtime::start() {
    if (_impl->started)
        return;
    _impl->started = true;
    _impl->start_threads();
}

bool topology_runtime::set_active(bool active, std::chrono::milliseconds timeout) {
    _impl->shared.active.store(active, std::memory_order_release);
    std::uint64_t e = _impl->shared.epoch.fetch_add(1, std::memory_order_acq_rel) + 1;
    if (!_impl->started || _impl->stopped) {
        return true;
    }
    for (auto& ex : _impl->executors) {
        ex->park().wake();
    }
    auto deadline = clock_type::now() + timeout;
    for (auto& ex : _impl->executors) {
        while (ex->seen_epoch() < e) {
            if (clock_type::now() > deadline) {
                return false;
            }
            ex->park().wake();
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }
    return true;
}

bool topology_runtime::active() const {
    return _impl->shared.active.load(std::memory_order_acquire);
}

void topology_runtime::stop() {
    if (_impl->stopped)
        return;
    _impl->stopped = true;
    if (_impl->remote) {
        // First stop receiving: the server's thread may be waiting for room in an executor's ring.
        _impl->remote->stop_receiving();
    }
    _impl->shared.stop.store(true, std::memory_order_release);
    for (auto& ex : _impl->executors) {
        ex->park().wake();
    }
    for (auto& t : _impl->threads) {
        t.join();
    }
    _impl->threads.clear();
    if (_impl->remote) {
        _impl->remote->stop();
    }
}

std::uint16_t topology_runtime::port() const {
    return _impl->remote ? _impl->remote->port() : 0;
}

void topology_runtime::set_task_endpoints(std::vector<task_endpoint> endpoints) {
    if (!_impl->remote_opts) {
        return;
    }
    _impl->endpoints = endpoints;
    if (_impl->remote) {
        _impl->remote->set_task_endpoints(std::move(endpoints));
    }
}

namespace {

void add_remote_stats(remote_stats& sum, const remote_stats& s) {
    sum.sent += s.sent;
    sum.received += s.received;
    sum.dropped += s.dropped;
    sum.rejected_frames += s.rejected_frames;
    sum.credits_granted += s.credits_granted;
    sum.credits_received += s.credits_received;
    sum.credit_waits += s.credit_waits;
}

}  // namespace

remote_stats topology_runtime::remote() const {
    remote_stats r = _impl->remote ? _impl->remote->stats() : remote_stats{};
    add_remote_stats(r, _impl->retired_remote);
    return r;
}

// ---------------------------------------------------------------- a change of executors

namespace {

// Why `next` cannot replace `cur` in place, or empty: it must be a plan of the same topology.
std::string plan_mismatch(const topology_plan& cur, const topology_plan& next) {
    if (cur.topology_id() != next.topology_id() || cur.num_tasks() != next.num_tasks() ||
        cur.components().size() != next.components().size()) {
        return "the new plan is not of the same topology (topology id, task or component count)";
    }
    for (std::size_t ci = 0; ci < cur.components().size(); ++ci) {
        const component_plan& a = cur.components()[ci];
        const component_plan& b = next.components()[ci];
        bool same = a.id == b.id && a.tasks == b.tasks && a.streams.size() == b.streams.size() &&
                    a.inputs.size() == b.inputs.size();
        for (std::size_t si = 0; same && si < a.streams.size(); ++si) {
            same = a.streams[si].edges.size() == b.streams[si].edges.size() &&
                   a.streams[si].schema->stream == b.streams[si].schema->stream;
        }
        if (!same) {
            return "component '" + a.id + "' differs between the old and the new plan";
        }
    }
    return {};
}

std::uint64_t queued(const std::vector<std::unique_ptr<executor>>& executors) {
    std::uint64_t n = 0;
    for (const auto& ex : executors) {
        n += ex->queue_population();
    }
    return n;
}

std::chrono::milliseconds ms_since(clock_type::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t);
}

}  // namespace

topology_runtime::reassign_report topology_runtime::reassign(
    std::shared_ptr<const topology_plan> next, const component_registry& registry,
    std::chrono::milliseconds drain) {
    impl& r = *_impl;
    reassign_report report;
    if (!r.started || r.stopped) {
        report.error = "the runtime is not running";
        return report;
    }
    const topology_plan& cur = *r.plan;
    if (std::string why = plan_mismatch(cur, *next); !why.empty()) {
        report.error = why;
        return report;
    }

    // 1. The components of the tasks this worker gains, built while everything still runs.
    task_handover handover;
    for (int task = 1; task <= cur.num_tasks(); ++task) {
        const bool here = cur.in_worker(task);
        const bool there = next->in_worker(task);
        report.kept += here && there ? 1 : 0;
        report.removed += here && !there ? 1 : 0;
        if (!there || here) {
            continue;
        }
        ++report.added;
        const component_plan& comp = next->components()[next->task_component(task)];
        try {
            handover.built.emplace(task, prebuild_component(comp, registry));
        } catch (const std::exception& e) {
            report.error = "component '" + comp.id + "' (task " + std::to_string(task) +
                           ") cannot be built: " + e.what();
            return report;
        }
    }

    // 2. Pause the spouts and let the queues drain, for at most `drain`: the fewer tuples are in
    // them when the threads stop, the fewer messages wait for their timeout to be replayed.
    const auto paused_at = clock_type::now();
    r.shared.paused.store(true, std::memory_order_release);
    for (auto& ex : r.executors) {
        ex->park().wake();
    }
    for (int empty = 0; empty < 2 && clock_type::now() - paused_at < drain;) {
        empty = queued(r.executors) == 0 ? empty + 1 : 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    report.drained = ms_since(paused_at);

    // 3. Stop receiving, mark the tasks that stay, end the threads (the others close on theirs).
    if (r.remote) {
        r.remote->stop_receiving();
    }
    for (auto& ex : r.executors) {
        for (const auto& t : ex->tasks()) {
            t->kept = next->in_worker(t->id);
        }
    }
    for (auto& ex : r.executors) {
        ex->detach();
    }
    for (auto& t : r.threads) {
        t.join();
    }
    r.threads.clear();
    report.dropped = queued(r.executors);
    if (r.remote) {
        r.remote->stop();
        add_remote_stats(r.retired_remote, r.remote->stats());
        r.remote.reset();
    }
    std::vector<std::unique_ptr<task_state>> gone;
    std::set<int> gone_ids;
    for (auto& ex : r.executors) {
        for (auto& t : ex->release_tasks()) {
            if (t->kept) {
                int id = t->id;
                handover.kept.emplace(id, std::move(t));
            } else {
                gone_ids.insert(t->id);
                gone.push_back(std::move(t));
            }
        }
    }
    // The user metrics of the tasks that leave stay in the registry (it has no removal): the
    // heartbeat reports only those of the plan's tasks, and their gauges, whose functions may
    // refer to the instances about to be destroyed, are replaced by ones that throw (a gauge
    // that throws is left out), in case the task comes back before its new instance registers.
    std::vector<metric_registry::entry> stale;
    r.shared.metrics->for_each([&](const metric_registry::entry& e) {
        if (e.type == metric_type::gauge && gone_ids.contains(e.task)) {
            stale.push_back(e);
        }
    });
    for (const auto& e : stale) {
        r.shared.metrics->gauge(e.component, e.task, e.name, []() -> double {
            throw std::runtime_error("the task left this worker");
        });
    }
    stale.clear();
    gone.clear();
    r.executors.clear();
    r.rings.clear();
    r.retired_plans.push_back(std::move(r.plan));
    r.plan = std::move(next);

    // 4. and 5. The next generation, around the kept tasks.
    try {
        r.build(registry, &handover);
        r.shared.paused.store(false, std::memory_order_release);
        r.start_threads();
    } catch (const std::exception& e) {
        // The old executors are gone: nothing to go back to. The kept tasks are not closed (as
        // in a worker that crashes); the caller stops and exits.
        report.error =
            std::string("building the new executors failed after the old ones stopped: ") +
            e.what();
        report.running = false;
        r.stopped = true;
        r.shared.stop.store(true, std::memory_order_release);
        for (auto& ex : r.executors) {
            ex->park().wake();
        }
        for (auto& t : r.threads) {
            t.join();
        }
        r.threads.clear();
        if (r.remote) {
            r.remote->stop();
        }
        return report;
    }
    report.applied = true;
    report.paused = ms_since(paused_at);
    return report;
}

const topology_plan& topology_runtime::plan() const {
    return *_impl->plan;
}

}  // namespace tempest::worker
