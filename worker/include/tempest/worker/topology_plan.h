// SPDX-License-Identifier: Apache-2.0
// topology_plan: a topology compiled for running. Assigns dense task ids (components in id
// order, then the system __acker component), splits each component's tasks over its executors,
// resolves every subscription into per-(component, stream) edges with target task lists and
// field positions, and builds the stream schemas tuples point at. Immutable once built; shared
// by the executors of one worker. Built the same way in every process, so task ids agree
// across workers.
//
// Chaining (topology.chaining, on by default): a bolt whose only input is a local_or_shuffle
// subscription to a component of equal parallelism, one task per executor on both sides, runs
// in its producer's executor thread: executor i of the producer calls task i of the bolt
// directly instead of going through a queue, as Flink chains operators. Pairs are chained where
// both executors run in this worker, so a worker holding some of the executors chains its own
// pairs.
//
// Ackers on spout threads (topology.acker.on.spout.thread, on by default; ours, not Storm's):
// acker executor k of a worker runs on the thread of the worker's spout executor k, where it
// takes the acking messages of other threads from its rings and those of its own thread
// directly (executor_core::hold_in_new_pack), and tells the spout a tree is done through a ring
// into its own thread, never by a call nested in the spout's emit. With the option off the
// ackers have threads of their own, and bolts are not chained onto spouts (whose threads then
// carry the acking's spout side alone).
#pragma once

#include "tempest/common/stats_record.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"
#include "tempest/topology_api/topology_context.h"
#include "tempest/topology_api/tuple.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tempest::worker {

inline constexpr const char* acker_component_id = "__acker";
inline constexpr const char* system_component_id = "__system";
inline constexpr const char* tick_stream_id = "__tick";
// Storm's names of the acking streams, under which acking messages are counted.
inline constexpr const char* ack_init_stream_id = "__ack_init";
inline constexpr const char* ack_ack_stream_id = "__ack_ack";
inline constexpr const char* ack_fail_stream_id = "__ack_fail";

// One subscription, seen from the producing side.
struct edge_plan {
    int consumer = 0;  // index into topology_plan::components
    grouping group;
    std::vector<int> targets;          // the consumer's tasks, ascending
    std::vector<int> local_targets;    // targets in this worker (local_or_shuffle)
    std::vector<int> field_positions;  // fields / partial_key: positions in the stream's values
};

struct stream_plan {
    std::unique_ptr<detail::stream_schema> schema;
    std::vector<edge_plan> edges;
};

struct component_plan {
    std::string id;
    bool is_spout = false;
    bool is_acker = false;
    const component_def* def = nullptr;  // null for the acker
    std::vector<int> tasks;              // ascending, contiguous
    std::vector<stream_plan> streams;    // index = stream_schema::stream_index
    config conf;                         // topology conf merged with the component's

    // Bolts and the acker: one statistics slot per input, Storm's GlobalStreamId (source
    // component, stream), resolved per tuple without a lookup by name:
    //   data tuple from task `src` on stream index i:     input_base[src] + i
    //   acking message of kind k (ack_init, ack, fail):     input_base[src] + k - 1
    //   tick tuple (source task 0, stream index 0):         input_base[0]
    // inputs[slot] is the slot's key. The first slots (key with an empty stream) take what no
    // subscription explains; there are enough of them for any component's stream index, so
    // every index stays in range. Empty for spouts.
    std::vector<common::stream_key> inputs;
    std::vector<std::uint32_t> input_base;  // index = source task id

    // Index of `stream` in streams, or -1.
    int stream_index(std::string_view stream) const;
};

struct executor_plan {
    int component = 0;  // index into components
    int first_task = 0;
    int last_task = 0;  // inclusive
    // The executor whose thread runs this one's tasks, or -1 when it has a thread of its own:
    // a chained bolt (called directly by its producer) or an acker on a spout's thread (taking
    // its messages from that thread's rings). Always an executor with host == -1.
    int host = -1;
};

class topology_plan {
  public:
    // `conf` is the topology's effective config (daemon defaults merged under the topology's).
    // `worker_tasks`: tasks that run in this process; empty means all of them (local mode).
    // Throws invalid_topology for an invalid topology.
    topology_plan(std::string topology_id, topology t, config conf,
                  std::vector<int> worker_tasks = {});

    const std::string& topology_id() const { return _layout->topology_id; }
    const topology& def() const { return _topology; }
    const config& conf() const { return _conf; }
    const std::vector<component_plan>& components() const { return _components; }
    const std::vector<executor_plan>& executors() const { return _executors; }
    int num_tasks() const { return static_cast<int>(_task_component.size()) - 1; }
    int task_component(int task) const { return _task_component[task]; }
    int task_executor(int task) const { return _task_executor[task]; }
    // The executor whose thread runs `task` (its own executor unless chained into another).
    int task_thread(int task) const {
        const executor_plan& e = _executors[_task_executor[task]];
        return e.host >= 0 ? e.host : _task_executor[task];
    }
    const std::vector<int>& acker_tasks() const { return _acker_tasks; }
    bool in_worker(int task) const { return _in_worker[task]; }
    const std::shared_ptr<const detail::task_layout>& layout() const { return _layout; }
    const detail::stream_schema* tick_schema() const { return _tick_schema.get(); }
    int component_index(std::string_view id) const;

  private:
    // `spouts_alone`: chain nothing onto a spout.
    void chain(bool spouts_alone);
    // Puts the worker's ackers on its spouts' threads (executor_plan::host).
    void host_ackers();
    void plan_inputs();

    topology _topology;
    config _conf;
    std::vector<component_plan> _components;
    std::vector<executor_plan> _executors;
    std::vector<int> _task_component;  // [0] unused
    std::vector<int> _task_executor;   // [0] unused
    std::vector<bool> _in_worker;      // [0] unused
    std::vector<int> _acker_tasks;
    std::shared_ptr<const detail::task_layout> _layout;
    std::unique_ptr<detail::stream_schema> _tick_schema;
};

}  // namespace tempest::worker
