// SPDX-License-Identifier: Apache-2.0
#include "multilang/json_codec.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tempest::worker::multilang {

namespace {

std::string base64(std::span<const std::byte> in) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        auto n = (std::to_integer<std::uint32_t>(in[i]) << 16) |
                 (std::to_integer<std::uint32_t>(in[i + 1]) << 8) |
                 std::to_integer<std::uint32_t>(in[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (i < in.size()) {
        std::uint32_t n = std::to_integer<std::uint32_t>(in[i]) << 16;
        if (i + 1 < in.size()) {
            n |= std::to_integer<std::uint32_t>(in[i + 1]) << 8;
        }
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += i + 1 < in.size() ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

void append_int(std::string& out, std::int64_t i) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, i);
    out.append(buf, r.ptr);
}

void append_double(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";  // JSON has no NaN or infinity
        return;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
    out.append(s);
    if (s.find_first_of(".eE") == std::string_view::npos) {
        out += ".0";  // stays a float on the other side
    }
}

void append_value(std::string& out, const value& v);

void append_list(std::string& out, const value::list& l) {
    out += '[';
    for (std::size_t i = 0; i < l.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        append_value(out, l[i]);
    }
    out += ']';
}

void append_value(std::string& out, const value& v) {
    switch (v.type()) {
        case value_type::null:
            out += "null";
            break;
        case value_type::boolean:
            out += v.as_bool() ? "true" : "false";
            break;
        case value_type::int64:
            append_int(out, v.as_int());
            break;
        case value_type::float64:
            append_double(out, v.as_double());
            break;
        case value_type::string:
            append_json_string(out, v.as_string());
            break;
        case value_type::bytes: {
            const std::string& b = v.as_bytes().data;
            append_json_string(out,
                               base64({reinterpret_cast<const std::byte*>(b.data()), b.size()}));
            break;
        }
        case value_type::list:
            append_list(out, v.as_list());
            break;
    }
}

value from_json(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::null:
            return value();
        case nlohmann::json::value_t::boolean:
            return value(j.get<bool>());
        case nlohmann::json::value_t::number_integer:
            return value(j.get<std::int64_t>());
        case nlohmann::json::value_t::number_unsigned: {
            auto u = j.get<std::uint64_t>();
            if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                return value(static_cast<std::int64_t>(u));
            }
            return value(static_cast<double>(u));
        }
        case nlohmann::json::value_t::number_float:
            return value(j.get<double>());
        case nlohmann::json::value_t::string:
            return value(j.get_ref<const std::string&>());
        case nlohmann::json::value_t::array: {
            value::list l;
            l.reserve(j.size());
            for (const auto& e : j) {
                l.push_back(from_json(e));
            }
            return value(std::move(l));
        }
        default:
            return value(j.dump());  // an object (or binary): its JSON text
    }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
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
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            }
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

void append_json(std::string& out, const values& v) {
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        switch (v.type_at(i)) {
            case value_type::null:
                out += "null";
                break;
            case value_type::boolean:
                out += v.get_bool(i) ? "true" : "false";
                break;
            case value_type::int64:
                append_int(out, v.get_int(i));
                break;
            case value_type::float64:
                append_double(out, v.get_double(i));
                break;
            case value_type::string:
                append_json_string(out, v.get_string(i));
                break;
            case value_type::bytes:
                append_json_string(out, base64(v.get_bytes(i)));
                break;
            case value_type::list:
                append_list(out, v.get(i).as_list());
                break;
        }
    }
    out += ']';
}

bool json_to_values(const nlohmann::json& j, values& out, std::string& error) {
    out.clear();
    if (!j.is_array()) {
        error = "\"tuple\" is not a JSON array: " + j.dump().substr(0, 200);
        return false;
    }
    for (const auto& e : j) {
        switch (e.type()) {
            case nlohmann::json::value_t::null:
                out.add(nullptr);
                break;
            case nlohmann::json::value_t::boolean:
                out.add(e.get<bool>());
                break;
            case nlohmann::json::value_t::number_integer:
                out.add_int(e.get<std::int64_t>());
                break;
            case nlohmann::json::value_t::number_float:
                out.add_double(e.get<double>());
                break;
            case nlohmann::json::value_t::string:
                out.add(std::string_view(e.get_ref<const std::string&>()));
                break;
            default:
                out.add(from_json(e));
                break;
        }
    }
    return true;
}

nlohmann::json to_json(const value& v) {
    std::string s;
    append_value(s, v);
    return nlohmann::json::parse(s);
}

nlohmann::json to_json(const config& c) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : c) {
        j[k] = to_json(v);
    }
    return j;
}

}  // namespace tempest::worker::multilang
