// SPDX-License-Identifier: Apache-2.0
#include "tempest/thrift/binary_codec.h"

#include "bounded_protocol.h"

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TProtocolException.h>
#include <thrift/protocol/TVirtualProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TTransportException.h>

#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>

namespace tempest::thrift {
namespace {

using detail::bounded_protocol;

using apache::thrift::TConfiguration;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TProtocolException;
using apache::thrift::transport::TMemoryBuffer;
using apache::thrift::transport::TTransportException;

class codec_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "tempest.thrift.codec"; }

    std::string message(int code) const override {
        switch (static_cast<codec_errc>(code)) {
            case codec_errc::success:
                return "success";
            case codec_errc::truncated:
                return "thrift record: the bytes end before the record does (truncated)";
            case codec_errc::invalid_data:
                return "thrift record: invalid data (an impossible value, or a required field is "
                       "missing)";
            case codec_errc::negative_size:
                return "thrift record: a string or container has a negative length";
            case codec_errc::size_limit:
                return "thrift record: a length is larger than the bytes or the protocol's limit";
            case codec_errc::depth_limit:
                return "thrift record: nesting is deeper than the protocol allows";
            case codec_errc::trailing_bytes:
                return "thrift record: bytes are left over after the record";
            case codec_errc::malformed:
                return "thrift record: malformed bytes";
        }
        return "thrift record: unknown codec error " + std::to_string(code);
    }
};

codec_errc from_protocol_exception(const TProtocolException& e) {
    switch (e.getType()) {
        case TProtocolException::INVALID_DATA:
            return codec_errc::invalid_data;
        case TProtocolException::NEGATIVE_SIZE:
            return codec_errc::negative_size;
        case TProtocolException::SIZE_LIMIT:
            return codec_errc::size_limit;
        case TProtocolException::DEPTH_LIMIT:
            return codec_errc::depth_limit;
        default:
            return codec_errc::malformed;
    }
}

}  // namespace

const std::error_category& codec_category() noexcept {
    static const codec_category_impl category;
    return category;
}

namespace detail {

std::string encode(const void* record, write_fn write) {
    auto buffer = std::make_shared<TMemoryBuffer>();
    TBinaryProtocol protocol(buffer);
    write(record, &protocol);
    return buffer->getBufferAsString();
}

common::result<void> decode(std::string_view bytes, void* record, read_fn read) {
    if (bytes.size() > static_cast<size_t>(TConfiguration::DEFAULT_MAX_MESSAGE_SIZE)) {
        return codec_errc::size_limit;
    }
    try {
        // OBSERVE: the buffer reads `bytes` in place and never writes to it.
        auto buffer = std::make_shared<TMemoryBuffer>(
            reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
            static_cast<uint32_t>(bytes.size()), TMemoryBuffer::OBSERVE);
        bounded_protocol protocol(buffer);
        read(record, &protocol);
        if (buffer->available_read() != 0) {
            return codec_errc::trailing_bytes;
        }
        return {};
    } catch (const TProtocolException& e) {
        return from_protocol_exception(e);
    } catch (const TTransportException& e) {
        return e.getType() == TTransportException::END_OF_FILE ? codec_errc::truncated
                                                               : codec_errc::malformed;
    } catch (const std::bad_alloc&) {
        // Safety net: bounded_protocol refuses lengths beyond the input before allocating, so
        // this means a length the input cannot justify got through some other path.
        return codec_errc::size_limit;
    } catch (const std::length_error&) {
        return codec_errc::size_limit;
    } catch (const apache::thrift::TException&) {
        return codec_errc::malformed;
    }
}

}  // namespace detail
}  // namespace tempest::thrift
