// SPDX-License-Identifier: Apache-2.0
// nimbus_server: ZooKeeper session + nimbus_handler + the Thrift service (framed transport,
// binary protocol) behind frame_server, which bounds frames, connections, threads and time. It
// registers itself under nimbuses/<host:port> (ephemeral NimbusSummary) and joins the leader
// election (ephemeral sequential leader/nimbus-<seq>, the lowest leads; a standby refuses changes
// naming the leader, keeps a copy of the leader's code and takes over when it goes). When the
// ZooKeeper session expires, a keeper thread opens a new session behind the same cluster_state
// (session_holder), registers again and rejoins the election; the handler never notices beyond the
// calls that failed meanwhile.
#include "frame_server.h"
#include "logger.h"
#include "nimbus_handler.h"
#include "nimbus_settings.h"
#include "tempest/common/config_keys.h"
#include "tempest/common/log.h"
#include "tempest/common/zk_cluster_state.h"
#include "tempest/common/zk_config.h"
#include "tempest/common/zk_session_holder.h"
#include "tempest/nimbus/nimbus_server.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/thrift_request.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tempest::nimbus {

namespace {

// Warns of requests the protocol refused: at most one line a second, counting the others, so
// that a flood of bad calls cannot flood the log. Called from frame_server's worker threads.
class refusal_log {
  public:
    void warn(const std::string& peer, const std::string& error, bool closed) {
        std::uint64_t skipped = 0;
        {
            std::scoped_lock lock(_mu);
            auto now = std::chrono::steady_clock::now();
            if (now - _last < std::chrono::seconds(1)) {
                ++_skipped;
                return;
            }
            _last = now;
            skipped = std::exchange(_skipped, 0);
        }
        log().warn("Thrift request from {}: {}{}{}", peer, error,
                   closed ? " (connection closed)" : "",
                   skipped == 0 ? std::string()
                                : " (and " + std::to_string(skipped) + " more refused since)");
    }

  private:
    std::mutex _mu;  // guards the two below
    std::chrono::steady_clock::time_point _last{};
    std::uint64_t _skipped = 0;
};

using session_holder = common::zk_session_holder;

// Registers `self` on `state`: nimbuses/<host:port> (ephemeral) and a new election node
// leader/nimbus-<seq> (ephemeral sequential), whose name it returns. Throws std::runtime_error
// when it cannot join the election.
std::string register_nimbus(common::cluster_state& state,
                            const tempest::thrift::NimbusSummary& self) {
    common::zk_paths paths("/");
    auto me = self.host + ":" + std::to_string(self.port);
    if (auto r = common::ensure_path(state, paths.nimbuses()); !r) {
        log().warn("cannot create {}: {}", paths.nimbuses(), r.error().message());
    } else if (auto c = state.create(paths.nimbus(me), tempest::thrift::to_binary(self),
                                     common::create_mode::ephemeral);
               !c) {
        log().warn("cannot register {}: {}", paths.nimbus(me), c.error().message());
    }
    if (auto r = common::ensure_path(state, paths.leader()); !r) {
        throw std::runtime_error("nimbus: cannot create " + paths.leader() + ": " +
                                 r.error().message());
    }
    auto c = state.create(paths.leader() + "/nimbus-", tempest::thrift::to_binary(self),
                          common::create_mode::ephemeral_sequential);
    if (!c) {
        throw std::runtime_error("nimbus: cannot join the leader election under " + paths.leader() +
                                 ": " + c.error().message());
    }
    return c->substr(c->rfind('/') + 1);
}

}  // namespace

struct nimbus_server::impl {
    config conf;
    std::mutex mu;  // guards the members up to `started`
    std::shared_ptr<nimbus_handler> handler;
    std::unique_ptr<frame_server> server;
    int port = 0;
    bool started = false;

    // The handler's cluster state; outlives the handler.
    session_holder state;
    common::zk_options zk;
    tempest::thrift::NimbusSummary self;

    std::mutex election_mu;  // guards `election`
    std::string election;    // our node under leader/ in the current session

    // The keeper thread: renews an expired session (woken by on_session_state, else each second).
    std::mutex keeper_mu;  // guards keeper_stop and renew
    std::condition_variable keeper_cv;
    bool keeper_stop = false;
    bool renew = false;
    std::thread keeper;

    std::optional<tempest::thrift::NimbusSummary> check_leader();
    void keep_session();
    // Opens a new session, registers on it and puts it in place of the expired one. False (the
    // failure logged) when ZooKeeper cannot be reached yet.
    bool renew_session();
};

std::optional<tempest::thrift::NimbusSummary> nimbus_server::impl::check_leader() {
    common::zk_paths paths("/");
    const auto dir = paths.leader();
    std::string mine;
    {
        std::scoped_lock lock(election_mu);
        mine = election;
    }
    auto ids = state.children(dir, nullptr);
    if (!ids) {
        throw std::runtime_error("leader election: listing " + dir + ": " + ids.error().message());
    }
    if (ids->empty()) {
        return tempest::thrift::NimbusSummary();  // not even us: the session is gone
    }
    const auto& lowest = *std::min_element(ids->begin(), ids->end());
    if (lowest == mine) {
        return std::nullopt;
    }
    auto data = state.get(dir + "/" + lowest, nullptr);
    if (!data) {
        return tempest::thrift::NimbusSummary();
    }
    auto leader = tempest::thrift::from_binary<tempest::thrift::NimbusSummary>(data->data);
    return leader ? *leader : tempest::thrift::NimbusSummary();
}

void nimbus_server::impl::keep_session() {
    std::unique_lock lock(keeper_mu);
    while (!keeper_stop) {
        keeper_cv.wait_for(lock, std::chrono::seconds(1), [this] { return keeper_stop || renew; });
        if (keeper_stop) {
            break;
        }
        renew = false;
        lock.unlock();
        auto current = state.current();
        if (current && current->expired()) {
            renew_session();  // on failure, retried on the next tick
        }
        lock.lock();
    }
}

bool nimbus_server::impl::renew_session() {
    std::shared_ptr<common::zk_cluster_state> fresh;
    std::string node;
    try {
        fresh = std::make_shared<common::zk_cluster_state>(zk);
        node = register_nimbus(*fresh, self);
    } catch (const std::exception& e) {
        log().warn("cannot open a new ZooKeeper session yet (will retry): {}", e.what());
        if (fresh) {
            fresh->close();
        }
        return false;
    }
    auto old = state.current();
    state.replace(fresh);
    {
        std::scoped_lock lock(election_mu);
        election = node;
    }
    if (old) {
        old->close();
    }
    log().info("new ZooKeeper session 0x{:x}: re-registered, leader election node {}",
               fresh->session_id(), common::zk_paths("/").leader() + "/" + node);
    return true;
}

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
    impl* im = _impl.get();
    const auto& conf = im->conf;
    im->zk = common::zookeeper_options(conf);
    im->zk.on_session_state = [im](common::zk_session_state s) {
        if (s == common::zk_session_state::expired) {
            log().error("ZooKeeper session expired: opening a new one and re-registering");
            {
                std::scoped_lock keeper(im->keeper_mu);
                im->renew = true;
            }
            im->keeper_cv.notify_all();
        } else {
            log().info("ZooKeeper session {}", common::to_string(s));
        }
    };
    im->state.replace(std::make_shared<common::zk_cluster_state>(im->zk));
    auto handler = std::make_shared<nimbus_handler>(im->state, conf);

    frame_server_options options;
    options.port = static_cast<int>(common::conf_int(conf, common::keys::nimbus_thrift_port));
    options.max_frame_bytes =
        static_cast<std::size_t>(common::conf_int(conf, keys::nimbus_thrift_max_buffer_size));
    options.threads = static_cast<int>(common::conf_int(conf, keys::nimbus_thrift_threads));
    options.max_connections =
        static_cast<int>(common::conf_int(conf, keys::nimbus_thrift_max_connections));
    options.request_timeout =
        std::chrono::seconds(common::conf_int(conf, keys::nimbus_thrift_client_idle_timeout_secs));
    auto processor = std::make_shared<tempest::thrift::NimbusProcessor>(handler);
    auto refusals = std::make_shared<refusal_log>();
    auto server = std::make_unique<frame_server>(
        options, [processor, refusals](std::string_view request, const std::string& peer) {
            auto out = tempest::thrift::process_request(*processor, request);
            if (!out.error.empty()) {
                refusals->warn(peer, out.error, out.close);
            }
            return frame_reply{std::move(out.reply), out.close};
        });
    try {
        server->start();
    } catch (const std::exception& e) {
        im->state.close();
        throw std::runtime_error(std::string("nimbus: ") + e.what());
    }
    const int port = server->port();
    handler->set_address(common::conf_string_or_empty(conf, common::keys::storm_local_hostname),
                         port);
    tempest::thrift::NimbusSummary self;
    handler->getLeader(self);
    im->self = self;
    std::string election;
    try {
        election = register_nimbus(im->state, self);
    } catch (...) {
        server->stop();
        im->state.close();
        throw;
    }
    {
        std::scoped_lock election_lock(im->election_mu);
        im->election = election;
    }
    handler->set_leader_check([im] { return im->check_leader(); });
    handler->start();
    {
        std::scoped_lock keeper(im->keeper_mu);
        im->keeper_stop = false;
        im->renew = false;
    }
    im->keeper = std::thread([im] { im->keep_session(); });
    tempest::thrift::NimbusSummary leader;
    handler->getLeader(leader);
    log().info(
        "Nimbus serving on port {} (framed transport, binary protocol; frames up to {} bytes, {} "
        "worker threads, up to {} connections, {} s per request); ZooKeeper {} root {} "
        "(session timeout {} ms); local dir {}; leader election node {} ({})",
        port, options.max_frame_bytes, options.threads, options.max_connections,
        options.request_timeout.count() / 1000, im->zk.servers, im->zk.root,
        im->zk.session_timeout.count(),
        handler->stormdist_dir().parent_path().parent_path().string(),
        common::zk_paths("/").leader() + "/" + election,
        leader.port == port && leader.host == self.host
            ? std::string("leader")
            : "standby, leader " + leader.host + ":" + std::to_string(leader.port));
    im->handler = std::move(handler);
    im->server = std::move(server);
    im->port = port;
    im->started = true;
}

void nimbus_server::stop() {
    std::scoped_lock lock(_impl->mu);
    if (!_impl->started) {
        return;
    }
    {
        std::scoped_lock keeper(_impl->keeper_mu);
        _impl->keeper_stop = true;
    }
    _impl->keeper_cv.notify_all();
    if (_impl->keeper.joinable()) {
        _impl->keeper.join();
    }
    _impl->server->stop();
    _impl->handler->stop();
    _impl->server.reset();
    _impl->handler.reset();
    _impl->state.close();
    _impl->started = false;
    log().info("Nimbus stopped");
}

int nimbus_server::port() const {
    std::scoped_lock lock(_impl->mu);
    return _impl->port;
}

}  // namespace tempest::nimbus
