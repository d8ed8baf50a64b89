// SPDX-License-Identifier: Apache-2.0
// WorkerHeartbeatRecord.metrics_packed: a worker's metric points with each name cut at its last
// dot, every string stored once and integers as varints (layout in cluster_records.thrift).
#include "tempest/thrift/cluster_records_codec.h"
#include "varint.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::thrift {

namespace {

using detail::put_varint;
using detail::take_varint;
using detail::take_varint64;

// Integers a double holds exactly: counters, gauges of bytes, most of what workers report.
constexpr double max_packed_integer = 9007199254740992.0;  // 2^53

}  // namespace

std::string pack_metric_points(const std::vector<common::metric_point>& points) {
    std::vector<std::string_view> strings;
    std::map<std::string_view, std::uint64_t> index;  // one heartbeat every few seconds
    auto ref = [&](std::string_view s) {
        auto [it, added] = index.emplace(s, strings.size());
        if (added) {
            strings.push_back(s);
        }
        return it->second;
    };
    std::string body;
    body.reserve(points.size() * 12);
    for (const auto& p : points) {
        const std::string_view name = p.name;
        const std::size_t dot = name.rfind('.');
        const std::size_t cut = dot == std::string_view::npos ? name.size() : dot;
        put_varint(body, ref(name.substr(0, cut)));
        put_varint(body, ref(name.substr(cut)));
        put_varint(body, ref(p.component));
        const auto task = static_cast<std::uint32_t>(p.task);
        put_varint(body, (task << 1) ^ static_cast<std::uint32_t>(p.task >> 31));
        if (p.value >= 0 && p.value < max_packed_integer &&
            p.value == static_cast<double>(static_cast<std::uint64_t>(p.value)) &&
            !std::signbit(p.value)) {
            body.push_back('\0');
            put_varint(body, static_cast<std::uint64_t>(p.value));
        } else {
            body.push_back('\1');
            std::uint64_t bits = 0;
            std::memcpy(&bits, &p.value, sizeof(bits));
            for (int i = 0; i < 8; ++i) {
                body.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
            }
        }
    }
    std::string out;
    put_varint(out, strings.size());
    for (std::string_view s : strings) {
        put_varint(out, s.size());
        out.append(s);
    }
    put_varint(out, points.size());
    out += body;
    return out;
}

std::optional<std::vector<common::metric_point>> unpack_metric_points(std::string_view in) {
    // Each string takes at least its length's byte and each point at least six bytes: a count
    // above what the bytes left can back is refused before anything is sized from it.
    auto string_count = take_varint(in);
    if (!string_count || *string_count > in.size()) {
        return std::nullopt;
    }
    std::vector<std::string_view> strings;
    strings.reserve(*string_count);
    for (std::uint32_t i = 0; i < *string_count; ++i) {
        auto length = take_varint(in);
        if (!length || *length > in.size()) {
            return std::nullopt;
        }
        strings.push_back(in.substr(0, *length));
        in.remove_prefix(*length);
    }
    auto point_count = take_varint(in);
    if (!point_count || *point_count > in.size() / 6) {
        return std::nullopt;
    }
    std::vector<common::metric_point> out;
    out.reserve(*point_count);
    auto string_at = [&](std::string_view& from) -> std::optional<std::string_view> {
        auto i = take_varint(from);
        if (!i || *i >= strings.size()) {
            return std::nullopt;
        }
        return strings[*i];
    };
    for (std::uint32_t i = 0; i < *point_count; ++i) {
        auto head = string_at(in);
        auto tail = head ? string_at(in) : std::nullopt;
        auto component = tail ? string_at(in) : std::nullopt;
        auto task = component ? take_varint(in) : std::nullopt;
        if (!task || in.empty()) {
            return std::nullopt;
        }
        common::metric_point p;
        p.name.reserve(head->size() + tail->size());
        p.name.append(*head).append(*tail);
        p.component = *component;
        p.task = static_cast<int>((*task >> 1) ^ (0U - (*task & 1U)));
        const char tag = in.front();
        in.remove_prefix(1);
        if (tag == '\0') {
            auto v = take_varint64(in);
            if (!v || static_cast<double>(*v) >= max_packed_integer) {
                return std::nullopt;
            }
            p.value = static_cast<double>(*v);
        } else if (tag == '\1' && in.size() >= 8) {
            std::uint64_t bits = 0;
            for (int b = 0; b < 8; ++b) {
                bits |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in[b])) << (8 * b);
            }
            in.remove_prefix(8);
            std::memcpy(&p.value, &bits, sizeof(bits));
        } else {
            return std::nullopt;
        }
        out.push_back(std::move(p));
    }
    if (!in.empty()) {
        return std::nullopt;
    }
    return out;
}

}  // namespace tempest::thrift
