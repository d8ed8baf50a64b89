// SPDX-License-Identifier: Apache-2.0
// A minimal valid package for package_loader_test: registers one spout class and, from
// tempest_main, submits an empty topology whose name records the arguments it was given.
#include "tempest/topology.h"

#include <string>

namespace {

class quiet_spout final : public tempest::spout {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const tempest::config&, const tempest::topology_context&,
              tempest::spout_output_collector&) override {}
    void next_tuple() override {}
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" void tempest_register(tempest::component_registry& registry) {
    registry.add_spout<quiet_spout>("test_pkg.quiet_spout");
}

// Submits a topology named "args:<argv[1]>,<argv[2]>,..." with argv[0] in its conf, then
// returns the number after "--exit" if given, else 0.
extern "C" int tempest_main(int argc, char** argv, tempest::submitter& s) {
    std::string name = "args:";
    int rc = 0;
    for (int i = 1; i < argc; ++i) {
        if (i > 1) {
            name += ',';
        }
        name += argv[i];
        if (std::string(argv[i]) == "--exit" && i + 1 < argc) {
            rc = std::stoi(argv[i + 1]);
        }
    }
    tempest::config conf;
    conf.set("argv0", argv[0]);
    s.submit_topology(name, conf, tempest::topology{});
    return rc;
}
