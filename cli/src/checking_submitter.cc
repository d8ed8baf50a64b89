// SPDX-License-Identifier: Apache-2.0
#include "checking_submitter.h"

#include "tempest/common/config_loader.h"
#include "tempest/topology_api/shell_component.h"

#include <fmt/format.h>

#include <exception>
#include <utility>

namespace tempest::cli {

checking_submitter::checking_submitter(submitter& target, std::set<std::string> registered)
    : _target(target), _registered(std::move(registered)) {}

std::string checking_submitter::check(const std::string& name, const config& conf,
                                      const topology& t, const std::set<std::string>& registered) {
    try {
        common::validate_topology_config(conf, fmt::format("the config of topology '{}'", name));
        for (const auto& c : t.components) {
            common::validate_topology_config(
                c.conf, fmt::format("the config of component '{}' of topology '{}'", c.id, name));
        }
    } catch (const common::config_error& e) {
        return e.what();
    }
    for (const auto& c : t.components) {
        // Shell components are built by the worker itself, from their arguments.
        if (!registered.contains(c.class_name) && !is_shell_class(c.class_name)) {
            return fmt::format(
                "component '{}' uses class '{}' which tempest_register did not register; "
                "workers could not rebuild it",
                c.id, c.class_name);
        }
        for (const auto& in : c.inputs) {
            if (in.grouping.type == grouping_type::custom &&
                !registered.contains(in.grouping.custom_class)) {
                return fmt::format(
                    "component '{}' uses grouping class '{}' which tempest_register did not "
                    "register; workers could not rebuild it",
                    c.id, in.grouping.custom_class);
            }
        }
    }
    return {};
}

void checking_submitter::submit_topology(const std::string& name, const config& conf,
                                         const topology& t) {
    std::string problem = check(name, conf, t, _registered);
    if (!problem.empty()) {
        if (!_failure) {
            _failure = problem;
        }
        throw invalid_topology(problem);
    }
    try {
        _target.submit_topology(name, conf, t);
    } catch (const std::exception& e) {
        if (!_failure) {
            _failure = fmt::format("topology '{}' was refused: {}", name, e.what());
        }
        throw;
    }
    _submitted.push_back(name);
    if (const value* d = conf.find("topology.local.duration.secs"); d != nullptr && !d->is_null()) {
        double secs = d->as_double();
        _duration = _duration ? std::min(*_duration, secs) : secs;
    }
}

}  // namespace tempest::cli
