// SPDX-License-Identifier: Apache-2.0
// Pins nimbus.thrift to Apache Storm 2.x's wire format (storm-client/src/storm.thrift, Storm 2.8).
//
// The tables below are DATA copied by hand from Storm's IDL: for every struct the Nimbus calls
// touch, each field's id, name, requiredness and declared type; for every Nimbus method its
// arguments, return type and throws clause. The tests check what our GENERATED code does against
// them:
//  - a fully populated instance, serialized with TBinaryProtocol and walked by a generic reader,
//    has exactly the table's field ids with the table's wire types (and the generated names);
//  - a default instance writes exactly the required and default-requiredness fields, and an
//    empty struct decodes only if the table has no required field;
//  - NimbusClient::send_<method> writes a call named <method> whose argument struct matches the
//    table; NimbusProcessor answers it with the table's result struct (success in field 0, each
//    declared exception in its own field, any other exception as a TApplicationException), and
//    NimbusClient::recv_<method> decodes that answer back into the same outcome.
// A change to nimbus.thrift that would break Storm clients fails here.

#include "samples.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/binary_codec.h"
#include "wire_walker.h"

#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::thrift::testing {
namespace {

using apache::thrift::TApplicationException;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TMemoryBuffer;

// ---------------------------------------------------------------------------------------------
// Storm's layout, as data.

// plain: no requiredness keyword in the IDL; optional_defaulted: optional with a default value,
// which counts as set (and is written) until cleared, in Storm's Java code as in ours.
enum class req { required, optional, plain, optional_defaulted };

struct field_spec {
    int16_t id;
    std::string_view name;
    req requiredness;
    std::string_view type;  // as storm.thrift declares it
};

enum class kind { structure, union_type, exception };

struct struct_spec {
    std::string_view name;
    kind what;
    std::vector<field_spec> fields;
};

constexpr req R = req::required;
constexpr req O = req::optional;
constexpr req P = req::plain;
constexpr req OD = req::optional_defaulted;

const std::set<std::string> storm_enums{"TopologyInitialStatus", "NumErrorsChoice",
                                        "ComponentType"};

const std::map<std::string_view, std::map<int, std::string_view>> storm_enum_values{
    {"TopologyInitialStatus", {{1, "ACTIVE"}, {2, "INACTIVE"}}},
    {"NumErrorsChoice", {{0, "ALL"}, {1, "NONE"}, {2, "ONE"}}},
    {"ComponentType", {{1, "BOLT"}, {2, "SPOUT"}}},
};

const std::vector<struct_spec> storm_structs{
    {"JavaObjectArg",
     kind::union_type,
     {{1, "int_arg", P, "i32"},
      {2, "long_arg", P, "i64"},
      {3, "string_arg", P, "string"},
      {4, "bool_arg", P, "bool"},
      {5, "binary_arg", P, "binary"},
      {6, "double_arg", P, "double"}}},
    {"JavaObject",
     kind::structure,
     {{1, "full_class_name", R, "string"}, {2, "args_list", R, "list<JavaObjectArg>"}}},
    {"NullStruct", kind::structure, {}},
    {"GlobalStreamId",
     kind::structure,
     {{1, "componentId", R, "string"}, {2, "streamId", R, "string"}}},
    {"Grouping",
     kind::union_type,
     {{1, "fields", P, "list<string>"},
      {2, "shuffle", P, "NullStruct"},
      {3, "all", P, "NullStruct"},
      {4, "none", P, "NullStruct"},
      {5, "direct", P, "NullStruct"},
      {6, "custom_object", P, "JavaObject"},
      {7, "custom_serialized", P, "binary"},
      {8, "local_or_shuffle", P, "NullStruct"}}},
    {"StreamInfo",
     kind::structure,
     {{1, "output_fields", R, "list<string>"}, {2, "direct", R, "bool"}}},
    {"ShellComponent",
     kind::structure,
     {{1, "execution_command", P, "string"}, {2, "script", P, "string"}}},
    {"ComponentObject",
     kind::union_type,
     {{1, "serialized_java", P, "binary"},
      {2, "shell", P, "ShellComponent"},
      {3, "java_object", P, "JavaObject"}}},
    {"ComponentCommon",
     kind::structure,
     {{1, "inputs", R, "map<GlobalStreamId, Grouping>"},
      {2, "streams", R, "map<string, StreamInfo>"},
      {3, "parallelism_hint", O, "i32"},
      {4, "json_conf", O, "string"}}},
    {"SpoutSpec",
     kind::structure,
     {{1, "spout_object", R, "ComponentObject"}, {2, "common", R, "ComponentCommon"}}},
    {"Bolt",
     kind::structure,
     {{1, "bolt_object", R, "ComponentObject"}, {2, "common", R, "ComponentCommon"}}},
    {"StateSpoutSpec",
     kind::structure,
     {{1, "state_spout_object", R, "ComponentObject"}, {2, "common", R, "ComponentCommon"}}},
    {"SharedMemory",
     kind::structure,
     {{1, "name", R, "string"},
      {2, "on_heap", O, "double"},
      {3, "off_heap_worker", O, "double"},
      {4, "off_heap_node", O, "double"}}},
    {"StormTopology",
     kind::structure,
     {{1, "spouts", R, "map<string, SpoutSpec>"},
      {2, "bolts", R, "map<string, Bolt>"},
      {3, "state_spouts", R, "map<string, StateSpoutSpec>"},
      {4, "worker_hooks", O, "list<binary>"},
      {5, "dependency_jars", O, "list<string>"},
      {6, "dependency_artifacts", O, "list<string>"},
      {7, "storm_version", O, "string"},
      {8, "jdk_version", O, "string"},
      {9, "component_to_shared_memory", O, "map<string, set<string>>"},
      {10, "shared_memory", O, "map<string, SharedMemory>"}}},
    {"AlreadyAliveException", kind::exception, {{1, "msg", R, "string"}}},
    {"NotAliveException", kind::exception, {{1, "msg", R, "string"}}},
    {"AuthorizationException", kind::exception, {{1, "msg", R, "string"}}},
    {"InvalidTopologyException", kind::exception, {{1, "msg", R, "string"}}},
    {"TopologySummary",
     kind::structure,
     {{1, "id", R, "string"},
      {2, "name", R, "string"},
      {3, "num_tasks", R, "i32"},
      {4, "num_executors", R, "i32"},
      {5, "num_workers", R, "i32"},
      {6, "uptime_secs", R, "i32"},
      {7, "status", R, "string"},
      {8, "storm_version", O, "string"},
      {9, "topology_version", O, "string"},
      {513, "sched_status", O, "string"},
      {514, "owner", O, "string"},
      {515, "replication_count", O, "i32"},
      {521, "requested_memonheap", O, "double"},
      {522, "requested_memoffheap", O, "double"},
      {523, "requested_cpu", O, "double"},
      {524, "assigned_memonheap", O, "double"},
      {525, "assigned_memoffheap", O, "double"},
      {526, "assigned_cpu", O, "double"},
      {527, "requested_generic_resources", O, "map<string, double>"},
      {528, "assigned_generic_resources", O, "map<string, double>"}}},
    {"SupervisorSummary",
     kind::structure,
     {{1, "host", R, "string"},
      {2, "uptime_secs", R, "i32"},
      {3, "num_workers", R, "i32"},
      {4, "num_used_workers", R, "i32"},
      {5, "supervisor_id", R, "string"},
      {6, "version", OD, "string"},  // = "VERSION_NOT_PROVIDED"
      {7, "total_resources", O, "map<string, double>"},
      {8, "used_mem", O, "double"},
      {9, "used_cpu", O, "double"},
      {10, "fragmented_mem", O, "double"},
      {11, "fragmented_cpu", O, "double"},
      {12, "blacklisted", O, "bool"},
      {13, "used_generic_resources", O, "map<string, double>"}}},
    {"NimbusSummary",
     kind::structure,
     {{1, "host", R, "string"},
      {2, "port", R, "i32"},
      {3, "uptime_secs", R, "i32"},
      {4, "isLeader", R, "bool"},
      {5, "version", R, "string"}}},
    {"ClusterSummary",
     kind::structure,
     {{1, "supervisors", R, "list<SupervisorSummary>"},
      {3, "topologies", R, "list<TopologySummary>"},
      {4, "nimbuses", R, "list<NimbusSummary>"}}},
    {"ErrorInfo",
     kind::structure,
     {{1, "error", R, "string"},
      {2, "error_time_secs", R, "i32"},
      {3, "host", O, "string"},
      {4, "port", O, "i32"}}},
    {"BoltStats",
     kind::structure,
     {{1, "acked", R, "map<string, map<GlobalStreamId, i64>>"},
      {2, "failed", R, "map<string, map<GlobalStreamId, i64>>"},
      {3, "process_ms_avg", R, "map<string, map<GlobalStreamId, double>>"},
      {4, "executed", R, "map<string, map<GlobalStreamId, i64>>"},
      {5, "execute_ms_avg", R, "map<string, map<GlobalStreamId, double>>"}}},
    {"SpoutStats",
     kind::structure,
     {{1, "acked", R, "map<string, map<string, i64>>"},
      {2, "failed", R, "map<string, map<string, i64>>"},
      {3, "complete_ms_avg", R, "map<string, map<string, double>>"}}},
    {"ExecutorSpecificStats",
     kind::union_type,
     {{1, "bolt", P, "BoltStats"}, {2, "spout", P, "SpoutStats"}}},
    {"ExecutorStats",
     kind::structure,
     {{1, "emitted", R, "map<string, map<string, i64>>"},
      {2, "transferred", R, "map<string, map<string, i64>>"},
      {3, "specific", R, "ExecutorSpecificStats"},
      {4, "rate", R, "double"}}},
    {"ExecutorInfo", kind::structure, {{1, "task_start", R, "i32"}, {2, "task_end", R, "i32"}}},
    {"ExecutorSummary",
     kind::structure,
     {{1, "executor_info", R, "ExecutorInfo"},
      {2, "component_id", R, "string"},
      {3, "host", R, "string"},
      {4, "port", R, "i32"},
      {5, "uptime_secs", R, "i32"},
      {7, "stats", O, "ExecutorStats"}}},
    {"DebugOptions", kind::structure, {{1, "enable", O, "bool"}, {2, "samplingpct", O, "double"}}},
    {"TopologyInfo",
     kind::structure,
     {{1, "id", R, "string"},
      {2, "name", R, "string"},
      {3, "uptime_secs", R, "i32"},
      {4, "executors", R, "list<ExecutorSummary>"},
      {5, "status", R, "string"},
      {6, "errors", R, "map<string, list<ErrorInfo>>"},
      {7, "component_debug", O, "map<string, DebugOptions>"},
      {8, "storm_version", O, "string"},
      {513, "sched_status", O, "string"},
      {514, "owner", O, "string"},
      {515, "replication_count", O, "i32"},
      {521, "requested_memonheap", O, "double"},
      {522, "requested_memoffheap", O, "double"},
      {523, "requested_cpu", O, "double"},
      {524, "assigned_memonheap", O, "double"},
      {525, "assigned_memoffheap", O, "double"},
      {526, "assigned_cpu", O, "double"}}},
    {"KillOptions", kind::structure, {{1, "wait_secs", O, "i32"}}},
    {"RebalanceOptions",
     kind::structure,
     {{1, "wait_secs", O, "i32"},
      {2, "num_workers", O, "i32"},
      {3, "num_executors", O, "map<string, i32>"},
      {4, "topology_resources_overrides", O, "map<string, map<string, double>>"},
      {5, "topology_conf_overrides", O, "string"},
      {6, "principal", O, "string"}}},
    {"Credentials",
     kind::structure,
     {{1, "creds", R, "map<string,string>"}, {2, "topoOwner", O, "string"}}},
    {"SubmitOptions",
     kind::structure,
     {{1, "initial_status", R, "TopologyInitialStatus"}, {2, "creds", O, "Credentials"}}},
    {"GetInfoOptions", kind::structure, {{1, "num_err_choice", O, "NumErrorsChoice"}}},
    // The page-info calls' structs.
    {"CommonAggregateStats",
     kind::structure,
     {{1, "num_executors", O, "i32"},
      {2, "num_tasks", O, "i32"},
      {3, "emitted", O, "i64"},
      {4, "transferred", O, "i64"},
      {5, "acked", O, "i64"},
      {6, "failed", O, "i64"},
      {7, "resources_map", O, "map<string, double>"}}},
    {"SpoutAggregateStats", kind::structure, {{1, "complete_latency_ms", O, "double"}}},
    {"BoltAggregateStats",
     kind::structure,
     {{1, "execute_latency_ms", O, "double"},
      {2, "process_latency_ms", O, "double"},
      {3, "executed", O, "i64"},
      {4, "capacity", O, "double"}}},
    {"SpecificAggregateStats",
     kind::union_type,
     {{1, "bolt", P, "BoltAggregateStats"}, {2, "spout", P, "SpoutAggregateStats"}}},
    {"ComponentAggregateStats",
     kind::structure,
     {{1, "type", O, "ComponentType"},
      {2, "common_stats", O, "CommonAggregateStats"},
      {3, "specific_stats", O, "SpecificAggregateStats"},
      {4, "last_error", O, "ErrorInfo"}}},
    {"TopologyStats",
     kind::structure,
     {{1, "window_to_emitted", O, "map<string, i64>"},
      {2, "window_to_transferred", O, "map<string, i64>"},
      {3, "window_to_complete_latencies_ms", O, "map<string, double>"},
      {4, "window_to_acked", O, "map<string, i64>"},
      {5, "window_to_failed", O, "map<string, i64>"}}},
    {"WorkerSummary",
     kind::structure,
     {{1, "supervisor_id", O, "string"},
      {2, "host", O, "string"},
      {3, "port", O, "i32"},
      {4, "topology_id", O, "string"},
      {5, "topology_name", O, "string"},
      {6, "num_executors", O, "i32"},
      {7, "component_to_num_tasks", O, "map<string, i64>"},
      {8, "time_secs", O, "i32"},
      {9, "uptime_secs", O, "i32"},
      {521, "requested_memonheap", O, "double"},
      {522, "requested_memoffheap", O, "double"},
      {523, "requested_cpu", O, "double"},
      {524, "assigned_memonheap", O, "double"},
      {525, "assigned_memoffheap", O, "double"},
      {526, "assigned_cpu", O, "double"},
      {527, "owner", O, "string"}}},
    {"SupervisorPageInfo",
     kind::structure,
     {{1, "supervisor_summaries", O, "list<SupervisorSummary>"},
      {2, "worker_summaries", O, "list<WorkerSummary>"}}},
    {"TopologyPageInfo",
     kind::structure,
     {{1, "id", R, "string"},
      {2, "name", O, "string"},
      {3, "uptime_secs", O, "i32"},
      {4, "status", O, "string"},
      {5, "num_tasks", O, "i32"},
      {6, "num_workers", O, "i32"},
      {7, "num_executors", O, "i32"},
      {8, "topology_conf", O, "string"},
      {9, "id_to_spout_agg_stats", O, "map<string, ComponentAggregateStats>"},
      {10, "id_to_bolt_agg_stats", O, "map<string, ComponentAggregateStats>"},
      {11, "sched_status", O, "string"},
      {12, "topology_stats", O, "TopologyStats"},
      {13, "owner", O, "string"},
      {14, "debug_options", O, "DebugOptions"},
      {15, "replication_count", O, "i32"},
      {16, "workers", O, "list<WorkerSummary>"},
      {17, "storm_version", O, "string"},
      {18, "topology_version", O, "string"},
      {521, "requested_memonheap", O, "double"},
      {522, "requested_memoffheap", O, "double"},
      {523, "requested_cpu", O, "double"},
      {524, "assigned_memonheap", O, "double"},
      {525, "assigned_memoffheap", O, "double"},
      {526, "assigned_cpu", O, "double"},
      {527, "requested_regular_on_heap_memory", O, "double"},
      {528, "requested_shared_on_heap_memory", O, "double"},
      {529, "requested_regular_off_heap_memory", O, "double"},
      {530, "requested_shared_off_heap_memory", O, "double"},
      {531, "assigned_regular_on_heap_memory", O, "double"},
      {532, "assigned_shared_on_heap_memory", O, "double"},
      {533, "assigned_regular_off_heap_memory", O, "double"},
      {534, "assigned_shared_off_heap_memory", O, "double"},
      {535, "requested_generic_resources", O, "map<string, double>"},
      {536, "assigned_generic_resources", O, "map<string, double>"}}},
    {"ExecutorAggregateStats",
     kind::structure,
     {{1, "exec_summary", O, "ExecutorSummary"}, {2, "stats", O, "ComponentAggregateStats"}}},
    {"ComponentPageInfo",
     kind::structure,
     {{1, "component_id", R, "string"},
      {2, "component_type", R, "ComponentType"},
      {3, "topology_id", O, "string"},
      {4, "topology_name", O, "string"},
      {5, "num_executors", O, "i32"},
      {6, "num_tasks", O, "i32"},
      {7, "window_to_stats", O, "map<string, ComponentAggregateStats>"},
      {8, "gsid_to_input_stats", O, "map<GlobalStreamId, ComponentAggregateStats>"},
      {9, "sid_to_output_stats", O, "map<string, ComponentAggregateStats>"},
      {10, "exec_stats", O, "list<ExecutorAggregateStats>"},
      {11, "errors", O, "list<ErrorInfo>"},
      {12, "eventlog_host", O, "string"},
      {13, "eventlog_port", O, "i32"},
      {14, "debug_options", O, "DebugOptions"},
      {15, "topology_status", O, "string"},
      {16, "resources_map", O, "map<string, double>"}}},
};

struct throws_spec {
    int16_t id;
    std::string_view name;
    std::string_view exception;
};

struct method_spec {
    std::string_view name;
    std::vector<field_spec> args;  // all plain: Storm's arguments carry no requiredness
    std::string_view returns;      // "void" or an IDL type
    std::vector<throws_spec> throws;
    bool tempest_extension = false;  // not in Storm 2.x (see nimbus.thrift)
};

const throws_spec aze1{1, "aze", "AuthorizationException"};
const throws_spec not_alive1{1, "e", "NotAliveException"};
const throws_spec aze2{2, "aze", "AuthorizationException"};

const std::vector<method_spec> storm_methods{
    {"submitTopology",
     {{1, "name", P, "string"},
      {2, "uploadedJarLocation", P, "string"},
      {3, "jsonConf", P, "string"},
      {4, "topology", P, "StormTopology"}},
     "void",
     {{1, "e", "AlreadyAliveException"},
      {2, "ite", "InvalidTopologyException"},
      {3, "aze", "AuthorizationException"}}},
    {"submitTopologyWithOpts",
     {{1, "name", P, "string"},
      {2, "uploadedJarLocation", P, "string"},
      {3, "jsonConf", P, "string"},
      {4, "topology", P, "StormTopology"},
      {5, "options", P, "SubmitOptions"}},
     "void",
     {{1, "e", "AlreadyAliveException"},
      {2, "ite", "InvalidTopologyException"},
      {3, "aze", "AuthorizationException"}}},
    {"isTopologyNameAllowed", {{1, "name", P, "string"}}, "bool", {aze1}},
    {"killTopology", {{1, "name", P, "string"}}, "void", {not_alive1, aze2}},
    {"killTopologyWithOpts",
     {{1, "name", P, "string"}, {2, "options", P, "KillOptions"}},
     "void",
     {not_alive1, aze2}},
    {"activate", {{1, "name", P, "string"}}, "void", {not_alive1, aze2}},
    {"deactivate", {{1, "name", P, "string"}}, "void", {not_alive1, aze2}},
    {"rebalance",
     {{1, "name", P, "string"}, {2, "options", P, "RebalanceOptions"}},
     "void",
     {not_alive1, {2, "ite", "InvalidTopologyException"}, {3, "aze", "AuthorizationException"}}},
    {"beginFileUpload", {}, "string", {aze1}},
    {"uploadChunk", {{1, "location", P, "string"}, {2, "chunk", P, "binary"}}, "void", {aze1}},
    {"finishFileUpload", {{1, "location", P, "string"}}, "void", {aze1}},
    // Storm 1.x's signature; Storm 2.x dropped the method.
    {"beginFileDownload", {{1, "file", P, "string"}}, "string", {aze1}, true},
    {"downloadChunk", {{1, "id", P, "string"}}, "binary", {aze1}},
    {"getNimbusConf", {}, "string", {aze1}},
    {"getClusterInfo", {}, "ClusterSummary", {aze1}},
    {"getLeader", {}, "NimbusSummary", {aze1}},
    {"getTopologySummaries", {}, "list<TopologySummary>", {aze1}},
    // Storm declares no NotAliveException for these two (an unknown topology is a
    // TApplicationException); its field 1 is AuthorizationException.
    {"getTopologySummaryByName", {{1, "name", P, "string"}}, "TopologySummary", {aze1}},
    {"getTopologySummaryById", {{1, "id", P, "string"}}, "TopologySummary", {aze1}},
    {"getTopologyInfo", {{1, "id", P, "string"}}, "TopologyInfo", {not_alive1, aze2}},
    {"getTopologyInfoByName", {{1, "name", P, "string"}}, "TopologyInfo", {not_alive1, aze2}},
    {"getTopologyInfoWithOpts",
     {{1, "id", P, "string"}, {2, "options", P, "GetInfoOptions"}},
     "TopologyInfo",
     {not_alive1, aze2}},
    {"getTopologyInfoByNameWithOpts",
     {{1, "name", P, "string"}, {2, "options", P, "GetInfoOptions"}},
     "TopologyInfo",
     {not_alive1, aze2}},
    {"getTopologyPageInfo",
     {{1, "id", P, "string"}, {2, "window", P, "string"}, {3, "is_include_sys", P, "bool"}},
     "TopologyPageInfo",
     {not_alive1, aze2}},
    {"getSupervisorPageInfo",
     {{1, "id", P, "string"}, {2, "host", P, "string"}, {3, "is_include_sys", P, "bool"}},
     "SupervisorPageInfo",
     {not_alive1, aze2}},
    {"getComponentPageInfo",
     {{1, "topology_id", P, "string"},
      {2, "component_id", P, "string"},
      {3, "window", P, "string"},
      {4, "is_include_sys", P, "bool"}},
     "ComponentPageInfo",
     {not_alive1, aze2}},
    {"getTopologyConf", {{1, "id", P, "string"}}, "string", {not_alive1, aze2}},
    {"getTopology", {{1, "id", P, "string"}}, "StormTopology", {not_alive1, aze2}},
    {"getUserTopology", {{1, "id", P, "string"}}, "StormTopology", {not_alive1, aze2}},
};

// ---------------------------------------------------------------------------------------------
// Our generated code, by struct name.

struct struct_probe {
    std::function<observed_struct()> full;      // every field set
    std::function<observed_struct()> defaults;  // nothing set
    std::function<bool()> empty_decodes;        // does "no fields" decode?
};

template <typename T>
struct_probe probe() {
    return {[] { return observe(full<T>()); }, [] { return observe(T()); },
            [] { return from_binary<T>(std::string(1, '\0')).has_value(); }};
}

const std::map<std::string_view, struct_probe>& generated_structs() {
    static const std::map<std::string_view, struct_probe> probes{
        {"JavaObjectArg", probe<JavaObjectArg>()},
        {"JavaObject", probe<JavaObject>()},
        {"NullStruct", probe<NullStruct>()},
        {"GlobalStreamId", probe<GlobalStreamId>()},
        {"Grouping", probe<Grouping>()},
        {"StreamInfo", probe<StreamInfo>()},
        {"ShellComponent", probe<ShellComponent>()},
        {"ComponentObject", probe<ComponentObject>()},
        {"ComponentCommon", probe<ComponentCommon>()},
        {"SpoutSpec", probe<SpoutSpec>()},
        {"Bolt", probe<Bolt>()},
        {"StateSpoutSpec", probe<StateSpoutSpec>()},
        {"SharedMemory", probe<SharedMemory>()},
        {"StormTopology", probe<StormTopology>()},
        {"AlreadyAliveException", probe<AlreadyAliveException>()},
        {"NotAliveException", probe<NotAliveException>()},
        {"AuthorizationException", probe<AuthorizationException>()},
        {"InvalidTopologyException", probe<InvalidTopologyException>()},
        {"TopologySummary", probe<TopologySummary>()},
        {"SupervisorSummary", probe<SupervisorSummary>()},
        {"NimbusSummary", probe<NimbusSummary>()},
        {"ClusterSummary", probe<ClusterSummary>()},
        {"ErrorInfo", probe<ErrorInfo>()},
        {"BoltStats", probe<BoltStats>()},
        {"SpoutStats", probe<SpoutStats>()},
        {"ExecutorSpecificStats", probe<ExecutorSpecificStats>()},
        {"ExecutorStats", probe<ExecutorStats>()},
        {"ExecutorInfo", probe<ExecutorInfo>()},
        {"ExecutorSummary", probe<ExecutorSummary>()},
        {"DebugOptions", probe<DebugOptions>()},
        {"TopologyInfo", probe<TopologyInfo>()},
        {"KillOptions", probe<KillOptions>()},
        {"RebalanceOptions", probe<RebalanceOptions>()},
        {"Credentials", probe<Credentials>()},
        {"SubmitOptions", probe<SubmitOptions>()},
        {"GetInfoOptions", probe<GetInfoOptions>()},
        {"CommonAggregateStats", probe<CommonAggregateStats>()},
        {"SpoutAggregateStats", probe<SpoutAggregateStats>()},
        {"BoltAggregateStats", probe<BoltAggregateStats>()},
        {"SpecificAggregateStats", probe<SpecificAggregateStats>()},
        {"ComponentAggregateStats", probe<ComponentAggregateStats>()},
        {"TopologyStats", probe<TopologyStats>()},
        {"WorkerSummary", probe<WorkerSummary>()},
        {"SupervisorPageInfo", probe<SupervisorPageInfo>()},
        {"TopologyPageInfo", probe<TopologyPageInfo>()},
        {"ExecutorAggregateStats", probe<ExecutorAggregateStats>()},
        {"ComponentPageInfo", probe<ComponentPageInfo>()},
    };
    return probes;
}

const std::map<std::string_view, const std::map<int, const char*>*> generated_enums{
    {"TopologyInitialStatus", &_TopologyInitialStatus_VALUES_TO_NAMES},
    {"NumErrorsChoice", &_NumErrorsChoice_VALUES_TO_NAMES},
    {"ComponentType", &_ComponentType_VALUES_TO_NAMES},
};

// How to make each call with our generated client, and how to receive its answer.
struct call_probe {
    std::function<void(NimbusClient&)> send;
    std::function<void(NimbusClient&)> recv;
};

const std::map<std::string_view, call_probe>& generated_calls() {
    static const std::map<std::string_view, call_probe> calls{
        {"submitTopology",
         {[](NimbusClient& c) {
              c.send_submitTopology("wc", "/up/1", "{}", full<StormTopology>());
          },
          [](NimbusClient& c) { c.recv_submitTopology(); }}},
        {"submitTopologyWithOpts",
         {[](NimbusClient& c) {
              c.send_submitTopologyWithOpts("wc", "/up/1", "{}", full<StormTopology>(),
                                            full<SubmitOptions>());
          },
          [](NimbusClient& c) { c.recv_submitTopologyWithOpts(); }}},
        {"isTopologyNameAllowed",
         {[](NimbusClient& c) { c.send_isTopologyNameAllowed("wc"); },
          [](NimbusClient& c) { (void)c.recv_isTopologyNameAllowed(); }}},
        {"killTopology",
         {[](NimbusClient& c) { c.send_killTopology("wc"); },
          [](NimbusClient& c) { c.recv_killTopology(); }}},
        {"killTopologyWithOpts",
         {[](NimbusClient& c) { c.send_killTopologyWithOpts("wc", full<KillOptions>()); },
          [](NimbusClient& c) { c.recv_killTopologyWithOpts(); }}},
        {"activate",
         {[](NimbusClient& c) { c.send_activate("wc"); },
          [](NimbusClient& c) { c.recv_activate(); }}},
        {"deactivate",
         {[](NimbusClient& c) { c.send_deactivate("wc"); },
          [](NimbusClient& c) { c.recv_deactivate(); }}},
        {"rebalance",
         {[](NimbusClient& c) { c.send_rebalance("wc", full<RebalanceOptions>()); },
          [](NimbusClient& c) { c.recv_rebalance(); }}},
        {"beginFileUpload",
         {[](NimbusClient& c) { c.send_beginFileUpload(); },
          [](NimbusClient& c) {
              std::string r;
              c.recv_beginFileUpload(r);
          }}},
        {"uploadChunk",
         {[](NimbusClient& c) { c.send_uploadChunk("/up/1", std::string("\x00\xff", 2)); },
          [](NimbusClient& c) { c.recv_uploadChunk(); }}},
        {"finishFileUpload",
         {[](NimbusClient& c) { c.send_finishFileUpload("/up/1"); },
          [](NimbusClient& c) { c.recv_finishFileUpload(); }}},
        {"beginFileDownload",
         {[](NimbusClient& c) { c.send_beginFileDownload("/stormdist/wc-1/package.so"); },
          [](NimbusClient& c) {
              std::string r;
              c.recv_beginFileDownload(r);
          }}},
        {"downloadChunk",
         {[](NimbusClient& c) { c.send_downloadChunk("dl-1"); },
          [](NimbusClient& c) {
              std::string r;
              c.recv_downloadChunk(r);
          }}},
        {"getNimbusConf",
         {[](NimbusClient& c) { c.send_getNimbusConf(); },
          [](NimbusClient& c) {
              std::string r;
              c.recv_getNimbusConf(r);
          }}},
        {"getClusterInfo",
         {[](NimbusClient& c) { c.send_getClusterInfo(); },
          [](NimbusClient& c) {
              ClusterSummary r;
              c.recv_getClusterInfo(r);
          }}},
        {"getLeader",
         {[](NimbusClient& c) { c.send_getLeader(); },
          [](NimbusClient& c) {
              NimbusSummary r;
              c.recv_getLeader(r);
          }}},
        {"getTopologySummaries",
         {[](NimbusClient& c) { c.send_getTopologySummaries(); },
          [](NimbusClient& c) {
              std::vector<TopologySummary> r;
              c.recv_getTopologySummaries(r);
          }}},
        {"getTopologySummaryByName",
         {[](NimbusClient& c) { c.send_getTopologySummaryByName("wc"); },
          [](NimbusClient& c) {
              TopologySummary r;
              c.recv_getTopologySummaryByName(r);
          }}},
        {"getTopologyPageInfo",
         {[](NimbusClient& c) { c.send_getTopologyPageInfo("wc-1", ":all-time", true); },
          [](NimbusClient& c) {
              TopologyPageInfo r;
              c.recv_getTopologyPageInfo(r);
          }}},
        {"getSupervisorPageInfo",
         {[](NimbusClient& c) { c.send_getSupervisorPageInfo("sup-a", "node-a", false); },
          [](NimbusClient& c) {
              SupervisorPageInfo r;
              c.recv_getSupervisorPageInfo(r);
          }}},
        {"getComponentPageInfo",
         {[](NimbusClient& c) { c.send_getComponentPageInfo("wc-1", "split", "600", true); },
          [](NimbusClient& c) {
              ComponentPageInfo r;
              c.recv_getComponentPageInfo(r);
          }}},
        {"getTopologySummaryById",
         {[](NimbusClient& c) { c.send_getTopologySummaryById("wc-1"); },
          [](NimbusClient& c) {
              TopologySummary r;
              c.recv_getTopologySummaryById(r);
          }}},
        {"getTopologyInfo",
         {[](NimbusClient& c) { c.send_getTopologyInfo("wc-1"); },
          [](NimbusClient& c) {
              TopologyInfo r;
              c.recv_getTopologyInfo(r);
          }}},
        {"getTopologyInfoByName",
         {[](NimbusClient& c) { c.send_getTopologyInfoByName("wc"); },
          [](NimbusClient& c) {
              TopologyInfo r;
              c.recv_getTopologyInfoByName(r);
          }}},
        {"getTopologyInfoWithOpts",
         {[](NimbusClient& c) { c.send_getTopologyInfoWithOpts("wc-1", full<GetInfoOptions>()); },
          [](NimbusClient& c) {
              TopologyInfo r;
              c.recv_getTopologyInfoWithOpts(r);
          }}},
        {"getTopologyInfoByNameWithOpts",
         {[](NimbusClient& c) {
              c.send_getTopologyInfoByNameWithOpts("wc", full<GetInfoOptions>());
          },
          [](NimbusClient& c) {
              TopologyInfo r;
              c.recv_getTopologyInfoByNameWithOpts(r);
          }}},
        {"getTopologyConf",
         {[](NimbusClient& c) { c.send_getTopologyConf("wc-1"); },
          [](NimbusClient& c) {
              std::string r;
              c.recv_getTopologyConf(r);
          }}},
        {"getTopology",
         {[](NimbusClient& c) { c.send_getTopology("wc-1"); },
          [](NimbusClient& c) {
              StormTopology r;
              c.recv_getTopology(r);
          }}},
        {"getUserTopology",
         {[](NimbusClient& c) { c.send_getUserTopology("wc-1"); },
          [](NimbusClient& c) {
              StormTopology r;
              c.recv_getUserTopology(r);
          }}},
    };
    return calls;
}

// The exceptions a handler may throw, by IDL name.
const std::map<std::string_view, std::function<void()>>& throwers() {
    static const std::map<std::string_view, std::function<void()>> all{
        {"AlreadyAliveException", [] { throw full<AlreadyAliveException>(); }},
        {"NotAliveException", [] { throw full<NotAliveException>(); }},
        {"AuthorizationException", [] { throw full<AuthorizationException>(); }},
        {"InvalidTopologyException", [] { throw full<InvalidTopologyException>(); }},
    };
    return all;
}

// Runs `recv` and names the outcome: "ok", the IDL name of the exception it threw, or
// "TApplicationException".
std::string outcome_of(const std::function<void()>& recv) {
    try {
        recv();
        return "ok";
    } catch (const AlreadyAliveException&) {
        return "AlreadyAliveException";
    } catch (const NotAliveException&) {
        return "NotAliveException";
    } catch (const AuthorizationException&) {
        return "AuthorizationException";
    } catch (const InvalidTopologyException&) {
        return "InvalidTopologyException";
    } catch (const TApplicationException&) {
        return "TApplicationException";
    }
}

// A Nimbus handler whose every method records its name and then runs the configured action
// (nothing, or throw an exception).
class scripted_nimbus final : public NimbusIf {
  public:
    void set_action(std::function<void()> action) { _action = std::move(action); }
    const std::string& last_call() const { return _last_call; }

    void submitTopology(const std::string&, const std::string&, const std::string&,
                        const StormTopology&) override {
        act("submitTopology");
    }
    void submitTopologyWithOpts(const std::string&, const std::string&, const std::string&,
                                const StormTopology&, const SubmitOptions&) override {
        act("submitTopologyWithOpts");
    }
    bool isTopologyNameAllowed(const std::string&) override {
        act("isTopologyNameAllowed");
        return true;
    }
    void killTopology(const std::string&) override { act("killTopology"); }
    void killTopologyWithOpts(const std::string&, const KillOptions&) override {
        act("killTopologyWithOpts");
    }
    void activate(const std::string&) override { act("activate"); }
    void deactivate(const std::string&) override { act("deactivate"); }
    void rebalance(const std::string&, const RebalanceOptions&) override { act("rebalance"); }
    void beginFileUpload(std::string&) override { act("beginFileUpload"); }
    void uploadChunk(const std::string&, const std::string&) override { act("uploadChunk"); }
    void finishFileUpload(const std::string&) override { act("finishFileUpload"); }
    void beginFileDownload(std::string&, const std::string&) override { act("beginFileDownload"); }
    void downloadChunk(std::string&, const std::string&) override { act("downloadChunk"); }
    void getNimbusConf(std::string&) override { act("getNimbusConf"); }
    void getClusterInfo(ClusterSummary&) override { act("getClusterInfo"); }
    void getLeader(NimbusSummary&) override { act("getLeader"); }
    void getTopologySummaries(std::vector<TopologySummary>&) override {
        act("getTopologySummaries");
    }
    void getTopologySummaryByName(TopologySummary&, const std::string&) override {
        act("getTopologySummaryByName");
    }
    void getTopologySummaryById(TopologySummary&, const std::string&) override {
        act("getTopologySummaryById");
    }
    void getTopologyInfo(TopologyInfo&, const std::string&) override { act("getTopologyInfo"); }
    void getTopologyInfoByName(TopologyInfo&, const std::string&) override {
        act("getTopologyInfoByName");
    }
    void getTopologyInfoWithOpts(TopologyInfo&, const std::string&,
                                 const GetInfoOptions&) override {
        act("getTopologyInfoWithOpts");
    }
    void getTopologyInfoByNameWithOpts(TopologyInfo&, const std::string&,
                                       const GetInfoOptions&) override {
        act("getTopologyInfoByNameWithOpts");
    }
    void getTopologyPageInfo(TopologyPageInfo&, const std::string&, const std::string&,
                             bool) override {
        act("getTopologyPageInfo");
    }
    void getSupervisorPageInfo(SupervisorPageInfo&, const std::string&, const std::string&,
                               bool) override {
        act("getSupervisorPageInfo");
    }
    void getComponentPageInfo(ComponentPageInfo&, const std::string&, const std::string&,
                              const std::string&, bool) override {
        act("getComponentPageInfo");
    }
    void getTopologyConf(std::string&, const std::string&) override { act("getTopologyConf"); }
    void getTopology(StormTopology&, const std::string&) override { act("getTopology"); }
    void getUserTopology(StormTopology&, const std::string&) override { act("getUserTopology"); }

  private:
    void act(const char* name) {
        _last_call = name;
        if (_action) {
            _action();
        }
    }

    std::function<void()> _action;
    std::string _last_call;
};

// One call through client -> bytes -> processor -> bytes -> client.
struct exchange_result {
    std::string call_name;
    apache::thrift::protocol::TMessageType call_type;
    std::vector<wire_field> args;
    std::map<int16_t, std::string> arg_names;
    std::string handled_by;
    std::string reply_name;
    apache::thrift::protocol::TMessageType reply_type;
    std::vector<wire_field> result;  // fields of the reply struct (when it is a T_REPLY)
    std::map<int16_t, std::string> result_names;
    std::string client_outcome;
};

// Reads a message envelope and walks its struct.
std::vector<wire_field> walk_message(const std::string& bytes, std::string& name,
                                     apache::thrift::protocol::TMessageType& type) {
    auto buffer = std::make_shared<TMemoryBuffer>();
    buffer->write(reinterpret_cast<const uint8_t*>(bytes.data()),
                  static_cast<uint32_t>(bytes.size()));
    TBinaryProtocol in(buffer);
    int32_t seqid = 0;
    in.readMessageBegin(name, type, seqid);
    std::vector<wire_field> fields = walk_struct(in);
    in.readMessageEnd();
    return fields;
}

exchange_result exchange(const call_probe& call, std::function<void()> action) {
    exchange_result out;

    auto call_buffer = std::make_shared<TMemoryBuffer>();
    auto call_protocol = std::make_shared<recording_protocol>(call_buffer);
    auto reply_buffer = std::make_shared<TMemoryBuffer>();
    auto reply_reader = std::make_shared<TBinaryProtocol>(reply_buffer);
    NimbusClient client(reply_reader, call_protocol);
    call.send(client);
    const std::string call_bytes = call_protocol->bytes();
    out.arg_names = call_protocol->names();
    out.args = walk_message(call_bytes, out.call_name, out.call_type);

    auto handler = std::make_shared<scripted_nimbus>();
    handler->set_action(std::move(action));
    NimbusProcessor processor(handler);
    auto reply_writer = std::make_shared<recording_protocol>(reply_buffer);
    processor.process(std::make_shared<TBinaryProtocol>(call_buffer), reply_writer, nullptr);
    out.handled_by = handler->last_call();
    out.result_names = reply_writer->names();

    std::string reply_bytes = reply_writer->bytes();
    if (!reply_bytes.empty()) {
        std::vector<wire_field> fields = walk_message(reply_bytes, out.reply_name, out.reply_type);
        if (out.reply_type == apache::thrift::protocol::T_REPLY) {
            out.result = fields;
        }
    }
    out.client_outcome = outcome_of([&] { call.recv(client); });
    return out;
}

std::vector<wire_field> expected_wire(const std::vector<field_spec>& fields) {
    std::vector<wire_field> wire;
    for (const auto& f : fields) {
        wire.push_back({f.id, wire_type_of(f.type, storm_enums)});
    }
    return wire;
}

std::string describe(const std::vector<wire_field>& fields) {
    std::string out;
    for (const auto& f : fields) {
        out += std::to_string(f.id) + ":" + f.type + " ";
    }
    return out;
}

// ---------------------------------------------------------------------------------------------

TEST(wire_compat_test, table_and_generated_code_name_the_same_structs) {
    std::set<std::string_view> in_table;
    for (const auto& s : storm_structs) {
        EXPECT_TRUE(in_table.insert(s.name).second) << s.name << " twice in the table";
        EXPECT_TRUE(generated_structs().contains(s.name)) << s.name << " has no probe";
    }
    for (const auto& [name, probe] : generated_structs()) {
        EXPECT_TRUE(in_table.contains(name)) << name << " is probed but not in Storm's table";
    }
}

TEST(wire_compat_test, the_type_translation_is_what_the_table_relies_on) {
    EXPECT_EQ(wire_type_of("map<string, map<GlobalStreamId, i64>>", storm_enums),
              "map<string,map<struct,i64>>");
    EXPECT_EQ(wire_type_of("list<binary>", storm_enums), "list<string>");
    EXPECT_EQ(wire_type_of("NumErrorsChoice", storm_enums), "i32");
    EXPECT_EQ(wire_type_of("map<string, set<string>>", storm_enums), "map<string,set<string>>");
    EXPECT_THROW(wire_type_of("map<string>", storm_enums), std::invalid_argument);
}

TEST(wire_compat_test, fully_populated_structs_write_exactly_storms_fields) {
    for (const auto& spec : storm_structs) {
        SCOPED_TRACE(std::string(spec.name));
        auto probe = generated_structs().find(spec.name);
        ASSERT_NE(probe, generated_structs().end());
        const observed_struct seen = probe->second.full();

        // Generated code writes fields in id order; compare as sets keyed by id all the same.
        std::map<int16_t, std::string> seen_types;
        for (const auto& f : seen.fields) {
            EXPECT_TRUE(seen_types.emplace(f.id, f.type).second) << "field " << f.id << " twice";
        }
        std::map<int16_t, std::string> expected_types;
        for (const auto& f : expected_wire(spec.fields)) {
            expected_types.emplace(f.id, f.type);
        }
        EXPECT_EQ(seen_types, expected_types)
            << "wire: " << describe(seen.fields)
            << "\nstorm: " << describe(expected_wire(spec.fields));

        for (const auto& f : spec.fields) {
            auto name = seen.names.find(f.id);
            if (name == seen.names.end()) {
                ADD_FAILURE() << "field " << f.id << " (" << f.name << ") not written";
                continue;
            }
            EXPECT_EQ(name->second, f.name) << "name of field " << f.id;
        }
    }
}

// Tempest's own fields (nimbus.thrift, "TEMPEST FIELDS"): optional, with ids from 100 up, of
// the types below. With them set, a struct still writes Storm's fields with Storm's ids and
// types, and the rest only above 100, which Storm's clients skip; unset (the default) they are
// not written at all.
struct extension_spec {
    std::string_view name;
    std::function<observed_struct()> with_extensions;
    std::vector<wire_field> extensions;
};

template <typename T, typename Set>
std::function<observed_struct()> extended(Set&& set) {
    return [set] {
        T v = full<T>();
        set(v);
        return observe(v);
    };
}

MetricPoint sample_point() {
    MetricPoint m;
    m.name = "worker.rss_bytes";
    m.component = "__system";
    m.task = -1;
    m.value = 4096;
    return m;
}

const std::vector<extension_spec>& tempest_extensions() {
    static const std::vector<extension_spec> specs{
        {"ErrorInfo", extended<ErrorInfo>([](ErrorInfo& v) { v.__set_task(3); }), {{100, "i32"}}},
        {"ExecutorSummary",
         extended<ExecutorSummary>([](ExecutorSummary& v) {
             v.__set_stats_time_secs(1700000000);
             v.__set_stats_age_secs(31);
             v.__set_late(true);
         }),
         {{100, "i32"}, {101, "i32"}, {102, "bool"}}},
        {"ComponentAggregateStats",
         extended<ComponentAggregateStats>(
             [](ComponentAggregateStats& v) { v.__set_num_late_executors(1); }),
         {{100, "i32"}}},
        {"WorkerSummary",
         extended<WorkerSummary>([](WorkerSummary& v) {
             v.__set_heartbeat_age_secs(31);
             v.__set_late(true);
             v.__set_metrics({sample_point()});
         }),
         {{100, "i32"}, {101, "bool"}, {102, "list<struct>"}}},
        {"TopologyPageInfo",
         extended<TopologyPageInfo>([](TopologyPageInfo& v) {
             v.__set_num_late_executors(2);
             v.__set_metrics({sample_point()});
         }),
         {{100, "i32"}, {101, "list<struct>"}}},
        {"ComponentPageInfo",
         extended<ComponentPageInfo>([](ComponentPageInfo& v) {
             v.__set_num_late_executors(2);
             v.__set_metrics({sample_point()});
         }),
         {{100, "i32"}, {101, "list<struct>"}}},
    };
    return specs;
}

TEST(wire_compat_test, tempest_fields_keep_storms_ids_and_take_only_ids_from_100) {
    for (const auto& ext : tempest_extensions()) {
        SCOPED_TRACE(std::string(ext.name));
        const struct_spec* spec = nullptr;
        for (const auto& s : storm_structs) {
            if (s.name == ext.name) {
                spec = &s;
            }
        }
        ASSERT_NE(spec, nullptr);
        std::map<int16_t, std::string> expected;
        for (const auto& f : expected_wire(spec->fields)) {
            expected.emplace(f.id, f.type);
        }
        for (const auto& f : ext.extensions) {
            EXPECT_GE(f.id, 100);
            EXPECT_FALSE(expected.contains(f.id)) << "id " << f.id << " is Storm's";
            expected.emplace(f.id, f.type);
        }
        std::map<int16_t, std::string> seen;
        for (const auto& f : ext.with_extensions().fields) {
            seen.emplace(f.id, f.type);
        }
        EXPECT_EQ(seen, expected);
    }
    // Unset by default: a default instance writes Storm's fields alone (checked for every struct
    // by default_structs_write_required_fields_and_no_optional_ones), and the full samples
    // without them write exactly Storm's (fully_populated_structs_write_exactly_storms_fields).
    for (const auto& ext : tempest_extensions()) {
        for (const auto& f : generated_structs().at(ext.name).defaults().fields) {
            EXPECT_LT(f.id, 100) << ext.name;
        }
    }
}

// The page-info replies as Storm's clients receive them: with Tempest's fields set, the reply
// still carries the struct in field 0 and Storm's fields decode with Storm's ids; our client
// reads the Tempest fields back.
TEST(wire_compat_test, page_info_replies_with_tempest_fields_decode_as_storms) {
    ComponentPageInfo page = full<ComponentPageInfo>();
    page.__set_num_late_executors(1);
    page.__set_metrics({sample_point()});
    auto bytes = to_binary(page);
    auto back = from_binary<ComponentPageInfo>(bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, page);
    // A reader that knows only Storm's fields (ours, with the Tempest ones cleared) sees the same
    // Storm fields: the extra ids are skipped, not misread.
    ComponentPageInfo storm_view = page;
    storm_view.__isset.num_late_executors = false;
    storm_view.__isset.metrics = false;
    storm_view.num_late_executors = 0;
    storm_view.metrics.clear();
    EXPECT_EQ(to_binary(storm_view), to_binary(full<ComponentPageInfo>()));
    std::map<int16_t, std::string> storm_ids;
    for (const auto& f : observe(page).fields) {
        if (f.id < 100) {
            storm_ids.emplace(f.id, f.type);
        }
    }
    std::map<int16_t, std::string> table;
    for (const auto& s : storm_structs) {
        if (s.name == "ComponentPageInfo") {
            for (const auto& f : expected_wire(s.fields)) {
                table.emplace(f.id, f.type);
            }
        }
    }
    EXPECT_EQ(storm_ids, table);
}

TEST(wire_compat_test, default_structs_write_required_fields_and_no_optional_ones) {
    for (const auto& spec : storm_structs) {
        if (spec.what == kind::union_type) {
            continue;  // a union writes only its set member
        }
        SCOPED_TRACE(std::string(spec.name));
        const observed_struct seen = generated_structs().at(spec.name).defaults();
        std::set<int16_t> written;
        for (const auto& f : seen.fields) {
            written.insert(f.id);
        }
        std::set<int16_t> always;
        for (const auto& f : spec.fields) {
            if (f.requiredness != req::optional) {
                always.insert(f.id);
            }
        }
        EXPECT_EQ(written, always);
    }
}

TEST(wire_compat_test, empty_struct_decodes_only_without_required_fields) {
    for (const auto& spec : storm_structs) {
        SCOPED_TRACE(std::string(spec.name));
        bool has_required = false;
        for (const auto& f : spec.fields) {
            has_required = has_required || f.requiredness == req::required;
        }
        EXPECT_EQ(generated_structs().at(spec.name).empty_decodes(), !has_required);
    }
}

TEST(wire_compat_test, enums_have_storms_values) {
    ASSERT_EQ(generated_enums.size(), storm_enum_values.size());
    for (const auto& [name, values] : storm_enum_values) {
        SCOPED_TRACE(std::string(name));
        const auto* generated = generated_enums.at(name);
        std::map<int, std::string_view> seen(generated->begin(), generated->end());
        EXPECT_EQ(seen, values);
    }
}

TEST(wire_compat_test, table_and_generated_client_name_the_same_methods) {
    std::set<std::string_view> in_table;
    for (const auto& m : storm_methods) {
        EXPECT_TRUE(in_table.insert(m.name).second) << m.name << " twice in the table";
        EXPECT_TRUE(generated_calls().contains(m.name)) << m.name << " has no call probe";
    }
    EXPECT_EQ(in_table.size(), generated_calls().size());
}

TEST(wire_compat_test, calls_carry_storms_method_names_and_arguments) {
    for (const auto& spec : storm_methods) {
        SCOPED_TRACE(std::string(spec.name));
        const exchange_result r = exchange(generated_calls().at(spec.name), nullptr);
        EXPECT_EQ(r.call_name, spec.name);
        EXPECT_EQ(r.call_type, apache::thrift::protocol::T_CALL);
        EXPECT_EQ(r.args, expected_wire(spec.args)) << "wire: " << describe(r.args);
        for (const auto& a : spec.args) {
            EXPECT_EQ(r.arg_names.count(a.id) ? r.arg_names.at(a.id) : "", a.name);
        }
        EXPECT_EQ(r.handled_by, spec.name);
    }
}

TEST(wire_compat_test, success_replies_carry_the_return_value_in_field_zero) {
    for (const auto& spec : storm_methods) {
        SCOPED_TRACE(std::string(spec.name));
        const exchange_result r = exchange(generated_calls().at(spec.name), nullptr);
        EXPECT_EQ(r.reply_name, spec.name);
        EXPECT_EQ(r.reply_type, apache::thrift::protocol::T_REPLY);
        std::vector<wire_field> expected;
        if (spec.returns != "void") {
            expected.push_back({0, wire_type_of(spec.returns, storm_enums)});
            EXPECT_EQ(r.result_names.count(0) ? r.result_names.at(0) : "", "success");
        }
        EXPECT_EQ(r.result, expected) << "wire: " << describe(r.result);
        EXPECT_EQ(r.client_outcome, "ok");
    }
}

TEST(wire_compat_test, declared_exceptions_travel_in_their_throws_field) {
    for (const auto& spec : storm_methods) {
        for (const auto& [exception, thrower] : throwers()) {
            SCOPED_TRACE(std::string(spec.name) + " throwing " + std::string(exception));
            std::optional<throws_spec> declared;
            for (const auto& t : spec.throws) {
                if (t.exception == exception) {
                    declared = t;
                }
            }
            const exchange_result r = exchange(generated_calls().at(spec.name), thrower);
            EXPECT_EQ(r.reply_name, spec.name);
            if (declared) {
                EXPECT_EQ(r.reply_type, apache::thrift::protocol::T_REPLY);
                EXPECT_EQ(r.result, (std::vector<wire_field>{{declared->id, "struct"}}));
                EXPECT_EQ(r.result_names.count(declared->id) ? r.result_names.at(declared->id) : "",
                          declared->name);
                EXPECT_EQ(r.client_outcome, exception);
            } else {
                EXPECT_EQ(r.reply_type, apache::thrift::protocol::T_EXCEPTION);
                EXPECT_EQ(r.client_outcome, "TApplicationException");
            }
        }
    }
}

TEST(wire_compat_test, storm_methods_we_do_not_offer_get_unknown_method) {
    // A Storm client calling e.g. getTopologyHistory gets Thrift's standard answer.
    auto call_buffer = std::make_shared<TMemoryBuffer>();
    TBinaryProtocol call(call_buffer);
    call.writeMessageBegin("getTopologyHistory", apache::thrift::protocol::T_CALL, 7);
    call.writeStructBegin("getTopologyHistory_args");
    call.writeFieldStop();
    call.writeStructEnd();
    call.writeMessageEnd();

    auto reply_buffer = std::make_shared<TMemoryBuffer>();
    NimbusProcessor processor(std::make_shared<scripted_nimbus>());
    processor.process(std::make_shared<TBinaryProtocol>(call_buffer),
                      std::make_shared<TBinaryProtocol>(reply_buffer), nullptr);

    TBinaryProtocol reply(reply_buffer);
    std::string name;
    apache::thrift::protocol::TMessageType type;
    int32_t seqid = 0;
    reply.readMessageBegin(name, type, seqid);
    EXPECT_EQ(name, "getTopologyHistory");
    EXPECT_EQ(type, apache::thrift::protocol::T_EXCEPTION);
    EXPECT_EQ(seqid, 7);
    TApplicationException error;
    error.read(&reply);
    EXPECT_EQ(error.getType(), TApplicationException::UNKNOWN_METHOD);
}

}  // namespace
}  // namespace tempest::thrift::testing
