// SPDX-License-Identifier: Apache-2.0
#include "bounded_protocol.h"
#include "tempest/thrift/thrift_request.h"

#include <thrift/TApplicationException.h>
#include <thrift/TConfiguration.h>
#include <thrift/TProcessor.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <limits>
#include <memory>
#include <new>
#include <stdexcept>

namespace tempest::thrift {
namespace {

namespace at = apache::thrift;
using at::transport::TMemoryBuffer;

std::shared_ptr<TMemoryBuffer> observe(std::string_view bytes) {
    // OBSERVE: the buffer reads `bytes` in place and never writes to it. The configuration's
    // message size is the frame itself: nothing can claim more.
    auto config = std::make_shared<at::TConfiguration>(static_cast<int>(bytes.size()),
                                                       static_cast<int>(bytes.size()));
    return std::make_shared<TMemoryBuffer>(
        reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
        static_cast<uint32_t>(bytes.size()), TMemoryBuffer::OBSERVE, config);
}

std::string describe(const std::exception& e) {
    std::string what = e.what();
    return what.empty() ? "malformed request" : what;
}

}  // namespace

request_outcome process_request(at::TProcessor& processor, std::string_view request) {
    request_outcome out;
    if (request.empty() ||
        request.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        out.error = "a request frame of " + std::to_string(request.size()) + " bytes";
        out.close = true;
        return out;
    }
    // The header first, on its own reader, so that a refused call can still be answered.
    std::string name;
    at::protocol::TMessageType type{};
    int32_t seqid = 0;
    try {
        detail::bounded_protocol header(observe(request));
        header.readMessageBegin(name, type, seqid);
    } catch (const at::TException& e) {
        out.error = "unreadable message header: " + describe(e);
        out.close = true;
        return out;
    }
    auto reply = std::make_shared<TMemoryBuffer>();
    try {
        auto in = std::make_shared<detail::bounded_protocol>(observe(request));
        auto protocol = std::make_shared<at::protocol::TBinaryProtocol>(reply);
        processor.process(in, protocol, nullptr);
        out.reply = reply->getBufferAsString();
        return out;
    } catch (const at::TException& e) {
        out.error = "call '" + name + "' refused: " + describe(e);
    } catch (const std::bad_alloc&) {
        // Safety net: bounded_protocol refuses lengths the frame cannot back before allocating.
        out.error = "call '" + name + "' refused: out of memory reading its arguments";
    } catch (const std::length_error& e) {
        out.error = "call '" + name + "' refused: " + describe(e);
    }
    if (type == at::protocol::T_ONEWAY) {
        return out;  // nobody waits for an answer
    }
    auto answer = std::make_shared<TMemoryBuffer>();
    at::protocol::TBinaryProtocol protocol(answer);
    at::TApplicationException error(at::TApplicationException::PROTOCOL_ERROR,
                                    "bad request: " + out.error);
    protocol.writeMessageBegin(name, at::protocol::T_EXCEPTION, seqid);
    error.write(&protocol);
    protocol.writeMessageEnd();
    out.reply = answer->getBufferAsString();
    return out;
}

}  // namespace tempest::thrift
