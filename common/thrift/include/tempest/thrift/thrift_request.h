// SPDX-License-Identifier: Apache-2.0
// process_request: one Thrift call, given as the bytes of one request frame (framed transport,
// binary protocol), run through a generated processor (e.g. NimbusProcessor); the reply frame's
// bytes come back. For servers that read whole frames themselves (nimbus' frame_server) and so
// bound what a connection may hold before Thrift sees any of it.
//
// Every length the request declares (message name, strings, binaries, container counts) is
// checked against the bytes left in the frame before anything is allocated for it, so a request
// allocates at most in proportion to the bytes actually received. A request the protocol refuses
// (a length beyond the frame, a bad type code, nesting deeper than Thrift's recursion limit, a
// missing required argument) is answered with a TApplicationException (PROTOCOL_ERROR) naming
// the call and the cause when its message header could be read; `error` says what was wrong
// either way. Thread-safe as far as the processor's handler is.
#pragma once

#include <string>
#include <string_view>

namespace apache::thrift {
class TProcessor;
}

namespace tempest::thrift {

struct request_outcome {
    std::string reply;  // the reply frame's bytes (no length prefix); empty: send nothing
    std::string error;  // empty, or why the request was refused (for the server's log)
    // The frame was not a readable call at all (no message header): nothing to answer, and the
    // connection's peer does not speak this protocol, so the server should close it.
    bool close = false;
};

request_outcome process_request(apache::thrift::TProcessor& processor, std::string_view request);

}  // namespace tempest::thrift
