// SPDX-License-Identifier: Apache-2.0
// The Flux loader on arbitrary text, against a registry of one spout, two bolts (one built from
// typed arguments) and one custom grouping. Its contract is that every error is one flux_error;
// any other exception escapes and counts as a crash.
#include "fuzz_entries.h"
#include "tempest/common/flux_loader.h"
#include "tempest/topology.h"

#include <string>
#include <string_view>
#include <vector>

namespace tempest::fuzz {
namespace {

class word_spout final : public spout {
  public:
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare({"word"});
        d.declare_stream("direct", true, {"word"});
    }
    void open(const config&, const topology_context&, spout_output_collector&) override {}
    void next_tuple() override {}
};

class sink_bolt final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"word"}); }
    void execute(const tuple&, basic_output_collector&) override {}
};

class scaled_bolt final : public basic_bolt {
  public:
    scaled_bolt(double, std::string) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void execute(const tuple&, basic_output_collector&) override {}
};

class n_grouping final : public custom_stream_grouping {
  public:
    explicit n_grouping(const std::vector<value>& args) {
        if (args.size() != 1 || args[0].type() != value_type::int64) {
            throw registry_error("fuzz.n_grouping takes one integer");
        }
    }
    void prepare(const topology_context&, const std::string&, const std::string&,
                 const std::vector<int>&) override {}
    void choose_tasks(int, const values&, std::vector<int>&) override {}
};

component_registry& registry() {
    static component_registry* r = [] {
        static component_registry reg;
        reg.add_spout<word_spout>("fuzz.word_spout");
        reg.add_bolt<sink_bolt>("fuzz.sink");
        reg.add_bolt_with<scaled_bolt, double, std::string>("fuzz.scaled");
        reg.add_grouping<n_grouping>("fuzz.n_grouping");
        return &reg;
    }();
    return *r;
}

}  // namespace

int flux_entry(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        (void)common::parse_flux_yaml(text, "fuzz.yaml", registry());
    } catch (const common::flux_error&) {
    }
    return 0;
}

}  // namespace tempest::fuzz
