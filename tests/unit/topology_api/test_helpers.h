// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the topology_api unit tests: small spouts and bolts, a fake output
// collector that records what a bolt did, and a way to get an exception's message.
#pragma once

#include "tempest/topology.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tempest::test {

// The message of the E that f() throws; a test failure if it throws nothing.
template <typename E, typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected an exception, none was thrown";
    return {};
}

// Records every call a bolt makes on its collector. Single-threaded.
class fake_output_collector final : public output_collector {
  public:
    struct emitted {
        std::string stream;
        std::size_t anchors;
        values v;
    };
    void ack(const tuple& /*input*/) override { ++acked; }
    void fail(const tuple& /*input*/) override { ++failed; }
    void report_error(std::string_view message) override { errors.emplace_back(message); }

    std::vector<emitted> emits;
    int acked = 0;
    int failed = 0;
    std::vector<std::string> errors;

  protected:
    void do_emit(std::string_view stream, std::span<const tuple* const> anchors, const values& v,
                 int /*direct_task*/) override {
        emits.push_back({std::string(stream), anchors.size(), v});
    }
};

// Emits nothing; declares `default` with [word].
class word_spout : public spout {
  public:
    void open(const config&, const topology_context&, spout_output_collector&) override {}
    void next_tuple() override {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"word"}); }
};

// Declares `default` with [word, count] and a direct stream `direct` with [word].
class count_bolt : public bolt {
  public:
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple&) override {}
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare({"word", "count"});
        d.declare_stream("direct", true, {"word"});
    }
};

// Declares nothing.
class sink_bolt : public bolt {
  public:
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple&) override {}
    void declare_output_fields(output_fields_declarer&) override {}
};

}  // namespace tempest::test
