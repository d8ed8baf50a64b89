// SPDX-License-Identifier: Apache-2.0
// nimbus_error: how Nimbus' parts report a refused request. The Thrift layer
// (nimbus_handler_thrift.cc) maps each kind to the exception the IDL declares; the other kinds
// stay std::runtime_error, which the Thrift server sends as a TApplicationException naming the
// problem. Failures of the cluster state or the disk are plain std::runtime_error as well.
#pragma once

#include <stdexcept>
#include <string>

namespace tempest::nimbus {

enum class error_kind {
    already_alive,     // a topology of that name runs (AlreadyAliveException)
    not_alive,         // no such topology (NotAliveException)
    invalid_topology,  // the topology, its conf or the request is invalid
                       // (InvalidTopologyException)
    not_leader,        // this Nimbus stands by; the message names the leader
    bad_request,       // an upload or download the caller got wrong (no such session, too big)
};

class nimbus_error : public std::runtime_error {
  public:
    nimbus_error(error_kind kind, const std::string& msg) : std::runtime_error(msg), _kind(kind) {}
    error_kind kind() const noexcept { return _kind; }

  private:
    error_kind _kind;
};

}  // namespace tempest::nimbus
