// SPDX-License-Identifier: Apache-2.0
// Fetching topology code from another Nimbus (see code_replication.h).
#include "code_replication.h"

#include "logger.h"
#include "tempest/common/nimbus_client.h"
#include "tempest/common/random_id.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace tempest::nimbus {

namespace fs = std::filesystem;

namespace {

// The fetcher of nimbus_code_fetcher, also remembering the first failure's text.
common::code_file_fetcher fetcher(const std::string& host, int port,
                                  std::chrono::milliseconds timeout,
                                  std::shared_ptr<std::string> first_error) {
    auto client = std::make_shared<std::optional<common::nimbus_client>>();
    const std::string from = host + ":" + std::to_string(port);
    return [=](const std::string& remote, const fs::path& dest) -> common::result<void> {
        try {
            if (!client->has_value()) {
                client->emplace(common::nimbus_client::connect(host, port, timeout));
            }
            (*client)->download_file(remote, dest);
            return {};
        } catch (const std::exception& e) {
            client->reset();  // a fresh connection next time
            std::string what = "fetching '" + remote + "' from Nimbus " + from + ": " + e.what();
            log().warn("{}", what);
            if (first_error && first_error->empty()) {
                *first_error = std::move(what);
            }
            return std::make_error_code(std::errc::io_error);
        }
    };
}

}  // namespace

common::code_file_fetcher nimbus_code_fetcher(const std::string& host, int port,
                                              std::chrono::milliseconds timeout) {
    return fetcher(host, port, timeout, nullptr);
}

void fetch_topology_code(const std::string& host, int port, const std::string& id,
                         const fs::path& dest, std::chrono::milliseconds timeout) {
    auto first_error = std::make_shared<std::string>();
    // install_topology_code puts the code at <stormdist>/<id>: a staging stormdist beside dest.
    auto staging = dest.parent_path() / (".staging-" + common::random_hex(12));
    auto r = common::install_topology_code(staging, id, fetcher(host, port, timeout, first_error));
    std::error_code ec;
    if (!r) {
        fs::remove_all(staging, ec);
        throw std::runtime_error(!first_error->empty()
                                     ? *first_error
                                     : "the package of " + id + " fetched from Nimbus " + host +
                                           ":" + std::to_string(port) + ": " + r.error().message());
    }
    fs::rename(staging / id, dest, ec);
    fs::remove_all(staging);
    if (ec) {
        throw std::runtime_error("moving the code of " + id + " to " + dest.string() + ": " +
                                 ec.message());
    }
}

}  // namespace tempest::nimbus
