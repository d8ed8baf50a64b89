// SPDX-License-Identifier: Apache-2.0
// topology: the validated description of a topology that topology_builder produces and that
// every runtime (local mode, cluster workers) rebuilds components from: per component its
// registered class name and constructor arguments, parallelism, task count, subscriptions and
// declared streams. Plain data: copyable and comparable.
#pragma once

#include "tempest/topology_api/component.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/fields.h"
#include "tempest/topology_api/value.h"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tempest {

enum class grouping_type : std::uint8_t {
    shuffle,
    fields,
    all,
    global,
    local_or_shuffle,
    none,
    direct,
    partial_key,
    custom,
};

std::string_view to_string(grouping_type t) noexcept;

struct grouping {
    grouping_type type = grouping_type::shuffle;
    tempest::fields fields;          // fields and partial_key
    std::string custom_class;        // custom: a class registered as a grouping
    std::vector<value> custom_args;  // custom: its constructor arguments
    friend bool operator==(const grouping&, const grouping&) = default;
};

// A subscription of a bolt to one stream of another component.
struct input_def {
    std::string component;
    std::string stream;
    tempest::grouping grouping;
    friend bool operator==(const input_def&, const input_def&) = default;
};

enum class component_kind : std::uint8_t { spout, bolt };

struct component_def {
    std::string id;
    component_kind kind = component_kind::bolt;
    std::string class_name;
    std::vector<value> args;
    int parallelism = 1;  // executors
    int num_tasks = 1;    // tasks, >= parallelism
    std::vector<input_def> inputs;
    std::vector<stream_def> outputs;
    config conf;  // component-level config
    friend bool operator==(const component_def&, const component_def&) = default;

    const stream_def* find_stream(std::string_view stream) const;
};

// Raised for a topology that cannot run, naming the component and the problem (Storm's
// InvalidTopologyException).
class invalid_topology : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct topology {
    std::vector<component_def> components;  // sorted by id

    const component_def* find(std::string_view id) const;
    // Checks everything that does not need the component classes: ids, parallelism, task
    // counts, subscriptions against declared streams and fields, at least one spout. Throws
    // invalid_topology with every problem found, one per line.
    void validate() const;
    // validate(), and what needs the topology's config (`topology_conf`, merged under each
    // component's own): a windowed bolt whose window outlasts topology.message.timeout.secs
    // (default 30) or, counted in tuples, exceeds topology.max.spout.pending. Local mode and
    // Nimbus call it at submit.
    void validate(const config& topology_conf) const;
    friend bool operator==(const topology&, const topology&) = default;
};

}  // namespace tempest
