// SPDX-License-Identifier: Apache-2.0
#include "cluster_figures.h"

#include "components.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/nimbus_types.h"

#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include <stdexcept>

namespace tempest::bench {

namespace at = apache::thrift;

namespace {

constexpr const char* all_time = ":all-time";

std::string worker_key(const std::string& host, int port) {
    return host + ":" + std::to_string(port);
}

const std::string& stream_name(const std::string& s) {
    return s;
}
const std::string& stream_name(const thrift::GlobalStreamId& g) {
    return g.streamId;
}

// The all-time count summed over the user's streams (system streams such as __ack_init and
// __tick left out).
template <typename Map>
std::int64_t sum_window(const Map& m) {
    std::int64_t total = 0;
    auto it = m.find(all_time);
    if (it != m.end()) {
        for (const auto& [stream, n] : it->second) {
            if (!stream_name(stream).starts_with("__")) {
                total += n;
            }
        }
    }
    return total;
}

template <typename Map>
std::int64_t window_stream(const Map& m, const std::string& stream) {
    auto it = m.find(all_time);
    if (it == m.end()) {
        return 0;
    }
    auto s = it->second.find(stream);
    return s == it->second.end() ? 0 : s->second;
}

}  // namespace

// A worker's metrics from one heartbeat.
struct worker_metrics {
    double cpu_seconds = 0;
    double rss_bytes = 0;
};

struct cluster_figures::impl {
    std::string endpoint;
    std::shared_ptr<at::transport::TTransport> transport;
    std::unique_ptr<thrift::NimbusClient> client;
    double last_poll = 0;  // steady seconds of the previous poll
    // Per worker, the halves seen recently, by heartbeat time (the newest few kept).
    std::map<std::string, std::map<int, worker_sample>> executor_halves;
    std::map<std::string, std::map<int, worker_metrics>> metric_halves;
};

namespace {

constexpr std::size_t halves_kept = 8;

template <typename Map>
void trim(Map& m) {
    while (m.size() > halves_kept) {
        m.erase(m.begin());
    }
}

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

cluster_figures::cluster_figures(const std::string& endpoint, std::chrono::milliseconds timeout)
    : _impl(std::make_unique<impl>()) {
    _impl->endpoint = endpoint;
    auto colon = endpoint.rfind(':');
    if (colon == std::string::npos) {
        throw std::runtime_error("bad Nimbus endpoint '" + endpoint + "'");
    }
    auto socket = std::make_shared<at::transport::TSocket>(endpoint.substr(0, colon),
                                                           std::stoi(endpoint.substr(colon + 1)));
    const int ms = static_cast<int>(timeout.count());
    socket->setConnTimeout(ms);
    socket->setRecvTimeout(ms);
    socket->setSendTimeout(ms);
    _impl->transport = std::make_shared<at::transport::TFramedTransport>(socket);
    try {
        _impl->transport->open();
    } catch (const at::TException& e) {
        throw std::runtime_error("cannot reach Nimbus at " + endpoint + ": " + e.what());
    }
    auto protocol = std::make_shared<at::protocol::TBinaryProtocol>(_impl->transport);
    _impl->client = std::make_unique<thrift::NimbusClient>(protocol);
}

cluster_figures::~cluster_figures() {
    try {
        if (_impl->transport && _impl->transport->isOpen()) {
            _impl->transport->close();
        }
    } catch (const std::exception&) {
        (void)0;  // closing a broken connection: nothing left to do
    }
}

std::string cluster_figures::id_of(const std::string& name) {
    thrift::TopologyInfo info;
    try {
        _impl->client->getTopologyInfoByName(info, name);
    } catch (const thrift::NotAliveException& e) {
        throw std::runtime_error("NotAliveException: " + e.msg);
    } catch (const at::TException& e) {
        throw std::runtime_error("getTopologyInfoByName('" + name + "') at " + _impl->endpoint +
                                 ": " + e.what());
    }
    return info.id;
}

topology_poll cluster_figures::poll(const std::string& id, const std::string& spout) {
    thrift::TopologyInfo info;
    thrift::TopologyPageInfo page;
    try {
        _impl->client->getTopologyInfo(info, id);
        _impl->client->getTopologyPageInfo(page, id, all_time, false);
    } catch (const thrift::NotAliveException& e) {
        throw std::runtime_error("NotAliveException: " + e.msg);
    } catch (const at::TException& e) {
        throw std::runtime_error("polling topology '" + id + "' at " + _impl->endpoint + ": " +
                                 e.what());
    }
    const double now = steady_seconds();
    const double before = _impl->last_poll > 0 ? _impl->last_poll : now;
    _impl->last_poll = now;
    topology_poll out;
    out.status = info.status;
    // Figures per worker from getTopologyInfo, with the heartbeat they come from (-1: mixed).
    std::map<std::string, worker_sample> from_info;
    for (const auto& e : info.executors) {
        if (e.component_id.starts_with("__")) {
            continue;  // ackers and other system components
        }
        ++out.executors;
        if (!e.host.empty() && e.port != 0) {
            out.assigned.insert(worker_key(e.host, e.port));
        }
        if (e.host.empty() || e.port == 0 || !e.__isset.stats || !e.__isset.stats_time_secs ||
            e.component_id.starts_with("__")) {
            continue;
        }
        ++out.reporting;
        worker_sample& s = from_info[worker_key(e.host, e.port)];
        if (s.heartbeat_secs == 0) {
            s.heartbeat_secs = e.stats_time_secs;
        } else if (s.heartbeat_secs != e.stats_time_secs) {
            s.heartbeat_secs = -1;
        }
        const auto& st = e.stats;
        if (st.specific.__isset.bolt) {
            s.counts[e.component_id] +=
                static_cast<std::uint64_t>(sum_window(st.specific.bolt.executed));
        } else {
            s.counts[e.component_id] += static_cast<std::uint64_t>(sum_window(st.emitted));
            if (e.component_id == spout && st.specific.__isset.spout) {
                s.spout_acked +=
                    static_cast<std::uint64_t>(window_stream(st.specific.spout.acked, "default"));
                s.spout_failed +=
                    static_cast<std::uint64_t>(window_stream(st.specific.spout.failed, "default"));
            }
        }
    }
    for (auto& [worker, half] : from_info) {
        if (half.heartbeat_secs <= 0) {
            continue;  // its executors' figures came from different heartbeats
        }
        auto& seen = _impl->executor_halves[worker];
        if (seen.count(half.heartbeat_secs) == 0) {
            half.seen_after = before;
            half.seen_by = now;
            seen.emplace(half.heartbeat_secs, half);
            trim(seen);
        }
    }
    for (const auto& w : page.workers) {
        worker_metrics m;
        for (const auto& point : w.metrics) {
            if (point.name == "worker.cpu_seconds") {
                m.cpu_seconds = point.value;
            } else if (point.name == "worker.rss_bytes") {
                m.rss_bytes = point.value;
            }
        }
        auto& seen = _impl->metric_halves[worker_key(w.host, w.port)];
        seen.emplace(w.time_secs, m);
        trim(seen);
    }
    // Each worker's newest heartbeat of which both halves have been seen.
    for (const auto& [worker, halves] : _impl->executor_halves) {
        auto metrics = _impl->metric_halves.find(worker);
        if (metrics == _impl->metric_halves.end()) {
            continue;
        }
        for (auto it = halves.rbegin(); it != halves.rend(); ++it) {
            auto m = metrics->second.find(it->first);
            if (m != metrics->second.end()) {
                worker_sample s = it->second;
                s.cpu_seconds = m->second.cpu_seconds;
                s.rss_bytes = m->second.rss_bytes;
                out.workers[worker] = s;
                break;
            }
        }
    }
    // The spouts' latency histograms: NAME.count, NAME.p50, ... per task.
    const std::string prefix = std::string(latency_metric) + ".";
    std::map<int, task_latency> by_task;
    for (const auto& m : page.metrics) {
        if (!m.name.starts_with(prefix)) {
            continue;
        }
        task_latency& t = by_task[m.task];
        t.component = m.component;
        t.task = m.task;
        const std::string field = m.name.substr(prefix.size());
        if (field == "count") {
            t.count = m.value;
        } else if (field == "p50") {
            t.p50 = m.value;
        } else if (field == "p99") {
            t.p99 = m.value;
        } else if (field == "p999") {
            t.p999 = m.value;
        } else if (field == "max") {
            t.max = m.value;
        } else if (field == "mean") {
            t.mean = m.value;
        }
    }
    for (auto& [task, t] : by_task) {
        out.latencies.push_back(t);
    }
    auto agg = page.id_to_spout_agg_stats.find(spout);
    if (agg != page.id_to_spout_agg_stats.end() && agg->second.specific_stats.__isset.spout &&
        agg->second.specific_stats.spout.__isset.complete_latency_ms) {
        out.complete_latency_ms = agg->second.specific_stats.spout.complete_latency_ms;
    }
    for (const auto& [component, errors] : info.errors) {
        for (const auto& e : errors) {
            out.errors[component].push_back(e.error);
        }
    }
    return out;
}

}  // namespace tempest::bench
