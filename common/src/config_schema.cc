// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/config_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace tempest::common {
namespace {

using t = config_type;
constexpr double max_port = 65535;
// The largest value of any duration key, whatever its unit (about 31 years in seconds, 11 days in
// milliseconds): keeps every conversion to a finer unit far inside int64.
constexpr double max_duration = 1'000'000'000;
// spdlog's level names (common/src/log.cc parses them).
constexpr std::array<std::string_view, 7> log_levels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};

// Keep sorted by name (find_config_key searches it) and in step with conf/defaults.yaml.
constexpr std::array schema{
    config_key{.name = "logviewer.host", .type = t::string},
    // The UI's workerLogLink points there; the logviewer binds it (0: any free port, tests).
    config_key{.name = "logviewer.port", .type = t::integer, .min = 0, .max = max_port},
    config_key{.name = "nimbus.file.upload.max.bytes", .type = t::integer, .min = 1},
    config_key{
        .name = "nimbus.leader.timeout.secs", .type = t::integer, .min = 1, .max = max_duration},
    config_key{
        .name = "nimbus.monitor.freq.secs", .type = t::integer, .min = 1, .max = max_duration},
    config_key{.name = "nimbus.package.check", .type = t::boolean},
    // null: `tempest nimbus` runs itself (`<tempest binary> package-classes`).
    config_key{.name = "nimbus.package.check.command",
               .type = t::list,
               .nullable = true,
               .element_type = t::string},
    config_key{.name = "nimbus.package.check.memory.mb", .type = t::integer, .min = 16},
    config_key{.name = "nimbus.package.check.timeout.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "nimbus.seeds", .type = t::list, .element_type = t::string},
    config_key{.name = "nimbus.supervisor.timeout.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{
        .name = "nimbus.task.launch.secs", .type = t::integer, .min = 1, .max = max_duration},
    config_key{
        .name = "nimbus.task.timeout.secs", .type = t::integer, .min = 1, .max = max_duration},
    // Seconds a connection has for each whole request (and to take each reply).
    config_key{.name = "nimbus.thrift.client.idle.timeout.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{
        .name = "nimbus.thrift.max.connections", .type = t::integer, .min = 1, .max = 1 << 20},
    // Largest request frame; at least 1 MiB so that clients' 512 KiB upload chunks fit.
    config_key{.name = "nimbus.thrift.max_buffer_size",
               .type = t::integer,
               .min = 1 << 20,
               .max = (1 << 30)},
    // 0 binds any free port (tests); the daemon reports the port it got.
    config_key{.name = "nimbus.thrift.port", .type = t::integer, .min = 0, .max = max_port},
    config_key{.name = "nimbus.thrift.threads", .type = t::integer, .min = 1, .max = 4096},
    config_key{.name = "storm.local.dir", .type = t::string},
    config_key{.name = "storm.local.hostname", .type = t::string, .nullable = true},
    config_key{.name = "storm.thrift.socket.timeout.ms",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "storm.zookeeper.connection.timeout",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "storm.zookeeper.port", .type = t::integer, .min = 1, .max = max_port},
    config_key{.name = "storm.zookeeper.root", .type = t::string},
    config_key{.name = "storm.zookeeper.servers", .type = t::list, .element_type = t::string},
    config_key{.name = "storm.zookeeper.session.timeout",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "supervisor.heartbeat.frequency.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "supervisor.monitor.frequency.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "supervisor.slots.ports",
               .type = t::list,
               .element_type = t::integer,
               .min = 1,
               .max = max_port},
    config_key{.name = "supervisor.sync.frequency.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "supervisor.worker.shutdown.sleep.secs",
               .type = t::integer,
               .min = 0,
               .max = max_duration},
    config_key{.name = "supervisor.worker.start.timeout.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "supervisor.worker.timeout.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{
        .name = "task.heartbeat.frequency.secs", .type = t::integer, .min = 1, .max = max_duration},
    config_key{.name = "tempest.log.dir", .type = t::string},
    config_key{.name = "tempest.log.level", .type = t::string, .choices = log_levels},
    config_key{.name = "tempest.log.max.files", .type = t::integer, .min = 1, .max = 1000},
    // 0: never rotate; at most 1 TiB.
    config_key{.name = "tempest.log.max.size.mb", .type = t::number, .min = 0, .max = 1 << 20},
    config_key{.name = "topology.acker.executors", .type = t::integer, .nullable = true, .min = 0},
    config_key{.name = "topology.acker.on.spout.thread", .type = t::boolean},
    config_key{.name = "topology.batch.flush.interval.millis",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "topology.bolts.late.tuple.stream", .type = t::string, .nullable = true},
    config_key{.name = "topology.bolts.sliding.interval.count",
               .type = t::integer,
               .nullable = true,
               .min = 1},
    config_key{.name = "topology.bolts.sliding.interval.duration.ms",
               .type = t::integer,
               .nullable = true,
               .min = 1,
               .max = max_duration},
    config_key{
        .name = "topology.bolts.tuple.timestamp.field.name", .type = t::string, .nullable = true},
    config_key{.name = "topology.bolts.tuple.timestamp.max.lag.ms",
               .type = t::integer,
               .nullable = true,
               .min = 0,
               .max = max_duration},
    config_key{.name = "topology.bolts.watermark.event.interval.ms",
               .type = t::integer,
               .nullable = true,
               .min = 1,
               .max = max_duration},
    config_key{.name = "topology.bolts.window.length.count",
               .type = t::integer,
               .nullable = true,
               .min = 1},
    config_key{.name = "topology.bolts.window.length.duration.ms",
               .type = t::integer,
               .nullable = true,
               .min = 1,
               .max = max_duration},
    config_key{.name = "topology.chaining", .type = t::boolean},
    config_key{.name = "topology.debug", .type = t::boolean},
    config_key{.name = "topology.error.throttle.interval.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "topology.executor.receive.buffer.size",
               .type = t::integer,
               .min = 2,
               .max = 1 << 24,
               .power_of_two = true},
    config_key{.name = "topology.local.duration.secs",
               .type = t::number,
               .nullable = true,
               .min = 0,
               .max = max_duration},
    config_key{.name = "topology.max.error.report.per.interval", .type = t::integer, .min = 0},
    config_key{
        .name = "topology.max.spout.pending", .type = t::integer, .nullable = true, .min = 1},
    config_key{
        .name = "topology.max.task.parallelism", .type = t::integer, .nullable = true, .min = 1},
    config_key{
        .name = "topology.message.timeout.secs", .type = t::integer, .min = 1, .max = max_duration},
    config_key{.name = "topology.multilang.resources.dir", .type = t::string, .nullable = true},
    config_key{.name = "topology.name", .type = t::string, .nullable = true},
    config_key{
        .name = "topology.producer.batch.size", .type = t::integer, .min = 1, .max = 1 << 16},
    config_key{.name = "topology.spout.wait.max.micros",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "topology.stats.sample.rate", .type = t::number, .min = 0, .max = 1},
    config_key{.name = "topology.subprocess.timeout.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    config_key{.name = "topology.tick.tuple.freq.secs",
               .type = t::integer,
               .nullable = true,
               .min = 1,
               .max = max_duration},
    config_key{.name = "topology.transfer.buffer.size",
               .type = t::integer,
               .min = 2,
               .max = 1 << 24,
               .power_of_two = true},
    config_key{.name = "topology.workers", .type = t::integer, .min = 1},
    config_key{.name = "ui.host", .type = t::string},
    // 0 binds any free port (tests); the daemon reports the port it got.
    config_key{.name = "ui.port", .type = t::integer, .min = 0, .max = max_port},
    config_key{.name = "worker.heartbeat.frequency.secs",
               .type = t::integer,
               .min = 1,
               .max = max_duration},
    // The I/O threads all of a worker's connections share.
    config_key{.name = "worker.transport.io.threads", .type = t::integer, .min = 1, .max = 64},
};

constexpr bool sorted_by_name() {
    for (std::size_t i = 1; i < schema.size(); ++i) {
        if (!(schema[i - 1].name < schema[i].name)) {
            return false;
        }
    }
    return true;
}
static_assert(sorted_by_name(), "keep the config schema sorted by key name");

// Every key of the schema starts with one of these (config_walk_test checks it).
constexpr std::array<std::string_view, 9> reserved{"logviewer.",  "nimbus.", "storm.",
                                                   "supervisor.", "task.",   "tempest.",
                                                   "topology.",   "ui.",     "worker."};

// "1", "0.5", "65535": a bound as written in defaults.yaml's comments.
std::string bound(double d) {
    if (d == std::trunc(d) && std::abs(d) < 1e15) {
        return std::to_string(static_cast<std::int64_t>(d));
    }
    return fmt::format("{}", d);
}

// " >= 1", " from 0 to 65535", or "" for no range.
std::string range_phrase(const config_key& k) {
    if (k.min && k.max) {
        return fmt::format(" from {} to {}", bound(*k.min), bound(*k.max));
    }
    if (k.min) {
        return fmt::format(" >= {}", bound(*k.min));
    }
    if (k.max) {
        return fmt::format(" <= {}", bound(*k.max));
    }
    return {};
}

// What one scalar of type `type` must be under `k`'s range, in the singular or the plural:
// "an integer >= 1", "a power of two from 2 to 16777216", "strings".
std::string scalar_phrase(const config_key& k, config_type type, bool many) {
    switch (type) {
        case t::integer:
            if (k.power_of_two) {
                return (many ? "powers of two" : "a power of two") + range_phrase(k);
            }
            return (many ? "integers" : "an integer") + range_phrase(k);
        case t::number:
            return (many ? "numbers" : "a number") + range_phrase(k);
        case t::boolean:
            return many ? "booleans (true or false)" : "a boolean (true or false)";
        case t::string:
            if (!k.choices.empty()) {
                std::string out = "one of ";
                for (std::size_t i = 0; i < k.choices.size(); ++i) {
                    out += i == 0 ? "" : i + 1 == k.choices.size() ? " or " : ", ";
                    out += k.choices[i];
                }
                return out;
            }
            return many ? "strings" : "a string";
        case t::list:
            return many ? "lists" : "a list";
    }
    return "a value";
}

bool has_type(config_type type, const value& v) {
    switch (type) {
        case t::integer:
            return v.type() == value_type::int64;
        case t::number:
            return v.type() == value_type::int64 || v.type() == value_type::float64;
        case t::boolean:
            return v.type() == value_type::boolean;
        case t::string:
            return v.type() == value_type::string;
        case t::list:
            return v.type() == value_type::list;
    }
    return false;
}

// Whether a value of the right type is in range (and a power of two, one of the choices).
bool in_range(const config_key& k, const value& v) {
    if (v.type() == value_type::string) {
        return k.choices.empty() ||
               std::find(k.choices.begin(), k.choices.end(), v.as_string()) != k.choices.end();
    }
    if (v.type() != value_type::int64 && v.type() != value_type::float64) {
        return true;
    }
    double d = v.as_double();
    if (!std::isfinite(d) || (k.min && d < *k.min) || (k.max && d > *k.max)) {
        return false;
    }
    if (k.power_of_two) {
        std::int64_t i = v.as_int();
        return i > 0 && (i & (i - 1)) == 0;
    }
    return true;
}

// The longest given value quoted in full; longer ones are cut (an error stays one short line).
constexpr std::size_t max_given = 80;

std::string shorten(std::string text) {
    if (text.size() > max_given) {
        text.resize(max_given - 3);
        text += "...";
    }
    return text;
}

}  // namespace

std::span<const config_key> config_schema() noexcept {
    return schema;
}

const config_key* find_config_key(std::string_view name) noexcept {
    auto it = std::lower_bound(schema.begin(), schema.end(), name,
                               [](const config_key& k, std::string_view n) { return k.name < n; });
    return it != schema.end() && it->name == name ? &*it : nullptr;
}

std::span<const std::string_view> reserved_config_prefixes() noexcept {
    return reserved;
}

std::string expected_phrase(const config_key& k) {
    std::string out = k.type == t::list ? "a list of " + scalar_phrase(k, k.element_type, true)
                                        : scalar_phrase(k, k.type, false);
    if (k.nullable) {
        out += " or null";
    }
    return out;
}

std::string_view kind_phrase(value_type type) noexcept {
    switch (type) {
        case value_type::null:
            return "null";
        case value_type::boolean:
            return "a boolean";
        case value_type::int64:
            return "an integer";
        case value_type::float64:
            return "a fractional number";
        case value_type::string:
            return "a string";
        case value_type::bytes:
            return "bytes";
        case value_type::list:
            return "a list";
    }
    return "a value";
}

std::string given_phrase(const value& v) {
    if (v.is_null()) {
        return "null";
    }
    return fmt::format("{} ({})", shorten(v.to_string()), kind_phrase(v.type()));
}

std::string check_config_value(const config_key& k, const value& v) {
    auto wrong = [&](std::string given) {
        return fmt::format("got {}, expected {}", given, expected_phrase(k));
    };
    if (v.is_null()) {
        return k.nullable ? std::string() : wrong("null");
    }
    if (k.type != t::list) {
        if (!has_type(k.type, v)) {
            return wrong(given_phrase(v));
        }
        return in_range(k, v) ? std::string() : wrong(shorten(v.to_string()));
    }
    if (v.type() != value_type::list) {
        return wrong(given_phrase(v));
    }
    const auto& items = v.as_list();
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!has_type(k.element_type, items[i])) {
            return wrong(fmt::format("{} (element {} is {})", shorten(v.to_string()), i,
                                     kind_phrase(items[i].type())));
        }
        if (!in_range(k, items[i])) {
            return wrong(fmt::format("{} (element {} is {})", shorten(v.to_string()), i,
                                     shorten(items[i].to_string())));
        }
    }
    return {};
}

}  // namespace tempest::common
