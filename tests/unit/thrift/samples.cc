// SPDX-License-Identifier: Apache-2.0
#include "samples.h"

#include "tempest/common/stats_record.h"
#include "tempest/thrift/cluster_records_codec.h"

namespace tempest::thrift::testing {

void fill(JavaObjectArg& v) {
    v.__set_int_arg(7);
    v.__set_long_arg(1LL << 40);
    v.__set_string_arg("word");
    v.__set_bool_arg(true);
    v.__set_binary_arg(std::string("\x00\x01\x02", 3));
    v.__set_double_arg(0.25);
}

void fill(JavaObject& v) {
    v.__set_full_class_name("tempest.examples.SplitSentence");
    v.__set_args_list({full<JavaObjectArg>()});
}

void fill(NullStruct&) {}

void fill(GlobalStreamId& v) {
    v.__set_componentId("spout");
    v.__set_streamId("default");
}

void fill(Grouping& v) {
    v.__set_fields({"word"});
    v.__set_shuffle(NullStruct());
    v.__set_all(NullStruct());
    v.__set_none(NullStruct());
    v.__set_direct(NullStruct());
    v.__set_custom_object(full<JavaObject>());
    v.__set_custom_serialized("serialized grouping");
    v.__set_local_or_shuffle(NullStruct());
}

void fill(StreamInfo& v) {
    v.__set_output_fields({"word", "count"});
    v.__set_direct(false);
}

void fill(ShellComponent& v) {
    v.__set_execution_command("python3");
    v.__set_script("splitsentence.py");
}

void fill(ComponentObject& v) {
    v.__set_serialized_java("java bytes");
    v.__set_shell(full<ShellComponent>());
    v.__set_java_object(full<JavaObject>());
}

void fill(ComponentCommon& v) {
    v.__set_inputs({{full<GlobalStreamId>(), full<Grouping>()}});
    v.__set_streams({{"default", full<StreamInfo>()}});
    v.__set_parallelism_hint(4);
    v.__set_json_conf(R"({"topology.debug":false})");
}

void fill(SpoutSpec& v) {
    v.__set_spout_object(full<ComponentObject>());
    v.__set_common(full<ComponentCommon>());
}

void fill(Bolt& v) {
    v.__set_bolt_object(full<ComponentObject>());
    v.__set_common(full<ComponentCommon>());
}

void fill(StateSpoutSpec& v) {
    v.__set_state_spout_object(full<ComponentObject>());
    v.__set_common(full<ComponentCommon>());
}

void fill(SharedMemory& v) {
    v.__set_name("shared");
    v.__set_on_heap(1.0);
    v.__set_off_heap_worker(2.0);
    v.__set_off_heap_node(3.0);
}

void fill(StormTopology& v) {
    v.__set_spouts({{"spout", full<SpoutSpec>()}});
    v.__set_bolts({{"split", full<Bolt>()}});
    v.__set_state_spouts({{"state", full<StateSpoutSpec>()}});
    v.__set_worker_hooks({"hook bytes"});
    v.__set_dependency_jars({"dep.jar"});
    v.__set_dependency_artifacts({"org.example:dep:1.0"});
    v.__set_storm_version("2.8.0");
    v.__set_jdk_version("17");
    v.__set_component_to_shared_memory({{"split", {"shared"}}});
    v.__set_shared_memory({{"shared", full<SharedMemory>()}});
}

void fill(AlreadyAliveException& v) {
    v.__set_msg("topology wc is already running");
}

void fill(NotAliveException& v) {
    v.__set_msg("no topology named wc");
}

void fill(AuthorizationException& v) {
    v.__set_msg("not allowed");
}

void fill(InvalidTopologyException& v) {
    v.__set_msg("component split reads undeclared stream");
}

void fill(TopologySummary& v) {
    v.__set_id("wc-1-1700000000");
    v.__set_name("wc");
    v.__set_num_tasks(10);
    v.__set_num_executors(8);
    v.__set_num_workers(2);
    v.__set_uptime_secs(60);
    v.__set_status("ACTIVE");
    v.__set_storm_version("2.8.0");
    v.__set_topology_version("1");
    v.__set_sched_status("scheduled");
    v.__set_owner("alice");
    v.__set_replication_count(1);
    v.__set_requested_memonheap(1.0);
    v.__set_requested_memoffheap(2.0);
    v.__set_requested_cpu(3.0);
    v.__set_assigned_memonheap(4.0);
    v.__set_assigned_memoffheap(5.0);
    v.__set_assigned_cpu(6.0);
    v.__set_requested_generic_resources({{"gpu", 1.0}});
    v.__set_assigned_generic_resources({{"gpu", 1.0}});
}

void fill(SupervisorSummary& v) {
    v.__set_host("node-a");
    v.__set_uptime_secs(100);
    v.__set_num_workers(4);
    v.__set_num_used_workers(1);
    v.__set_supervisor_id("sup-a");
    v.__set_version("0.1.0");
    v.__set_total_resources({{"cpu", 200.0}});
    v.__set_used_mem(1.0);
    v.__set_used_cpu(2.0);
    v.__set_fragmented_mem(3.0);
    v.__set_fragmented_cpu(4.0);
    v.__set_blacklisted(false);
    v.__set_used_generic_resources({{"gpu", 0.0}});
}

void fill(NimbusSummary& v) {
    v.__set_host("nimbus-a");
    v.__set_port(6627);
    v.__set_uptime_secs(1000);
    v.__set_isLeader(true);
    v.__set_version("0.1.0");
}

void fill(ClusterSummary& v) {
    v.__set_supervisors({full<SupervisorSummary>()});
    v.__set_topologies({full<TopologySummary>()});
    v.__set_nimbuses({full<NimbusSummary>()});
}

void fill(ErrorInfo& v) {
    v.__set_error("java.lang.RuntimeException: boom");
    v.__set_error_time_secs(1700000000);
    v.__set_host("node-a");
    v.__set_port(6700);
}

void fill(BoltStats& v) {
    const std::map<GlobalStreamId, int64_t> counts{{full<GlobalStreamId>(), 5}};
    const std::map<GlobalStreamId, double> latencies{{full<GlobalStreamId>(), 1.5}};
    v.__set_acked({{":all-time", counts}});
    v.__set_failed({{":all-time", counts}});
    v.__set_process_ms_avg({{":all-time", latencies}});
    v.__set_executed({{":all-time", counts}});
    v.__set_execute_ms_avg({{":all-time", latencies}});
}

void fill(SpoutStats& v) {
    v.__set_acked({{"600", {{"default", 3}}}});
    v.__set_failed({{"600", {{"default", 1}}}});
    v.__set_complete_ms_avg({{"600", {{"default", 12.5}}}});
}

void fill(ExecutorSpecificStats& v) {
    v.__set_bolt(full<BoltStats>());
    v.__set_spout(full<SpoutStats>());
}

void fill(ExecutorStats& v) {
    v.__set_emitted({{":all-time", {{"default", 100}}}});
    v.__set_transferred({{":all-time", {{"default", 90}}}});
    v.__set_specific(full<ExecutorSpecificStats>());
    v.__set_rate(20.0);
}

void fill(ExecutorInfo& v) {
    v.__set_task_start(3);
    v.__set_task_end(4);
}

void fill(ExecutorSummary& v) {
    v.__set_executor_info(full<ExecutorInfo>());
    v.__set_component_id("split");
    v.__set_host("node-a");
    v.__set_port(6700);
    v.__set_uptime_secs(30);
    v.__set_stats(full<ExecutorStats>());
}

void fill(DebugOptions& v) {
    v.__set_enable(true);
    v.__set_samplingpct(10.0);
}

void fill(TopologyInfo& v) {
    v.__set_id("wc-1-1700000000");
    v.__set_name("wc");
    v.__set_uptime_secs(60);
    v.__set_executors({full<ExecutorSummary>()});
    v.__set_status("ACTIVE");
    v.__set_errors({{"split", {full<ErrorInfo>()}}});
    v.__set_component_debug({{"split", full<DebugOptions>()}});
    v.__set_storm_version("2.8.0");
    v.__set_sched_status("scheduled");
    v.__set_owner("alice");
    v.__set_replication_count(1);
    v.__set_requested_memonheap(1.0);
    v.__set_requested_memoffheap(2.0);
    v.__set_requested_cpu(3.0);
    v.__set_assigned_memonheap(4.0);
    v.__set_assigned_memoffheap(5.0);
    v.__set_assigned_cpu(6.0);
}

void fill(KillOptions& v) {
    v.__set_wait_secs(0);
}

void fill(RebalanceOptions& v) {
    v.__set_wait_secs(5);
    v.__set_num_workers(3);
    v.__set_num_executors({{"split", 6}});
    v.__set_topology_resources_overrides({{"split", {{"cpu", 50.0}}}});
    v.__set_topology_conf_overrides(R"({"topology.workers":3})");
    v.__set_principal("alice@EXAMPLE");
}

void fill(Credentials& v) {
    v.__set_creds({{"token", "secret"}});
    v.__set_topoOwner("alice");
}

void fill(SubmitOptions& v) {
    v.__set_initial_status(TopologyInitialStatus::INACTIVE);
    v.__set_creds(full<Credentials>());
}

void fill(GetInfoOptions& v) {
    v.__set_num_err_choice(NumErrorsChoice::ONE);
}

void fill(CommonAggregateStats& v) {
    v.__set_num_executors(2);
    v.__set_num_tasks(4);
    v.__set_emitted(100);
    v.__set_transferred(90);
    v.__set_acked(80);
    v.__set_failed(1);
    v.__set_resources_map({{"cpu", 10.0}});
}

void fill(SpoutAggregateStats& v) {
    v.__set_complete_latency_ms(12.5);
}

void fill(BoltAggregateStats& v) {
    v.__set_execute_latency_ms(1.5);
    v.__set_process_latency_ms(2.5);
    v.__set_executed(70);
    v.__set_capacity(0.25);
}

void fill(SpecificAggregateStats& v) {
    v.__set_bolt(full<BoltAggregateStats>());
    v.__set_spout(full<SpoutAggregateStats>());
}

void fill(ComponentAggregateStats& v) {
    v.__set_type(ComponentType::BOLT);
    v.__set_common_stats(full<CommonAggregateStats>());
    v.__set_specific_stats(full<SpecificAggregateStats>());
    v.__set_last_error(full<ErrorInfo>());
}

void fill(TopologyStats& v) {
    v.__set_window_to_emitted({{":all-time", 100}});
    v.__set_window_to_transferred({{":all-time", 90}});
    v.__set_window_to_complete_latencies_ms({{":all-time", 12.5}});
    v.__set_window_to_acked({{":all-time", 80}});
    v.__set_window_to_failed({{":all-time", 1}});
}

void fill(WorkerSummary& v) {
    v.__set_supervisor_id("sup-a");
    v.__set_host("node-a");
    v.__set_port(6700);
    v.__set_topology_id("wc-1-1700000000");
    v.__set_topology_name("wc");
    v.__set_num_executors(3);
    v.__set_component_to_num_tasks({{"split", 2}});
    v.__set_time_secs(1700000100);
    v.__set_uptime_secs(30);
    v.__set_requested_memonheap(1.0);
    v.__set_requested_memoffheap(2.0);
    v.__set_requested_cpu(3.0);
    v.__set_assigned_memonheap(4.0);
    v.__set_assigned_memoffheap(5.0);
    v.__set_assigned_cpu(6.0);
    v.__set_owner("alice");
}

void fill(SupervisorPageInfo& v) {
    v.__set_supervisor_summaries({full<SupervisorSummary>()});
    v.__set_worker_summaries({full<WorkerSummary>()});
}

void fill(TopologyPageInfo& v) {
    v.__set_id("wc-1-1700000000");
    v.__set_name("wc");
    v.__set_uptime_secs(60);
    v.__set_status("ACTIVE");
    v.__set_num_tasks(8);
    v.__set_num_workers(2);
    v.__set_num_executors(6);
    v.__set_topology_conf("{}");
    v.__set_id_to_spout_agg_stats({{"words", full<ComponentAggregateStats>()}});
    v.__set_id_to_bolt_agg_stats({{"split", full<ComponentAggregateStats>()}});
    v.__set_sched_status("scheduled");
    v.__set_topology_stats(full<TopologyStats>());
    v.__set_owner("alice");
    v.__set_debug_options(full<DebugOptions>());
    v.__set_replication_count(1);
    v.__set_workers({full<WorkerSummary>()});
    v.__set_storm_version("2.8.0");
    v.__set_topology_version("v1");
    v.__set_requested_memonheap(1.0);
    v.__set_requested_memoffheap(2.0);
    v.__set_requested_cpu(3.0);
    v.__set_assigned_memonheap(4.0);
    v.__set_assigned_memoffheap(5.0);
    v.__set_assigned_cpu(6.0);
    v.__set_requested_regular_on_heap_memory(7.0);
    v.__set_requested_shared_on_heap_memory(8.0);
    v.__set_requested_regular_off_heap_memory(9.0);
    v.__set_requested_shared_off_heap_memory(10.0);
    v.__set_assigned_regular_on_heap_memory(11.0);
    v.__set_assigned_shared_on_heap_memory(12.0);
    v.__set_assigned_regular_off_heap_memory(13.0);
    v.__set_assigned_shared_off_heap_memory(14.0);
    v.__set_requested_generic_resources({{"gpu", 1.0}});
    v.__set_assigned_generic_resources({{"gpu", 1.0}});
}

void fill(ExecutorAggregateStats& v) {
    v.__set_exec_summary(full<ExecutorSummary>());
    v.__set_stats(full<ComponentAggregateStats>());
}

void fill(ComponentPageInfo& v) {
    v.__set_component_id("split");
    v.__set_component_type(ComponentType::BOLT);
    v.__set_topology_id("wc-1-1700000000");
    v.__set_topology_name("wc");
    v.__set_num_executors(2);
    v.__set_num_tasks(4);
    v.__set_window_to_stats({{":all-time", full<ComponentAggregateStats>()}});
    v.__set_gsid_to_input_stats({{full<GlobalStreamId>(), full<ComponentAggregateStats>()}});
    v.__set_sid_to_output_stats({{"default", full<ComponentAggregateStats>()}});
    v.__set_exec_stats({full<ExecutorAggregateStats>()});
    v.__set_errors({full<ErrorInfo>()});
    v.__set_eventlog_host("node-a");
    v.__set_eventlog_port(6700);
    v.__set_debug_options(full<DebugOptions>());
    v.__set_topology_status("ACTIVE");
    v.__set_resources_map({{"cpu", 10.0}});
}

void fill(records::StormBaseRecord& v) {
    v.__set_name("wc");
    v.__set_status(records::TopologyStatus::REBALANCING);
    v.__set_owner("alice");
    v.__set_launch_time_secs(1700000000);
    v.__set_num_workers(2);
    v.__set_component_executors({{"spout", 2}, {"split", 4}});
    v.__set_prev_status(records::TopologyStatus::ACTIVE);
    v.__set_kill_options(full<KillOptions>());
    v.__set_rebalance_options(full<RebalanceOptions>());
    v.__set_topology_version("1");
}

void fill(records::NodePort& v) {
    v.__set_node("sup-a");
    v.__set_port(6700);
}

void fill(records::AssignmentRecord& v) {
    ExecutorInfo second;
    second.__set_task_start(5);
    second.__set_task_end(5);
    records::NodePort other_slot;
    other_slot.__set_node("sup-b");
    other_slot.__set_port(6701);
    v.__set_code_dir("/var/tempest/nimbus/stormdist/wc-1-1700000000");
    v.__set_node_host({{"sup-a", "node-a"}, {"sup-b", "node-b"}});
    v.__set_executor_node_port(
        {{full<ExecutorInfo>(), full<records::NodePort>()}, {second, other_slot}});
    v.__set_executor_start_time_secs({{full<ExecutorInfo>(), 1700000001}, {second, 1700000002}});
    v.__set_owner("alice");
}

void fill(records::SupervisorRecord& v) {
    v.__set_supervisor_id("sup-a");
    v.__set_hostname("node-a");
    v.__set_time_secs(1700000100);
    v.__set_uptime_secs(100);
    v.__set_ports({6700, 6701, 6702, 6703});
    v.__set_used_ports({6700});
    v.__set_version("0.1.0");
}

void fill(records::WorkerHeartbeatRecord& v) {
    v.__set_topology_id("wc-1-1700000000");
    v.__set_executors({full<ExecutorInfo>()});
    v.__set_time_secs(1700000200);
    v.__set_uptime_secs(200);
    v.__set_executor_stats({{full<ExecutorInfo>(), full<ExecutorStats>()}});
    v.__set_host("node-a");
    v.__set_port(6700);
    common::stats_record r;
    r.add(common::stat_kind::emitted, {"", "default"}, {20, 60, 60, 60});
    r.add(common::stat_kind::executed, {"spout", "default"}, {5, 5, 5, 5});
    v.__set_executor_records({{full<ExecutorInfo>(), common::encode_stats(r)}});
    // As current workers write them: packed (older workers' `metrics` list is left unset).
    v.__set_metrics_packed(pack_metric_points(
        {{"worker.rss_bytes", "__system", -1, 1048576}, {"__receive.population", "split", 3, 17}}));
    v.__set_stats_sample_rate(0.05);
}

}  // namespace tempest::thrift::testing
