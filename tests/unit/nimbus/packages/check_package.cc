// SPDX-License-Identifier: Apache-2.0
// Packages for package_check_test, one per CHECK_PACKAGE_MODE:
//   ok     registers spout word_spout, bolt count_bolt and grouping even_grouping (the classes
//          nimbus_fixture.h's word_count() names) and nothing else;
//   throw  tempest_register throws;
//   crash  tempest_register aborts (SIGABRT);
//   hang   tempest_register never returns;
//   hog    tempest_register allocates and touches 4 GiB.
#include "tempest/topology.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

class word_spout final : public tempest::spout {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"word"}); }
    void open(const tempest::config&, const tempest::topology_context&,
              tempest::spout_output_collector&) override {}
    void next_tuple() override {}
};

class count_bolt final : public tempest::basic_bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer&) override {}
    void execute(const tempest::tuple&, tempest::basic_output_collector&) override {}
};

class even_grouping final : public tempest::custom_stream_grouping {
  public:
    void prepare(const tempest::topology_context&, const std::string&, const std::string&,
                 const std::vector<int>& targets) override {
        _targets = targets;
    }
    void choose_tasks(int, const tempest::values&, std::vector<int>& out) override {
        out.push_back(_targets.front());
    }

  private:
    std::vector<int> _targets;
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" void tempest_register(tempest::component_registry& registry) {
    registry.add_spout<word_spout>("word_spout");
    registry.add_bolt<count_bolt>("count_bolt");
    registry.add_grouping<even_grouping>("even_grouping");
#if CHECK_PACKAGE_MODE == 1
    throw std::runtime_error("this package refuses to register");
#elif CHECK_PACKAGE_MODE == 2
    std::abort();
#elif CHECK_PACKAGE_MODE == 3
    for (;;) {
        std::this_thread::yield();
    }
#elif CHECK_PACKAGE_MODE == 4
    constexpr std::size_t size = std::size_t{4} << 30;
    auto block = std::make_unique<char[]>(size);
    std::memset(block.get(), 1, size);
    registry.add_spout<word_spout>(std::string(1, block[size - 1]));
#endif
}

extern "C" int tempest_main(int, char**, tempest::submitter&) {
    return 0;
}
