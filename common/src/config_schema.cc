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

// Keep sorted by name (find_config_key searches it) and in step with conf/defaults.yaml.
constexpr std::array schema{
    config_key{.name = "logviewer.host", .type = t::string},
    // The UI's workerLogLink points there; the logviewer binds it (0: any free port, tests).
    config_key{.name = "logviewer.port", .type = t::integer, .min = 0, .max = max_port},
    config_key{.name = "nimbus.file.upload.max.bytes", .type = t::integer, .min = 1},
    config_key{.name = "nimbus.leader.timeout.secs", .type = t::integer, .min = 1},
    config_key{.name = "nimbus.monitor.freq.secs", .type = t::integer, .min = 1},
    config_key{.name = "nimbus.package.check", .type = t::boolean},
    // null: `tempest nimbus` runs itself (`<tempest binary> package-classes`).
    config_key{.name = "nimbus.package.check.command",
               .type = t::list,
               .nullable = true,
               .element_type = t::string},
    config_key{.name = "nimbus.package.check.memory.mb", .type = t::integer, .min = 16},
    config_key{.name = "nimbus.package.check.timeout.secs", .type = t::integer, .min = 1},
    config_key{.name = "nimbus.seeds", .type = t::list, .element_type = t::string},
    config_key{.name = "nimbus.supervisor.timeout.secs", .type = t::integer, .min = 1},
    config_key{.name = "nimbus.task.launch.secs", .type = t::integer, .min = 1},
    config_key{.name = "nimbus.task.timeout.secs", .type = t::integer, .min = 1},
    // Seconds a connection has for each whole request (and to take each reply).
    config_key{.name = "nimbus.thrift.client.idle.timeout.secs", .type = t::integer, .min = 1},
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
    config_key{.name = "storm.thrift.socket.timeout.ms", .type = t::integer, .min = 1},
    config_key{.name = "storm.zookeeper.connection.timeout", .type = t::integer, .min = 1},
    config_key{.name = "storm.zookeeper.port", .type = t::integer, .min = 1, .max = max_port},
    config_key{.name = "storm.zookeeper.root", .type = t::string},
    config_key{.name = "storm.zookeeper.servers", .type = t::list, .element_type = t::string},
    config_key{.name = "storm.zookeeper.session.timeout", .type = t::integer, .min = 1},
    config_key{.name = "supervisor.heartbeat.frequency.secs", .type = t::integer, .min = 1},
    config_key{.name = "supervisor.monitor.frequency.secs", .type = t::integer, .min = 1},
    config_key{.name = "supervisor.slots.ports",
               .type = t::list,
               .element_type = t::integer,
               .min = 1,
               .max = max_port},
    config_key{.name = "supervisor.sync.frequency.secs", .type = t::integer, .min = 1},
    config_key{.name = "supervisor.worker.shutdown.sleep.secs", .type = t::integer, .min = 0},
    config_key{.name = "supervisor.worker.start.timeout.secs", .type = t::integer, .min = 1},
    config_key{.name = "supervisor.worker.timeout.secs", .type = t::integer, .min = 1},
    config_key{.name = "task.heartbeat.frequency.secs", .type = t::integer, .min = 1},
    config_key{.name = "tempest.log.dir", .type = t::string},
    config_key{.name = "tempest.log.level", .type = t::string},
    config_key{.name = "tempest.log.max.files", .type = t::integer, .min = 1, .max = 1000},
    // 0: never rotate.
    config_key{.name = "tempest.log.max.size.mb", .type = t::number, .min = 0},
    config_key{.name = "topology.acker.executors", .type = t::integer, .nullable = true, .min = 0},
    config_key{.name = "topology.batch.flush.interval.millis", .type = t::integer, .min = 1},
    config_key{.name = "topology.chaining", .type = t::boolean},
    config_key{.name = "topology.debug", .type = t::boolean},
    config_key{.name = "topology.error.throttle.interval.secs", .type = t::integer, .min = 1},
    config_key{.name = "topology.executor.receive.buffer.size",
               .type = t::integer,
               .min = 2,
               .max = 1 << 24,
               .power_of_two = true},
    config_key{
        .name = "topology.local.duration.secs", .type = t::number, .nullable = true, .min = 0},
    config_key{.name = "topology.max.error.report.per.interval", .type = t::integer, .min = 0},
    config_key{
        .name = "topology.max.spout.pending", .type = t::integer, .nullable = true, .min = 1},
    config_key{
        .name = "topology.max.task.parallelism", .type = t::integer, .nullable = true, .min = 1},
    config_key{.name = "topology.message.timeout.secs", .type = t::integer, .min = 1},
    config_key{.name = "topology.multilang.resources.dir", .type = t::string, .nullable = true},
    config_key{.name = "topology.name", .type = t::string, .nullable = true},
    config_key{
        .name = "topology.producer.batch.size", .type = t::integer, .min = 1, .max = 1 << 16},
    config_key{.name = "topology.spout.wait.max.micros", .type = t::integer, .min = 1},
    config_key{.name = "topology.stats.sample.rate", .type = t::number, .min = 0, .max = 1},
    config_key{.name = "topology.subprocess.timeout.secs", .type = t::integer, .min = 1},
    config_key{
        .name = "topology.tick.tuple.freq.secs", .type = t::integer, .nullable = true, .min = 1},
    config_key{.name = "topology.transfer.buffer.size",
               .type = t::integer,
               .min = 2,
               .max = 1 << 24,
               .power_of_two = true},
    config_key{.name = "topology.workers", .type = t::integer, .min = 1},
    config_key{.name = "ui.host", .type = t::string},
    // 0 binds any free port (tests); the daemon reports the port it got.
    config_key{.name = "ui.port", .type = t::integer, .min = 0, .max = max_port},
    config_key{.name = "worker.heartbeat.frequency.secs", .type = t::integer, .min = 1},
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

constexpr std::array<std::string_view, 7> reserved{"topology.", "storm.", "nimbus.", "supervisor.",
                                                   "worker.",   "ui.",    "tempest."};

std::string_view type_phrase(config_type type) {
    switch (type) {
        case t::integer:
            return "an integer";
        case t::number:
            return "a number";
        case t::boolean:
            return "a boolean";
        case t::string:
            return "a string";
        case t::list:
            return "a list";
    }
    return "a value";
}

std::string_view plural(config_type type) {
    switch (type) {
        case t::integer:
            return "integers";
        case t::number:
            return "numbers";
        case t::boolean:
            return "booleans";
        case t::string:
            return "strings";
        case t::list:
            return "lists";
    }
    return "values";
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

std::string describe(const value& v) {
    switch (v.type()) {
        case value_type::null:
            return "null";
        case value_type::boolean:
            return "boolean " + v.to_string();
        case value_type::int64:
            return "integer " + v.to_string();
        case value_type::float64:
            return "float " + v.to_string();
        case value_type::string:
            return "string " + v.to_string();
        case value_type::bytes:
            return "bytes " + v.to_string();
        case value_type::list:
            return "list " + v.to_string();
    }
    return v.to_string();
}

// Range and power-of-two checks of a number; empty if it fits.
std::string check_range(const config_key& k, const value& v) {
    double d = v.as_double();
    bool low = k.min && d < *k.min;
    bool high = k.max && d > *k.max;
    if (low || high) {
        if (k.min && k.max) {
            return fmt::format("between {} and {}", *k.min, *k.max);
        }
        return k.min ? fmt::format("at least {}", *k.min) : fmt::format("at most {}", *k.max);
    }
    if (k.power_of_two) {
        std::int64_t i = v.as_int();
        if (i <= 0 || (i & (i - 1)) != 0) {
            return "a power of two";
        }
    }
    return {};
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

std::string check_config_value(const config_key& k, const value& v) {
    std::string_view or_null = k.nullable ? " or null" : "";
    if (v.is_null()) {
        if (k.nullable) {
            return {};
        }
        if (k.type == t::list) {
            return fmt::format("must be a list of {}, got null", plural(k.element_type));
        }
        return fmt::format("must be {}, got null", type_phrase(k.type));
    }
    if (k.type != t::list) {
        if (!has_type(k.type, v)) {
            return fmt::format("must be {}{}, got {}", type_phrase(k.type), or_null, describe(v));
        }
        if (k.type == t::integer || k.type == t::number) {
            if (auto want = check_range(k, v); !want.empty()) {
                return fmt::format("must be {}, got {}", want, v.to_string());
            }
        }
        return {};
    }
    if (v.type() != value_type::list) {
        return fmt::format("must be a list of {}{}, got {}", plural(k.element_type), or_null,
                           describe(v));
    }
    const auto& items = v.as_list();
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!has_type(k.element_type, items[i])) {
            return fmt::format("must be a list of {}, got {} at index {}", plural(k.element_type),
                               describe(items[i]), i);
        }
        if (k.element_type == t::integer || k.element_type == t::number) {
            if (auto want = check_range(k, items[i]); !want.empty()) {
                return fmt::format("must have every element {}, got {} at index {}", want,
                                   items[i].to_string(), i);
            }
        }
    }
    return {};
}

}  // namespace tempest::common
