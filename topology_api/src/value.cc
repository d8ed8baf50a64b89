// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/value.h"

#include "value_format.h"

#include <charconv>
#include <cstdio>

namespace tempest {

std::string_view to_string(value_type t) noexcept {
    switch (t) {
        case value_type::null:
            return "null";
        case value_type::boolean:
            return "bool";
        case value_type::int64:
            return "int64";
        case value_type::float64:
            return "double";
        case value_type::string:
            return "string";
        case value_type::bytes:
            return "bytes";
        case value_type::list:
            return "list";
    }
    return "unknown";
}

namespace {

[[noreturn]] void throw_expected(value_type want, value_type got) {
    throw type_error("expected " + std::string(to_string(want)) + ", got " +
                     std::string(to_string(got)));
}

}  // namespace

bool value::as_bool() const {
    if (const bool* b = std::get_if<bool>(&_v)) {
        return *b;
    }
    throw_expected(value_type::boolean, type());
}

std::int64_t value::as_int() const {
    if (const std::int64_t* i = std::get_if<std::int64_t>(&_v)) {
        return *i;
    }
    throw_expected(value_type::int64, type());
}

double value::as_double() const {
    if (const double* d = std::get_if<double>(&_v)) {
        return *d;
    }
    if (const std::int64_t* i = std::get_if<std::int64_t>(&_v)) {
        return static_cast<double>(*i);
    }
    throw_expected(value_type::float64, type());
}

const std::string& value::as_string() const {
    if (const std::string* s = std::get_if<std::string>(&_v)) {
        return *s;
    }
    throw_expected(value_type::string, type());
}

const bytes& value::as_bytes() const {
    if (const bytes* b = std::get_if<bytes>(&_v)) {
        return *b;
    }
    throw_expected(value_type::bytes, type());
}

const value::list& value::as_list() const {
    if (const list* l = std::get_if<list>(&_v)) {
        return *l;
    }
    throw_expected(value_type::list, type());
}

std::string value::to_string() const {
    std::string out;
    switch (type()) {
        case value_type::null:
            out = "null";
            break;
        case value_type::boolean:
            out = std::get<bool>(_v) ? "true" : "false";
            break;
        case value_type::int64:
            out = std::to_string(std::get<std::int64_t>(_v));
            break;
        case value_type::float64:
            detail::append_double(out, std::get<double>(_v));
            break;
        case value_type::string:
            detail::append_quoted(out, std::get<std::string>(_v));
            break;
        case value_type::bytes:
            detail::append_bytes(out, std::get<bytes>(_v).data);
            break;
        case value_type::list: {
            out += '[';
            bool first = true;
            for (const value& e : std::get<list>(_v)) {
                if (!first) {
                    out += ", ";
                }
                first = false;
                out += e.to_string();
            }
            out += ']';
            break;
        }
    }
    return out;
}

namespace detail {

void append_double(std::string& out, double d) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    std::string_view s(buf, ec == std::errc{} ? static_cast<std::size_t>(end - buf) : 0);
    out += s;
    // Keep 2.0 distinguishable from the int 2.
    if (s.find_first_of(".eEna") == std::string_view::npos) {
        out += ".0";
    }
}

void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char esc[8];
                    std::snprintf(esc, sizeof esc, "\\x%02x", static_cast<unsigned char>(c));
                    out += esc;
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

void append_bytes(std::string& out, std::string_view b) {
    static constexpr std::size_t shown = 32;
    static constexpr char hex[] = "0123456789abcdef";
    out += "bytes[";
    out += std::to_string(b.size());
    out += "]";
    if (!b.empty()) {
        out += " 0x";
    }
    for (std::size_t i = 0; i < b.size() && i < shown; ++i) {
        auto c = static_cast<unsigned char>(b[i]);
        out += hex[c >> 4];
        out += hex[c & 0xf];
    }
    if (b.size() > shown) {
        out += "...";
    }
}

}  // namespace detail

}  // namespace tempest
