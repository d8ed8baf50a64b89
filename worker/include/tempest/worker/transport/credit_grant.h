// SPDX-License-Identifier: Apache-2.0
// credit_grant: one entry of a credit grant, the flow-control message a receiving worker sends
// back to a sender (tcp_transport.h describes the protocol).
#pragma once

#include <cstdint>

namespace tempest::worker::transport {

// `count` more messages may be sent for task `task`.
struct credit_grant {
    std::uint32_t task = 0;
    std::uint32_t count = 0;
};

}  // namespace tempest::worker::transport
