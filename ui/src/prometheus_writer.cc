// SPDX-License-Identifier: Apache-2.0
#include "prometheus_writer.h"

#include "logger.h"

#include <fmt/format.h>

#include <cmath>

namespace tempest::ui {

namespace {

bool name_char(char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

// Label names are ours (topology, component, ...) but sanitize them too: [a-zA-Z_][a-zA-Z0-9_]*.
std::string label_name(std::string_view n) {
    std::string out;
    for (char c : n) {
        out += name_char(c, out.empty()) && c != ':' ? c : '_';
    }
    return out.empty() ? "_" : out;
}

}  // namespace

std::string prometheus_writer::sanitize_name(std::string_view name) {
    std::string out;
    out.reserve(name.size() + 1);
    if (!name.empty() && name.front() >= '0' && name.front() <= '9') {
        out += '_';
    }
    for (char c : name) {
        out += name_char(c, out.empty()) ? c : '_';
    }
    return out.empty() ? "_" : out;
}

std::string prometheus_writer::escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string prometheus_writer::escape_help(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string prometheus_writer::format_value(double v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        return fmt::format("{}", static_cast<long long>(v));
    }
    return fmt::format("{}", v);
}

void prometheus_writer::add(std::string_view name, kind type, std::string_view help,
                            const labels& l, double value) {
    std::string n = sanitize_name(name);
    if (type == kind::counter && !n.ends_with("_total")) {
        n += "_total";
    }
    auto [it, inserted] = _families.try_emplace(n);
    auto& f = it->second;
    if (inserted) {
        f.type = type;
        f.help = escape_help(help);
    }
    if (f.type != type) {
        // Two of our names meeting after sanitizing: keep the family whole, drop this sample.
        log().error("metric family {} added as both counter and gauge; sample dropped", n);
        return;
    }
    std::string text;
    for (const auto& [k, v] : l) {
        text += text.empty() ? "{" : ",";
        text += label_name(k) + "=\"" + escape_label_value(v) + "\"";
    }
    if (!text.empty()) {
        text += "}";
    }
    auto [pos, fresh] = f.index.try_emplace(text, f.samples.size());
    if (fresh) {
        f.samples.emplace_back(std::move(text), value);
    } else if (type == kind::counter) {
        f.samples[pos->second].second += value;
    } else {
        f.samples[pos->second].second = value;
    }
}

std::string prometheus_writer::text() const {
    std::string out;
    for (const auto& [name, f] : _families) {
        out += "# HELP " + name + " " + f.help + "\n";
        out += "# TYPE " + name + (f.type == kind::counter ? " counter\n" : " gauge\n");
        for (const auto& [labels, value] : f.samples) {
            out += name + labels + " " + format_value(value) + "\n";
        }
    }
    return out;
}

}  // namespace tempest::ui
