// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/code_install.h"

#include "tempest/common/log.h"
#include "tempest/common/package_bundle.h"
#include "tempest/common/random_id.h"
#include "tempest/common/sha256.h"
#include "tempest/common/stormdist.h"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace tempest::common {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view partial_prefix = ".install-";
constexpr std::string_view old_partial_prefix = ".download-";  // the supervisor's, before

spdlog::logger& log() {
    return logger("stormdist");
}

class install_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "tempest.code_install"; }
    std::string message(int code) const override {
        switch (static_cast<install_errc>(code)) {
            case install_errc::success:
                return "success";
            case install_errc::missing_file:
                return "a file of the topology's code is missing";
            case install_errc::checksum_malformed:
                return "the package's recorded SHA-256 is malformed";
            case install_errc::checksum_mismatch:
                return "the package does not match its recorded SHA-256";
            case install_errc::fetcher_threw:
                return "fetching the topology's code failed";
            case install_errc::io_error:
                return "cannot write the topology's code on the local disk";
            case install_errc::resources_malformed:
                return "the package's resources archive cannot be unpacked";
        }
        return "unknown code install error";
    }
};

// The error of the check that the package in `dir` has the SHA-256 recorded beside it, logged
// with the details. A package damaged in transfer or on the source's disk would otherwise only
// show up as a worker failing to load it, over and over.
result<void> verify_package_checksum(const fs::path& dir, std::string_view topology_id) {
    std::ifstream in(dir / stormdist::checksum_file, std::ios::binary);
    if (!in) {
        log().warn("cannot read {} of topology {}", stormdist::checksum_file, topology_id);
        return install_errc::missing_file;
    }
    // The source writes the digest and a newline; read a little more than that, enough to tell
    // a malformed file without reading an arbitrarily large one.
    std::string recorded(128, '\0');
    in.read(recorded.data(), static_cast<std::streamsize>(recorded.size()));
    recorded.resize(static_cast<std::size_t>(in.gcount()));
    while (!recorded.empty() && (recorded.back() == '\n' || recorded.back() == '\r')) {
        recorded.pop_back();
    }
    if (!is_sha256_hex(recorded)) {
        log().warn("{} of topology {} is malformed: expected 64 lowercase hex digits, found {:?}",
                   stormdist::checksum_file, topology_id, recorded.substr(0, 80));
        return install_errc::checksum_malformed;
    }
    const std::string actual = sha256_of_file(dir / stormdist::package_file);
    if (actual != recorded) {
        log().warn("{} of topology {} has SHA-256 {} but {} records {}", stormdist::package_file,
                   topology_id, actual, stormdist::checksum_file, recorded);
        return install_errc::checksum_mismatch;
    }
    return {};
}

// Fetches and checks every file into `tmp`; an exception of the fetcher is fetcher_threw.
// Exceptions of the disk are the caller's to catch.
result<void> fetch_all(const fs::path& tmp, std::string_view topology_id,
                       const code_file_fetcher& fetch) {
    for (const char* name : stormdist::files) {
        const std::string remote = std::string(topology_id) + "/" + name;
        result<void> r;
        try {
            r = fetch(remote, tmp / name);
        } catch (const std::exception& e) {
            log().warn("cannot fetch {}: {}", remote, e.what());
            return install_errc::fetcher_threw;
        }
        if (!r) {
            log().warn("cannot fetch {}: {}", remote, r.error().message());
            return r.error();
        }
    }
    std::error_code ec;
    for (const char* name : stormdist::files) {
        if (!fs::is_regular_file(tmp / name, ec)) {
            log().warn("the code of topology {} has no {}", topology_id, name);
            return install_errc::missing_file;
        }
    }
    if (auto r = verify_package_checksum(tmp, topology_id); !r) {
        return r;
    }
    // Only after the checksum: what is unpacked is what Nimbus recorded.
    std::string why;
    auto unpacked = extract_bundled_resources(tmp / stormdist::package_file,
                                              tmp / stormdist::resources_dir, &why);
    if (!unpacked) {
        log().warn("cannot unpack the resources of topology {}: {} ({})", topology_id,
                   unpacked.error().message(), why);
        return unpacked.error() == bundle_errc::io_error ? install_errc::io_error
                                                         : install_errc::resources_malformed;
    }
    if (*unpacked > 0) {
        log().info("unpacked {} resource entries of topology {}", *unpacked, topology_id);
    }
    return {};
}

}  // namespace

const std::error_category& install_category() noexcept {
    static const install_category_impl category;
    return category;
}

result<void> install_topology_code(const fs::path& stormdist, std::string_view topology_id,
                                   const code_file_fetcher& fetch) {
    std::error_code ec;
    const fs::path final_dir = stormdist::topology_dir(stormdist, topology_id);
    if (fs::is_directory(final_dir, ec)) {
        return {};
    }
    const fs::path tmp =
        stormdist / fmt::format("{}{}-{}", partial_prefix, topology_id, random_hex(8));
    result<void> done;
    try {
        fs::create_directories(tmp);
        done = fetch_all(tmp, topology_id, fetch);
        if (done) {
            // After the checks: once in place the code is trusted and never fetched again.
            fs::rename(tmp, final_dir, ec);
            if (ec && !fs::is_directory(final_dir)) {
                log().warn("cannot move the code of topology {} into {}: {}", topology_id,
                           final_dir.string(), ec.message());
                done = install_errc::io_error;
            }
        }
    } catch (const std::exception& e) {
        log().warn("cannot install the code of topology {}: {}", topology_id, e.what());
        done = install_errc::io_error;
    }
    fs::remove_all(tmp, ec);  // after a rename there is nothing left to remove
    return done;
}

void remove_partial_installs(const fs::path& stormdist) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(stormdist, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(partial_prefix) || name.starts_with(old_partial_prefix)) {
            fs::remove_all(entry.path(), ec);
        }
    }
}

}  // namespace tempest::common
