// SPDX-License-Identifier: Apache-2.0
// stored_topology: stormcode.ser + stormconf.json back into our topology and config, and errors
// naming the file.
#include "tempest/thrift/stored_topology.h"

#include "tempest/common/file_util.h"
#include "tempest/common/random_id.h"
#include "tempest/thrift/binary_codec.h"
#include "tempest/thrift/topology_convert.h"
#include "tempest/topology_api/windowing.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <system_error>

namespace tempest::thrift {
namespace {

namespace fs = std::filesystem;

tempest::topology one_spout() {
    tempest::topology t;
    component_def spout;
    spout.id = "spout";
    spout.kind = component_kind::spout;
    spout.class_name = "sentence_spout";
    spout.parallelism = 2;
    spout.num_tasks = 4;
    spout.outputs = {{"default", fields{"word"}, false}};
    t.components.push_back(spout);
    return t;
}

TEST(stored_topology_test, decodes_the_topology_and_its_conf) {
    config conf;
    conf.set(config::topology_acker_executors, 2);
    auto st = decode_stored_topology(to_binary(to_thrift(one_spout())), to_json(conf));
    ASSERT_EQ(st.topo.components.size(), 1u);
    EXPECT_EQ(st.topo.components[0].id, "spout");
    EXPECT_EQ(st.topo.components[0].parallelism, 2);
    EXPECT_EQ(st.topo.components[0].num_tasks, 4);
    EXPECT_EQ(st.conf.get_int(config::topology_acker_executors, -1), 2);
}

// A windowed bolt's settings are Storm's keys in its component config: they cross the wire
// with it, and the submit-time check still sees them on the other side.
TEST(stored_topology_test, a_windowed_bolts_keys_and_late_stream_cross_the_wire) {
    tempest::topology t = one_spout();
    component_def win;
    win.id = "win";
    win.kind = component_kind::bolt;
    win.class_name = "my.window_bolt";
    win.inputs = {{"spout", "default", {grouping_type::shuffle}}};
    win.outputs = {{"default", fields{"sum"}, false},
                   {"late", fields{windowed_bolt::late_tuple_field}, false}};
    set_window_config(win.conf, window_duration(std::chrono::seconds(20)),
                      window_duration(std::chrono::seconds(15)));
    win.conf.set(windowed_bolt::keys::timestamp_field, "ts");
    win.conf.set(windowed_bolt::keys::late_tuple_stream, "late");
    t.components.push_back(win);

    auto st = decode_stored_topology(to_binary(to_thrift(t)), to_json(config{}));
    const component_def* got = st.topo.find("win");
    ASSERT_NE(got, nullptr);
    using k = windowed_bolt::keys;
    EXPECT_EQ(got->conf.get_int(k::window_length_duration_ms, 0), 20000);
    EXPECT_EQ(got->conf.get_int(k::sliding_interval_duration_ms, 0), 15000);
    EXPECT_EQ(got->conf.get_string(k::timestamp_field, ""), "ts");
    EXPECT_EQ(got->conf.get_string(k::late_tuple_stream, ""), "late");
    EXPECT_NE(got->find_stream("late"), nullptr);
    EXPECT_THROW(st.topo.validate(st.conf), invalid_topology);  // 35 s > the default 30 s
    config longer;
    longer.set_message_timeout_secs(60);
    EXPECT_NO_THROW(st.topo.validate(longer));
}

TEST(stored_topology_test, corrupt_code_names_the_file) {
    try {
        (void)decode_stored_topology("garbage", "{}");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("stormcode.ser"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)decode_stored_topology(to_binary(to_thrift(one_spout())), "[1"),
                 invalid_topology);
}

TEST(stored_topology_test, reads_a_stormdist_directory) {
    const fs::path dir = fs::temp_directory_path() / ("tempest-stored-" + common::random_hex(12));
    fs::create_directories(dir);
    common::write_file_atomically(dir / "stormcode.ser", to_binary(to_thrift(one_spout())));
    EXPECT_THROW((void)read_stored_topology(dir), std::system_error);  // no stormconf.json
    common::write_file_atomically(dir / "stormconf.json", "{\"topology.workers\": 3}");
    auto st = read_stored_topology(dir);
    EXPECT_EQ(st.conf.get_int(config::topology_workers, 0), 3);
    EXPECT_EQ(st.topo.components.size(), 1u);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace tempest::thrift
