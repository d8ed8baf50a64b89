// SPDX-License-Identifier: Apache-2.0
// nimbus_server: ZooKeeper session + nimbus_handler + a Thrift TThreadedServer (framed
// transport, binary protocol). It registers itself under nimbuses/<host:port> (ephemeral
// NimbusSummary) and joins the leader election (ephemeral sequential leader/nimbus-<seq>, the
// lowest leads; a standby refuses changes naming the leader and takes over when it goes).
#include "tempest/nimbus/nimbus_server.h"

#include "nimbus_handler.h"
#include "tempest/common/log.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/thrift/binary_codec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace tempest::nimbus {

namespace {

spdlog::logger& log() {
    return common::logger("nimbus");
}

// Tells start() when the server socket listens (or that serve() failed before).
class ready_handler : public apache::thrift::server::TServerEventHandler {
  public:
    explicit ready_handler(std::promise<void>& ready) : _ready(ready) {}
    void preServe() override {
        std::call_once(_once, [this] { _ready.set_value(); });
    }
    void fail(std::exception_ptr e) {
        std::call_once(_once, [&] { _ready.set_exception(e); });
    }

  private:
    std::promise<void>& _ready;
    std::once_flag _once;
};

std::string zookeeper_servers(const config& conf) {
    const value* v = conf.find("storm.zookeeper.servers");
    auto port = conf.get_int("storm.zookeeper.port", 2181);
    std::vector<std::string> hosts;
    if (v != nullptr && v->type() == value_type::list) {
        for (const auto& h : v->as_list()) {
            hosts.push_back(h.as_string());
        }
    } else if (v != nullptr && v->type() == value_type::string) {
        hosts.push_back(v->as_string());
    }
    if (hosts.empty()) {
        throw std::runtime_error("nimbus: storm.zookeeper.servers is empty");
    }
    std::string out;
    for (const auto& h : hosts) {
        if (!out.empty()) {
            out += ",";
        }
        out += h.find(':') == std::string::npos ? h + ":" + std::to_string(port) : h;
    }
    return out;
}

}  // namespace

struct nimbus_server::impl {
    config conf;
    std::mutex mu;  // guards everything below
    std::unique_ptr<common::zk_cluster_state> state;
    std::shared_ptr<nimbus_handler> handler;
    std::shared_ptr<apache::thrift::server::TThreadedServer> server;
    std::thread thread;
    int port = 0;
    bool started = false;
};

nimbus_server::nimbus_server(config daemon_conf) : _impl(std::make_unique<impl>()) {
    _impl->conf = std::move(daemon_conf);
}

nimbus_server::~nimbus_server() {
    stop();
}

void nimbus_server::start() {
    using namespace apache::thrift;
    std::scoped_lock lock(_impl->mu);
    if (_impl->started) {
        return;
    }
    const auto& conf = _impl->conf;
    common::zk_options zk;
    zk.servers = zookeeper_servers(conf);
    zk.root = conf.get_string("storm.zookeeper.root", "/tempest");
    zk.session_timeout =
        std::chrono::milliseconds(conf.get_int("storm.zookeeper.session.timeout", 20000));
    zk.connection_timeout =
        std::chrono::milliseconds(conf.get_int("storm.zookeeper.connection.timeout", 15000));
    zk.on_session_state = [](common::zk_session_state s) {
        if (s == common::zk_session_state::expired) {
            log().error("ZooKeeper session expired: restart Nimbus");
        } else {
            log().info("ZooKeeper session {}", common::to_string(s));
        }
    };
    auto state = std::make_unique<common::zk_cluster_state>(zk);
    auto handler = std::make_shared<nimbus_handler>(*state, conf);

    int want_port = static_cast<int>(conf.get_int("nimbus.thrift.port", 6627));
    auto socket = std::make_shared<transport::TServerSocket>(want_port);
    auto server = std::make_shared<server::TThreadedServer>(
        std::make_shared<tempest::thrift::NimbusProcessor>(handler), socket,
        std::make_shared<transport::TFramedTransportFactory>(),
        std::make_shared<protocol::TBinaryProtocolFactory>());
    std::promise<void> ready;
    auto events = std::make_shared<ready_handler>(ready);
    server->setServerEventHandler(events);
    std::thread thread([server, events] {
        try {
            server->serve();
        } catch (const std::exception& e) {
            log().error("Nimbus Thrift server stopped: {}", e.what());
            events->fail(std::current_exception());
        }
    });
    try {
        ready.get_future().get();
    } catch (const std::exception& e) {
        thread.join();
        throw std::runtime_error("nimbus: cannot serve on port " + std::to_string(want_port) +
                                 ": " + e.what());
    }
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    int port = want_port;
    if (getsockname(socket->getSocketFD(), reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    handler->set_address(conf.get_string("storm.local.hostname", ""), port);
    tempest::thrift::NimbusSummary self;
    handler->getLeader(self);
    auto me = self.host + ":" + std::to_string(port);
    common::zk_paths paths("/");
    if (auto r = common::ensure_path(*state, paths.nimbuses()); !r) {
        log().warn("cannot create {}: {}", paths.nimbuses(), r.error().message());
    } else if (auto c = state->create(paths.nimbus(me), tempest::thrift::to_binary(self),
                                      common::create_mode::ephemeral);
               !c) {
        log().warn("cannot register {}: {}", paths.nimbus(me), c.error().message());
    }
    // Leader election: an ephemeral sequential node per Nimbus under leader/; the lowest leads.
    std::string election;
    if (auto r = common::ensure_path(*state, paths.leader()); !r) {
        throw std::runtime_error("nimbus: cannot create " + paths.leader() + ": " +
                                 r.error().message());
    }
    if (auto c = state->create(paths.leader() + "/nimbus-", tempest::thrift::to_binary(self),
                               common::create_mode::ephemeral_sequential);
        c) {
        election = c->substr(c->rfind('/') + 1);
    } else {
        throw std::runtime_error("nimbus: cannot join the leader election under " + paths.leader() +
                                 ": " + c.error().message());
    }
    handler->set_leader_check([st = state.get(), dir = paths.leader(),
                               election]() -> std::optional<tempest::thrift::NimbusSummary> {
        auto ids = st->children(dir);
        if (!ids) {
            throw std::runtime_error("leader election: listing " + dir + ": " +
                                     ids.error().message());
        }
        if (ids->empty()) {
            return tempest::thrift::NimbusSummary();  // not even us: the session is gone
        }
        const auto& lowest = *std::min_element(ids->begin(), ids->end());
        if (lowest == election) {
            return std::nullopt;
        }
        auto data = st->get(dir + "/" + lowest);
        if (!data) {
            return tempest::thrift::NimbusSummary();
        }
        auto leader = tempest::thrift::from_binary<tempest::thrift::NimbusSummary>(data->data);
        return leader ? *leader : tempest::thrift::NimbusSummary();
    });
    handler->start();
    tempest::thrift::NimbusSummary leader;
    handler->getLeader(leader);
    log().info(
        "Nimbus serving on port {} (framed transport, binary protocol); ZooKeeper {} root {}; "
        "local dir {}; leader election node {} ({})",
        port, zk.servers, zk.root, handler->stormdist_dir().parent_path().parent_path().string(),
        paths.leader() + "/" + election,
        leader.port == port && leader.host == self.host
            ? std::string("leader")
            : "standby, leader " + leader.host + ":" + std::to_string(leader.port));
    _impl->state = std::move(state);
    _impl->handler = std::move(handler);
    _impl->server = std::move(server);
    _impl->thread = std::move(thread);
    _impl->port = port;
    _impl->started = true;
}

void nimbus_server::stop() {
    std::scoped_lock lock(_impl->mu);
    if (!_impl->started) {
        return;
    }
    _impl->server->stop();
    if (_impl->thread.joinable()) {
        _impl->thread.join();
    }
    _impl->handler->stop();
    _impl->server.reset();
    _impl->handler.reset();
    _impl->state->close();
    _impl->state.reset();
    _impl->started = false;
    log().info("Nimbus stopped");
}

int nimbus_server::port() const {
    std::scoped_lock lock(_impl->mu);
    return _impl->port;
}

}  // namespace tempest::nimbus
