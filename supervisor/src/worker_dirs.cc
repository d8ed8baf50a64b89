// SPDX-License-Identifier: Apache-2.0
#include "worker_dirs.h"

#include "logger.h"
#include "tempest/common/file_util.h"
#include "tempest/thrift/cluster_records_codec.h"

#include <nlohmann/json.hpp>

#include <string>
#include <system_error>

namespace tempest::supervisor::detail {

namespace fs = std::filesystem;

namespace {
constexpr const char* launch_file = "launch.json";
constexpr const char* pid_file = "pid";
}  // namespace

heartbeat_reading read_heartbeat_file(const fs::path& file, std::string_view worker_id) {
    heartbeat_reading out;
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        return out;
    }
    auto bytes = common::try_read_file(file);
    if (!bytes) {
        log().warn("worker {}: cannot read its heartbeat {} ({}); treating it as timed out",
                   worker_id, file.string(), bytes.error().message());
        out.unreadable = true;
        return out;
    }
    auto r = thrift::decode_local_worker_heartbeat(*bytes);
    if (!r) {
        log().warn("worker {}: heartbeat {} is corrupt ({}); treating it as timed out", worker_id,
                   file.string(), r.error().message());
        out.unreadable = true;
        return out;
    }
    out.heartbeat = std::move(*r);
    return out;
}

void write_launch_record(const fs::path& dir, const worker_launch& launch) {
    common::write_file_atomically(dir / launch_file,
                                  nlohmann::json{{"topology_id", launch.topology_id},
                                                 {"port", launch.port},
                                                 {"launched_ms", launch.launched_ms}}
                                      .dump());
}

std::optional<worker_launch> read_launch_record(const fs::path& dir, std::string_view worker_id) {
    auto text = common::try_read_file(dir / launch_file);
    if (!text) {
        return std::nullopt;
    }
    worker_launch out;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object()) {
        log().warn("worker {}: {} is corrupt", worker_id, launch_file);
        return out;
    }
    out.topology_id = j.value("topology_id", "");
    out.port = j.value("port", 0);
    out.launched_ms = j.value("launched_ms", std::int64_t{0});
    return out;
}

void write_pid_file(const fs::path& dir, pid_t pid) {
    common::write_file_atomically(dir / pid_file, std::to_string(pid) + "\n");
}

pid_t read_pid_file(const fs::path& dir, std::string_view worker_id) {
    auto text = common::try_read_file(dir / pid_file);
    if (!text) {
        return 0;
    }
    try {
        return static_cast<pid_t>(std::stol(*text));
    } catch (const std::exception&) {
        log().warn("worker {}: unreadable pid file", worker_id);
        return 0;
    }
}

}  // namespace tempest::supervisor::detail
