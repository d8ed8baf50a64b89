// SPDX-License-Identifier: Apache-2.0
// The package class check at submit, with the real helper (`tempest package-classes`, a child
// process) and real packages (packages/check_package.cc): a topology naming a class its package
// does not register, or registers as another kind, is refused with InvalidTopologyException
// naming the component and the class, and leaves nothing stored; a package that does not load,
// throws, crashes, hangs or needs too much memory is refused saying so; a helper that cannot run
// or does not speak the protocol refuses the submission (never accepts it unchecked); shell
// components need no class and start no child. Also how long the check adds to a submission.
#include "package_check.h"

#include "nimbus_error.h"
#include "nimbus_fixture.h"
#include "nimbus_handler.h"
#include "nimbus_service.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/topology_api/shell_component.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace tempest::nimbus {
namespace {

namespace fs = std::filesystem;
namespace th = tempest::thrift;
using namespace std::chrono_literals;
using testing::nimbus_part_test;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

fs::path package(const std::string& mode) {
    return fs::path(TEMPEST_TEST_PACKAGES) / ("nimbus_check_" + mode + ".so");
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

package_check_settings helper(std::chrono::seconds timeout = 20s) {
    package_check_settings s;
    s.command = {TEMPEST_BINARY, "package-classes"};
    s.timeout = timeout;
    return s;
}

// word_count() with its bolt subscribing through the custom grouping even_grouping.
tempest::topology with_custom_grouping(const std::string& grouping_class) {
    auto t = testing::word_count();
    for (auto& c : t.components) {
        if (c.id == "count") {
            c.inputs[0].grouping = {grouping_type::custom, {}, grouping_class, {}};
        }
    }
    return t;
}

tempest::topology with_class(const std::string& component, const std::string& class_name) {
    auto t = testing::word_count();
    for (auto& c : t.components) {
        if (c.id == component) {
            c.class_name = class_name;
        }
    }
    return t;
}

class package_check_test : public nimbus_part_test {
  protected:
    package_check_test() { make_service(helper()); }

    void make_service(const package_check_settings& check) {
        config c = conf;
        c.set("nimbus.package.check", check.enabled);
        value::list command;
        for (const auto& part : check.command) {
            command.emplace_back(part);
        }
        c.set("nimbus.package.check.command", value(command));
        c.set("nimbus.package.check.timeout.secs",
              static_cast<std::int64_t>(check.timeout.count()));
        c.set("nimbus.package.check.memory.mb", check.memory_bytes >> 20);
        service.reset();
        service = std::make_unique<nimbus_service>(state, c, dir.path / "local", paths);
    }

    std::string upload(const std::string& bytes) {
        auto location = service->begin_upload();
        service->files().upload_chunk(location, bytes);
        service->files().finish_upload(location);
        return location;
    }

    std::string submit(const std::string& location, const tempest::topology& t,
                       const std::string& name = "wc") {
        nimbus_service::submission s;
        s.name = name;
        s.uploaded_location = location;
        s.conf_json = "{}";
        s.topology = t;
        s.code = thrift::to_binary(thrift::to_thrift(t));
        return service->submit(s);
    }

    // Submits `t` with `mode`'s package; expects a refusal of `kind` whose message holds every
    // part of `needles`, and nothing stored, the upload still in the inbox.
    void expect_refused(const std::string& mode, const tempest::topology& t,
                        const std::vector<std::string>& needles,
                        error_kind kind = error_kind::invalid_topology) {
        auto location = upload(read_file(package(mode)));
        try {
            submit(location, t);
            ADD_FAILURE() << "accepted a topology with package " << mode;
        } catch (const nimbus_error& e) {
            EXPECT_EQ(e.kind(), kind) << e.what();
            for (const auto& n : needles) {
                EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
                    << "'" << n << "' not in: " << e.what();
            }
        }
        EXPECT_TRUE(children(paths.storms()).empty());
        EXPECT_TRUE(fs::is_empty(dir.path / "local" / "nimbus" / "stormdist"));
        EXPECT_TRUE(fs::is_regular_file(location));
    }

    std::unique_ptr<nimbus_service> service;
};

TEST_F(package_check_test, the_helper_lists_what_the_package_registers) {
    auto classes = list_package_classes(helper(), package("ok"));
    EXPECT_EQ(classes, (registered_classes{{"count_bolt", component_class_kind::bolt},
                                           {"even_grouping", component_class_kind::grouping},
                                           {"word_spout", component_class_kind::spout}}));
}

TEST_F(package_check_test, a_topology_of_registered_classes_is_accepted) {
    auto id = submit(upload(read_file(package("ok"))), with_custom_grouping("even_grouping"));
    EXPECT_TRUE(store.read(id));
    EXPECT_EQ(read_file(dir.path / "local" / "nimbus" / "stormdist" / id / "stormjar.so"),
              read_file(package("ok")));
}

TEST_F(package_check_test, an_unregistered_class_is_refused_naming_component_and_class) {
    expect_refused("ok", with_class("count", "nope_bolt"),
                   {"topology 'wc'", "component 'count'", "class 'nope_bolt'", "does not register",
                    "count_bolt"});
    expect_refused("ok", with_class("words", "nope_spout"),
                   {"component 'words'", "spout class 'nope_spout'", "word_spout"});
}

TEST_F(package_check_test, a_class_of_the_other_kind_is_refused) {
    expect_refused("ok", with_class("words", "count_bolt"),
                   {"component 'words' is a spout", "'count_bolt'", "as a bolt"});
    expect_refused("ok", with_class("count", "even_grouping"),
                   {"component 'count' is a bolt", "'even_grouping'", "as a grouping"});
}

TEST_F(package_check_test, an_unregistered_grouping_class_is_refused) {
    expect_refused("ok", with_custom_grouping("nope_grouping"),
                   {"component 'count'", "grouping class 'nope_grouping'", "does not register"});
}

TEST_F(package_check_test, the_thrift_handler_refuses_with_invalid_topology_exception) {
    config c = conf;
    value::list command{value(TEMPEST_BINARY), value("package-classes")};
    c.set("nimbus.package.check.command", value(command));
    service.reset();
    nimbus_handler handler(state, c, dir.path / "local", paths);
    std::string location;
    handler.beginFileUpload(location);
    handler.uploadChunk(location, read_file(package("ok")));
    handler.finishFileUpload(location);
    try {
        handler.submitTopology("wc", location, "{}",
                               th::to_thrift(with_class("count", "nope_bolt")));
        ADD_FAILURE() << "accepted an unregistered class";
    } catch (const th::InvalidTopologyException& e) {
        EXPECT_NE(e.msg.find("component 'count'"), std::string::npos) << e.msg;
        EXPECT_NE(e.msg.find("'nope_bolt'"), std::string::npos) << e.msg;
    }
    handler.submitTopology("wc", location, "{}", th::to_thrift(testing::word_count()));
    EXPECT_EQ(children(paths.storms()).size(), 1U);
}

TEST_F(package_check_test, a_package_that_does_not_load_is_refused) {
    auto location = upload("not a shared library");
    try {
        submit(location, testing::word_count());
        ADD_FAILURE() << "accepted a package that is not a shared library";
    } catch (const nimbus_error& e) {
        EXPECT_EQ(e.kind(), error_kind::invalid_topology);
        EXPECT_NE(std::string(e.what()).find("cannot be loaded"), std::string::npos) << e.what();
    }
    expect_refused("throw", testing::word_count(),
                   {"cannot be loaded", "this package refuses to register"});
}

TEST_F(package_check_test, a_package_that_crashes_while_loading_is_refused) {
    expect_refused("crash", testing::word_count(),
                   {"topology 'wc'", "crashed while loading", "signal 6"});
}

TEST_F(package_check_test, a_package_that_hangs_is_refused_at_the_time_limit) {
    make_service(helper(1s));
    auto started = std::chrono::steady_clock::now();
    expect_refused("hang", testing::word_count(),
                   {"took longer than 1 s", "nimbus.package.check.timeout.secs"});
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST_F(package_check_test, a_package_that_needs_too_much_memory_is_refused) {
    if (sanitized) {
        GTEST_SKIP() << "sanitizer builds run the helper without the address-space limit";
    }
    auto check = helper();
    check.memory_bytes = std::int64_t{512} << 20;
    make_service(check);
    expect_refused("hog", testing::word_count(),
                   {"needs more than 512 MiB", "nimbus.package.check.memory.mb"});
}

TEST_F(package_check_test, a_helper_that_cannot_run_refuses_the_submission) {
    auto check = helper();
    check.command = {(dir.path / "no-such-tempest").string(), "package-classes"};
    make_service(check);
    auto location = upload(read_file(package("ok")));
    try {
        submit(location, testing::word_count());
        ADD_FAILURE() << "accepted a topology unchecked";
    } catch (const nimbus_error& e) {
        ADD_FAILURE() << "a missing helper is Nimbus' fault, not the topology's: " << e.what();
    } catch (const std::runtime_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("cannot run '" + check.command[0] + "'"), std::string::npos) << what;
        EXPECT_NE(what.find("nimbus.package.check.command"), std::string::npos) << what;
    }
    EXPECT_TRUE(children(paths.storms()).empty());
    EXPECT_TRUE(fs::is_regular_file(location));
}

TEST_F(package_check_test, a_helper_that_does_not_speak_the_protocol_refuses_the_submission) {
    auto check = helper();
    check.command = {"/bin/echo", "hello"};
    make_service(check);
    try {
        submit(upload(read_file(package("ok"))), testing::word_count());
        ADD_FAILURE() << "accepted a topology unchecked";
    } catch (const nimbus_error& e) {
        ADD_FAILURE() << "a wrong helper is Nimbus' fault, not the topology's: " << e.what();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("does not list package classes"), std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(children(paths.storms()).empty());
}

TEST_F(package_check_test, shell_components_need_no_class_and_start_no_child) {
    // A helper that cannot run: had the check started it, the submission would fail.
    auto check = helper();
    check.command = {(dir.path / "no-such-tempest").string()};
    make_service(check);
    tempest::topology t;
    component_def spout;
    spout.id = "lines";
    spout.kind = component_kind::spout;
    spout.class_name = std::string(shell_spout_class);
    spout.outputs = {{"default", fields{"line"}, false}};
    t.components.push_back(spout);
    component_def bolt;
    bolt.id = "split";
    bolt.class_name = std::string(shell_bolt_class);
    bolt.inputs = {{"lines", "default", {grouping_type::shuffle, {}, "", {}}}};
    t.components.push_back(bolt);
    EXPECT_FALSE(needs_package_classes(t));
    auto id = submit(upload("scripts only"), t);
    EXPECT_TRUE(store.read(id));
    // A custom grouping needs its class even between shell components.
    t.components[1].inputs[0].grouping = {grouping_type::custom, {}, "even_grouping", {}};
    EXPECT_TRUE(needs_package_classes(t));
}

TEST_F(package_check_test, the_check_can_be_turned_off) {
    auto check = helper();
    check.enabled = false;
    check.command = {(dir.path / "no-such-tempest").string()};
    make_service(check);
    EXPECT_NO_THROW(submit(upload("not a package"), with_class("count", "nope_bolt")));
}

// How long the check adds to a submission: the median of 7 submissions with and without it
// (printed; the bound only catches a check gone badly wrong, as this machine's load varies).
TEST_F(package_check_test, the_time_the_check_adds_to_a_submission) {
    const auto bytes = read_file(package("ok"));
    auto median_ms = [&](bool enabled) {
        auto check = helper();
        check.enabled = enabled;
        make_service(check);
        std::vector<double> ms;
        for (int i = 0; i < 7; ++i) {
            auto location = upload(bytes);
            auto started = std::chrono::steady_clock::now();
            submit(location, testing::word_count(), "wc" + std::to_string(i));
            ms.push_back(std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - started)
                             .count());
            service->kill("wc" + std::to_string(i), 0);
        }
        std::sort(ms.begin(), ms.end());
        return ms[ms.size() / 2];
    };
    double without = median_ms(false);
    double with = median_ms(true);
    std::printf("submit median: %.1f ms without the package check, %.1f ms with it (+%.1f ms)\n",
                without, with, with - without);
    RecordProperty("submit_ms_without_check", std::to_string(without));
    RecordProperty("submit_ms_with_check", std::to_string(with));
    EXPECT_LT(with - without, 5000.0);
}

}  // namespace
}  // namespace tempest::nimbus
