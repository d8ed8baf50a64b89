// SPDX-License-Identifier: Apache-2.0
// The Thrift side of nimbus_client: the generated NimbusClient over TSocket + TFramedTransport +
// TBinaryProtocol, and the conversion of its structs and exceptions to ours.
#include "tempest/common/log.h"
#include "tempest/common/nimbus_client.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/nimbus_types.h"
#include "tempest/thrift/topology_convert.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TProtocolException.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

namespace tempest::common {
namespace {

namespace at = apache::thrift;

// 512 KiB: a chunk and its call fit in Nimbus' smallest frame limit (nimbus.thrift.max_buffer_size
// is at least 1 MiB, as in Storm).
constexpr std::size_t chunk_size = 512 * 1024;

int clamp_ms(std::chrono::milliseconds t) {
    return static_cast<int>(std::min<std::int64_t>(t.count(), std::numeric_limits<int>::max()));
}

// Thrift prints its own diagnostics on stderr ("TSocket::open() error ..."), which would break
// the CLI's one-line errors; our exceptions carry the same facts, so they go to the debug log.
void quiet_thrift_output() {
    static const bool done = [] {
        at::GlobalOutput.setOutputFunction(
            [](const char* msg) { common::logger("thrift").debug("{}", msg); });
        return true;
    }();
    (void)done;
}

}  // namespace

nimbus_error::nimbus_error(std::string kind, std::string message, std::string what, bool timed_out)
    : std::runtime_error(std::move(what)),
      _kind(std::move(kind)),
      _message(std::move(message)),
      _timed_out(timed_out) {}

bool nimbus_error::from_nimbus() const noexcept {
    return _kind != "TTransportException" && _kind != "TProtocolException";
}

struct nimbus_client::impl {
    std::string endpoint;
    std::chrono::milliseconds timeout{0};
    std::shared_ptr<at::transport::TSocket> socket;
    std::shared_ptr<at::transport::TTransport> transport;
    std::unique_ptr<thrift::NimbusClient> client;

    ~impl() { close_quietly(); }

    void close_quietly() noexcept {
        try {
            if (transport && transport->isOpen()) {
                transport->close();
            }
        } catch (const std::exception&) {
            (void)0;  // closing a broken connection: nothing left to do
        }
    }

    // Runs `call`, translating every Thrift exception to nimbus_error.
    template <typename Fn>
    auto run(const char* what, Fn&& call) -> decltype(call()) {
        try {
            return call();
        } catch (const thrift::AlreadyAliveException& e) {
            throw declared("AlreadyAliveException", e.msg);
        } catch (const thrift::NotAliveException& e) {
            throw declared("NotAliveException", e.msg);
        } catch (const thrift::InvalidTopologyException& e) {
            throw declared("InvalidTopologyException", e.msg);
        } catch (const thrift::AuthorizationException& e) {
            throw declared("AuthorizationException", e.msg);
        } catch (const at::TApplicationException& e) {
            throw declared("TApplicationException", e.what());
        } catch (const at::transport::TTransportException& e) {
            if (e.getType() == at::transport::TTransportException::TIMED_OUT) {
                // The connection is now out of step (a late reply would answer the next call):
                // close it so that later calls on this client fail rather than mismatch.
                close_quietly();
                std::string msg = fmt::format(
                    "Nimbus at {} did not answer {} within {} ms (storm.thrift.socket.timeout.ms); "
                    "it may be overloaded, and the call may or may not have taken effect",
                    endpoint, what, timeout.count());
                throw nimbus_error("TTransportException", msg, msg, true);
            }
            std::string msg = fmt::format("lost the connection to Nimbus at {} during {}: {}",
                                          endpoint, what, e.what());
            throw nimbus_error("TTransportException", msg, msg);
        } catch (const at::protocol::TProtocolException& e) {
            std::string msg = fmt::format("Nimbus at {} sent a malformed reply to {}: {}", endpoint,
                                          what, e.what());
            throw nimbus_error("TProtocolException", msg, msg);
        } catch (const at::TException& e) {
            throw declared("TException", e.what());
        }
    }

    static nimbus_error declared(const char* kind, const std::string& msg) {
        return nimbus_error(kind, msg, fmt::format("{}: {}", kind, msg));
    }
};

nimbus_client::nimbus_client(std::unique_ptr<impl> i) : _impl(std::move(i)) {}
nimbus_client::nimbus_client(nimbus_client&&) noexcept = default;
nimbus_client& nimbus_client::operator=(nimbus_client&&) noexcept = default;
nimbus_client::~nimbus_client() = default;

nimbus_client nimbus_client::connect(const std::string& host, int port,
                                     std::chrono::milliseconds timeout) {
    quiet_thrift_output();
    auto i = std::make_unique<impl>();
    i->endpoint = fmt::format("{}:{}", host, port);
    i->timeout = timeout;
    if (port <= 0 || port > 65535) {
        std::string msg =
            fmt::format("cannot reach Nimbus at {}: the port must be in 1..65535", i->endpoint);
        throw nimbus_error("TTransportException", msg, msg);
    }
    i->socket = std::make_shared<at::transport::TSocket>(host, port);
    i->socket->setConnTimeout(clamp_ms(timeout));
    i->socket->setRecvTimeout(clamp_ms(timeout));
    i->socket->setSendTimeout(clamp_ms(timeout));
    i->transport = std::make_shared<at::transport::TFramedTransport>(i->socket);
    try {
        i->transport->open();
    } catch (const at::TException& e) {
        std::string msg = fmt::format("cannot reach Nimbus at {}: {}", i->endpoint, e.what());
        throw nimbus_error("TTransportException", msg, msg);
    }
    i->client = std::make_unique<thrift::NimbusClient>(
        std::make_shared<at::protocol::TBinaryProtocol>(i->transport));
    return nimbus_client(std::move(i));
}

nimbus_client nimbus_client::connect_leader(const std::vector<nimbus_address>& seeds,
                                            std::chrono::milliseconds timeout) {
    auto& log = common::logger("nimbus-client");
    std::vector<std::string> failures;
    std::optional<nimbus_client> fallback;  // the first Nimbus that answered, not the leader
    std::vector<nimbus_address> tried;
    auto note = [&](const nimbus_address& a, std::string why) {
        // connect()'s own "cannot reach Nimbus at <address>: " would repeat the address.
        const std::string prefix = fmt::format("cannot reach Nimbus at {}:{}: ", a.host, a.port);
        if (why.rfind(prefix, 0) == 0) {
            why.erase(0, prefix.size());
        }
        failures.push_back(fmt::format("{}: {}", a.text(), why));
    };
    for (const nimbus_address& seed : seeds) {
        if (std::find(tried.begin(), tried.end(), seed) != tried.end()) {
            continue;  // already reached as a named leader
        }
        tried.push_back(seed);
        std::optional<nimbus_client> c;
        thrift::NimbusSummary leader;
        try {
            c.emplace(connect(seed.host, seed.port, timeout));
            c->_impl->run("getLeader", [&] { c->_impl->client->getLeader(leader); });
        } catch (const nimbus_error& e) {
            note(seed, e.message());
            continue;
        } catch (const at::TException& e) {
            note(seed, fmt::format("getLeader failed: {}", e.what()));
            continue;
        }
        nimbus_address named{leader.host, leader.port};
        if (named.host.empty() || named.port <= 0 || named == seed) {
            return std::move(*c);  // it leads (or knows no other leader)
        }
        if (std::find(tried.begin(), tried.end(), named) == tried.end()) {
            tried.push_back(named);
            try {
                auto l = connect(named.host, named.port, timeout);
                log.debug("Nimbus at {} names {} as the leader", seed.text(), named.text());
                return l;
            } catch (const nimbus_error& e) {
                note(named, fmt::format("the leader named by {}, {}", seed.text(), e.message()));
            }
        }
        if (!fallback) {
            fallback.emplace(std::move(*c));
        }
    }
    if (fallback) {
        log.warn(
            "the leader Nimbus does not answer ({}); using {}, which did (if it does not lead, "
            "it answers queries and refuses changes)",
            fmt::join(failures, "; "), fallback->endpoint());
        return std::move(*fallback);
    }
    std::vector<std::string> addresses;
    for (const auto& a : tried) {
        addresses.push_back(a.text());
    }
    std::string msg =
        fmt::format("cannot reach any Nimbus (tried {}): {}", fmt::join(addresses, ", "),
                    failures.empty() ? std::string("nimbus.seeds is empty")
                                     : fmt::format("{}", fmt::join(failures, "; ")));
    throw nimbus_error("TTransportException", msg, msg);
}

const std::string& nimbus_client::endpoint() const noexcept {
    return _impl->endpoint;
}

std::string nimbus_client::upload_package(const std::string& path, const progress_fn& progress) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error(
            fmt::format("cannot read package {}: {}", path, std::strerror(errno)));
    }
    in.seekg(0, std::ios::end);
    const auto total = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0, std::ios::beg);

    std::string location;
    _impl->run("beginFileUpload", [&] { _impl->client->beginFileUpload(location); });
    std::string chunk(chunk_size, '\0');
    std::uint64_t sent = 0;
    while (sent < total) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk_size));
        auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) {
            throw std::runtime_error(
                fmt::format("cannot read package {}: it shrank to {} bytes "
                            "while uploading",
                            path, sent));
        }
        chunk.resize(n);
        _impl->run("uploadChunk", [&] { _impl->client->uploadChunk(location, chunk); });
        chunk.resize(chunk_size);
        sent += n;
        if (progress) {
            progress(sent, total);
        }
    }
    if (total == 0 && progress) {
        progress(0, 0);
    }
    _impl->run("finishFileUpload", [&] { _impl->client->finishFileUpload(location); });
    return location;
}

void nimbus_client::download_file(const std::string& remote, const std::filesystem::path& dest) {
    std::string id;
    _impl->run("beginFileDownload", [&] { _impl->client->beginFileDownload(id, remote); });
    std::ofstream out(dest, std::ios::binary | std::ios::trunc);
    if (!out) {
        throw std::runtime_error(
            fmt::format("cannot write {}: {}", dest.string(), std::strerror(errno)));
    }
    for (;;) {
        std::string chunk;
        _impl->run("downloadChunk", [&] { _impl->client->downloadChunk(chunk, id); });
        if (chunk.empty()) {
            break;
        }
        out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        if (!out) {
            throw std::runtime_error(fmt::format("cannot write {}", dest.string()));
        }
    }
    out.close();
    if (!out) {
        throw std::runtime_error(fmt::format("cannot write {}", dest.string()));
    }
}

void nimbus_client::submit(const std::string& name, const std::string& location, const config& conf,
                           const topology& t) {
    std::string json = thrift::to_json(conf);
    thrift::StormTopology st = thrift::to_thrift(t);
    _impl->run("submitTopology", [&] { _impl->client->submitTopology(name, location, json, st); });
}

std::vector<topology_summary> nimbus_client::list() {
    std::vector<thrift::TopologySummary> got;
    _impl->run("getTopologySummaries", [&] { _impl->client->getTopologySummaries(got); });
    std::vector<topology_summary> out;
    out.reserve(got.size());
    for (const auto& s : got) {
        out.push_back({.name = s.name,
                       .id = s.id,
                       .status = s.status,
                       .uptime_secs = s.uptime_secs,
                       .num_workers = s.num_workers,
                       .num_executors = s.num_executors,
                       .num_tasks = s.num_tasks});
    }
    return out;
}

void nimbus_client::kill(const std::string& name, std::optional<int> wait_secs) {
    thrift::KillOptions o;
    if (wait_secs) {
        o.__set_wait_secs(*wait_secs);
    }
    _impl->run("killTopologyWithOpts", [&] { _impl->client->killTopologyWithOpts(name, o); });
}

void nimbus_client::activate(const std::string& name) {
    _impl->run("activate", [&] { _impl->client->activate(name); });
}

void nimbus_client::deactivate(const std::string& name) {
    _impl->run("deactivate", [&] { _impl->client->deactivate(name); });
}

void nimbus_client::rebalance(const std::string& name, const rebalance_request& r) {
    thrift::RebalanceOptions o;
    if (r.wait_secs) {
        o.__set_wait_secs(*r.wait_secs);
    }
    if (r.num_workers) {
        o.__set_num_workers(*r.num_workers);
    }
    if (!r.num_executors.empty()) {
        std::map<std::string, std::int32_t> m(r.num_executors.begin(), r.num_executors.end());
        o.__set_num_executors(m);
    }
    _impl->run("rebalance", [&] { _impl->client->rebalance(name, o); });
}

topology_info nimbus_client::info(const std::string& name, error_choice errors) {
    thrift::GetInfoOptions opts;
    opts.__set_num_err_choice(errors == error_choice::none  ? thrift::NumErrorsChoice::NONE
                              : errors == error_choice::one ? thrift::NumErrorsChoice::ONE
                                                            : thrift::NumErrorsChoice::ALL);
    thrift::TopologyInfo ti;
    _impl->run("getTopologyInfoByNameWithOpts",
               [&] { _impl->client->getTopologyInfoByNameWithOpts(ti, name, opts); });
    topology_info out;
    out.id = ti.id;
    out.name = ti.name;
    out.status = ti.status;
    out.uptime_secs = ti.uptime_secs;
    const std::string all_time = ":all-time";
    for (const auto& e : ti.executors) {
        executor_summary x{.component = e.component_id,
                           .task_start = e.executor_info.task_start,
                           .task_end = e.executor_info.task_end,
                           .host = e.host,
                           .port = e.port,
                           .uptime_secs = e.uptime_secs};
        if (e.__isset.stats) {
            stream_counts c;
            if (auto it = e.stats.emitted.find(all_time); it != e.stats.emitted.end()) {
                c.emitted.insert(it->second.begin(), it->second.end());
            }
            if (auto it = e.stats.transferred.find(all_time); it != e.stats.transferred.end()) {
                c.transferred.insert(it->second.begin(), it->second.end());
            }
            if (e.stats.specific.__isset.spout) {
                const auto& acked = e.stats.specific.spout.acked;
                if (auto it = acked.find(all_time); it != acked.end()) {
                    c.acked.insert(it->second.begin(), it->second.end());
                }
            } else if (e.stats.specific.__isset.bolt) {
                const auto& acked = e.stats.specific.bolt.acked;
                if (auto it = acked.find(all_time); it != acked.end()) {
                    for (const auto& [g, n] : it->second) {
                        c.acked[g.streamId] += n;
                    }
                }
            }
            x.all_time = std::move(c);
        }
        x.late = e.__isset.late && e.late;
        if (e.__isset.stats_age_secs) {
            x.stats_age_secs = e.stats_age_secs;
        }
        out.executors.push_back(std::move(x));
    }
    for (const auto& [component, errors] : ti.errors) {
        auto& list = out.errors[component];
        for (const auto& e : errors) {
            error_info x{.text = e.error, .time_secs = e.error_time_secs};
            if (e.__isset.host) {
                x.host = e.host;
            }
            if (e.__isset.port) {
                x.port = e.port;
            }
            if (e.__isset.task) {
                x.task = e.task;
            }
            list.push_back(std::move(x));
        }
    }
    return out;
}

window_totals nimbus_client::totals(const std::string& id, const std::string& window) {
    thrift::TopologyPageInfo page;
    _impl->run("getTopologyPageInfo",
               [&] { _impl->client->getTopologyPageInfo(page, id, window, false); });
    window_totals out;
    out.uptime_secs = page.uptime_secs;
    out.num_late_executors = page.__isset.num_late_executors ? page.num_late_executors : 0;
    if (page.__isset.topology_stats) {
        const auto& s = page.topology_stats;
        auto pick = [&](const auto& m) -> std::optional<std::decay_t<decltype(m.at(window))>> {
            auto it = m.find(window);
            if (it == m.end()) {
                return std::nullopt;
            }
            return it->second;
        };
        out.emitted = pick(s.window_to_emitted);
        out.transferred = pick(s.window_to_transferred);
        out.acked = pick(s.window_to_acked);
        out.failed = pick(s.window_to_failed);
        out.complete_latency_ms = pick(s.window_to_complete_latencies_ms);
    }
    return out;
}

}  // namespace tempest::common
