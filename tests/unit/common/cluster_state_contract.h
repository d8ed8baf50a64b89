// SPDX-License-Identifier: Apache-2.0
// The cluster_state contract suite: behaviour every backend must share (ZooKeeper's semantics,
// see cluster_state.h). The tests live in cluster_state_contract.cc; a backend runs them by
// linking that file and instantiating the suite, inside namespace tempest::common::contract,
// with a factory of its own:
//
//   INSTANTIATE_TEST_SUITE_P(zookeeper, cluster_state_contract,
//       ::testing::Values(contract_backend{"zookeeper", [] { return make_zk_backend(); }}),
//       contract_backend_name);
//
// The tests only create nodes under backend::root(), so a shared ZooKeeper can host them, and
// they wait for watch callbacks with a deadline, so asynchronous backends pass too.
#pragma once

#include "tempest/common/cluster_state.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace tempest::common::contract {

// One store (an in-memory tree, a ZooKeeper ensemble) that tests connect sessions to.
class backend {
  public:
    virtual ~backend() = default;
    // A new session on the store.
    virtual std::unique_ptr<cluster_state> connect() = 0;
    // An existing, empty node under which the tests work, e.g. "/contract-1a2b"; "" means "/".
    virtual std::string root() = 0;
};

struct contract_backend {
    std::string name;
    std::function<std::unique_ptr<backend>()> make;
};

inline std::string contract_backend_name(const ::testing::TestParamInfo<contract_backend>& info) {
    return info.param.name;
}

inline void PrintTo(const contract_backend& b, std::ostream* os) {
    *os << b.name;
}

class cluster_state_contract : public ::testing::TestWithParam<contract_backend> {
  protected:
    void SetUp() override {
        _backend = GetParam().make();
        state = _backend->connect();
    }
    void TearDown() override {
        state.reset();
        _backend.reset();
    }
    // `p` ("/a/b") under the backend's root.
    std::string path(const std::string& p) const { return _backend->root() + p; }
    std::unique_ptr<cluster_state> connect() { return _backend->connect(); }

    std::unique_ptr<cluster_state> state;  // the test's main session

  private:
    std::unique_ptr<backend> _backend;
};

}  // namespace tempest::common::contract
