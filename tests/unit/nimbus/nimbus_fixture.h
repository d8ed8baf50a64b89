// SPDX-License-Identifier: Apache-2.0
// Shared ground for the unit tests of Nimbus' parts: a temporary local dir, the in-memory
// cluster state with Nimbus' top-level nodes, a topology_store over them, fake clocks, and
// helpers that write what supervisors and workers would (their records, as Thrift bytes).
#pragma once

#include "nimbus_clocks.h"
#include "records.h"
#include "tempest/common/cluster_state.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/memory_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/cluster_records_types.h"
#include "tempest/thrift/topology_convert.h"
#include "topology_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace tempest::nimbus::testing {

namespace fs = std::filesystem;

// Two components: "words" (2 executors, 2 tasks) feeding "count" (2 executors, 4 tasks).
inline tempest::topology word_count() {
    tempest::topology t;
    component_def spout;
    spout.id = "words";
    spout.kind = component_kind::spout;
    spout.class_name = "word_spout";
    spout.parallelism = 2;
    spout.num_tasks = 2;
    spout.outputs = {{"default", fields{"word"}, false}};
    t.components.push_back(spout);
    component_def bolt;
    bolt.id = "count";
    bolt.class_name = "count_bolt";
    bolt.parallelism = 2;
    bolt.num_tasks = 4;
    bolt.inputs = {{"words", "default", {grouping_type::fields, fields{"word"}, "", {}}}};
    t.components.push_back(bolt);
    std::sort(t.components.begin(), t.components.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    return t;
}

// A directory removed with everything in it when the object goes.
class temp_dir {
  public:
    temp_dir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("tempest-nimbus-part-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    fs::path path;
};

class nimbus_part_test : public ::testing::Test {
  protected:
    nimbus_part_test() {
        fs::create_directories(inbox());
        fs::create_directories(stormdist());
        for (const auto& p : paths.top_level()) {
            if (p != "/") {
                EXPECT_TRUE(common::ensure_path(state, p));
            }
        }
    }

    fs::path inbox() const { return dir.path / "inbox"; }
    fs::path stormdist() const { return dir.path / "stormdist"; }

    // A package file in the inbox, as a finished upload leaves it.
    fs::path put_package(const std::string& content = "package") {
        auto p = inbox() / ("stormjar-" + std::to_string(++_packages) + ".so");
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }

    // Validates and stores a topology as a submission does; returns its id.
    std::string store_topology(const std::string& name,
                               const std::string& conf_json = R"({"topology.workers": 2})",
                               topology_status status = topology_status::active) {
        auto v = store.validate(name, conf_json, word_count(), "");
        return store.create(v, thrift::to_binary(thrift::to_thrift(word_count())), put_package(),
                            "0123", status, unix_now);
    }

    std::vector<std::string> children(const std::string& path) {
        auto r = state.children(path);
        return r ? *r : std::vector<std::string>{};
    }

    void add_supervisor(const std::string& id, std::vector<int> ports) {
        thrift::records::SupervisorRecord s;
        s.supervisor_id = id;
        s.hostname = id + ".example";
        s.ports = std::move(ports);
        s.version = "test";
        ASSERT_TRUE(state.create(paths.supervisor(id), thrift::to_binary(s)));
    }

    // The supervisor's periodic rewrite of its record.
    void beat_supervisor(const std::string& id) {
        auto s = thrift::from_binary<thrift::records::SupervisorRecord>(
                     state.get(paths.supervisor(id))->data)
                     .value();
        s.time_secs = unix_now;
        ASSERT_TRUE(state.set(paths.supervisor(id), thrift::to_binary(s)));
    }

    // A worker's heartbeat, written anew.
    void beat_worker(const std::string& id, const std::string& node, int port) {
        thrift::records::WorkerHeartbeatRecord hb;
        hb.topology_id = id;
        hb.time_secs = unix_now;
        auto path = paths.workerbeat(id, node, port);
        ASSERT_TRUE(common::ensure_path(state, paths.workerbeats(id)));
        if (state.get(path)) {
            ASSERT_TRUE(state.set(path, thrift::to_binary(hb)));
        } else {
            ASSERT_TRUE(state.create(path, thrift::to_binary(hb)));
        }
    }

    std::optional<assignment> assignment_of(const std::string& id) {
        auto r = store.read_assignment(id);
        return r ? std::optional<assignment>(to_schedule(*r)) : std::nullopt;
    }

    void advance(std::chrono::seconds by) {
        steady_now += by;
        unix_now += by.count();
    }
    nimbus_clocks fake_clocks() {
        return {[this] { return steady_now; }, [this] { return unix_now; }};
    }

    temp_dir dir;
    common::memory_cluster_state state;
    common::zk_paths paths{"/tempest"};
    config conf = common::default_config();
    topology_store store{state, paths, stormdist(), conf};
    std::chrono::steady_clock::time_point steady_now{std::chrono::hours(1000)};
    std::int64_t unix_now = 1'800'000'000;

  private:
    int _packages = 0;
};

}  // namespace tempest::nimbus::testing
