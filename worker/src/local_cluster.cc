// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/local_cluster.h"

#include "tempest/common/log.h"
#include "tempest/worker/topology_runtime.h"

#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace tempest::worker {

struct local_cluster::impl {
    config daemon_conf;
    component_registry* registry;
    std::mutex mu;  // guards topologies and next_id
    struct entry {
        std::string id;
        std::shared_ptr<topology_runtime> runtime;
    };
    std::map<std::string, entry> topologies;
    std::map<std::string, entry> killed;  // kept so stats and errors outlive a kill
    int next_id = 1;

    std::shared_ptr<topology_runtime> find(const std::string& name, bool or_killed = false) {
        std::scoped_lock lock(mu);
        auto it = topologies.find(name);
        if (it != topologies.end()) {
            return it->second.runtime;
        }
        if (or_killed) {
            it = killed.find(name);
            if (it != killed.end()) {
                return it->second.runtime;
            }
        }
        throw std::runtime_error("topology '" + name + "' is not alive");
    }
};

local_cluster::local_cluster(config daemon_conf, component_registry& registry)
    : _impl(std::make_unique<impl>()) {
    _impl->daemon_conf = std::move(daemon_conf);
    _impl->registry = &registry;
}

local_cluster::~local_cluster() {
    std::map<std::string, impl::entry> all;
    {
        std::scoped_lock lock(_impl->mu);
        all.swap(_impl->topologies);
    }
    for (auto& [name, e] : all) {
        e.runtime->stop();
    }
}

void local_cluster::submit_topology(const std::string& name, const config& conf,
                                    const topology& t) {
    if (name.empty()) {
        throw invalid_topology("topology name must not be empty");
    }
    std::string id;
    {
        std::scoped_lock lock(_impl->mu);
        if (_impl->topologies.count(name) != 0) {
            throw std::runtime_error("topology '" + name + "' is already alive");
        }
        _impl->killed.erase(name);
        id = name + "-" + std::to_string(_impl->next_id++);
    }
    config effective = _impl->daemon_conf;
    effective.merge(conf);
    effective.set(config::topology_name, name);
    // What needs the conf (a window that outlasts the message timeout), before anything runs.
    t.validate(effective);
    auto plan = std::make_shared<const topology_plan>(id, t, effective);
    auto runtime = std::make_shared<topology_runtime>(plan, *_impl->registry);
    {
        std::scoped_lock lock(_impl->mu);
        if (!_impl->topologies.emplace(name, impl::entry{id, runtime}).second) {
            throw std::runtime_error("topology '" + name + "' is already alive");
        }
    }
    runtime->start();
    common::logger("worker").info(
        "local cluster: topology '{}' ({}) started: {} executors, {} tasks", name, id,
        plan->executors().size(), plan->num_tasks());
}

void local_cluster::kill_topology(const std::string& name, std::chrono::milliseconds wait) {
    auto rt = _impl->find(name);
    rt->set_active(false);
    if (wait.count() > 0) {
        std::this_thread::sleep_for(wait);
    }
    rt->stop();
    common::logger("worker").info("local cluster: topology '{}' killed", name);
    std::scoped_lock lock(_impl->mu);
    auto it = _impl->topologies.find(name);
    if (it != _impl->topologies.end()) {
        _impl->killed.insert_or_assign(name, std::move(it->second));
        _impl->topologies.erase(it);
    }
}

void local_cluster::activate(const std::string& name) {
    _impl->find(name)->set_active(true);
}
void local_cluster::deactivate(const std::string& name) {
    _impl->find(name)->set_active(false);
}

std::vector<std::string> local_cluster::topology_names() const {
    std::scoped_lock lock(_impl->mu);
    std::vector<std::string> out;
    for (const auto& [name, e] : _impl->topologies) {
        out.push_back(name);
    }
    return out;
}

topology_status local_cluster::status(const std::string& name) const {
    std::shared_ptr<topology_runtime> rt;
    {
        std::scoped_lock lock(_impl->mu);
        auto it = _impl->topologies.find(name);
        if (it == _impl->topologies.end()) {
            return topology_status::killed;
        }
        rt = it->second.runtime;
    }
    return rt->active() ? topology_status::active : topology_status::inactive;
}

std::vector<component_stats> local_cluster::stats(const std::string& name) const {
    return _impl->find(name, true)->stats();
}

std::vector<executor_totals> local_cluster::totals(const std::string& name) const {
    return _impl->find(name, true)->totals();
}

std::vector<error_record> local_cluster::errors(const std::string& name) const {
    return _impl->find(name, true)->errors();
}

}  // namespace tempest::worker
