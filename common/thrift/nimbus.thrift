// SPDX-License-Identifier: Apache-2.0
//
// Tempest's Nimbus service and the records it exchanges with clients.
//
// WIRE CONTRACT: every struct, union, enum and method below keeps the field ids, wire types and
// requiredness that Apache Storm 2.x (storm-client/src/storm.thrift, as of Storm 2.8) gives the
// type of the same name, so that Storm's own clients (the `storm` command, StormSubmitter, the
// Storm UI, Python Thrift clients) can talk to a Tempest Nimbus over the framed transport with the
// binary protocol. Fields that Tempest does not fill are still declared (optional) so that ids
// stay taken. Never renumber a field or change its type; add new fields as optional with an id
// Storm does not use. tests/unit/thrift/wire_compat_test.cc holds Storm's layout as a table and
// fails on any drift.
//
// Only the types the methods below need are declared; Storm's blob-store, log-level and
// profiling calls are not offered (a client calling them gets UNKNOWN_METHOD).
//
// TEMPEST FIELDS: a few structs carry optional fields of Tempest's own with ids from 100 up
// (marked "Tempest's own" below): how old the figures are (staleness, nimbus/README.md) and the
// metric points workers report. Storm's clients skip fields they do not know, so they read these
// structs as Storm's.
//
// Tempest's own cluster-state records (stored in ZooKeeper) are in cluster_records.thrift.

namespace cpp tempest.thrift
namespace py tempest_thrift

// ---------------------------------------------------------------------------------------------
// Component definitions

// A constructor argument of a JavaObject.
union JavaObjectArg {
  1: i32 int_arg;
  2: i64 long_arg;
  3: string string_arg;
  4: bool bool_arg;
  5: binary binary_arg;
  6: double double_arg;
}

// A class name and constructor arguments (Storm instantiates the class by reflection; Tempest
// resolves the name in the topology package's component registry).
struct JavaObject {
  1: required string full_class_name;
  2: required list<JavaObjectArg> args_list;
}

// The empty payload of groupings that need no parameter.
struct NullStruct {
}

// A stream, named by the component that emits it and its stream name.
struct GlobalStreamId {
  1: required string componentId;
  2: required string streamId;
}

// How an input stream's tuples are spread over the consuming component's tasks.
union Grouping {
  1: list<string> fields;            // hash of these fields; an empty list is global grouping
  2: NullStruct shuffle;
  3: NullStruct all;
  4: NullStruct none;
  5: NullStruct direct;              // the producer picks the task (emit_direct)
  6: JavaObject custom_object;       // a user grouping, by class name
  7: binary custom_serialized;       // a user grouping, serialized by the client
  8: NullStruct local_or_shuffle;    // prefer tasks in the producer's worker
}

// A declared output stream: its field names and whether it is a direct stream.
struct StreamInfo {
  1: required list<string> output_fields;
  2: required bool direct;
}

// A multilang component: the command to start and the script it runs.
struct ShellComponent {
  1: string execution_command;
  2: string script;
}

// What runs a component. Storm clients send serialized Java objects; Tempest packages use
// java_object (the registered class name) or shell.
union ComponentObject {
  1: binary serialized_java;
  2: ShellComponent shell;
  3: JavaObject java_object;
}

// What every component has: its inputs, its output streams, its parallelism and its own conf.
struct ComponentCommon {
  1: required map<GlobalStreamId, Grouping> inputs;
  2: required map<string, StreamInfo> streams;      // by stream id
  3: optional i32 parallelism_hint;                 // executors
  4: optional string json_conf;                     // component-level conf, a JSON object
}

struct SpoutSpec {
  1: required ComponentObject spout_object;
  2: required ComponentCommon common;
}

struct Bolt {
  1: required ComponentObject bolt_object;
  2: required ComponentCommon common;
}

// Declared by Storm but never implemented there either; kept because StormTopology carries it.
struct StateSpoutSpec {
  1: required ComponentObject state_spout_object;
  2: required ComponentCommon common;
}

// Storm's resource-aware scheduler's shared memory request; accepted and ignored by Tempest.
struct SharedMemory {
  1: required string name;
  2: optional double on_heap;
  3: optional double off_heap_worker;
  4: optional double off_heap_node;
}

// A whole topology. Component ids are unique across spouts, bolts and state spouts.
struct StormTopology {
  1: required map<string, SpoutSpec> spouts;
  2: required map<string, Bolt> bolts;
  3: required map<string, StateSpoutSpec> state_spouts;
  4: optional list<binary> worker_hooks;
  5: optional list<string> dependency_jars;
  6: optional list<string> dependency_artifacts;
  7: optional string storm_version;
  8: optional string jdk_version;
  9: optional map<string, set<string>> component_to_shared_memory;
  10: optional map<string, SharedMemory> shared_memory;
}

// ---------------------------------------------------------------------------------------------
// Errors a call can report; each carries a message naming what was wrong.

exception AlreadyAliveException {
  1: required string msg;
}

exception NotAliveException {
  1: required string msg;
}

exception AuthorizationException {
  1: required string msg;
}

exception InvalidTopologyException {
  1: required string msg;
}

// ---------------------------------------------------------------------------------------------
// Cluster and topology summaries

// Ids 513-528 are Storm's scheduler and resource fields; Tempest leaves most of them unset.
struct TopologySummary {
  1: required string id;
  2: required string name;
  3: required i32 num_tasks;
  4: required i32 num_executors;
  5: required i32 num_workers;
  6: required i32 uptime_secs;
  7: required string status;                  // ACTIVE, INACTIVE, KILLED or REBALANCING
  8: optional string storm_version;
  9: optional string topology_version;
  513: optional string sched_status;
  514: optional string owner;
  515: optional i32 replication_count;
  521: optional double requested_memonheap;
  522: optional double requested_memoffheap;
  523: optional double requested_cpu;
  524: optional double assigned_memonheap;
  525: optional double assigned_memoffheap;
  526: optional double assigned_cpu;
  527: optional map<string, double> requested_generic_resources;
  528: optional map<string, double> assigned_generic_resources;
}

struct SupervisorSummary {
  1: required string host;
  2: required i32 uptime_secs;
  3: required i32 num_workers;                 // slots
  4: required i32 num_used_workers;            // slots in use
  5: required string supervisor_id;
  6: optional string version = "VERSION_NOT_PROVIDED";
  7: optional map<string, double> total_resources;
  8: optional double used_mem;
  9: optional double used_cpu;
  10: optional double fragmented_mem;
  11: optional double fragmented_cpu;
  12: optional bool blacklisted;
  13: optional map<string, double> used_generic_resources;
}

struct NimbusSummary {
  1: required string host;
  2: required i32 port;
  3: required i32 uptime_secs;
  4: required bool isLeader;
  5: required string version;
}

// Id 2 (Storm's old nimbus_uptime_secs) was removed by Storm and must not be reused.
struct ClusterSummary {
  1: required list<SupervisorSummary> supervisors;
  3: required list<TopologySummary> topologies;
  4: required list<NimbusSummary> nimbuses;
}

// An error a component reported, with when and where.
struct ErrorInfo {
  1: required string error;
  2: required i32 error_time_secs;
  3: optional string host;
  4: optional i32 port;
  // Tempest's own (Storm's clients skip it): the task that reported the error.
  100: optional i32 task;
}

// Tempest's own (no Storm struct): one value of a built-in or user metric, as a worker reported
// it in its heartbeat (names in docs/METRICS.md). Task -1 is the worker itself (component
// "__system").
struct MetricPoint {
  1: required string name;
  2: required string component;
  3: required i32 task;
  4: required double value;
}

// ---------------------------------------------------------------------------------------------
// Executor statistics. Every map is keyed first by time window: ":all-time" or the window's
// length in seconds as a string ("600", "10800", "86400").

struct BoltStats {
  1: required map<string, map<GlobalStreamId, i64>> acked;
  2: required map<string, map<GlobalStreamId, i64>> failed;
  3: required map<string, map<GlobalStreamId, double>> process_ms_avg;
  4: required map<string, map<GlobalStreamId, i64>> executed;
  5: required map<string, map<GlobalStreamId, double>> execute_ms_avg;
}

struct SpoutStats {
  1: required map<string, map<string, i64>> acked;            // window -> stream -> count
  2: required map<string, map<string, i64>> failed;
  3: required map<string, map<string, double>> complete_ms_avg;
}

union ExecutorSpecificStats {
  1: BoltStats bolt;
  2: SpoutStats spout;
}

struct ExecutorStats {
  1: required map<string, map<string, i64>> emitted;          // window -> stream -> count
  2: required map<string, map<string, i64>> transferred;
  3: required ExecutorSpecificStats specific;
  4: required double rate;                                    // sampling rate of the counters
}

// An executor is named by the inclusive range of task ids it runs.
struct ExecutorInfo {
  1: required i32 task_start;
  2: required i32 task_end;
}

// Id 6 is unused in Storm.
struct ExecutorSummary {
  1: required ExecutorInfo executor_info;
  2: required string component_id;
  3: required string host;
  4: required i32 port;
  5: required i32 uptime_secs;
  7: optional ExecutorStats stats;
  // Tempest's own. When the figures in `stats` were written (unix seconds of the worker's
  // heartbeat), how old they were when Nimbus answered, and whether that heartbeat is older than
  // nimbus.task.timeout.secs (the worker is late: its figures are its last, not current ones).
  // Unset when the executor's worker has not reported.
  100: optional i32 stats_time_secs;
  101: optional i32 stats_age_secs;
  102: optional bool late;
}

// Event-logger sampling of a topology or component (Storm's `storm set_debug`).
struct DebugOptions {
  1: optional bool enable;
  2: optional double samplingpct;
}

struct TopologyInfo {
  1: required string id;
  2: required string name;
  3: required i32 uptime_secs;
  4: required list<ExecutorSummary> executors;
  5: required string status;
  6: required map<string, list<ErrorInfo>> errors;            // component id -> recent errors
  7: optional map<string, DebugOptions> component_debug;
  8: optional string storm_version;
  513: optional string sched_status;
  514: optional string owner;
  515: optional i32 replication_count;
  521: optional double requested_memonheap;
  522: optional double requested_memoffheap;
  523: optional double requested_cpu;
  524: optional double assigned_memonheap;
  525: optional double assigned_memoffheap;
  526: optional double assigned_cpu;
}

// ---------------------------------------------------------------------------------------------
// Aggregated statistics of the page-info calls (Storm's UI reads these). Field ids are Storm's;
// the resource fields Tempest does not track are declared so that their ids stay reserved.

struct CommonAggregateStats {
  1: optional i32 num_executors;
  2: optional i32 num_tasks;
  3: optional i64 emitted;
  4: optional i64 transferred;
  5: optional i64 acked;
  6: optional i64 failed;
  7: optional map<string, double> resources_map;
}

struct SpoutAggregateStats {
  1: optional double complete_latency_ms;
}

struct BoltAggregateStats {
  1: optional double execute_latency_ms;
  2: optional double process_latency_ms;
  3: optional i64 executed;
  4: optional double capacity;
}

union SpecificAggregateStats {
  1: BoltAggregateStats bolt;
  2: SpoutAggregateStats spout;
}

enum ComponentType {
  BOLT = 1,
  SPOUT = 2
}

struct ComponentAggregateStats {
  1: optional ComponentType type;
  2: optional CommonAggregateStats common_stats;
  3: optional SpecificAggregateStats specific_stats;
  4: optional ErrorInfo last_error;
  // Tempest's own: executors of this component (or stream) whose worker is late (see
  // ExecutorSummary.late); their figures are left out of the ones above.
  100: optional i32 num_late_executors;
}

// Each map is keyed by window (":all-time", "600", "10800", "86400").
struct TopologyStats {
  1: optional map<string, i64> window_to_emitted;
  2: optional map<string, i64> window_to_transferred;
  3: optional map<string, double> window_to_complete_latencies_ms;
  4: optional map<string, i64> window_to_acked;
  5: optional map<string, i64> window_to_failed;
}

struct WorkerSummary {
  1: optional string supervisor_id;
  2: optional string host;
  3: optional i32 port;
  4: optional string topology_id;
  5: optional string topology_name;
  6: optional i32 num_executors;
  7: optional map<string, i64> component_to_num_tasks;
  8: optional i32 time_secs;                    // when its last heartbeat was written
  9: optional i32 uptime_secs;
  521: optional double requested_memonheap;
  522: optional double requested_memoffheap;
  523: optional double requested_cpu;
  524: optional double assigned_memonheap;
  525: optional double assigned_memoffheap;
  526: optional double assigned_cpu;
  527: optional string owner;
  // Tempest's own: how old the heartbeat of time_secs was when Nimbus answered, whether it is
  // older than nimbus.task.timeout.secs, and the worker's own metric points (task -1) from it.
  100: optional i32 heartbeat_age_secs;
  101: optional bool late;
  102: optional list<MetricPoint> metrics;
}

struct SupervisorPageInfo {
  1: optional list<SupervisorSummary> supervisor_summaries;
  2: optional list<WorkerSummary> worker_summaries;
}

struct TopologyPageInfo {
  1: required string id;
  2: optional string name;
  3: optional i32 uptime_secs;
  4: optional string status;
  5: optional i32 num_tasks;
  6: optional i32 num_workers;
  7: optional i32 num_executors;
  8: optional string topology_conf;              // JSON
  9: optional map<string, ComponentAggregateStats> id_to_spout_agg_stats;
  10: optional map<string, ComponentAggregateStats> id_to_bolt_agg_stats;
  11: optional string sched_status;
  12: optional TopologyStats topology_stats;
  13: optional string owner;
  14: optional DebugOptions debug_options;
  15: optional i32 replication_count;
  16: optional list<WorkerSummary> workers;
  17: optional string storm_version;
  18: optional string topology_version;
  521: optional double requested_memonheap;
  522: optional double requested_memoffheap;
  523: optional double requested_cpu;
  524: optional double assigned_memonheap;
  525: optional double assigned_memoffheap;
  526: optional double assigned_cpu;
  527: optional double requested_regular_on_heap_memory;
  528: optional double requested_shared_on_heap_memory;
  529: optional double requested_regular_off_heap_memory;
  530: optional double requested_shared_off_heap_memory;
  531: optional double assigned_regular_on_heap_memory;
  532: optional double assigned_shared_on_heap_memory;
  533: optional double assigned_regular_off_heap_memory;
  534: optional double assigned_shared_off_heap_memory;
  535: optional map<string, double> requested_generic_resources;
  536: optional map<string, double> assigned_generic_resources;
  // Tempest's own: executors left out of the figures as late (ExecutorSummary.late), and every
  // metric point of the topology's workers that are not late (tasks' and workers' own).
  100: optional i32 num_late_executors;
  101: optional list<MetricPoint> metrics;
}

struct ExecutorAggregateStats {
  1: optional ExecutorSummary exec_summary;
  2: optional ComponentAggregateStats stats;
}

struct ComponentPageInfo {
  1: required string component_id;
  2: required ComponentType component_type;
  3: optional string topology_id;
  4: optional string topology_name;
  5: optional i32 num_executors;
  6: optional i32 num_tasks;
  7: optional map<string, ComponentAggregateStats> window_to_stats;
  8: optional map<GlobalStreamId, ComponentAggregateStats> gsid_to_input_stats;
  9: optional map<string, ComponentAggregateStats> sid_to_output_stats;
  10: optional list<ExecutorAggregateStats> exec_stats;
  11: optional list<ErrorInfo> errors;
  12: optional string eventlog_host;
  13: optional i32 eventlog_port;
  14: optional DebugOptions debug_options;
  15: optional string topology_status;
  16: optional map<string, double> resources_map;
  // Tempest's own: executors left out of the figures as late (their rows in exec_stats keep
  // their last figures, marked late), and the metric points of the component's tasks whose
  // workers are not late.
  100: optional i32 num_late_executors;
  101: optional list<MetricPoint> metrics;
}

// ---------------------------------------------------------------------------------------------
// Options of the topology actions

struct KillOptions {
  1: optional i32 wait_secs;                   // deactivate, wait this long, then remove
}

struct RebalanceOptions {
  1: optional i32 wait_secs;
  2: optional i32 num_workers;
  3: optional map<string, i32> num_executors;   // component id -> new executor count
  4: optional map<string, map<string, double>> topology_resources_overrides;
  5: optional string topology_conf_overrides;   // a JSON object
  6: optional string principal;                 // set by Nimbus, ignored from clients
}

struct Credentials {
  1: required map<string, string> creds;
  2: optional string topoOwner;
}

enum TopologyInitialStatus {
  ACTIVE = 1,
  INACTIVE = 2
}

struct SubmitOptions {
  1: required TopologyInitialStatus initial_status;
  2: optional Credentials creds;
}

// How many errors per component getTopologyInfoWithOpts returns.
enum NumErrorsChoice {
  ALL = 0,
  NONE = 1,
  ONE = 2
}

struct GetInfoOptions {
  1: optional NumErrorsChoice num_err_choice;
}

// ---------------------------------------------------------------------------------------------
// The service. Argument ids and throws clauses are Storm's; a method's exceptions are the
// "expected" failures, anything else reaches the client as a TApplicationException.

service Nimbus {
  // Submission. uploadedJarLocation is what beginFileUpload returned; jsonConf is the topology
  // conf as a JSON object.
  void submitTopology(1: string name, 2: string uploadedJarLocation, 3: string jsonConf,
                      4: StormTopology topology)
      throws (1: AlreadyAliveException e, 2: InvalidTopologyException ite,
              3: AuthorizationException aze);
  void submitTopologyWithOpts(1: string name, 2: string uploadedJarLocation, 3: string jsonConf,
                              4: StormTopology topology, 5: SubmitOptions options)
      throws (1: AlreadyAliveException e, 2: InvalidTopologyException ite,
              3: AuthorizationException aze);
  bool isTopologyNameAllowed(1: string name) throws (1: AuthorizationException aze);

  // Topology actions, by topology name.
  void killTopology(1: string name) throws (1: NotAliveException e, 2: AuthorizationException aze);
  void killTopologyWithOpts(1: string name, 2: KillOptions options)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  void activate(1: string name) throws (1: NotAliveException e, 2: AuthorizationException aze);
  void deactivate(1: string name) throws (1: NotAliveException e, 2: AuthorizationException aze);
  void rebalance(1: string name, 2: RebalanceOptions options)
      throws (1: NotAliveException e, 2: InvalidTopologyException ite,
              3: AuthorizationException aze);

  // Package upload: begin returns a location, chunks are appended to it, finish closes it.
  string beginFileUpload() throws (1: AuthorizationException aze);
  void uploadChunk(1: string location, 2: binary chunk) throws (1: AuthorizationException aze);
  void finishFileUpload(1: string location) throws (1: AuthorizationException aze);

  // Package download (used by supervisors). TEMPEST EXTENSION: Storm 2.x removed
  // beginFileDownload (its supervisors fetch code from the blob store); Tempest keeps Storm 1.x's
  // signature for it unchanged. It returns a download id for downloadChunk; downloadChunk (a
  // Storm 2.x method) returns the next chunk, and an empty chunk at the end.
  string beginFileDownload(1: string file) throws (1: AuthorizationException aze);
  binary downloadChunk(1: string id) throws (1: AuthorizationException aze);

  // Queries. getNimbusConf and getTopologyConf return JSON objects.
  string getNimbusConf() throws (1: AuthorizationException aze);
  ClusterSummary getClusterInfo() throws (1: AuthorizationException aze);
  NimbusSummary getLeader() throws (1: AuthorizationException aze);
  list<TopologySummary> getTopologySummaries() throws (1: AuthorizationException aze);
  // As in Storm, these two declare AuthorizationException alone, as field 1 of the result: an
  // unknown name or id reaches the client as a TApplicationException naming it. (A
  // NotAliveException declared here would take field 1, which Storm's clients read as an
  // AuthorizationException.)
  TopologySummary getTopologySummaryByName(1: string name) throws (1: AuthorizationException aze);
  TopologySummary getTopologySummaryById(1: string id) throws (1: AuthorizationException aze);
  TopologyInfo getTopologyInfo(1: string id)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  TopologyInfo getTopologyInfoByName(1: string name)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  TopologyInfo getTopologyInfoWithOpts(1: string id, 2: GetInfoOptions options)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  TopologyInfo getTopologyInfoByNameWithOpts(1: string name, 2: GetInfoOptions options)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  // The UI's pages. window: "600", "10800", "86400" or ":all-time" (empty: all time).
  TopologyPageInfo getTopologyPageInfo(1: string id, 2: string window, 3: bool is_include_sys)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  SupervisorPageInfo getSupervisorPageInfo(1: string id, 2: string host, 3: bool is_include_sys)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  ComponentPageInfo getComponentPageInfo(1: string topology_id, 2: string component_id,
                                         3: string window, 4: bool is_include_sys)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  string getTopologyConf(1: string id)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  // The topology as Nimbus runs it (with system components such as ackers) ...
  StormTopology getTopology(1: string id)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
  // ... and as the user submitted it.
  StormTopology getUserTopology(1: string id)
      throws (1: NotAliveException e, 2: AuthorizationException aze);
}
