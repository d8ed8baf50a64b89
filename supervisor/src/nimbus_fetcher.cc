// SPDX-License-Identifier: Apache-2.0
#include "nimbus_fetcher.h"

#include "logger.h"
#include "tempest/common/config_keys.h"
#include "tempest/common/nimbus_client.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace tempest::supervisor::detail {

namespace fs = std::filesystem;

common::code_file_fetcher nimbus_fetcher(const config& conf) {
    std::vector<std::string> seeds;
    if (const value* v = conf.find(common::keys::nimbus_seeds); v != nullptr) {
        if (v->type() == value_type::list) {
            for (const auto& s : v->as_list()) {
                seeds.push_back(s.as_string());
            }
        } else if (v->type() == value_type::string) {
            seeds.push_back(v->as_string());
        }
    }
    const int port = static_cast<int>(common::conf_int(conf, common::keys::nimbus_thrift_port));
    // The seed that served last: the next file most likely comes from the same leader.
    auto first = std::make_shared<std::size_t>(0);
    return [seeds, port, first](const std::string& remote,
                                const fs::path& dest) -> common::result<void> {
        if (seeds.empty()) {
            log().warn("cannot fetch {}: nimbus.seeds is empty: no Nimbus to download from",
                       remote);
            return std::make_error_code(std::errc::invalid_argument);
        }
        std::string errors;
        for (std::size_t i = 0; i < seeds.size(); ++i) {
            const std::size_t at = (*first + i) % seeds.size();
            try {
                auto client =
                    common::nimbus_client::connect(seeds[at], port, std::chrono::seconds(30));
                client.download_file(remote, dest);
                *first = at;
                return {};
            } catch (const std::exception& e) {
                if (!errors.empty()) {
                    errors += "; ";
                }
                errors += fmt::format("{}:{}: {}", seeds[at], port, e.what());
            }
        }
        log().warn("no Nimbus served {}: {}", remote, errors);
        return std::make_error_code(std::errc::host_unreachable);
    };
}

}  // namespace tempest::supervisor::detail
