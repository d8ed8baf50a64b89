// SPDX-License-Identifier: Apache-2.0
// cluster_test: the fixture the cluster tests derive from. Each test gets a fresh
// component_registry (topology_builder's typed set_spout<T>/set_bolt<T> register the test's
// classes in it) and a local_cluster over that registry, created on first use and destroyed
// after the test, which kills whatever still runs and joins its threads.
//
// The test's components run on executor threads; they report what they see through
// mutex-protected or atomic statics in each test file, which the test thread reads. A test that
// inspects such state after the fact kills the topology first: kill_topology() returns only
// when every executor thread has ended, so the state is final.
#pragma once

#include "tempest/test_support/wait_until.h"
#include "tempest/topology.h"
#include "tempest/worker/local_cluster.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace tempest::cluster_tests {

using namespace std::chrono_literals;
using test_support::wait_until;

class cluster_test : public ::testing::Test {
  protected:
    worker::local_cluster& cluster() {
        if (!_cluster) {
            _cluster = std::make_unique<worker::local_cluster>(_daemon_conf, _registry);
        }
        return *_cluster;
    }
    component_registry& registry() { return _registry; }

    // Destroys the cluster (killing every topology) before the fixture's other members go.
    void TearDown() override { _cluster.reset(); }

    config _daemon_conf;  // set before the first cluster() call to change daemon defaults

  private:
    component_registry _registry;  // declared before _cluster: outlives it
    std::unique_ptr<worker::local_cluster> _cluster;
};

}  // namespace tempest::cluster_tests
