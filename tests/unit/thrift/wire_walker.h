// SPDX-License-Identifier: Apache-2.0
// Tools of the wire-compatibility test: a generic reader that walks binary-protocol bytes without
// knowing the struct (readStructBegin/readFieldBegin, skipping values) and reports each top-level
// field's id and wire type; a protocol that records the field names the generated code writes;
// and the translation of an IDL type (as Storm's storm.thrift spells it) into the wire type the
// walker reports.
//
// Wire types are spelled bool, byte, i16, i32, i64, double, string (also binary), struct (also
// union and exception), list<T>, set<T>, map<K,V>. A container's element types come from its
// header; a nested container's own element types come from its first element, so an empty
// nested container reads as e.g. "list<list>".
#pragma once

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TVirtualProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::thrift::testing {

struct wire_field {
    int16_t id;
    std::string type;
    bool operator==(const wire_field&) const = default;
};

inline void PrintTo(const wire_field& f, std::ostream* out) {
    *out << f.id << ":" << f.type;
}

// Reads one struct (begin, fields, stop, end) from `in` and returns its fields in wire order.
std::vector<wire_field> walk_struct(apache::thrift::protocol::TProtocol& in);

// Reads one value of wire type `type` from `in` and returns its wire type spelled as above.
std::string walk_value(apache::thrift::protocol::TProtocol& in,
                       apache::thrift::protocol::TType type);

// The wire type of an IDL type: "map<string, map<GlobalStreamId, i64>>" ->
// "map<string,map<struct,i64>>". Names in `enums` become i32; other names become struct.
std::string wire_type_of(std::string_view idl_type, const std::set<std::string>& enums);

// A binary protocol over a memory buffer that also records the name the generated code gives
// each top-level field it writes (field names are not on the binary wire).
class recording_protocol
    : public apache::thrift::protocol::TVirtualProtocol<recording_protocol,
                                                        apache::thrift::protocol::TBinaryProtocol> {
  public:
    explicit recording_protocol(std::shared_ptr<apache::thrift::transport::TMemoryBuffer> buffer);

    uint32_t writeStructBegin(const char* name);
    uint32_t writeStructEnd();
    uint32_t writeFieldBegin(const char* name, apache::thrift::protocol::TType type, int16_t id);

    // Field id -> name, for the fields of the outermost struct written so far.
    const std::map<int16_t, std::string>& names() const { return _names; }
    // Everything written so far.
    std::string bytes() const { return _buffer->getBufferAsString(); }

  private:
    std::shared_ptr<apache::thrift::transport::TMemoryBuffer> _buffer;
    int _depth = 0;
    std::map<int16_t, std::string> _names;
};

// What a write of one struct put on the wire: its fields by walking the bytes, and their names.
struct observed_struct {
    std::vector<wire_field> fields;
    std::map<int16_t, std::string> names;
};

template <typename T>
observed_struct observe(const T& value) {
    auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
    recording_protocol out(buffer);
    value.write(&out);
    const std::string bytes = out.bytes();
    auto reader_buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
    reader_buffer->write(reinterpret_cast<const uint8_t*>(bytes.data()),
                         static_cast<uint32_t>(bytes.size()));
    apache::thrift::protocol::TBinaryProtocol in(reader_buffer);
    return {walk_struct(in), out.names()};
}

}  // namespace tempest::thrift::testing
