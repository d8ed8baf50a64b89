// SPDX-License-Identifier: Apache-2.0
// checking_submitter: what `tempest local` hands to a package's tempest_main. It checks each
// topology the way a cluster would need it, records it, and forwards it to the real submitter
// (the local cluster):
//
//   tempest_main ──submit──▶ checking_submitter ──▶ local_cluster
//                              │ topology and component confs valid (config schema)?
//                              │ every class registered by tempest_register (the snapshot)?
//                              └ records the name, or the first failure
//
// The class check matters because topology_builder's typed set_spout<T> registers T on the fly
// while tempest_main runs: fine in this process, but a cluster worker only calls
// tempest_register and could not rebuild the component.
//
// A refused topology throws invalid_topology (or whatever the target throws) back into
// tempest_main, and the failure is also kept, so that the CLI fails even if the package
// swallows the exception. Used on the thread that runs tempest_main.
#pragma once

#include "tempest/topology_api/package.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tempest::cli {

class checking_submitter final : public submitter {
  public:
    // `registered`: the class names component_registry held after tempest_register.
    checking_submitter(submitter& target, std::set<std::string> registered);

    void submit_topology(const std::string& name, const config& conf, const topology& t) override;

    // Names of the topologies the target accepted, in order.
    const std::vector<std::string>& submitted() const noexcept { return _submitted; }
    // The shortest topology.local.duration.secs of the accepted topologies, if any set it.
    const std::optional<double>& requested_duration() const noexcept { return _duration; }
    // The first refusal, if any.
    const std::optional<std::string>& failure() const noexcept { return _failure; }

    // The reason `t` cannot run on a cluster, or an empty string.
    static std::string check(const std::string& name, const config& conf, const topology& t,
                             const std::set<std::string>& registered);

  private:
    submitter& _target;
    std::set<std::string> _registered;
    std::vector<std::string> _submitted;
    std::optional<std::string> _failure;
    std::optional<double> _duration;
};

}  // namespace tempest::cli
