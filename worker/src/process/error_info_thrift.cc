// SPDX-License-Identifier: Apache-2.0
// The Thrift side of error_writer.h: an error node is a nimbus.thrift ErrorInfo.
#include "error_writer.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/nimbus_types.h"

namespace tempest::worker {

namespace th = tempest::thrift;

std::string encode_error_node(const error_node& e) {
    th::ErrorInfo info;
    info.error = e.error;
    info.error_time_secs = e.error_time_secs;
    info.__set_host(e.host);
    info.__set_port(e.port);
    info.__set_task(e.task);
    return th::to_binary(info);
}

common::result<error_node> decode_error_node(std::string_view bytes) {
    auto info = th::from_binary<th::ErrorInfo>(bytes);
    if (!info) {
        return info.error();
    }
    error_node e;
    e.error = std::move(info->error);
    e.error_time_secs = info->error_time_secs;
    e.host = info->host;
    e.port = info->port;
    e.task = info->__isset.task ? info->task : 0;
    return e;
}

}  // namespace tempest::worker
