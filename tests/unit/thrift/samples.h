// SPDX-License-Identifier: Apache-2.0
// Fully populated instances of the generated Thrift types for the thrift unit tests: every field
// set (optional ones included, every member of a union), every container holding one element, so
// that serializing one writes every field the IDL declares.
#pragma once

#include "tempest/thrift/cluster_records_types.h"
#include "tempest/thrift/nimbus_types.h"

namespace tempest::thrift::testing {

// fill(x) sets every field of x. Overloads exist for every struct, union and exception of
// nimbus.thrift and cluster_records.thrift.
void fill(JavaObjectArg& v);
void fill(JavaObject& v);
void fill(NullStruct& v);
void fill(GlobalStreamId& v);
void fill(Grouping& v);
void fill(StreamInfo& v);
void fill(ShellComponent& v);
void fill(ComponentObject& v);
void fill(ComponentCommon& v);
void fill(SpoutSpec& v);
void fill(Bolt& v);
void fill(StateSpoutSpec& v);
void fill(SharedMemory& v);
void fill(StormTopology& v);
void fill(AlreadyAliveException& v);
void fill(NotAliveException& v);
void fill(AuthorizationException& v);
void fill(InvalidTopologyException& v);
void fill(TopologySummary& v);
void fill(SupervisorSummary& v);
void fill(NimbusSummary& v);
void fill(ClusterSummary& v);
void fill(ErrorInfo& v);
void fill(BoltStats& v);
void fill(SpoutStats& v);
void fill(ExecutorSpecificStats& v);
void fill(ExecutorStats& v);
void fill(ExecutorInfo& v);
void fill(ExecutorSummary& v);
void fill(DebugOptions& v);
void fill(TopologyInfo& v);
void fill(KillOptions& v);
void fill(RebalanceOptions& v);
void fill(Credentials& v);
void fill(SubmitOptions& v);
void fill(GetInfoOptions& v);
void fill(CommonAggregateStats& v);
void fill(SpoutAggregateStats& v);
void fill(BoltAggregateStats& v);
void fill(SpecificAggregateStats& v);
void fill(ComponentAggregateStats& v);
void fill(TopologyStats& v);
void fill(WorkerSummary& v);
void fill(SupervisorPageInfo& v);
void fill(TopologyPageInfo& v);
void fill(ExecutorAggregateStats& v);
void fill(ComponentPageInfo& v);
void fill(records::StormBaseRecord& v);
void fill(records::NodePort& v);
void fill(records::AssignmentRecord& v);
void fill(records::SupervisorRecord& v);
void fill(records::WorkerHeartbeatRecord& v);

template <typename T>
T full() {
    T value;
    fill(value);
    return value;
}

}  // namespace tempest::thrift::testing
