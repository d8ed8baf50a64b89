// SPDX-License-Identifier: Apache-2.0
// nimbus_settings: the daemon config keys Nimbus reads, read once at construction with their
// defaults taken from conf/defaults.yaml (common::conf_int), never repeated in code.
#pragma once

#include "package_check.h"
#include "tempest/topology_api/config.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace tempest::nimbus {

// The keys only Nimbus reads (conf/defaults.yaml and common's config schema document each);
// the keys other daemons read too are common::keys (tempest/common/config_keys.h).
namespace keys {
inline constexpr const char* nimbus_monitor_freq_secs = "nimbus.monitor.freq.secs";
inline constexpr const char* nimbus_task_timeout_secs = "nimbus.task.timeout.secs";
inline constexpr const char* nimbus_task_launch_secs = "nimbus.task.launch.secs";
inline constexpr const char* nimbus_supervisor_timeout_secs = "nimbus.supervisor.timeout.secs";
inline constexpr const char* nimbus_file_upload_max_bytes = "nimbus.file.upload.max.bytes";
inline constexpr const char* nimbus_package_check = "nimbus.package.check";
inline constexpr const char* nimbus_package_check_command = "nimbus.package.check.command";
inline constexpr const char* nimbus_package_check_timeout_secs =
    "nimbus.package.check.timeout.secs";
inline constexpr const char* nimbus_package_check_memory_mb = "nimbus.package.check.memory.mb";
// The Thrift server's bounds (nimbus_server, frame_server.h).
inline constexpr const char* nimbus_thrift_max_buffer_size = "nimbus.thrift.max_buffer_size";
inline constexpr const char* nimbus_thrift_threads = "nimbus.thrift.threads";
inline constexpr const char* nimbus_thrift_max_connections = "nimbus.thrift.max.connections";
inline constexpr const char* nimbus_thrift_client_idle_timeout_secs =
    "nimbus.thrift.client.idle.timeout.secs";
}  // namespace keys

// What Nimbus' parts need from the daemon config. A plain value; copied into each part.
struct nimbus_settings {
    std::filesystem::path local_dir;          // storm.local.dir (absolute), or the given override
    std::int64_t max_upload_bytes = 0;        // nimbus.file.upload.max.bytes
    std::chrono::seconds monitor_period;      // nimbus.monitor.freq.secs (at least 1 s)
    std::chrono::seconds task_timeout;        // nimbus.task.timeout.secs
    std::int64_t task_launch_secs = 0;        // nimbus.task.launch.secs
    std::chrono::seconds supervisor_timeout;  // nimbus.supervisor.timeout.secs
    package_check_settings package_check;     // nimbus.package.check*

    std::filesystem::path inbox() const { return local_dir / "nimbus" / "inbox"; }
    std::filesystem::path stormdist() const { return local_dir / "nimbus" / "stormdist"; }

    // Reads `conf`; `local_dir` replaces storm.local.dir when given. Throws
    // std::invalid_argument when there is no local dir.
    static nimbus_settings from(const config& conf, const std::filesystem::path& local_dir = {});
};

}  // namespace tempest::nimbus
