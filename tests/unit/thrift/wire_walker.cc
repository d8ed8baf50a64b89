// SPDX-License-Identifier: Apache-2.0
#include "wire_walker.h"

#include <cctype>
#include <stdexcept>

namespace tempest::thrift::testing {
namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TProtocol;
using apache::thrift::protocol::TType;

std::string base_name(TType type) {
    switch (type) {
        case apache::thrift::protocol::T_BOOL:
            return "bool";
        case apache::thrift::protocol::T_BYTE:
            return "byte";
        case apache::thrift::protocol::T_I16:
            return "i16";
        case apache::thrift::protocol::T_I32:
            return "i32";
        case apache::thrift::protocol::T_I64:
            return "i64";
        case apache::thrift::protocol::T_DOUBLE:
            return "double";
        case apache::thrift::protocol::T_STRING:
            return "string";
        case apache::thrift::protocol::T_STRUCT:
            return "struct";
        case apache::thrift::protocol::T_LIST:
            return "list";
        case apache::thrift::protocol::T_SET:
            return "set";
        case apache::thrift::protocol::T_MAP:
            return "map";
        default:
            return "unknown(" + std::to_string(static_cast<int>(type)) + ")";
    }
}

// Reads `count` values of `type`; returns the first one's wire type, or the header's base name
// when there are none.
std::string walk_elements(TProtocol& in, TType type, uint32_t count) {
    std::string first = base_name(type);
    for (uint32_t i = 0; i < count; ++i) {
        std::string element = walk_value(in, type);
        if (i == 0) {
            first = element;
        }
    }
    return first;
}

// A small recursive-descent reader of IDL type expressions.
class idl_type_parser {
  public:
    idl_type_parser(std::string_view text, const std::set<std::string>& enums)
        : _text(text), _enums(enums) {}

    std::string parse() {
        std::string result = type();
        skip_space();
        if (_pos != _text.size()) {
            fail("trailing text");
        }
        return result;
    }

  private:
    std::string type() {
        const std::string name = identifier();
        if (name == "list" || name == "set") {
            expect('<');
            std::string element = type();
            expect('>');
            return name + "<" + element + ">";
        }
        if (name == "map") {
            expect('<');
            std::string key = type();
            expect(',');
            std::string value = type();
            expect('>');
            return "map<" + key + "," + value + ">";
        }
        if (name == "binary") {
            return "string";
        }
        if (name == "i8") {
            return "byte";
        }
        static const std::set<std::string> base{"bool", "byte",   "i16",   "i32",
                                                "i64",  "double", "string"};
        if (base.contains(name)) {
            return name;
        }
        return _enums.contains(name) ? "i32" : "struct";
    }

    std::string identifier() {
        skip_space();
        const size_t start = _pos;
        while (_pos < _text.size() && (std::isalnum(static_cast<unsigned char>(_text[_pos])) ||
                                       _text[_pos] == '_' || _text[_pos] == '.')) {
            ++_pos;
        }
        if (start == _pos) {
            fail("expected a type name");
        }
        return std::string(_text.substr(start, _pos - start));
    }

    void expect(char c) {
        skip_space();
        if (_pos >= _text.size() || _text[_pos] != c) {
            fail(std::string("expected '") + c + "'");
        }
        ++_pos;
    }

    void skip_space() {
        while (_pos < _text.size() && std::isspace(static_cast<unsigned char>(_text[_pos]))) {
            ++_pos;
        }
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw std::invalid_argument("bad IDL type '" + std::string(_text) + "' at " +
                                    std::to_string(_pos) + ": " + what);
    }

    std::string_view _text;
    const std::set<std::string>& _enums;
    size_t _pos = 0;
};

}  // namespace

std::vector<wire_field> walk_struct(TProtocol& in) {
    std::vector<wire_field> fields;
    std::string name;
    in.readStructBegin(name);
    while (true) {
        TType type;
        int16_t id;
        in.readFieldBegin(name, type, id);
        if (type == apache::thrift::protocol::T_STOP) {
            break;
        }
        fields.push_back({id, walk_value(in, type)});
        in.readFieldEnd();
    }
    in.readStructEnd();
    return fields;
}

std::string walk_value(TProtocol& in, TType type) {
    switch (type) {
        case apache::thrift::protocol::T_LIST: {
            TType element;
            uint32_t size;
            in.readListBegin(element, size);
            std::string result = "list<" + walk_elements(in, element, size) + ">";
            in.readListEnd();
            return result;
        }
        case apache::thrift::protocol::T_SET: {
            TType element;
            uint32_t size;
            in.readSetBegin(element, size);
            std::string result = "set<" + walk_elements(in, element, size) + ">";
            in.readSetEnd();
            return result;
        }
        case apache::thrift::protocol::T_MAP: {
            TType key_type;
            TType value_type;
            uint32_t size;
            in.readMapBegin(key_type, value_type, size);
            std::string key = base_name(key_type);
            std::string value = base_name(value_type);
            for (uint32_t i = 0; i < size; ++i) {
                std::string k = walk_value(in, key_type);
                std::string v = walk_value(in, value_type);
                if (i == 0) {
                    key = k;
                    value = v;
                }
            }
            in.readMapEnd();
            return "map<" + key + "," + value + ">";
        }
        default:
            in.skip(type);
            return base_name(type);
    }
}

std::string wire_type_of(std::string_view idl_type, const std::set<std::string>& enums) {
    return idl_type_parser(idl_type, enums).parse();
}

recording_protocol::recording_protocol(
    std::shared_ptr<apache::thrift::transport::TMemoryBuffer> buffer)
    : TVirtualProtocol(buffer), _buffer(std::move(buffer)) {}

uint32_t recording_protocol::writeStructBegin(const char* name) {
    ++_depth;
    return TBinaryProtocol::writeStructBegin(name);
}

uint32_t recording_protocol::writeStructEnd() {
    --_depth;
    return TBinaryProtocol::writeStructEnd();
}

uint32_t recording_protocol::writeFieldBegin(const char* name, TType type, int16_t id) {
    if (_depth == 1) {
        _names[id] = name;
    }
    return TBinaryProtocol::writeFieldBegin(name, type, id);
}

}  // namespace tempest::thrift::testing
