// SPDX-License-Identifier: Apache-2.0
#include "tempest/ui/http_types.h"

#include <cctype>
#include <string>
#include <string_view>

namespace tempest::ui {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::string percent_encode(std::string_view in, std::string_view keep) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(in.size());
    for (char c : in) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~' ||
            keep.find(c) != std::string_view::npos) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) {
                return false;
            }
            int hi = hex_value(in[i + 1]);
            int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) {
                return false;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return true;
}

bool parse_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query) {
    if (target.empty() || target.front() != '/') {
        return false;
    }
    auto q = target.find('?');
    std::string_view raw_path(target.data(), q == std::string::npos ? target.size() : q);
    if (auto hash = raw_path.find('#'); hash != std::string_view::npos) {
        raw_path = raw_path.substr(0, hash);
    }
    if (!percent_decode(raw_path, path, false)) {
        return false;
    }
    query.clear();
    if (q == std::string::npos) {
        return true;
    }
    std::string_view rest(target.data() + q + 1, target.size() - q - 1);
    if (auto hash = rest.find('#'); hash != std::string_view::npos) {
        rest = rest.substr(0, hash);
    }
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        auto eq = pair.find('=');
        std::string key;
        std::string value;
        if (!percent_decode(pair.substr(0, eq), key, true)) {
            return false;
        }
        if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), value, true)) {
            return false;
        }
        query[key] = value;
    }
    return true;
}

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 413:
            return "Payload Too Large";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        default:
            return "Unknown";
    }
}

}  // namespace tempest::ui
