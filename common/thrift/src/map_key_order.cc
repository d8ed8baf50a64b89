// SPDX-License-Identifier: Apache-2.0
// Thrift 0.17's C++ generator declares operator< on every struct but defines none; std::map
// needs it for the structs used as map keys. Only those are defined here: using another struct
// as a key fails at link time, which is the cue to add it.
#include "tempest/thrift/cluster_records_types.h"
#include "tempest/thrift/nimbus_types.h"

#include <tuple>

namespace tempest::thrift {

// Key of ComponentCommon.inputs and of the BoltStats maps.
bool GlobalStreamId::operator<(const GlobalStreamId& other) const {
    return std::tie(componentId, streamId) < std::tie(other.componentId, other.streamId);
}

// Key of the assignment and worker-heartbeat records' maps.
bool ExecutorInfo::operator<(const ExecutorInfo& other) const {
    return std::tie(task_start, task_end) < std::tie(other.task_start, other.task_end);
}

}  // namespace tempest::thrift
