// SPDX-License-Identifier: Apache-2.0
// Nimbus' Thrift request path without a network or ZooKeeper: each request frame goes through
// process_request (the bounded binary protocol) into the generated NimbusProcessor and the real
// nimbus_handler, over an in-memory cluster state holding one supervisor and one running
// topology ("wc"), with fixed clocks. After the requests one delayed-action round and one
// monitor round run, so that what the requests stored reaches the scheduler too.
//
// Input: up to max_requests frames, each a u32 big-endian length and that many request bytes (a
// short last frame takes what is left), as the framed transport carries them. Every input
// starts from a fresh state in a fresh local dir, so that it reproduces on its own.
#include "fuzz_check.h"
#include "fuzz_entries.h"
#include "nimbus_handler.h"
#include "tempest/common/cluster_records.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/memory_cluster_state.h"
#include "tempest/common/zk_paths.h"
#include "tempest/thrift/Nimbus.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/thrift_request.h"
#include "tempest/thrift/topology_convert.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace tempest::fuzz {
namespace {

namespace fs = std::filesystem;

constexpr int max_requests = 8;

// A temporary directory for the process, removed at exit.
const fs::path& scratch() {
    static const fs::path dir = [] {
        std::string tmpl = (fs::temp_directory_path() / "tempest-fuzz-nimbus-XXXXXX").string();
        TEMPEST_FUZZ_CHECK(::mkdtemp(tmpl.data()) != nullptr, "cannot make a temporary dir");
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(scratch(), ec);
        });
        return fs::path(tmpl);
    }();
    return dir;
}

// "words" (2 executors) feeding "count" (2 executors, 4 tasks) by fields.
tempest::topology word_count() {
    tempest::topology t;
    component_def bolt;
    bolt.id = "count";
    bolt.class_name = "count_bolt";
    bolt.parallelism = 2;
    bolt.num_tasks = 4;
    bolt.inputs = {{"words", "default", {grouping_type::fields, fields{"word"}, "", {}}}};
    t.components.push_back(bolt);
    component_def spout;
    spout.id = "words";
    spout.kind = component_kind::spout;
    spout.class_name = "word_spout";
    spout.parallelism = 2;
    spout.num_tasks = 2;
    spout.outputs = {{"default", fields{"word"}, false}};
    t.components.push_back(spout);
    return t;
}

config nimbus_conf() {
    config conf = common::default_config();
    conf.set("nimbus.package.check", false);  // the uploads here are not shared libraries
    conf.set("nimbus.file.upload.max.bytes", 4096);
    return conf;
}

}  // namespace

int nimbus_thrift_entry(const std::uint8_t* data, std::size_t size) {
    static const config conf = nimbus_conf();
    static const thrift::StormTopology topology = thrift::to_thrift(word_count());
    const fs::path local = scratch() / "local";
    std::error_code ec;
    fs::remove_all(local, ec);
    fs::create_directories(local);

    const common::zk_paths paths("/tempest");
    common::memory_cluster_state state;
    for (const auto& p : paths.top_level()) {
        if (p != "/") {
            TEMPEST_FUZZ_CHECK(static_cast<bool>(common::ensure_path(state, p)), "ensure_path");
        }
    }
    common::supervisor_record sup;
    sup.supervisor_id = "sup-1";
    sup.hostname = "sup-1.example";
    sup.time_secs = 1'800'000'000;
    sup.ports = {6700, 6701};
    sup.version = "fuzz";
    TEMPEST_FUZZ_CHECK(
        static_cast<bool>(state.create(paths.supervisor("sup-1"), thrift::encode(sup))),
        "writing the supervisor record");

    const auto steady = std::chrono::steady_clock::time_point(std::chrono::hours(1000));
    auto handler = std::make_shared<nimbus::nimbus_handler>(state, conf, local, paths);
    handler->set_clocks({[steady] { return steady; }, [] { return std::int64_t{1'800'000'000}; }});
    handler->set_address("nimbus.example", 6627);
    std::string location;
    handler->beginFileUpload(location);
    handler->uploadChunk(location, "package-bytes");
    handler->finishFileUpload(location);
    handler->submitTopology("wc", location, R"({"topology.workers": 2})", topology);

    thrift::NimbusProcessor processor(handler);
    std::string_view in(reinterpret_cast<const char*>(data), size);
    for (int i = 0; i < max_requests && !in.empty(); ++i) {
        std::uint32_t length = 0;
        for (std::size_t k = 0; k < 4 && k < in.size(); ++k) {
            length = (length << 8) | static_cast<std::uint8_t>(in[k]);
        }
        in.remove_prefix(std::min<std::size_t>(4, in.size()));
        const std::string_view request = in.substr(0, length);
        in.remove_prefix(request.size());
        const auto out = thrift::process_request(processor, request);
        if (out.close) {
            TEMPEST_FUZZ_CHECK(!out.error.empty(), "a connection closed without a reason");
            break;  // the server closes the connection
        }
    }
    (void)handler->run_due_actions(steady + std::chrono::hours(1));
    (void)handler->monitor_once();
    return 0;
}

}  // namespace tempest::fuzz
