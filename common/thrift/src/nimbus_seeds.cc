// SPDX-License-Identifier: Apache-2.0
// nimbus.seeds as addresses (see nimbus_client.h).
#include "tempest/common/config_keys.h"
#include "tempest/common/nimbus_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace tempest::common {

namespace {

// 1..65535, else 0.
int parse_port(std::string_view text) {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1 ||
        v > 65535) {
        return 0;
    }
    return v;
}

}  // namespace

std::string nimbus_address::text() const {
    return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                               : fmt::format("{}:{}", host, port);
}

std::vector<nimbus_address> nimbus_seeds(const config& conf) {
    std::vector<std::string> entries;
    if (const value* v = conf.find(keys::nimbus_seeds); v != nullptr) {
        if (v->type() == value_type::list) {
            for (const auto& s : v->as_list()) {
                if (s.type() == value_type::string && !s.as_string().empty()) {
                    entries.push_back(s.as_string());
                }
            }
        } else if (v->type() == value_type::string && !v->as_string().empty()) {
            entries.push_back(v->as_string());
        }
    }
    if (entries.empty()) {
        throw std::invalid_argument("nimbus.seeds names no host; set it (-c nimbus.seeds=[HOST])");
    }
    const std::int64_t default_port = conf.get_int(keys::nimbus_thrift_port, 6627);
    std::vector<nimbus_address> out;
    for (const std::string& e : entries) {
        nimbus_address a;
        std::string_view port_text;
        if (e.front() == '[') {  // [IPv6]:PORT or [IPv6]
            auto close = e.find(']');
            if (close == std::string::npos ||
                (close + 1 < e.size() && (e[close + 1] != ':' || close + 2 == e.size()))) {
                throw std::invalid_argument(fmt::format(
                    "nimbus.seeds entry '{}' is neither HOST, HOST:PORT nor [IPV6]:PORT", e));
            }
            a.host = e.substr(1, close - 1);
            if (close + 1 < e.size()) {
                port_text = std::string_view(e).substr(close + 2);
            }
        } else if (std::count(e.begin(), e.end(), ':') == 1) {
            auto colon = e.find(':');
            a.host = e.substr(0, colon);
            port_text = std::string_view(e).substr(colon + 1);
        } else {
            a.host = e;  // a host name, or an IPv6 address without a port
        }
        if (a.host.empty()) {
            throw std::invalid_argument(fmt::format("nimbus.seeds entry '{}' names no host", e));
        }
        if (!port_text.empty() || e.back() == ':') {
            a.port = parse_port(port_text);
            if (a.port == 0) {
                throw std::invalid_argument(
                    fmt::format("nimbus.seeds entry '{}': the port must be in 1..65535", e));
            }
        } else if (default_port < 1 || default_port > 65535) {
            throw std::invalid_argument(fmt::format(
                "nimbus.thrift.port is {}, which a client cannot connect to (nimbus.seeds entry "
                "'{}' names no port of its own)",
                default_port, e));
        } else {
            a.port = static_cast<int>(default_port);
        }
        if (std::find(out.begin(), out.end(), a) == out.end()) {
            out.push_back(std::move(a));
        }
    }
    return out;
}

}  // namespace tempest::common
