// SPDX-License-Identifier: Apache-2.0
#include "tempest/supervisor/worker_launcher.h"

#include <gtest/gtest.h>

namespace tempest::supervisor {
namespace {

worker_launch_args args() {
    worker_launch_args a;
    a.command = {"/opt/tempest/bin/tempest", "worker"};
    a.topology_id = "wc-1-1700000000";
    a.supervisor_id = "sup-1";
    a.port = 6701;
    a.worker_id = "w-1";
    a.local_dir = "/var/tempest";
    return a;
}

TEST(supervisor_worker_launcher_test, builds_the_worker_command_line) {
    std::vector<std::string> want{"/opt/tempest/bin/tempest",
                                  "worker",
                                  "--topology-id",
                                  "wc-1-1700000000",
                                  "--supervisor-id",
                                  "sup-1",
                                  "--port",
                                  "6701",
                                  "--worker-id",
                                  "w-1",
                                  "-c",
                                  "storm.local.dir=/var/tempest"};
    EXPECT_EQ(worker_argv(args()), want);
}

TEST(supervisor_worker_launcher_test,
     passes_config_file_and_overrides_through_with_local_dir_last) {
    auto a = args();
    a.config_file = "/etc/tempest/tempest.yaml";
    a.overrides = {"storm.local.dir=relative", "storm.zookeeper.servers=[\"zk1\"]"};
    auto argv = worker_argv(a);
    std::vector<std::string> tail(argv.begin() + 10, argv.end());
    std::vector<std::string> want{
        "--config", "/etc/tempest/tempest.yaml",         "-c", "storm.local.dir=relative",
        "-c",       "storm.zookeeper.servers=[\"zk1\"]", "-c", "storm.local.dir=/var/tempest"};
    EXPECT_EQ(tail, want);
}

TEST(supervisor_worker_launcher_test, default_command_is_this_binary_worker) {
    auto cmd = default_worker_command();
    ASSERT_EQ(cmd.size(), 2u);
    EXPECT_TRUE(std::filesystem::path(cmd[0]).is_absolute());
    EXPECT_EQ(std::filesystem::path(cmd[0]).filename(), "supervisor_unit_test");
    EXPECT_EQ(cmd[1], "worker");
}

}  // namespace
}  // namespace tempest::supervisor
