// SPDX-License-Identifier: Apache-2.0
// topology_layout: from a topology's records to the executors it runs, computed the same way
// by Nimbus (scheduling), every worker (which executors are its own) and the CLI (what to
// expect after a submit). The steps, in Nimbus' order:
//
//   submit:  stored conf = topology conf + topology.name + topology.acker.executors, the
//            acker count fixed from (daemon conf <- topology conf)        submitted_conf()
//   run:     topology + storm_base.component_executors (rebalanced parallelism)
//            config   = daemon conf <- stored conf, topology.workers = storm_base.num_workers
//            layout   = compute_task_layout(topology, config)             lay_out_topology()
//
// Pure functions over values; thread-safe.
#pragma once

#include "tempest/common/cluster_records.h"
#include "tempest/common/task_layout.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <map>
#include <string>
#include <vector>

namespace tempest::common {

// The config a topology runs with: `daemon_conf` with `topology_conf` merged over it.
config effective_config(const config& daemon_conf, const config& topology_conf);

// topology.workers of an effective config (default 1). Throws invalid_topology when it is < 1.
int worker_count(const config& effective);

// The conf Nimbus stores at submit (stormconf.json): `topology_conf` with topology.name = `name`
// and topology.acker.executors fixed to acker_count(effective_config(daemon, topology)), so that
// a later change of the daemon's defaults does not renumber a running topology's tasks. Throws
// invalid_topology for a worker count < 1 or a negative acker count.
config submitted_conf(config topology_conf, const config& daemon_conf, const std::string& name);

// Sets the parallelism of every component named in `component_executors` (the storm_base's
// record of the current executor counts); other components keep theirs.
void apply_parallelism(topology& t, const std::map<std::string, int>& component_executors);

// A topology as it runs: its components at their recorded parallelism, its effective config
// (topology.workers = the record's), and its task layout.
struct topology_layout {
    topology topo;
    config conf;
    std::vector<component_layout> components;

    // Every executor of the layout, in task order.
    std::vector<executor_info> executors() const;
};

// The layout of `submitted` (the topology as stored at submit) under `stored_conf` (its
// stormconf.json) and `daemon_conf`, with the parallelism and worker count of `base`.
// Requires: submitted.components sorted by id. Throws invalid_topology as compute_task_layout.
topology_layout lay_out_topology(topology submitted, const config& daemon_conf,
                                 const config& stored_conf, const storm_base& base);

}  // namespace tempest::common
