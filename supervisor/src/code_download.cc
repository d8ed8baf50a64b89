// SPDX-License-Identifier: Apache-2.0
#include "code_download.h"

#include "logger.h"
#include "random_id.h"
#include "tempest/common/nimbus_client.h"
#include "tempest/common/sha256.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace tempest::supervisor::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view partial_prefix = ".download-";

// Throws std::runtime_error naming the topology, the file and both digests unless the package in
// `dir` has the SHA-256 recorded beside it. A package damaged in transfer or on Nimbus's disk
// would otherwise only show up as a worker failing to load it, over and over.
void verify_package_checksum(const fs::path& dir, const std::string& topology_id) {
    const fs::path sum_path = dir / checksum_file;
    std::ifstream in(sum_path, std::ios::binary);
    if (!in) {
        throw std::runtime_error(
            fmt::format("cannot read {} of topology {}", checksum_file, topology_id));
    }
    // Nimbus writes the digest and a newline; read a little more than that, enough to tell a
    // malformed file without reading an arbitrarily large one.
    std::string recorded(128, '\0');
    in.read(recorded.data(), static_cast<std::streamsize>(recorded.size()));
    recorded.resize(static_cast<std::size_t>(in.gcount()));
    while (!recorded.empty() && (recorded.back() == '\n' || recorded.back() == '\r')) {
        recorded.pop_back();
    }
    if (!common::is_sha256_hex(recorded)) {
        throw std::runtime_error(fmt::format(
            "{} of topology {} is malformed: expected 64 lowercase hex digits, found {:?}",
            checksum_file, topology_id, recorded.substr(0, 80)));
    }
    const std::string actual = common::sha256_of_file(dir / package_file);
    if (actual != recorded) {
        throw std::runtime_error(fmt::format("{} of topology {} has SHA-256 {} but {} records {}",
                                             package_file, topology_id, actual, checksum_file,
                                             recorded));
    }
}

}  // namespace

bool install_topology_code(const fs::path& stormdist, const std::string& topology_id,
                           const code_fetcher& fetch) {
    std::error_code ec;
    const fs::path final_dir = stormdist / topology_id;
    if (fs::is_directory(final_dir, ec)) {
        return true;
    }
    const fs::path tmp =
        stormdist / (std::string(partial_prefix) + topology_id + "-" + random_hex(8));
    try {
        fs::create_directories(tmp);
        fetch(topology_id, tmp);
        for (const char* name : code_files) {
            if (!fs::is_regular_file(tmp / name, ec)) {
                throw std::runtime_error(std::string("the download has no ") + name);
            }
        }
        // Before the rename: once in place the code is trusted and never fetched again.
        verify_package_checksum(tmp, topology_id);
        fs::rename(tmp, final_dir);
    } catch (const std::exception& e) {
        log().warn("cannot download the code of topology {} (will retry at the next sync): {}",
                   topology_id, e.what());
        fs::remove_all(tmp, ec);
        return false;
    }
    log().info("downloaded the code of topology {} to {}", topology_id, final_dir.string());
    return true;
}

code_fetcher nimbus_fetcher(const config& conf) {
    std::vector<std::string> seeds;
    if (const value* v = conf.find("nimbus.seeds"); v != nullptr) {
        if (v->type() == value_type::list) {
            for (const auto& s : v->as_list()) {
                seeds.push_back(s.as_string());
            }
        } else if (v->type() == value_type::string) {
            seeds.push_back(v->as_string());
        }
    }
    const int port = static_cast<int>(conf.get_int("nimbus.thrift.port", 6627));
    return [seeds, port](const std::string& topology_id, const fs::path& dest) {
        if (seeds.empty()) {
            throw std::runtime_error("nimbus.seeds is empty: no Nimbus to download from");
        }
        std::string errors;
        for (const auto& seed : seeds) {
            try {
                auto client = common::nimbus_client::connect(seed, port, std::chrono::seconds(30));
                for (const char* name : code_files) {
                    client.download_file(topology_id + "/" + name, dest / name);
                }
                return;
            } catch (const std::exception& e) {
                if (!errors.empty()) {
                    errors += "; ";
                }
                errors += fmt::format("{}:{}: {}", seed, port, e.what());
            }
        }
        throw std::runtime_error("no Nimbus served it: " + errors);
    };
}

void remove_partial_downloads(const fs::path& stormdist) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(stormdist, ec)) {
        if (entry.path().filename().string().starts_with(partial_prefix)) {
            fs::remove_all(entry.path(), ec);
        }
    }
}

}  // namespace tempest::supervisor::detail
