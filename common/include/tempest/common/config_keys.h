// SPDX-License-Identifier: Apache-2.0
// config_keys: the names of the daemon keys the daemons read (topology keys are
// tempest::config's constants, topology_api/config.h), and reads that take a key's default from
// conf/defaults.yaml instead of repeating it in code. Daemon configs come from load_daemon_config
// with every default in them; the fallback serves configs built by hand (tests, embedders).
// Every name here is a key of the schema (config_keys_test checks it). Thread-safe.
#pragma once

#include "tempest/topology_api/config.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tempest::common::keys {

inline constexpr const char* storm_zookeeper_servers = "storm.zookeeper.servers";
inline constexpr const char* storm_zookeeper_port = "storm.zookeeper.port";
inline constexpr const char* storm_zookeeper_root = "storm.zookeeper.root";
inline constexpr const char* storm_zookeeper_session_timeout = "storm.zookeeper.session.timeout";
inline constexpr const char* storm_zookeeper_connection_timeout =
    "storm.zookeeper.connection.timeout";
inline constexpr const char* storm_local_dir = "storm.local.dir";
inline constexpr const char* storm_local_hostname = "storm.local.hostname";
inline constexpr const char* nimbus_seeds = "nimbus.seeds";
inline constexpr const char* nimbus_thrift_port = "nimbus.thrift.port";
// Bounds a client's connect to Nimbus and each of its calls (Storm's key; its default is longer).
inline constexpr const char* storm_thrift_socket_timeout_ms = "storm.thrift.socket.timeout.ms";
inline constexpr const char* supervisor_slots_ports = "supervisor.slots.ports";
inline constexpr const char* supervisor_heartbeat_frequency_secs =
    "supervisor.heartbeat.frequency.secs";
inline constexpr const char* supervisor_sync_frequency_secs = "supervisor.sync.frequency.secs";
inline constexpr const char* supervisor_monitor_frequency_secs =
    "supervisor.monitor.frequency.secs";
inline constexpr const char* supervisor_worker_timeout_secs = "supervisor.worker.timeout.secs";
inline constexpr const char* supervisor_worker_start_timeout_secs =
    "supervisor.worker.start.timeout.secs";
inline constexpr const char* supervisor_worker_shutdown_sleep_secs =
    "supervisor.worker.shutdown.sleep.secs";
inline constexpr const char* worker_heartbeat_frequency_secs = "worker.heartbeat.frequency.secs";
inline constexpr const char* task_heartbeat_frequency_secs = "task.heartbeat.frequency.secs";
inline constexpr const char* tempest_log_level = "tempest.log.level";
inline constexpr const char* tempest_log_dir = "tempest.log.dir";
// Topology keys the worker reads (Storm's names; a topology may set them).
inline constexpr const char* topology_error_throttle_interval_secs =
    "topology.error.throttle.interval.secs";
inline constexpr const char* topology_max_error_report_per_interval =
    "topology.max.error.report.per.interval";

// Every name above (for the test that keeps them in the schema).
inline constexpr std::array<const char*, 24> all = {
    storm_zookeeper_servers,
    storm_zookeeper_port,
    storm_zookeeper_root,
    storm_zookeeper_session_timeout,
    storm_zookeeper_connection_timeout,
    storm_local_dir,
    storm_local_hostname,
    nimbus_seeds,
    nimbus_thrift_port,
    storm_thrift_socket_timeout_ms,
    supervisor_slots_ports,
    supervisor_heartbeat_frequency_secs,
    supervisor_sync_frequency_secs,
    supervisor_monitor_frequency_secs,
    supervisor_worker_timeout_secs,
    supervisor_worker_start_timeout_secs,
    supervisor_worker_shutdown_sleep_secs,
    worker_heartbeat_frequency_secs,
    task_heartbeat_frequency_secs,
    tempest_log_level,
    tempest_log_dir,
    topology_error_throttle_interval_secs,
    topology_max_error_report_per_interval,
    "topology.workers",  // topology_api's, read by daemons too
};

}  // namespace tempest::common::keys

namespace tempest::common {

// `key` of `conf`, or its default from conf/defaults.yaml when `conf` lacks it. Throws
// tempest::type_error when the value is not of the type asked for, std::out_of_range naming the
// key when neither has it (defaults.yaml lacks the key, or holds null for it).
std::int64_t conf_int(const config& conf, std::string_view key);
std::string conf_string(const config& conf, std::string_view key);

// The same, with "" for a key whose default is null (storm.local.hostname).
std::string conf_string_or_empty(const config& conf, std::string_view key);

}  // namespace tempest::common
