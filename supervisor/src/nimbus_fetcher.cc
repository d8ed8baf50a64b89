// SPDX-License-Identifier: Apache-2.0
#include "nimbus_fetcher.h"

#include "logger.h"
#include "tempest/common/config_keys.h"
#include "tempest/common/nimbus_client.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace tempest::supervisor::detail {

namespace fs = std::filesystem;

common::code_file_fetcher nimbus_fetcher(const config& conf) {
    std::vector<common::nimbus_address> seeds;
    std::string bad_seeds;
    try {
        seeds = common::nimbus_seeds(conf);
    } catch (const std::invalid_argument& e) {
        bad_seeds = e.what();
    }
    // The address that served last: the next file most likely comes from the same Nimbus.
    auto last = std::make_shared<std::string>();
    const auto timeout = std::chrono::milliseconds(
        common::conf_int(conf, common::keys::storm_thrift_socket_timeout_ms));
    return [seeds, bad_seeds, last, timeout](const std::string& remote,
                                             const fs::path& dest) -> common::result<void> {
        if (seeds.empty()) {
            log().warn("cannot fetch {}: {}: no Nimbus to download from", remote, bad_seeds);
            return std::make_error_code(std::errc::invalid_argument);
        }
        std::vector<std::string> errors;
        std::vector<std::string> tried;
        auto attempt = [&](common::nimbus_client& client) {
            tried.push_back(client.endpoint());
            try {
                client.download_file(remote, dest);
                *last = client.endpoint();
                return true;
            } catch (const std::exception& e) {
                errors.push_back(fmt::format("{}: {}", client.endpoint(), e.what()));
                return false;
            }
        };
        // The leader first (it has every topology's code), as Storm's supervisor does; then
        // every seed in turn (a standby that replicated the code serves it too).
        try {
            auto client = common::nimbus_client::connect_leader(seeds, timeout);
            if (attempt(client)) {
                return {};
            }
        } catch (const std::exception& e) {
            errors.push_back(e.what());
        }
        std::vector<common::nimbus_address> order = seeds;
        std::stable_partition(order.begin(), order.end(),
                              [&](const auto& a) { return a.text() == *last; });
        for (const auto& a : order) {
            if (std::find(tried.begin(), tried.end(), a.text()) != tried.end()) {
                continue;
            }
            try {
                auto client = common::nimbus_client::connect(a.host, a.port, timeout);
                if (attempt(client)) {
                    return {};
                }
            } catch (const std::exception& e) {
                tried.push_back(a.text());
                errors.push_back(e.what());
            }
        }
        log().warn("no Nimbus served {} (tried {}): {}", remote, fmt::join(tried, ", "),
                   fmt::join(errors, "; "));
        return std::make_error_code(std::errc::host_unreachable);
    };
}

}  // namespace tempest::supervisor::detail
