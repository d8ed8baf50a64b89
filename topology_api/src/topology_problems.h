// SPDX-License-Identifier: Apache-2.0
// The checks behind topology::validate(), shared with topology_builder::create_topology() so
// that the builder can add its own problems and throw them all together.
#pragma once

#include "tempest/topology_api/topology.h"

#include <set>
#include <string>
#include <vector>

namespace tempest::detail {

// Every problem of `t`, one line each, each naming its component. Subscriptions to a component
// in `unbuilt` are checked only for the component's existence: it could not be built, so its
// streams are unknown and the builder has reported why.
std::vector<std::string> topology_problems(const topology& t,
                                           const std::set<std::string, std::less<>>& unbuilt);

// The window settings of `c` (windowed_bolt.cc), named `who` in each line.
void window_problems(const component_def& c, const std::string& who,
                     std::vector<std::string>& problems);
// Windows that outlast the message timeout or exceed max spout pending under `topology_conf`.
void window_timeout_problems(const topology& t, const config& topology_conf,
                             std::vector<std::string>& problems);

// The problems joined one per line.
std::string join_lines(const std::vector<std::string>& lines);

}  // namespace tempest::detail
