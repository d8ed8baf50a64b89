// SPDX-License-Identifier: Apache-2.0
// Delayed kills and rebalances (see delayed_actions.h).
#include "delayed_actions.h"

#include "logger.h"
#include "nimbus_error.h"

#include <algorithm>

namespace tempest::nimbus {

namespace {

[[noreturn]] void throw_invalid(const std::string& msg) {
    throw nimbus_error(error_kind::invalid_topology, msg);
}

}  // namespace

delayed_actions::delayed_actions(topology_store& store, assignment_monitor& monitor)
    : _store(store), _monitor(monitor) {}

std::string delayed_actions::kill(const std::string& name, std::optional<int> wait_secs,
                                  time_point now) {
    auto [id, base] = _store.find_alive(name);
    int wait = std::max(0, wait_secs ? *wait_secs : _store.default_wait_secs(id));
    if (wait == 0) {
        // An init-capture: clang 14 (the fuzz build) cannot capture a structured binding.
        std::erase_if(_pending,
                      [&tid = id](const pending_action& a) { return a.topology_id == tid; });
        _store.remove(id);
        log().info("killed topology '{}' ({})", name, id);
        return id;
    }
    base.status = topology_status::killed;
    base.kill = common::kill_options{wait};
    _store.write(id, base);
    schedule(id, kind::kill, wait, now);
    log().info("killing topology '{}' ({}): deactivated, removal in {} s", name, id, wait);
    return id;
}

std::string delayed_actions::rebalance(const std::string& name, rebalance_options req,
                                       time_point now) {
    auto [id, base] = _store.find_alive(name);
    if (base.status == topology_status::killed) {
        throw_invalid("topology '" + name + "' is being killed and cannot be rebalanced");
    }
    if (req.num_workers && *req.num_workers < 1) {
        throw_invalid("rebalance of '" + name + "': the number of workers must be >= 1, got " +
                      std::to_string(*req.num_workers));
    }
    if (req.num_executors) {
        auto st = _store.load(id);
        for (const auto& [component, n] : *req.num_executors) {
            const auto* c = st->topo.find(component);
            if (c == nullptr) {
                throw_invalid("rebalance of '" + name + "': no component '" + component + "'");
            }
            if (n < 1 || n > c->num_tasks) {
                throw_invalid("rebalance of '" + name + "': component '" + component +
                              "' can have between 1 and " + std::to_string(c->num_tasks) +
                              " executors (its task count), got " + std::to_string(n));
            }
        }
    }
    if (req.topology_conf_overrides && !req.topology_conf_overrides->empty()) {
        throw_invalid("rebalance of '" + name + "': topology_conf_overrides are not supported");
    }
    int wait = std::max(0, req.wait_secs ? *req.wait_secs : _store.default_wait_secs(id));
    if (base.status != topology_status::rebalancing) {
        base.prev_status = base.status;
    }
    base.status = topology_status::rebalancing;
    req.wait_secs = wait;
    req.principal.reset();  // set by Nimbus, never taken from a client
    base.rebalance = std::move(req);
    _store.write(id, base);
    log().info("rebalancing topology '{}' ({}) in {} s", name, id, wait);
    if (wait == 0) {
        std::erase_if(_pending,
                      [&tid = id](const pending_action& a) { return a.topology_id == tid; });
        run_rebalance(id);
    } else {
        schedule(id, kind::rebalance, wait, now);
    }
    return id;
}

int delayed_actions::run_due(time_point now) {
    int ran = 0;
    while (true) {
        auto it = std::find_if(_pending.begin(), _pending.end(),
                               [&](const pending_action& a) { return a.due <= now; });
        if (it == _pending.end()) {
            break;
        }
        auto action = *it;
        _pending.erase(it);
        ++ran;
        if (action.what == kind::kill) {
            _store.remove(action.topology_id);
        } else {
            run_rebalance(action.topology_id);
        }
    }
    return ran;
}

std::optional<delayed_actions::time_point> delayed_actions::next_due() const {
    std::optional<time_point> next;
    for (const auto& a : _pending) {
        if (!next || a.due < *next) {
            next = a.due;
        }
    }
    return next;
}

void delayed_actions::recover(const std::map<std::string, storm_base>& storms, time_point now) {
    // Regaining the lead (after a lost ZooKeeper connection, say): actions another leader
    // carried out meanwhile go; those still recorded keep their due time.
    std::erase_if(_pending, [&](const pending_action& a) {
        auto it = storms.find(a.topology_id);
        return it == storms.end() ||
               it->second.status !=
                   (a.what == kind::kill ? topology_status::killed : topology_status::rebalancing);
    });
    for (const auto& [id, base] : storms) {
        if (std::any_of(_pending.begin(), _pending.end(),
                        [&tid = id](const pending_action& a) { return a.topology_id == tid; })) {
            continue;
        }
        if (base.status == topology_status::killed) {
            int wait = base.kill ? base.kill->wait_secs.value_or(0) : 0;
            log().info("found topology {} ('{}') being killed; removing it in {} s", id, base.name,
                       wait);
            schedule(id, kind::kill, wait, now);
        } else if (base.status == topology_status::rebalancing) {
            int wait = base.rebalance ? base.rebalance->wait_secs.value_or(0) : 0;
            log().info("found topology {} ('{}') rebalancing; rebalancing it in {} s", id,
                       base.name, wait);
            schedule(id, kind::rebalance, wait, now);
        } else {
            log().info("found topology {} ('{}', {})", id, base.name, status_string(base.status));
        }
    }
}

void delayed_actions::apply_rebalance(storm_base& base) {
    if (base.rebalance) {
        if (base.rebalance->num_workers) {
            base.num_workers = *base.rebalance->num_workers;
        }
        if (base.rebalance->num_executors) {
            for (const auto& [component, n] : *base.rebalance->num_executors) {
                base.component_executors[component] = n;
            }
        }
    }
    base.status = base.prev_status.value_or(topology_status::active);
    base.prev_status.reset();
    base.rebalance.reset();
}

void delayed_actions::schedule(const std::string& id, kind what, int wait_secs, time_point now) {
    std::erase_if(_pending, [&](const pending_action& a) { return a.topology_id == id; });
    _pending.push_back({now + std::chrono::seconds(std::max(0, wait_secs)), id, what});
}

void delayed_actions::run_rebalance(const std::string& id) {
    auto base = _store.read(id);
    if (!base || base->status != topology_status::rebalancing) {
        return;
    }
    apply_rebalance(*base);
    _store.write(id, *base);
    _monitor.reschedule(&id);
    log().info("rebalanced topology {}: {} workers", id, base->num_workers);
}

}  // namespace tempest::nimbus
