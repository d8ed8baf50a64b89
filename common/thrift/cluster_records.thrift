// SPDX-License-Identifier: Apache-2.0
//
// Tempest's own cluster-state records: the data of the ZooKeeper nodes (DESIGN.md, "Cluster
// state"), each stored as one struct serialized with the binary protocol
// (tempest/thrift/binary_codec.h). They are NOT Storm's: Storm stores differently shaped
// records under similar names, so these carry a "Record" suffix and their own namespace
// (tempest::thrift::records, Python tempest_thrift_records).
//
// Nodes under storm.zookeeper.root and what they hold:
//   storms/<topology-id>                       StormBaseRecord
//   assignments/<topology-id>                  AssignmentRecord
//   routes/<topology-id>                       RoutesRecord
//   supervisors/<supervisor-id>                SupervisorRecord
//   workerbeats/<topology-id>/<node>-<port>    WorkerHeartbeatRecord
//   errors/<topology-id>/<component>/...       tempest.thrift ErrorInfo (shared with the service)
//   nimbuses/<host:port>                       tempest.thrift NimbusSummary
//
// Evolving: records written by an older Tempest must stay readable. Add fields as optional with a
// new id; never renumber or retype a field; never make an optional field required.

include "nimbus.thrift"

namespace cpp tempest.thrift.records
namespace py tempest_thrift_records

// Lifecycle of a submitted topology (as Storm's).
enum TopologyStatus {
  ACTIVE = 1,
  INACTIVE = 2,
  REBALANCING = 3,
  KILLED = 4
}

// The topology's own record, written by Nimbus at submit and on every status change.
struct StormBaseRecord {
  1: required string name;
  2: required TopologyStatus status;
  3: required string owner;
  4: required i64 launch_time_secs;                    // unix time of the submission
  5: required i32 num_workers;
  6: required map<string, i32> component_executors;    // component id -> executor count
  // Set while a delayed action is pending: the status to return to after a rebalance, and the
  // options the action was requested with.
  7: optional TopologyStatus prev_status;
  8: optional nimbus.KillOptions kill_options;
  9: optional nimbus.RebalanceOptions rebalance_options;
  10: optional string topology_version;
}

// A worker slot: a supervisor (node id) and one of its ports.
struct NodePort {
  1: required string node;
  2: required i32 port;
}

// Where each executor of a topology runs, written by Nimbus; read by supervisors and workers.
struct AssignmentRecord {
  1: required string code_dir;                                 // where Nimbus keeps the package
  2: required map<string, string> node_host;                   // node id -> hostname
  3: required map<nimbus.ExecutorInfo, NodePort> executor_node_port;
  4: required map<nimbus.ExecutorInfo, i64> executor_start_time_secs;
  5: optional string owner;
}

// Where each executor runs and nothing more: the part of an AssignmentRecord a worker needs,
// written by Nimbus beside the assignment and before it (so a worker started for an assignment
// reads routes at least as new). A worker reads this on every change instead of the assignment:
// ~3 bytes per executor instead of ~90 (no start times, no node id per executor). Tempest only.
// The varints are unsigned LEB128.
struct RoutesRecord {
  1: required list<string> nodes;              // the slots' node ids, sorted, distinct
  2: required list<string> hosts;              // hosts[i]: nodes[i]'s hostname, "" if unknown
  3: required i32 slot_count;
  // slot_count slots sorted by node, then port, distinct: each two varints, the index of its
  // node in nodes and its port (0-65535).
  4: required binary slots;
  5: required i32 executor_count;
  // executor_count executors in task order, each three varints: task_start minus the previous
  // executor's task_end minus 1 (the first: task_start - 1), task_end minus task_start, and the
  // index of its slot among the slots.
  6: required binary executors;
}

// A supervisor's heartbeat (an ephemeral node), rewritten every
// supervisor.heartbeat.frequency.secs.
struct SupervisorRecord {
  1: required string supervisor_id;
  2: required string hostname;
  3: required i64 time_secs;                  // unix time this record was written
  4: required i64 uptime_secs;
  5: required list<i32> ports;               // every slot (supervisor.slots.ports)
  6: required list<i32> used_ports;          // slots running a worker
  7: required string version;                // Tempest version of the supervisor
}

// One value of a metric, named as Storm's metrics v2 names them (docs/METRICS.md): a counter or
// gauge is one point named as registered; a meter is NAME.count and NAME.m1_rate (per second,
// over the last minute); a histogram is NAME.count, NAME.min, NAME.max, NAME.mean, NAME.p50,
// NAME.p75, NAME.p95, NAME.p99 and NAME.p999. Task -1 is the worker itself (component
// "__system"): worker.rss_bytes, worker.cpu_seconds, transport figures.
struct MetricPointRecord {
  1: required string name;
  2: required string component;
  3: required i32 task;
  4: required double value;
}

// A worker's heartbeat with its executors' statistics, written by the worker for Nimbus and the
// UI.
struct WorkerHeartbeatRecord {
  1: required string topology_id;
  2: required list<nimbus.ExecutorInfo> executors;
  3: required i64 time_secs;                 // unix time this record was written
  4: required i32 uptime_secs;
  5: required map<nimbus.ExecutorInfo, nimbus.ExecutorStats> executor_stats;
  6: optional string host;
  7: optional i32 port;
  // Since Tempest 0.2 workers fill executor_stats with nothing and report here instead: per
  // executor, its windowed per-stream figures in common/stats_record.h's compact encoding.
  8: optional map<nimbus.ExecutorInfo, binary> executor_records;
  // Built-in and user metrics of the worker and its tasks.
  9: optional list<MetricPointRecord> metrics;
  // topology.stats.sample.rate: the share of tuples whose latencies were timed.
  10: optional double stats_sample_rate;
  // Workers write their metric points here instead of in `metrics` (older ones wrote that; readers
  // take both): the same points in the same order, in about a quarter of the bytes. Each name is cut
  // at its last dot into a head and a tail ("transport.out.node2:6701" + ".bytes"), so a peer's
  // or an executor's points share their strings. Layout, every number a LEB128 varint:
  //   string count, then each string: length, bytes
  //   point count, then each point: head, tail and component (string indexes),
  //     task zigzag-encoded (-1 -> 1), and the value: tag 0 then an integer below 2^53, or
  //     tag 1 then the IEEE-754 double's 8 bytes, least significant first.
  11: optional binary metrics_packed;
}

// A worker's local heartbeat, for its supervisor only (never in ZooKeeper). The worker rewrites
// <storm.local.dir>/workers/<worker-id>/heartbeat every worker.heartbeat.frequency.secs (written
// to a temporary file in the same directory, then renamed over it, so a reader never sees half a
// record). The supervisor's sync-processes classifies the worker from it.
struct LocalWorkerHeartbeatRecord {
  1: required i64 time_ms;                   // unix time in milliseconds this record was written
  2: required string topology_id;
  3: required list<nimbus.ExecutorInfo> executors;  // the executors this worker runs
  4: required i32 port;
  5: required i32 pid;
}
