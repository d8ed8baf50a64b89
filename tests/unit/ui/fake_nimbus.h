// SPDX-License-Identifier: Apache-2.0
// fake_nimbus: a nimbus_access answering from fields the test sets, recording the actions it
// receives and throwing `failure` (when set) from every call. Thread-safe (a mutex), as the
// HTTP server's handler threads may call it at once.
#pragma once

#include "nimbus_access.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tempest::ui::testing {

class fake_nimbus final : public nimbus_access {
  public:
    std::string conf_json() override {
        std::scoped_lock lock(mu);
        check();
        return conf;
    }
    cluster_info cluster() override {
        std::scoped_lock lock(mu);
        check();
        return info;
    }
    supervisor_page supervisor(const std::string& id, const std::string& host,
                               bool include_sys) override {
        std::scoped_lock lock(mu);
        check();
        actions.push_back("supervisor " + id + "|" + host + "|" + (include_sys ? "1" : "0"));
        supervisor_page p;
        for (const auto& s : info.supervisors) {
            if (id.empty() ? s.host == host : s.id == id) {
                p.supervisors.push_back(s);
            }
        }
        if (p.supervisors.empty()) {
            throw nimbus_call_error(nimbus_failure::not_found, "no such supervisor");
        }
        p.workers = workers;
        return p;
    }
    topology_page topology(const std::string& id, const std::string& window,
                           bool include_sys) override {
        std::scoped_lock lock(mu);
        check();
        actions.push_back("topology " + id + "|" + window + "|" + (include_sys ? "1" : "0"));
        auto it = pages.find(id);
        if (it == pages.end()) {
            throw nimbus_call_error(nimbus_failure::not_found, "no topology with id '" + id + "'");
        }
        return it->second;
    }
    component_page component(const std::string& id, const std::string& component,
                             const std::string& window, bool include_sys) override {
        std::scoped_lock lock(mu);
        check();
        actions.push_back("component " + id + "|" + component + "|" + window + "|" +
                          (include_sys ? "1" : "0"));
        auto it = components.find({id, component});
        if (it == components.end()) {
            throw nimbus_call_error(nimbus_failure::not_found, "no component '" + component + "'");
        }
        return it->second;
    }
    topology_graph graph(const std::string& id) override {
        std::scoped_lock lock(mu);
        check();
        auto it = graphs.find(id);
        if (it == graphs.end()) {
            throw nimbus_call_error(nimbus_failure::not_found, "no topology with id '" + id + "'");
        }
        return it->second;
    }
    std::vector<executor_stream_counts> executor_counts(const std::string& id) override {
        std::scoped_lock lock(mu);
        check();
        ++counts_calls;
        auto it = counts.find(id);
        if (it == counts.end()) {
            throw nimbus_call_error(nimbus_failure::not_found, "no topology with id '" + id + "'");
        }
        return it->second;
    }
    void activate(const std::string& name) override { act("activate " + name); }
    void deactivate(const std::string& name) override { act("deactivate " + name); }
    void kill(const std::string& name, int wait_secs) override {
        act("kill " + name + " " + std::to_string(wait_secs));
    }
    void rebalance(const std::string& name, const rebalance_options& o) override {
        std::string text = "rebalance " + name + " " + std::to_string(o.wait_secs);
        if (o.num_workers) {
            text += " workers=" + std::to_string(*o.num_workers);
        }
        for (const auto& [c, n] : o.num_executors) {
            text += " " + c + "=" + std::to_string(n);
        }
        act(text);
    }

    std::mutex mu;  // guards everything below
    std::string conf = R"({"ui.port": 8080, "nimbus.seeds": ["localhost"]})";
    cluster_info info;
    std::vector<worker_info> workers;
    std::map<std::string, topology_page> pages;                                // by topology id
    std::map<std::pair<std::string, std::string>, component_page> components;  // (id, component)
    std::map<std::string, topology_graph> graphs;
    std::map<std::string, std::vector<executor_stream_counts>> counts;
    int counts_calls = 0;
    std::optional<nimbus_call_error> failure;
    std::vector<std::string> actions;

  private:
    void check() {
        if (failure) {
            throw *failure;
        }
    }
    void act(const std::string& what) {
        std::scoped_lock lock(mu);
        check();
        actions.push_back(what);
    }
};

}  // namespace tempest::ui::testing
