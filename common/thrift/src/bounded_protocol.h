// SPDX-License-Identifier: Apache-2.0
// bounded_protocol: TBinaryProtocol over an in-memory buffer that holds one whole message (a
// stored record, or one request frame), refusing every length read from the bytes (a string, a
// binary, a message name, a container's element count) that the bytes left cannot back, BEFORE
// anything is allocated for it. Plain TBinaryProtocol resizes a string to its declared length (up
// to 2 GiB) before reading it, and Thrift 0.17 counts a list of structs as needing no bytes at
// all. Private to common/thrift (binary_codec.cc, thrift_request_thrift.cc).
#pragma once

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TProtocolException.h>
#include <thrift/protocol/TVirtualProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TTransportException.h>

#include <cstdint>
#include <memory>
#include <string>

namespace tempest::thrift::detail {

class bounded_protocol final
    : public apache::thrift::protocol::TVirtualProtocol<bounded_protocol,
                                                        apache::thrift::protocol::TBinaryProtocol> {
  public:
    using TType = apache::thrift::protocol::TType;
    using TMessageType = apache::thrift::protocol::TMessageType;
    using TProtocolException = apache::thrift::protocol::TProtocolException;

    explicit bounded_protocol(
        const std::shared_ptr<apache::thrift::transport::TMemoryBuffer>& buffer)
        : TVirtualProtocol(buffer), _buffer(buffer.get()) {}

    uint32_t readMessageBegin(std::string& name, TMessageType& type, int32_t& seqid) {
        int32_t header = 0;
        uint32_t read = readI32(header);
        int8_t code = 0;
        if (header < 0) {
            if ((header & VERSION_MASK) != VERSION_1) {
                throw TProtocolException(TProtocolException::BAD_VERSION,
                                         "bad version identifier in the message header");
            }
            code = static_cast<int8_t>(header & 0xff);
            read += readString(name);
        } else {
            // Pre-versioned (non-strict) message: the header is the name's length.
            require(static_cast<uint32_t>(header));
            read += readStringBody(name, header);
            read += readByte(code);
        }
        if (code < apache::thrift::protocol::T_CALL || code > apache::thrift::protocol::T_ONEWAY) {
            throw TProtocolException(TProtocolException::INVALID_DATA, "unknown message type");
        }
        type = static_cast<TMessageType>(code);
        return read + readI32(seqid);
    }

    uint32_t readString(std::string& str) {
        int32_t size = 0;
        uint32_t read = readI32(size);
        if (size > 0) {
            require(static_cast<uint32_t>(size));
        }
        return read + readStringBody(str, size);
    }
    uint32_t readBinary(std::string& str) { return readString(str); }

    // Field and container headers are read here rather than by TBinaryProtocol, which casts any
    // byte to TType and multiplies a container's declared count in `int`: both undefined
    // behaviour on garbage.
    uint32_t readFieldBegin(std::string& /*name*/, TType& type, int16_t& id) {
        int8_t code = 0;
        uint32_t read = readByte(code);
        type = checked_type(code);
        id = 0;
        if (type != apache::thrift::protocol::T_STOP) {
            read += readI16(id);
        }
        return read;
    }
    uint32_t readListBegin(TType& element, uint32_t& size) {
        int8_t type = 0;
        int32_t count = 0;
        uint32_t read = readByte(type);
        read += readI32(count);
        element = checked_type(type);
        size = checked_count(count, min_wire_bytes(element));
        return read;
    }
    uint32_t readSetBegin(TType& element, uint32_t& size) { return readListBegin(element, size); }
    uint32_t readMapBegin(TType& key, TType& value, uint32_t& size) {
        int8_t key_type = 0;
        int8_t value_type = 0;
        int32_t count = 0;
        uint32_t read = readByte(key_type);
        read += readByte(value_type);
        read += readI32(count);
        key = checked_type(key_type);
        value = checked_type(value_type);
        size = checked_count(count, min_wire_bytes(key) + min_wire_bytes(value));
        return read;
    }

  private:
    static TType checked_type(int8_t code) {
        if (code < apache::thrift::protocol::T_STOP || code > apache::thrift::protocol::T_UTF16) {
            throw TProtocolException(TProtocolException::INVALID_DATA, "unknown type code");
        }
        return static_cast<TType>(code);
    }

    // The fewest bytes an element of `type` takes on the wire (at least 1, so that a count of
    // empty elements is bounded by the bytes left too).
    static uint64_t min_wire_bytes(TType type) {
        using namespace apache::thrift::protocol;
        switch (type) {
            case T_I16:
                return 2;
            case T_I32:
            case T_STRING:  // also T_UTF7
            case T_UTF8:
            case T_UTF16:
                return 4;
            case T_I64:
            case T_DOUBLE:
            case T_U64:
                return 8;
            case T_SET:
            case T_LIST:
                return 5;
            case T_MAP:
                return 6;
            default:
                return 1;
        }
    }

    uint32_t checked_count(int32_t count, uint64_t element_bytes) const {
        if (count < 0) {
            throw TProtocolException(TProtocolException::NEGATIVE_SIZE);
        }
        require(static_cast<uint64_t>(count) * element_bytes);
        return static_cast<uint32_t>(count);
    }

    void require(uint64_t bytes) const {
        if (bytes > _buffer->available_read()) {
            throw apache::thrift::transport::TTransportException(
                apache::thrift::transport::TTransportException::END_OF_FILE,
                "a length read from the message (" + std::to_string(bytes) +
                    " bytes) exceeds the bytes left in it (" +
                    std::to_string(_buffer->available_read()) + ")");
        }
    }

    apache::thrift::transport::TMemoryBuffer* _buffer;
};

}  // namespace tempest::thrift::detail
