// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/config_loader.h"

#include "tempest/common/config_schema.h"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <vector>

namespace tempest::common {

namespace detail {
// Generated from conf/defaults.yaml at build time (common/cmake/embed_defaults.cmake).
std::string_view embedded_defaults_yaml();
}  // namespace detail

namespace {

constexpr std::string_view yaml_str_tag = "tag:yaml.org,2002:str";

bool one_of(std::string_view s, std::initializer_list<std::string_view> options) {
    return std::find(options.begin(), options.end(), s) != options.end();
}

bool all_of_chars(std::string_view s, std::string_view allowed) {
    return !s.empty() && s.find_first_not_of(allowed) == std::string_view::npos;
}

// A plain YAML scalar resolved with YAML 1.2's core schema; `where` names it in errors.
value resolve_plain(const std::string& s, std::string_view key, const std::string& where) {
    if (one_of(s, {"true", "True", "TRUE"})) {
        return true;
    }
    if (one_of(s, {"false", "False", "FALSE"})) {
        return false;
    }
    std::string_view body = s;
    bool negative = false;
    if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
        negative = body.front() == '-';
        body.remove_prefix(1);
    }
    int base = 0;
    std::string_view digits;
    if (all_of_chars(body, "0123456789")) {
        base = 10;
        digits = body;
    } else if (body.size() > 2 && body.starts_with("0x") &&
               all_of_chars(body.substr(2), "0123456789abcdefABCDEF")) {
        base = 16;
        digits = body.substr(2);
    } else if (body.size() > 2 && body.starts_with("0o") &&
               all_of_chars(body.substr(2), "01234567")) {
        base = 8;
        digits = body.substr(2);
    }
    if (base != 0) {
        // Parse the magnitude unsigned so that INT64_MIN is accepted.
        std::uint64_t mag = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mag, base);
        constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (ec != std::errc() || ptr != digits.data() + digits.size() ||
            mag > max + (negative ? 1 : 0)) {
            throw config_error(fmt::format("config key '{}' {}: integer {} does not fit in 64 bits",
                                           key, where, s));
        }
        if (negative) {
            return mag == max + 1 ? std::numeric_limits<std::int64_t>::min()
                                  : -static_cast<std::int64_t>(mag);
        }
        return static_cast<std::int64_t>(mag);
    }
    if (one_of(body, {".inf", ".Inf", ".INF"})) {
        return negative ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity();
    }
    if (one_of(s, {".nan", ".NaN", ".NAN"})) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    // [-+]? ( \.[0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    std::string_view f = body;
    std::size_t i = 0;
    auto digits_at = [&](std::size_t& k) {
        std::size_t start = k;
        while (k < f.size() && f[k] >= '0' && f[k] <= '9') {
            ++k;
        }
        return k - start;
    };
    std::size_t int_digits = digits_at(i);
    std::size_t frac_digits = 0;
    bool dot = i < f.size() && f[i] == '.';
    if (dot) {
        ++i;
        frac_digits = digits_at(i);
    }
    bool mantissa_ok = int_digits > 0 || frac_digits > 0;
    bool exp_ok = true;
    if (mantissa_ok && i < f.size() && (f[i] == 'e' || f[i] == 'E')) {
        ++i;
        if (i < f.size() && (f[i] == '-' || f[i] == '+')) {
            ++i;
        }
        exp_ok = digits_at(i) > 0;
    }
    if (mantissa_ok && exp_ok && i == f.size()) {
        double d = 0;
        auto [ptr, ec] =
            std::from_chars(s.data() + (s.front() == '+' ? 1 : 0), s.data() + s.size(), d);
        if (ec == std::errc() && ptr == s.data() + s.size()) {
            return d;
        }
        throw config_error(
            fmt::format("config key '{}' {}: number {} is out of range", key, where, s));
    }
    return s;
}

// Makes `n` and everything under it print on one line ({a: [1, 2]}).
void set_flow_style(YAML::Node n) {
    if (n.IsMap() || n.IsSequence()) {
        n.SetStyle(YAML::EmitterStyle::Flow);
        for (auto it = n.begin(); it != n.end(); ++it) {
            set_flow_style(n.IsMap() ? it->second : *it);
        }
    }
}

// Converts a value node (not the top-level map); `key` and `where` name it in errors.
value to_value(const YAML::Node& n, std::string_view key, const std::string& where) {
    switch (n.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            return nullptr;
        case YAML::NodeType::Scalar:
            // A quoted scalar ("!") or an explicit !!str is a string; a plain one is resolved.
            if (n.Tag() == "!" || n.Tag() == yaml_str_tag) {
                return n.Scalar();
            }
            return resolve_plain(n.Scalar(), key, where);
        case YAML::NodeType::Sequence: {
            value::list items;
            items.reserve(n.size());
            for (const auto& item : n) {
                items.push_back(to_value(item, key, where));
            }
            return items;
        }
        case YAML::NodeType::Map: {
            // Only the top level may be a map: no key takes one.
            YAML::Node copy = YAML::Clone(n);
            set_flow_style(copy);
            YAML::Emitter flow;
            flow << copy;
            std::string text = flow.good() ? flow.c_str() : "{...}";
            std::replace(text.begin(), text.end(), '\n', ' ');
            if (text.size() > 80) {
                text = text.substr(0, 77) + "...";
            }
            std::string given = text + " (a map)";
            const config_key* k = find_config_key(key);
            throw config_error(fmt::format(
                "config key '{}' {}: got {}, expected {}", key, where, given,
                k != nullptr ? expected_phrase(*k) : std::string("a scalar or a list")));
        }
    }
    return nullptr;
}

std::string at_line(const std::string& source, const YAML::Mark& mark) {
    if (mark.is_null()) {
        return "in " + source;
    }
    return fmt::format("in {}:{}", source, mark.line + 1);
}

std::string read_file(const std::filesystem::path& path, std::string_view what) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        throw config_error(fmt::format("{} '{}' not found", what, path.string()));
    }
    if (std::filesystem::is_directory(path, ec)) {
        throw config_error(fmt::format("{} '{}' is a directory", what, path.string()));
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
        throw config_error(fmt::format("cannot read {} '{}'", what, path.string()));
    }
    return text.str();
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

// " (did you mean 'x'?)" for the closest schema key, if it is close enough to be a typo.
std::string suggestion(std::string_view key) {
    std::string_view best;
    std::size_t best_d = 4;  // a transposed pair costs 2
    for (const auto& k : config_schema()) {
        std::size_t d = edit_distance(key, k.name);
        if (d < best_d) {
            best_d = d;
            best = k.name;
        }
    }
    return best.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", best);
}

bool is_reserved(std::string_view key) {
    for (auto prefix : reserved_config_prefixes()) {
        if (key.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

void check_known(const config_key& k, const value& v, std::string_view where) {
    std::string why = check_config_value(k, v);
    if (!why.empty()) {
        throw config_error(fmt::format("config key '{}' in {}: {}", k.name, where, why));
    }
}

parsed_config parse_defaults() {
    parsed_config p = parse_config_yaml(detail::embedded_defaults_yaml(), "defaults.yaml");
    validate_daemon_config(p.conf, p.source);
    return p;
}

}  // namespace

std::string config_source::where(std::string_view key) const {
    auto it = lines.find(key);
    return it == lines.end() ? name : fmt::format("{}:{}", name, it->second);
}

parsed_config parse_config_yaml(std::string_view text, std::string source_name) {
    parsed_config out;
    out.source.name = std::move(source_name);
    const std::string& src = out.source.name;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        throw config_error(fmt::format("invalid YAML {}: {}", at_line(src, e.mark), e.msg));
    }
    if (root.IsNull() || !root.IsDefined()) {
        return out;
    }
    if (!root.IsMap()) {
        throw config_error(
            fmt::format("config {} must be a map of keys to values", at_line(src, root.Mark())));
    }
    std::set<std::string, std::less<>> seen;
    for (const auto& kv : root) {
        const YAML::Node& k = kv.first;
        if (!k.IsScalar()) {
            throw config_error(
                fmt::format("config keys must be plain names {}", at_line(src, k.Mark())));
        }
        const std::string& key = k.Scalar();
        std::string where = at_line(src, k.Mark());
        if (!seen.insert(key).second) {
            throw config_error(fmt::format("config key '{}' appears twice {}", key, where));
        }
        out.conf.set(key, to_value(kv.second, key, where));
        if (!k.Mark().is_null()) {
            out.source.lines.emplace(key, k.Mark().line + 1);
        }
    }
    return out;
}

parsed_config load_config_file(const std::filesystem::path& path) {
    return parse_config_yaml(read_file(path, "config file"), path.string());
}

parsed_config parse_config_override(std::string_view text) {
    auto eq = text.find('=');
    std::string_view key = text.substr(0, eq == std::string_view::npos ? 0 : eq);
    bool bad_key = key.empty() || key.find_first_of(" \t\r\n") != std::string_view::npos;
    if (eq == std::string_view::npos || bad_key) {
        throw config_error(fmt::format("bad -c option '{}': expected key=value", text));
    }
    std::string name = fmt::format("-c {}", text);
    std::string_view raw = text.substr(eq + 1);
    YAML::Node node;
    try {
        node = YAML::Load(std::string(raw));
    } catch (const YAML::Exception& e) {
        throw config_error(fmt::format(
            "bad -c option '{}': expected key=value with the value in YAML ({})", text, e.msg));
    }
    parsed_config out;
    out.source.name = std::move(name);
    out.conf.set(std::string(key), to_value(node, key, "in " + out.source.name));
    return out;
}

std::string_view defaults_yaml() {
    return detail::embedded_defaults_yaml();
}

const config& default_config() {
    static const parsed_config defaults = parse_defaults();
    return defaults.conf;
}

void validate_daemon_config(const config& conf, const config_source& source) {
    for (const auto& [key, v] : conf) {
        const config_key* k = find_config_key(key);
        if (k == nullptr) {
            if (is_reserved(key)) {
                throw config_error(fmt::format("unknown config key '{}' in {}{}", key,
                                               source.where(key), suggestion(key)));
            }
            continue;  // the user's own key, as Storm allows in storm.yaml
        }
        check_known(*k, v, source.where(key));
    }
}

void validate_daemon_config(const config& conf, std::string_view source_name) {
    validate_daemon_config(conf, config_source{std::string(source_name), {}});
}

void validate_topology_config(const config& conf, std::string_view source_name) {
    for (const auto& [key, v] : conf) {
        const config_key* k = find_config_key(key);
        if (k == nullptr) {
            if (is_reserved(key)) {
                throw config_error(fmt::format("unknown config key '{}' in {}{}", key, source_name,
                                               suggestion(key)));
            }
            continue;
        }
        check_known(*k, v, source_name);
    }
}

std::optional<std::filesystem::path> find_node_config_file() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return std::nullopt;
    }
    auto dir = exe.parent_path();
    std::vector<std::filesystem::path> candidates = {
        dir / ".." / "conf" / "tempest.yaml", dir / ".." / ".." / "conf" / "tempest.yaml",
        dir / ".." / "etc" / "tempest" / "tempest.yaml"};
    // Installed with prefix /usr, the configuration is in /etc (GNUInstallDirs, the .deb).
    if (dir.lexically_normal() == "/usr/bin") {
        candidates.emplace_back("/etc/tempest/tempest.yaml");
    }
    for (const auto& candidate : candidates) {
        if (std::filesystem::is_regular_file(candidate, ec)) {
            return candidate.lexically_normal();
        }
    }
    return std::nullopt;
}

config load_daemon_config(const std::optional<std::filesystem::path>& config_file,
                          const std::vector<std::string>& overrides) {
    config conf = default_config();
    std::optional<std::filesystem::path> file = config_file ? config_file : find_node_config_file();
    if (file) {
        parsed_config node = load_config_file(*file);
        validate_daemon_config(node.conf, node.source);
        conf.merge(node.conf);
    }
    for (const auto& o : overrides) {
        parsed_config layer = parse_config_override(o);
        validate_daemon_config(layer.conf, layer.source);
        conf.merge(layer.conf);
    }
    return conf;
}

}  // namespace tempest::common
