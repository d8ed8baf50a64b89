// SPDX-License-Identifier: Apache-2.0
// The supervisor's identity and heartbeat: the supervisor id file, supervisors/<id> (created at
// start and after a session expiry, rewritten every supervisor.heartbeat.frequency.secs) and the
// ZooKeeper session's renewal (see supervisor_impl.h).
#include "logger.h"
#include "supervisor_impl.h"
#include "tempest/common/file_util.h"
#include "tempest/common/random_id.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#ifndef TEMPEST_VERSION
#define TEMPEST_VERSION "unknown"
#endif

namespace tempest::supervisor {

namespace fs = std::filesystem;
using detail::log;
using steady = std::chrono::steady_clock;

std::string supervisor::impl::load_or_create_id() {
    const fs::path file = state_dir / "supervisor-id";
    if (auto text = common::try_read_file(file)) {
        std::string s = *text;
        s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); }),
                s.end());
        if (!s.empty() && s.find('/') == std::string::npos) {
            return s;
        }
        log().warn("{} is empty or malformed; making a new supervisor id", file.string());
    }
    std::string fresh = common::random_uuid();
    common::write_file_atomically(file, fresh + "\n", common::durability::fsync);
    return fresh;
}

common::supervisor_record supervisor::impl::current_info() {
    common::supervisor_record info;
    info.supervisor_id = id;
    info.hostname = hostname;
    info.time_secs = detail::now_ms() / 1000;
    info.uptime_secs =
        std::chrono::duration_cast<std::chrono::seconds>(steady::now() - started_at).count();
    info.ports = slots;
    {
        std::scoped_lock lock(status_mu);
        info.used_ports = used_status;
    }
    info.version = TEMPEST_VERSION;
    return info;
}

void supervisor::impl::register_on(common::cluster_state& s) {
    for (const auto& p : paths.top_level()) {
        if (p == "/") {
            continue;
        }
        if (auto r = common::ensure_path(s, p); !r) {
            throw std::runtime_error("supervisor: cannot create " + p + ": " + r.error().message());
        }
    }
    const auto info = current_info();
    const auto bytes = thrift::encode(info);
    const auto path = paths.supervisor(id);
    auto c = s.create(path, bytes, common::create_mode::ephemeral);
    if (!c && c.error() == common::errc::node_exists) {
        // Left by our previous run's session, which has not expired yet: take it over.
        (void)s.remove(path, common::cluster_state::any_version);  // gone already is fine
        c = s.create(path, bytes, common::create_mode::ephemeral);
    }
    if (!c) {
        throw std::runtime_error("supervisor: cannot create " + path + ": " + c.error().message());
    }
}

void supervisor::impl::write_heartbeat() {
    const auto info = current_info();
    const auto path = paths.supervisor(id);
    const auto bytes = thrift::encode(info);
    auto r = state.set(path, bytes, common::cluster_state::any_version);
    if (!r && r.error() == common::errc::no_node) {
        auto c = state.create(path, bytes, common::create_mode::ephemeral);
        if (!c) {
            log().warn("cannot re-create {}: {}", path, c.error().message());
        }
        return;
    }
    if (!r) {
        log().warn("cannot write the heartbeat {}: {}", path, r.error().message());
        if (r.error() == common::errc::session_expired) {
            std::scoped_lock lock(loop_mu);
            renew_requested = true;
        }
    }
}

bool supervisor::impl::renew_session() {
    std::shared_ptr<common::zk_cluster_state> fresh;
    try {
        fresh = std::make_shared<common::zk_cluster_state>(zk);
        register_on(*fresh);
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
        std::scoped_lock lock(watch_mu);
        watched.clear();  // the old session's watches are gone
    }
    if (old) {
        old->close();
    }
    log().info("new ZooKeeper session 0x{:x}: re-registered {}", fresh->session_id(),
               paths.supervisor(id));
    request_sync();
    return true;
}

void supervisor::impl::heartbeat_loop() {
    auto next = steady::now() + heartbeat_period;
    std::unique_lock lock(loop_mu);
    while (!stopping) {
        loop_cv.wait_until(lock, std::min(next, steady::now() + std::chrono::seconds(1)),
                           [this] { return stopping || renew_requested; });
        if (stopping) {
            break;
        }
        renew_requested = false;
        lock.unlock();
        try {
            // Woken by the expiry callback, or checking each second: a failed renewal is retried.
            if (auto current = state.current(); current && current->expired()) {
                renew_session();
            }
            if (steady::now() >= next) {
                write_heartbeat();
                next = steady::now() + heartbeat_period;
            }
        } catch (const std::exception& e) {
            log().error("heartbeat: {}", e.what());
        }
        lock.lock();
    }
}

}  // namespace tempest::supervisor
