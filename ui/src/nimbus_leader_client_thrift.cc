// SPDX-License-Identifier: Apache-2.0
// The Thrift side of nimbus_leader_client: the generated NimbusClient over TSocket +
// TFramedTransport + TBinaryProtocol, the leader search, and the conversion of Nimbus' structs
// and exceptions to nimbus_access's.
#include "logger.h"
#include "nimbus_leader_client.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/nimbus_types.h"

#include <fmt/format.h>
#include <thrift/TApplicationException.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TProtocolException.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include <algorithm>
#include <limits>

namespace tempest::ui {

namespace at = apache::thrift;
namespace th = tempest::thrift;

struct nimbus_leader_client::connection {
    std::shared_ptr<at::transport::TSocket> socket;
    std::shared_ptr<at::transport::TTransport> transport;
    std::unique_ptr<th::NimbusClient> client;

    connection(const nimbus_endpoint& e, std::chrono::milliseconds timeout) {
        auto ms = static_cast<int>(
            std::min<std::int64_t>(timeout.count(), std::numeric_limits<int>::max()));
        socket = std::make_shared<at::transport::TSocket>(e.host, e.port);
        socket->setConnTimeout(ms);
        socket->setRecvTimeout(ms);
        socket->setSendTimeout(ms);
        transport = std::make_shared<at::transport::TFramedTransport>(socket);
        transport->open();  // throws TTransportException
        client = std::make_unique<th::NimbusClient>(
            std::make_shared<at::protocol::TBinaryProtocol>(transport));
    }
    ~connection() {
        try {
            transport->close();
        } catch (const std::exception&) {
            (void)0;  // closing a broken connection: nothing left to do
        }
    }
};

namespace {

// Thrift prints its own diagnostics on stderr ("TSocket::open() error ..."); our errors carry
// the same facts, so they go to the debug log.
void quiet_thrift_output() {
    static const bool done = [] {
        at::GlobalOutput.setOutputFunction([](const char* msg) { log().debug("thrift: {}", msg); });
        return true;
    }();
    (void)done;
}

template <typename T>
std::optional<T> opt(bool isset, const T& v) {
    return isset ? std::optional<T>(v) : std::nullopt;
}

supervisor_info convert(const th::SupervisorSummary& s) {
    supervisor_info out;
    out.id = s.supervisor_id;
    out.host = s.host;
    out.uptime_secs = s.uptime_secs;
    out.slots_total = s.num_workers;
    out.slots_used = s.num_used_workers;
    out.version = s.version;
    if (s.__isset.total_resources) {
        out.total_resources = s.total_resources;
    }
    out.used_mem = opt(s.__isset.used_mem, s.used_mem);
    out.used_cpu = opt(s.__isset.used_cpu, s.used_cpu);
    return out;
}

topology_info convert(const th::TopologySummary& t) {
    topology_info out;
    out.id = t.id;
    out.name = t.name;
    out.status = t.status;
    out.uptime_secs = t.uptime_secs;
    out.num_tasks = t.num_tasks;
    out.num_executors = t.num_executors;
    out.num_workers = t.num_workers;
    out.replication_count = opt(t.__isset.replication_count, static_cast<int>(t.replication_count));
    out.owner = opt(t.__isset.owner, t.owner);
    out.requested_mem_on_heap = opt(t.__isset.requested_memonheap, t.requested_memonheap);
    out.requested_mem_off_heap = opt(t.__isset.requested_memoffheap, t.requested_memoffheap);
    out.requested_cpu = opt(t.__isset.requested_cpu, t.requested_cpu);
    out.assigned_mem_on_heap = opt(t.__isset.assigned_memonheap, t.assigned_memonheap);
    out.assigned_mem_off_heap = opt(t.__isset.assigned_memoffheap, t.assigned_memoffheap);
    out.assigned_cpu = opt(t.__isset.assigned_cpu, t.assigned_cpu);
    return out;
}

nimbus_info convert(const th::NimbusSummary& n) {
    return {.host = n.host,
            .port = n.port,
            .uptime_secs = n.uptime_secs,
            .is_leader = n.isLeader,
            .version = n.version};
}

worker_info convert(const th::WorkerSummary& w) {
    worker_info out;
    out.supervisor_id = w.supervisor_id;
    out.host = w.host;
    out.port = w.port;
    out.topology_id = w.topology_id;
    out.topology_name = w.topology_name;
    out.num_executors = w.num_executors;
    for (const auto& [c, n] : w.component_to_num_tasks) {
        out.component_num_tasks[c] = static_cast<long long>(n);
    }
    out.uptime_secs = w.uptime_secs;
    out.assigned_mem_on_heap = opt(w.__isset.assigned_memonheap, w.assigned_memonheap);
    out.assigned_mem_off_heap = opt(w.__isset.assigned_memoffheap, w.assigned_memoffheap);
    out.assigned_cpu = opt(w.__isset.assigned_cpu, w.assigned_cpu);
    return out;
}

bool says_not_leader(const std::string& what) {
    return what.find("not the leader") != std::string::npos;
}

}  // namespace

nimbus_leader_client::nimbus_leader_client(std::vector<nimbus_endpoint> seeds,
                                           std::chrono::milliseconds timeout,
                                           std::chrono::milliseconds retry_after)
    : _seeds(std::move(seeds)), _timeout(timeout), _retry_after(retry_after) {
    quiet_thrift_output();
}

nimbus_leader_client::~nimbus_leader_client() = default;

std::string nimbus_leader_client::current() const {
    std::scoped_lock lock(_mu);
    return _conn ? _connected.text() : std::string();
}

void nimbus_leader_client::find_leader() {
    if (!_failure.empty() && std::chrono::steady_clock::now() - _failed_at < _retry_after) {
        throw nimbus_call_error(nimbus_failure::unreachable, _failure);
    }
    std::vector<nimbus_endpoint> candidates;
    auto add = [&](const nimbus_endpoint& e) {
        if (e.port > 0 && !e.host.empty() &&
            std::find(candidates.begin(), candidates.end(), e) == candidates.end()) {
            candidates.push_back(e);
        }
    };
    add(_last_leader);
    for (const auto& e : _known) {
        add(e);
    }
    for (const auto& e : _seeds) {
        add(e);
    }
    std::vector<std::string> failures;
    for (const auto& c : candidates) {
        std::unique_ptr<connection> conn;
        th::NimbusSummary leader;
        try {
            conn = std::make_unique<connection>(c, _timeout);
            conn->client->getLeader(leader);
        } catch (const at::TException& e) {
            log().debug("Nimbus at {} did not answer: {}", c.text(), e.what());
            failures.push_back(fmt::format("{} ({})", c.text(), e.what()));
            continue;
        }
        nimbus_endpoint named{leader.host, leader.port};
        nimbus_endpoint chosen = c;
        if (!named.host.empty() && named.port > 0 && !(named == c)) {
            try {
                auto direct = std::make_unique<connection>(named, _timeout);
                conn = std::move(direct);
                chosen = named;
            } catch (const at::TException& e) {
                log().warn(
                    "Nimbus at {} names {} as leader, which does not answer ({}); asking "
                    "{} meanwhile",
                    c.text(), named.text(), e.what(), c.text());
            }
        }
        if (chosen == named || named.host.empty()) {
            _last_leader = chosen;
        }
        if (!(chosen == _connected)) {
            log().info("following Nimbus at {}{}", chosen.text(),
                       chosen == named ? " (the leader)" : "");
        }
        _conn = std::move(conn);
        _connected = chosen;
        _failure.clear();
        return;
    }
    _failure = fmt::format("no Nimbus answered: {}", fmt::join(failures, "; "));
    _failed_at = std::chrono::steady_clock::now();
    throw nimbus_call_error(nimbus_failure::unreachable, _failure);
}

void nimbus_leader_client::with_leader(const char* what,
                                       const std::function<void(connection&)>& call) {
    std::scoped_lock lock(_mu);
    for (int attempt = 0;; ++attempt) {
        const bool last = attempt > 0;
        if (!_conn) {
            find_leader();
        }
        try {
            call(*_conn);
            return;
        } catch (const th::NotAliveException& e) {
            throw nimbus_call_error(nimbus_failure::not_found, e.msg);
        } catch (const th::InvalidTopologyException& e) {
            throw nimbus_call_error(nimbus_failure::invalid, e.msg);
        } catch (const th::AlreadyAliveException& e) {
            throw nimbus_call_error(nimbus_failure::invalid, e.msg);
        } catch (const th::AuthorizationException& e) {
            throw nimbus_call_error(nimbus_failure::forbidden, e.msg);
        } catch (const at::TApplicationException& e) {
            if (says_not_leader(e.what()) && !last) {
                log().info("Nimbus at {} is no longer the leader; looking for it",
                           _connected.text());
                _conn.reset();
                _last_leader = {};
                continue;
            }
            throw nimbus_call_error(
                nimbus_failure::failed,
                fmt::format("Nimbus at {} failed {}: {}", _connected.text(), what, e.what()));
        } catch (const at::transport::TTransportException& e) {
            log().warn("lost the connection to Nimbus at {} during {}: {}", _connected.text(), what,
                       e.what());
            _conn.reset();
            if (!last) {
                continue;
            }
            throw nimbus_call_error(nimbus_failure::unreachable,
                                    fmt::format("lost the connection to Nimbus at {} during {}: {}",
                                                _connected.text(), what, e.what()));
        } catch (const at::TException& e) {
            // A malformed reply leaves the stream out of step: start afresh next time.
            _conn.reset();
            throw nimbus_call_error(nimbus_failure::failed,
                                    fmt::format("Nimbus at {} sent a bad reply to {}: {}",
                                                _connected.text(), what, e.what()));
        }
    }
}

std::string nimbus_leader_client::conf_json() {
    std::string json;
    with_leader("getNimbusConf", [&](connection& c) { c.client->getNimbusConf(json); });
    return json;
}

cluster_info nimbus_leader_client::cluster() {
    th::ClusterSummary s;
    with_leader("getClusterInfo", [&](connection& c) { c.client->getClusterInfo(s); });
    cluster_info out;
    std::vector<nimbus_endpoint> known;
    for (const auto& n : s.nimbuses) {
        out.nimbuses.push_back(convert(n));
        known.push_back({n.host, n.port});
    }
    for (const auto& sv : s.supervisors) {
        out.supervisors.push_back(convert(sv));
    }
    for (const auto& t : s.topologies) {
        out.topologies.push_back(convert(t));
    }
    {
        std::scoped_lock lock(_mu);
        _known = std::move(known);
    }
    return out;
}

supervisor_page nimbus_leader_client::supervisor(const std::string& id, const std::string& host,
                                                 bool include_sys) {
    th::SupervisorPageInfo p;
    with_leader("getSupervisorPageInfo",
                [&](connection& c) { c.client->getSupervisorPageInfo(p, id, host, include_sys); });
    supervisor_page out;
    for (const auto& s : p.supervisor_summaries) {
        out.supervisors.push_back(convert(s));
    }
    for (const auto& w : p.worker_summaries) {
        out.workers.push_back(convert(w));
    }
    return out;
}

void nimbus_leader_client::activate(const std::string& name) {
    with_leader("activate", [&](connection& c) { c.client->activate(name); });
}

void nimbus_leader_client::deactivate(const std::string& name) {
    with_leader("deactivate", [&](connection& c) { c.client->deactivate(name); });
}

void nimbus_leader_client::kill(const std::string& name, int wait_secs) {
    th::KillOptions o;
    o.__set_wait_secs(wait_secs);
    with_leader("killTopologyWithOpts",
                [&](connection& c) { c.client->killTopologyWithOpts(name, o); });
}

void nimbus_leader_client::rebalance(const std::string& name, const rebalance_options& options) {
    th::RebalanceOptions o;
    o.__set_wait_secs(options.wait_secs);
    if (options.num_workers) {
        o.__set_num_workers(*options.num_workers);
    }
    if (!options.num_executors.empty()) {
        std::map<std::string, std::int32_t> m(options.num_executors.begin(),
                                              options.num_executors.end());
        o.__set_num_executors(m);
    }
    with_leader("rebalance", [&](connection& c) { c.client->rebalance(name, o); });
}

}  // namespace tempest::ui
