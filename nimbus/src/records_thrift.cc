// SPDX-License-Identifier: Apache-2.0
// The adapter between Nimbus' records (records.h) and the binary Thrift records of
// common/thrift/cluster_records.thrift: the only place Nimbus' parts meet generated types.
#include "records.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_types.h"
#include "tempest/thrift/topology_convert.h"

#include <stdexcept>
#include <utility>

namespace tempest::nimbus {

namespace th = tempest::thrift;
namespace rec = tempest::thrift::records;

namespace {

rec::TopologyStatus::type to_wire(topology_status s) {
    switch (s) {
        case topology_status::active:
            return rec::TopologyStatus::ACTIVE;
        case topology_status::inactive:
            return rec::TopologyStatus::INACTIVE;
        case topology_status::rebalancing:
            return rec::TopologyStatus::REBALANCING;
        case topology_status::killed:
            return rec::TopologyStatus::KILLED;
    }
    return rec::TopologyStatus::ACTIVE;
}

topology_status from_wire(rec::TopologyStatus::type s) {
    switch (s) {
        case rec::TopologyStatus::INACTIVE:
            return topology_status::inactive;
        case rec::TopologyStatus::REBALANCING:
            return topology_status::rebalancing;
        case rec::TopologyStatus::KILLED:
            return topology_status::killed;
        case rec::TopologyStatus::ACTIVE:
            break;
    }
    return topology_status::active;
}

th::ExecutorInfo executor_info(const executor_id& e) {
    th::ExecutorInfo info;
    info.task_start = e.start_task;
    info.task_end = e.end_task;
    return info;
}

}  // namespace

std::string status_string(topology_status s) {
    switch (s) {
        case topology_status::active:
            return "ACTIVE";
        case topology_status::inactive:
            return "INACTIVE";
        case topology_status::rebalancing:
            return "REBALANCING";
        case topology_status::killed:
            return "KILLED";
    }
    return "UNKNOWN";
}

std::string encode_storm_base(const storm_base& base) {
    rec::StormBaseRecord r;
    r.name = base.name;
    r.status = to_wire(base.status);
    r.owner = base.owner;
    r.launch_time_secs = base.launch_time_secs;
    r.num_workers = base.num_workers;
    r.component_executors = base.component_executors;
    if (base.prev_status) {
        r.__set_prev_status(to_wire(*base.prev_status));
    }
    if (base.kill_wait_secs) {
        th::KillOptions ko;
        ko.__set_wait_secs(*base.kill_wait_secs);
        r.__set_kill_options(ko);
    }
    if (base.rebalance) {
        th::RebalanceOptions ro;
        if (base.rebalance->wait_secs) {
            ro.__set_wait_secs(*base.rebalance->wait_secs);
        }
        if (base.rebalance->num_workers) {
            ro.__set_num_workers(*base.rebalance->num_workers);
        }
        if (base.rebalance->num_executors) {
            ro.__set_num_executors(*base.rebalance->num_executors);
        }
        r.__set_rebalance_options(ro);
    }
    if (base.topology_version) {
        r.__set_topology_version(*base.topology_version);
    }
    return th::to_binary(r);
}

common::result<storm_base> decode_storm_base(std::string_view bytes) {
    auto r = th::from_binary<rec::StormBaseRecord>(bytes);
    if (!r) {
        return r.error();
    }
    storm_base base;
    base.name = r->name;
    base.status = from_wire(r->status);
    base.owner = r->owner;
    base.launch_time_secs = r->launch_time_secs;
    base.num_workers = r->num_workers;
    base.component_executors = r->component_executors;
    if (r->__isset.prev_status) {
        base.prev_status = from_wire(r->prev_status);
    }
    if (r->__isset.kill_options) {
        base.kill_wait_secs = r->kill_options.__isset.wait_secs ? r->kill_options.wait_secs : 0;
    }
    if (r->__isset.rebalance_options) {
        const auto& ro = r->rebalance_options;
        rebalance_request req;
        if (ro.__isset.wait_secs) {
            req.wait_secs = ro.wait_secs;
        }
        if (ro.__isset.num_workers) {
            req.num_workers = ro.num_workers;
        }
        if (ro.__isset.num_executors) {
            req.num_executors = ro.num_executors;
        }
        base.rebalance = std::move(req);
    }
    if (r->__isset.topology_version) {
        base.topology_version = r->topology_version;
    }
    return base;
}

std::string encode_assignment(const assignment& a, const std::string& code_dir) {
    rec::AssignmentRecord r;
    r.code_dir = code_dir;
    r.node_host = a.node_host;
    for (const auto& [e, slot] : a.executor_slot) {
        rec::NodePort np;
        np.node = slot.node;
        np.port = slot.port;
        r.executor_node_port[executor_info(e)] = np;
    }
    for (const auto& [e, t] : a.start_time_secs) {
        r.executor_start_time_secs[executor_info(e)] = t;
    }
    return th::to_binary(r);
}

common::result<assignment> decode_assignment(std::string_view bytes) {
    auto r = th::from_binary<rec::AssignmentRecord>(bytes);
    if (!r) {
        return r.error();
    }
    assignment a;
    for (const auto& [e, np] : r->executor_node_port) {
        a.executor_slot[{e.task_start, e.task_end}] = {np.node, np.port};
    }
    a.node_host = r->node_host;
    for (const auto& [e, t] : r->executor_start_time_secs) {
        a.start_time_secs[{e.task_start, e.task_end}] = t;
    }
    return a;
}

common::result<supervisor_info> decode_supervisor(std::string_view bytes) {
    auto r = th::from_binary<rec::SupervisorRecord>(bytes);
    if (!r) {
        return r.error();
    }
    return supervisor_info{r->supervisor_id, r->hostname,   r->time_secs, r->uptime_secs,
                           r->ports,         r->used_ports, r->version};
}

tempest::topology decode_topology_code(std::string_view bytes) {
    auto code = th::from_binary<th::StormTopology>(bytes);
    if (!code) {
        throw std::runtime_error(code.error().message());
    }
    return th::from_thrift(*code);
}

config conf_from_json(std::string_view json) {
    return th::config_from_json(json);
}

std::string conf_to_json(const config& conf) {
    return th::to_json(conf);
}

}  // namespace tempest::nimbus
