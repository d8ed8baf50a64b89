// SPDX-License-Identifier: Apache-2.0
// fake_nimbus: a nimbus_access answering from fields the test sets, recording the actions it
// receives and throwing `failure` (when set) from every call. Thread-safe (a mutex), as the
// HTTP server's handler threads may call it at once.
#pragma once

#include "nimbus_access.h"

#include <mutex>
#include <optional>
#include <string>
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
