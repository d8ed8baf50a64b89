// SPDX-License-Identifier: Apache-2.0
// Nimbus' daemon settings (see nimbus_settings.h).
#include "nimbus_settings.h"

#include "tempest/common/config_keys.h"
#include "tempest/common/config_loader.h"

#include <algorithm>
#include <stdexcept>

namespace tempest::nimbus {

namespace fs = std::filesystem;

nimbus_settings nimbus_settings::from(const config& conf, const fs::path& local_dir) {
    nimbus_settings s;
    // Not the default: a Nimbus without a configured local dir is a mistake, not "tempest-local".
    s.local_dir = local_dir.empty() ? fs::path(conf.get_string(common::keys::storm_local_dir, ""))
                                    : local_dir;
    if (s.local_dir.empty()) {
        throw std::invalid_argument("nimbus: storm.local.dir is not set");
    }
    s.local_dir = fs::absolute(s.local_dir).lexically_normal();
    s.max_upload_bytes = common::conf_int(conf, keys::nimbus_file_upload_max_bytes);
    s.monitor_period = std::chrono::seconds(
        std::max<std::int64_t>(1, common::conf_int(conf, keys::nimbus_monitor_freq_secs)));
    s.task_timeout = std::chrono::seconds(common::conf_int(conf, keys::nimbus_task_timeout_secs));
    s.task_launch_secs = common::conf_int(conf, keys::nimbus_task_launch_secs);
    s.supervisor_timeout =
        std::chrono::seconds(common::conf_int(conf, keys::nimbus_supervisor_timeout_secs));
    const value* check = conf.find(keys::nimbus_package_check);
    s.package_check.enabled =
        check != nullptr && !check->is_null()
            ? check->as_bool()
            : common::default_config().get_bool(keys::nimbus_package_check, true);
    if (const value* cmd = conf.find(keys::nimbus_package_check_command);
        cmd != nullptr && !cmd->is_null()) {
        for (const auto& part : cmd->as_list()) {
            s.package_check.command.push_back(part.as_string());
        }
    }
    s.package_check.timeout =
        std::chrono::seconds(common::conf_int(conf, keys::nimbus_package_check_timeout_secs));
    s.package_check.memory_bytes = common::conf_int(conf, keys::nimbus_package_check_memory_mb)
                                   << 20;
    return s;
}

}  // namespace tempest::nimbus
