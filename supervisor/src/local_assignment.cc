// SPDX-License-Identifier: Apache-2.0
// The local assignment file: JSON, {"version": 1, "ports": {"6700": {"topology_id": "wc-1-17",
// "executors": [[1, 2], [3, 3]]}}}, written to a temporary file and renamed over the old one.
#include "tempest/supervisor/local_assignment.h"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace tempest::supervisor {

namespace fs = std::filesystem;

void normalize(std::vector<executor_range>& executors) {
    std::sort(executors.begin(), executors.end());
    executors.erase(std::unique(executors.begin(), executors.end()), executors.end());
}

common::result<void> write_local_assignments(const fs::path& path, const port_assignments& a) {
    nlohmann::json ports = nlohmann::json::object();
    for (const auto& [port, la] : a) {
        nlohmann::json execs = nlohmann::json::array();
        for (const auto& e : la.executors) {
            execs.push_back({e.task_start, e.task_end});
        }
        ports[std::to_string(port)] = {{"topology_id", la.topology_id}, {"executors", execs}};
    }
    const std::string text = nlohmann::json{{"version", 1}, {"ports", ports}}.dump(2) + "\n";
    const fs::path tmp = path.string() + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return std::error_code(errno, std::generic_category());
    }
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            std::error_code ec(errno, std::generic_category());
            ::close(fd);
            return ec;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        return std::error_code(errno, std::generic_category());
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        return ec;
    }
    return {};
}

common::result<port_assignments> read_local_assignments(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        return port_assignments{};
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::make_error_code(std::errc::io_error);
    }
    std::stringstream text;
    text << in.rdbuf();
    const auto corrupt = std::make_error_code(std::errc::illegal_byte_sequence);
    nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("ports") || !j["ports"].is_object()) {
        return corrupt;
    }
    port_assignments out;
    try {
        for (const auto& [key, v] : j["ports"].items()) {
            std::size_t used = 0;
            int port = std::stoi(key, &used);
            if (used != key.size() || port < 1 || port > 65535) {
                return corrupt;
            }
            local_assignment la;
            la.topology_id = v.at("topology_id").get<std::string>();
            if (la.topology_id.empty()) {
                return corrupt;
            }
            for (const auto& e : v.at("executors")) {
                if (!e.is_array() || e.size() != 2) {
                    return corrupt;
                }
                la.executors.push_back({e[0].get<int>(), e[1].get<int>()});
            }
            normalize(la.executors);
            out.emplace(port, std::move(la));
        }
    } catch (const std::exception&) {
        return corrupt;  // a wrong type or a non-numeric port
    }
    return out;
}

}  // namespace tempest::supervisor
