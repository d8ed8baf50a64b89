// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/package_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

namespace tempest::common {
namespace {

// Records what a package submits instead of running it.
class recording_submitter final : public submitter {
  public:
    void submit_topology(const std::string& name, const config& conf, const topology&) override {
        names.push_back(name);
        confs.push_back(conf);
    }
    std::vector<std::string> names;
    std::vector<config> confs;
};

std::string load_error(const std::filesystem::path& p) {
    try {
        package_loader pkg(p);
    } catch (const package_error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(package_loader_test, loads_registers_and_runs_main_with_argv) {
    package_loader pkg(TEMPEST_TEST_PKG_OK);
    EXPECT_EQ(pkg.api_version(), TEMPEST_API_VERSION);

    component_registry registry;
    pkg.register_components(registry);
    EXPECT_TRUE(registry.contains("test_pkg.quiet_spout"));
    EXPECT_EQ(registry.kind_of("test_pkg.quiet_spout"), component_class_kind::spout);

    recording_submitter sub;
    EXPECT_EQ(pkg.run_main({"--foo", "bar baz", ""}, sub), 0);
    ASSERT_EQ(sub.names.size(), 1u);
    EXPECT_EQ(sub.names[0], "args:--foo,bar baz,");
    EXPECT_EQ(sub.confs[0].get_string("argv0", ""), TEMPEST_TEST_PKG_OK);
}

TEST(package_loader_test, run_main_returns_the_packages_exit_code) {
    package_loader pkg(TEMPEST_TEST_PKG_OK);
    recording_submitter sub;
    EXPECT_EQ(pkg.run_main({"--exit", "3"}, sub), 3);
}

TEST(package_loader_test, a_moved_package_stays_usable) {
    package_loader a(TEMPEST_TEST_PKG_OK);
    package_loader b(std::move(a));
    recording_submitter sub;
    EXPECT_EQ(b.run_main({}, sub), 0);
    EXPECT_EQ(b.path(), TEMPEST_TEST_PKG_OK);
}

TEST(package_loader_test, a_missing_file_is_named) {
    EXPECT_EQ(load_error("/nonexistent/wordcount.so"),
              "package /nonexistent/wordcount.so not found");
}

TEST(package_loader_test, a_directory_is_not_a_package) {
    std::string dir = std::filesystem::temp_directory_path().string();
    EXPECT_EQ(load_error(dir), "package " + dir + " is not a regular file");
}

TEST(package_loader_test, a_file_that_is_not_a_library_reports_dlerror) {
    auto p = std::filesystem::temp_directory_path() /
             ("tempest-not-a-library-" + std::to_string(::getpid()) + ".so");
    std::ofstream(p) << "not an ELF file\n";
    std::string msg = load_error(p);
    std::filesystem::remove(p);
    EXPECT_EQ(msg.rfind("cannot load package " + p.string() + ": ", 0), 0u) << msg;
    // dlerror() names the file and the problem.
    EXPECT_NE(msg.find(p.string() + ":", 20), std::string::npos) << msg;
}

TEST(package_loader_test, a_missing_entry_point_is_named) {
    std::string msg = load_error(TEMPEST_TEST_PKG_NO_REGISTER);
    EXPECT_EQ(msg.rfind(std::string("package ") + TEMPEST_TEST_PKG_NO_REGISTER +
                            " does not export tempest_register",
                        0),
              0u)
        << msg;
}

TEST(package_loader_test, an_api_version_mismatch_is_refused) {
    EXPECT_EQ(load_error(TEMPEST_TEST_PKG_V2),
              std::string("package ") + TEMPEST_TEST_PKG_V2 +
                  " was built for tempest API version 2; this tempest speaks 1");
}

}  // namespace
}  // namespace tempest::common
