// SPDX-License-Identifier: Apache-2.0
// The package cli_test drives `tempest local` with. tempest_main prints its arguments and, by
// its first argument, misbehaves in one chosen way:
//
//   (none)               submit a small counting topology whose spout reports one error
//   --unregistered       use a spout class that tempest_register did not register
//   --bad-conf           submit with topology.workers set to a string
//   --invalid-topology   subscribe a bolt to a component that does not exist
//   --swallow            submit an unregistered class, catch the refusal and return 0
//   --exit N             submit the good topology, then return N
#include "tempest/topology.h"

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

namespace {

// Emits 0..99 once, then nothing; reports one error so that the CLI has one to print.
class counting_spout : public tempest::spout {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const tempest::config&, const tempest::topology_context&,
              tempest::spout_output_collector& collector) override {
        _out = &collector;
        _out->report_error("counting_spout says hello");
    }
    void next_tuple() override {
        if (_next < 100) {
            _out->emit(tempest::values{_next++});
        }
    }

  private:
    tempest::spout_output_collector* _out = nullptr;
    std::int64_t _next = 0;
};

// Not registered by tempest_register: only the typed builder call registers it, on the fly.
class unregistered_spout final : public counting_spout {};

class sink_bolt final : public tempest::basic_bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer&) override {}
    void execute(const tempest::tuple&, tempest::basic_output_collector&) override {}
};

tempest::topology good_topology() {
    tempest::topology_builder b;
    b.set_spout("numbers", "cli_test.counting_spout");
    b.set_bolt("sink", "cli_test.sink_bolt").shuffle_grouping("numbers");
    return b.create_topology();
}

}  // namespace

TEMPEST_PACKAGE()

extern "C" void tempest_register(tempest::component_registry& registry) {
    registry.add_spout<counting_spout>("cli_test.counting_spout");
    registry.add_bolt<sink_bolt>("cli_test.sink_bolt");
}

extern "C" int tempest_main(int argc, char** argv, tempest::submitter& s) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string line = "package args:";
    for (const auto& a : args) {
        line += " [" + a + "]";
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);

    std::string mode = args.empty() ? "" : args[0];
    tempest::config conf;
    if (mode == "--unregistered" || mode == "--swallow") {
        tempest::topology_builder b;
        b.set_spout<unregistered_spout>("sneaky");
        try {
            s.submit_topology("cli-test", conf, b.create_topology());
        } catch (const std::exception&) {
            if (mode == "--swallow") {
                return 0;
            }
            throw;
        }
        return 0;
    }
    if (mode == "--bad-conf") {
        conf.set("topology.workers", "many");
    }
    if (mode == "--invalid-topology") {
        tempest::topology_builder b;
        b.set_spout("numbers", "cli_test.counting_spout");
        b.set_bolt("sink", "cli_test.sink_bolt").shuffle_grouping("nowhere");
        s.submit_topology("cli-test", conf, b.create_topology());
        return 0;
    }
    s.submit_topology("cli-test", conf, good_topology());
    if (mode == "--exit" && args.size() > 1) {
        return std::stoi(args[1]);
    }
    return 0;
}
