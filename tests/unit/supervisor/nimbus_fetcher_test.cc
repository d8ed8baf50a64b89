// SPDX-License-Identifier: Apache-2.0
// The supervisor's Nimbus fetcher, the part that needs no Nimbus (the install itself, with its
// checksum check, is common::install_topology_code, tested in tests/unit/common).
#include "nimbus_fetcher.h"

#include "tempest/common/file_util.h"
#include "tempest/common/log.h"
#include "tempest/common/random_id.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace tempest::supervisor {
namespace {

namespace fs = std::filesystem;

TEST(supervisor_nimbus_fetcher_test, nimbus_fetcher_without_seeds_fails_clearly) {
    const fs::path dir =
        fs::temp_directory_path() / ("tempest-fetch-test-" + common::random_hex(12));
    fs::create_directories(dir);
    common::init_logging("info", dir / "supervisor.log");
    config conf;
    conf.set("nimbus.seeds", value::list{});
    auto fetch = detail::nimbus_fetcher(conf);
    auto r = fetch("wc-1/stormjar.so", dir / "stormjar.so");
    common::init_logging("info");
    EXPECT_FALSE(r);
    const std::string log = common::read_file(dir / "supervisor.log");
    EXPECT_NE(log.find("nimbus.seeds"), std::string::npos) << log;
    EXPECT_FALSE(fs::exists(dir / "stormjar.so"));
    fs::remove_all(dir);
}

}  // namespace
}  // namespace tempest::supervisor
